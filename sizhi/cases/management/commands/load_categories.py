"""`sizhi load_categories`: write the default category tree (see sizhi.cases.categories)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from sizhi.cases.categories import load_default_categories


class Command(BaseCommand):
    help = _("载入默认的诉求分类（两级，按编码更新），并按名称关联县直部门。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--county",
            default=settings.SIZHI_COUNTY_CODE,
            help=_("县级区划代码（6位），默认取 SIZHI_COUNTY_CODE"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_default_categories(options["county"], actor=None)
        self.stdout.write(
            _("诉求分类：新增 %(created)d 个，更新 %(updated)d 个，未变 %(unchanged)d 个。")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        )
        if result.rules:
            self.stdout.write(
                _("为本县新增 %(rules)d 条派单规则（分类已属其他县的部门）。")
                % {"rules": result.rules}
            )
        if result.missing_departments:
            self.stderr.write(
                _("本县未找到这些县直部门，相关分类暂无责任部门：%(names)s")
                % {"names": "、".join(result.missing_departments)}
            )
