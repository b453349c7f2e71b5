"""``sizhi demo``: build the Fenggang County demo (see sizhi.demo.builder)."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils.translation import gettext as _

from sizhi.cases.workflow import CaseState
from sizhi.demo.builder import (
    DEFAULT_SEED,
    PROFILE_FULL,
    PROFILE_SMALL,
    DemoError,
    build_demo,
)
from sizhi.demo.counts import collect_counts, count_lines, table
from sizhi.demo.fenggang import COUNTY_CODE
from sizhi.demo.personas import DEMO_PASSWORD, Persona, existing_personas


class Command(BaseCommand):
    help = _("生成凤冈县示范数据：区域、单位、居民、议事会、服务阵地、演示账号和近一年的诉求。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--small",
            action="store_true",
            help=_("只为进化镇生成村、组和居民（快速试用与测试）"),
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=_("随机种子"))
        parser.add_argument("--reset", action="store_true", help=_("先删除已有示范数据再重建"))
        parser.add_argument("--counts", action="store_true", help=_("只统计现有数据，不生成"))
        parser.add_argument("--quiet", action="store_true", help=_("不显示进度条"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["counts"]:
            self._print_counts(collect_counts(COUNTY_CODE))
            return
        quiet = options["quiet"]
        try:
            report = build_demo(
                profile=PROFILE_SMALL if options["small"] else PROFILE_FULL,
                seed=options["seed"],
                reset=options["reset"],
                progress=not quiet and sys.stderr.isatty(),
                log=self.stdout.write,
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if not report.created:
            self.stdout.write(
                _(
                    "示范数据已存在（规模 {profile}，种子 {seed}），未做改动；重建请加 --reset。"
                ).format(profile=report.profile, seed=report.seed)
            )
        self._print_counts(report.counts)
        self._print_accounts(report.accounts if report.created else existing_personas())
        self._print_tracking(report.tracking)
        self.stdout.write(_("用时 {seconds:.1f} 秒").format(seconds=report.elapsed))

    def _print_counts(self, counts: dict[str, int]) -> None:
        rows = [[label, f"{value:,}"] for label, value in count_lines(counts)]
        for line in table([_("项目"), _("数量")], rows):
            self.stdout.write(line)

    def _print_accounts(self, accounts: list[tuple[Persona, str]]) -> None:
        self.stdout.write("")
        rows = [
            [str(persona.label), persona.phone, DEMO_PASSWORD, scope] for persona, scope in accounts
        ]
        for line in table([_("角色"), _("手机号"), _("密码"), _("范围")], rows):
            self.stdout.write(line)
        self.stdout.write(
            _("网站运行后（sizhi serve），在登录页 %(path)s 用上表任一账号登录。")
            % {"path": reverse("accounts:login")}
        )

    def _print_tracking(self, tracking: list[tuple[str, str, str]]) -> None:
        if not tracking:
            return
        self.stdout.write("")
        rows = [[number, code, str(CaseState(state).label)] for number, code, state in tracking]
        for line in table([_("诉求编号"), _("查询码"), _("状态")], rows):
            self.stdout.write(line)
        self.stdout.write(_("群众可在诉求查询页面凭编号和查询码查看办理进度、补充材料和评价。"))
