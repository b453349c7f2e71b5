"""`sizhi sweep_cases`: mark due-soon and overdue clocks, escalate overdue cases, flag bad
ratings not contacted in time and end petitions whose review window passed unused. Idempotent;
run it every five minutes (docs/operations.md)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.cases.actions.sweep import sweep_clocks


class Command(BaseCommand):
    help = _(
        "巡检诉求时限：标记即将超期和已超期的时限，超期自动督办，差评未按时联系的报创建办，"
        "复查复核申请期满的信访事项终结。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep_clocks(now=timezone.now())
        self.stdout.write(
            _(
                "即将超期 %(due_soon)d，已超期 %(overdue)d，自动督办 %(escalated)d，"
                "差评未按时联系 %(flagged)d。"
            )
            % {
                "due_soon": report.due_soon,
                "overdue": report.overdue,
                "escalated": report.escalated,
                "flagged": report.follow_ups_flagged,
            }
        )
        self.stdout.write(
            _("期满未申请复查复核而终结的信访事项 %(count)d。") % {"count": report.petitions_ended}
        )
