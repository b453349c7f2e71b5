"""Run the periodic pass over motions (idempotent; run it on a timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from sizhi.deliberation.actions.sweep import sweep_motions


class Command(BaseCommand):
    help = "Flag overdue implementation of resolutions and count late objection answers."

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep_motions()
        self.stdout.write(
            f"overdue flagged: {report.overdue_flagged}; "
            f"objections past their answer deadline: {report.objections_late}"
        )
