"""`sizhi serve`: run the site under granian (WSGI), with static files served by whitenoise."""

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _("用 granian 运行网站。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("SIZHI_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("SIZHI_PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("SIZHI_WORKERS", "2"))
        )
        parser.add_argument("--no-migrate", action="store_true", help=_("启动前不执行数据库迁移"))

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        granian = shutil.which("granian", path=os.path.dirname(sys.executable))
        if granian is None:
            raise CommandError(_("未找到 granian，请先安装依赖。"))
        host, port = options["host"], options["port"]
        self.stdout.write(
            _("四直为民 正在运行：http://%(host)s:%(port)s/") % {"host": host, "port": port}
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
        os.execv(  # noqa: S606 - replaces this process with the server, no shell involved
            granian,
            [
                granian,
                "--interface",
                "wsgi",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(options["workers"]),
                "--blocking-threads",
                "4",
                "sizhi.config.wsgi:application",
            ],
        )
