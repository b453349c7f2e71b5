"""Run the periodic pass over motions (idempotent; run it on a timer)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from sizhi.deliberation.actions.sweep import sweep_motions


class Command(BaseCommand):
    help = _("标记逾期实施的决议并统计逾期未答复的异议。")

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep_motions()
        self.stdout.write(
            _("已标记实施逾期 %(overdue)d 项；逾期未答复的异议 %(late)d 项。")
            % {"overdue": report.overdue_flagged, "late": report.objections_late}
        )
