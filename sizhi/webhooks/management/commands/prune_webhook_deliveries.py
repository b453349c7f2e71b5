"""`sizhi prune_webhook_deliveries`: delete the webhook deliveries that are done and older than
SIZHI_WEBHOOK_KEEP_DAYS, in batches. Idempotent; run it once a day (docs/operations.md)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.webhooks.actions import prune_deliveries


class Command(BaseCommand):
    help = _("删除超过保留天数的事件推送记录（已送达、推送失败或未推送的）。")

    def handle(self, *args: Any, **options: Any) -> None:
        count = prune_deliveries(now=timezone.now())
        self.stdout.write(_("删除 %(count)d 条过期的事件推送记录。") % {"count": count})
