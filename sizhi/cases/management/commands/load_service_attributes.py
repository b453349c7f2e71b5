"""`sizhi load_service_attributes`: write the default Open311 service attributes (see
sizhi.cases.open311.defaults)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from sizhi.cases.open311.defaults import load_default_attributes


class Command(BaseCommand):
    help = _("为部分默认诉求分类载入 Open311 服务属性（按分类和编码更新）。")

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_default_attributes(actor=None)
        self.stdout.write(
            _("服务属性：新增 %(created)d 个，更新 %(updated)d 个。")
            % {"created": result.created, "updated": result.updated}
        )
        if result.missing_categories:
            self.stderr.write(
                _("这些分类不存在，已跳过：%(codes)s")
                % {"codes": "、".join(result.missing_categories)}
            )
        for problem in result.problems:
            self.stderr.write(problem)
