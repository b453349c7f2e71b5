"""`export_regions [--root CODE] [--format csv|xlsx] [-o FILE]`: write the region tree."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sizhi.orgs import regionexport
from sizhi.orgs.models import Region


class Command(BaseCommand):
    help = _(
        "导出行政区域树（或以某区域为根的子树），列为 code、name、kind、level、parent_code、"
        "pinyin、latitude、longitude；导出的文件可以原样再导入。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--root", default="", help=_("只导出此区划代码及其下级区域"))
        parser.add_argument(
            "--format",
            choices=["csv", "xlsx"],
            default=None,
            help=_("文件格式；默认取输出文件的扩展名，否则为 csv"),
        )
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            default=None,
            help=_("输出文件；省略时 CSV 写到标准输出"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root: str = options["root"].strip()
        output: Path | None = options["output"]
        fmt = options["format"] or (
            "xlsx" if output is not None and output.suffix.lower() == ".xlsx" else "csv"
        )
        if root and not Region.objects.filter(code=root).exists():
            raise CommandError(_("区域 %(code)s 不存在。") % {"code": root})
        rows = regionexport.export_rows(root or None)
        if output is None:
            if fmt == "xlsx":
                raise CommandError(_("XLSX 格式须用 -o 指定输出文件。"))
            for chunk in regionexport.iter_csv(rows):
                self.stdout.write(chunk.decode(), ending="")
            return
        with output.open("wb") as handle:
            if fmt == "xlsx":
                regionexport.write_xlsx(rows, handle)
            else:
                regionexport.write_csv(rows, handle)
        count = regionexport.export_queryset(root or None).count()
        self.stdout.write(
            _("已导出%(count)d个区域到 %(path)s。") % {"count": count, "path": output}
        )
