"""`sizhi load_calendar`: store the holiday schedules the chinese-calendar package knows."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from sizhi.orgs.actions import load_official_calendar


class Command(BaseCommand):
    help = _("载入 chinese-calendar 软件包中的法定节假日与调休安排（手工维护的年份不变）。")

    def handle(self, *args: Any, **options: Any) -> None:
        days = load_official_calendar(actor=None)
        self.stdout.write(_("已载入 %(days)d 个节假日与调休日期。") % {"days": days})
