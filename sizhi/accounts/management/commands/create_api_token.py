"""`sizhi create_api_token`: make an API token (an integration key by default) and print its
secret, which is shown this once only."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.accounts import actions
from sizhi.accounts.models import TokenKind, User
from sizhi.accounts.tokens import SCOPES
from sizhi.core.errors import Invalid
from sizhi.core.pii import normalise_mobile


class Command(BaseCommand):
    help = _("为指定用户创建 API 令牌，并显示一次令牌密钥。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help=_("令牌所有者的手机号"))
        parser.add_argument("--name", required=True, help=_("令牌名称，写明用途"))
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=sorted(SCOPES),
            required=True,
            help=_("权限范围，可重复"),
        )
        parser.add_argument(
            "--kind",
            choices=TokenKind.values,
            default=TokenKind.INTEGRATION,
            help=_("令牌类型，默认为集成密钥"),
        )
        parser.add_argument("--region", default="", help=_("区域范围（区划代码），默认不限"))
        parser.add_argument(
            "--expires-days",
            type=int,
            default=0,
            help=_("有效天数；0 表示长期有效（仅集成密钥）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        owner = User.objects.filter(phone=normalise_mobile(options["user"])).first()
        if owner is None:
            raise CommandError(_("未找到该手机号的用户。"))
        days = options["expires_days"]
        now = timezone.now()
        try:
            issued = actions.create_api_token(
                owner=owner,
                name=options["name"],
                scopes=options["scopes"],
                kind=options["kind"],
                region_code=options["region"],
                expires_at=now + dt.timedelta(days=days) if days > 0 else None,
                actor=None,
                now=now,
            )
        except Invalid as error:
            problems = "; ".join(
                f"{field}: {' '.join(str(m) for m in messages)}"
                for field, messages in error.fields.items()
            )
            raise CommandError(problems) from error
        self.stdout.write(
            _("已创建令牌“%(name)s”（%(prefix)s…）。密钥只显示这一次：")
            % {"name": issued.token.name, "prefix": issued.token.prefix}
        )
        self.stdout.write(issued.secret)
