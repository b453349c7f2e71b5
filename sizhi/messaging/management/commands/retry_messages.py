"""`sizhi retry_messages`: enqueue the messages whose delivery failed and whose next attempt is
due. Idempotent; run it every minute (docs/operations.md)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.messaging.actions import requeue_due_messages


class Command(BaseCommand):
    help = _("重新发送到期的待重试消息。")

    def handle(self, *args: Any, **options: Any) -> None:
        count = requeue_due_messages(now=timezone.now())
        self.stdout.write(_("重新发送 %(count)d 条消息。") % {"count": count})
