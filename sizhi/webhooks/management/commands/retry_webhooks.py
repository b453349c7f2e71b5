"""`sizhi retry_webhooks`: enqueue the webhook deliveries whose next attempt is due. Idempotent;
run it every minute (docs/api-webhooks.md)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.webhooks.actions import requeue_due_deliveries


class Command(BaseCommand):
    help = _("重新推送到期的待重试事件。")

    def handle(self, *args: Any, **options: Any) -> None:
        count = requeue_due_deliveries(now=timezone.now())
        self.stdout.write(_("重新推送 %(count)d 条事件。") % {"count": count})
