"""`sizhi worker`: run background tasks from the database queue."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _("运行后台任务队列。")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("db_worker")
