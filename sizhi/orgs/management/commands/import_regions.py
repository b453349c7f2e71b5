"""`import_regions FILE [--update] [--dry-run]`: load a region tree from CSV or XLSX."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sizhi.orgs import regionio
from sizhi.orgs.actions import import_regions


class Command(BaseCommand):
    help = _(
        "从 CSV 或 XLSX 文件导入行政区域树。所有行校验通过后才会写入；有任何错误则什么也不导入。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("CSV 或 XLSX 文件的路径"))
        parser.add_argument(
            "--update",
            action="store_true",
            help=_("按文件修改名称或类型与文件不同的已有区域"),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("只校验并报告，不写入"))

    def handle(self, *args: Any, **options: Any) -> None:
        parsed = regionio.read_path(options["file"])
        problems = parsed.problems
        counts: dict[str, int] = {}
        if not problems:
            try:
                if options["dry_run"]:
                    plan = regionio.plan_import(
                        parsed.rows, update_existing=options["update"], actor=None
                    )
                    problems = plan.problems
                    counts = {
                        "created": len(plan.to_create),
                        "updated": len(plan.to_update),
                        "unchanged": plan.unchanged,
                    }
                else:
                    result = import_regions(
                        rows=parsed.rows, update_existing=options["update"], actor=None
                    )
                    counts = {
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    }
            except regionio.ImportRejected as exc:
                problems = exc.problems
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("未导入任何数据：共%(count)d处错误。") % {"count": len(problems)},
                returncode=1,
            )
        if options["dry_run"]:
            message = _(
                "校验通过（未写入）：将新增%(created)d个，更新%(updated)d个，未变%(unchanged)d个。"
            )
        else:
            message = _("导入完成：新增%(created)d个，更新%(updated)d个，未变%(unchanged)d个。")
        self.stdout.write(message % counts)
