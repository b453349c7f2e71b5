"""``sizhi export_popolo <region code> [-o file] [--private]``: the Popolo export of a place.

By default it writes what anybody may read at ``/popolo/<code>.json``; ``--private`` adds the
private motions and meeting titles, for the county's own archive. Names stay masked either
way. A file is written next to its final name and moved into place when complete.
"""

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sizhi.core.errors import NotFound
from sizhi.core.regioncode import is_valid
from sizhi.deliberation.popolo import export_for
from sizhi.deliberation.popolo_write import write_popolo


class Command(BaseCommand):
    help = _("导出一个区域议事机构、成员、会议、议题和表决的 Popolo 数据（JSON）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help=_("区划代码（县6位、乡镇9位、村12位、村民小组15位）"))
        parser.add_argument("-o", "--output", default="", help=_("写入的文件，默认输出到屏幕"))
        parser.add_argument(
            "--private", action="store_true", help=_("包括不公开的议题和会议名称（姓名仍脱敏）")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = str(options["code"]).strip()
        if not is_valid(code):
            raise CommandError(_("区划代码格式不正确。"))
        try:
            data = export_for(None, code, everything=options["private"])
        except NotFound:
            raise CommandError(_("区划代码 %(code)s 不存在。") % {"code": code}) from None
        target = options["output"]
        if not target:
            write_popolo(data, lambda piece: self.stdout.write(piece, ending=""))
            return
        path = Path(target)
        partial = path.with_name(path.name + ".part")
        try:
            with partial.open("w", encoding="utf-8") as out:
                write_popolo(data, out.write)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
