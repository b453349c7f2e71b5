"""`sizhi prune_idempotency_keys`: delete the answers kept for Idempotency-Key whose time has
passed, in batches. Idempotent; run it once an hour (docs/operations.md)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.accounts.actions import prune_idempotency_keys


class Command(BaseCommand):
    help = _("删除已过期的幂等键。")

    def handle(self, *args: Any, **options: Any) -> None:
        count = prune_idempotency_keys(now=timezone.now())
        self.stdout.write(_("删除 %(count)d 个过期的幂等键。") % {"count": count})
