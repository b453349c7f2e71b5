"""`sizhi create_webhook`: subscribe an integration key (or a user) to case and motion events
and print the signing secret, which is shown this once only."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sizhi.accounts.models import ApiToken, User
from sizhi.core.errors import Invalid
from sizhi.core.pii import normalise_mobile
from sizhi.webhooks import actions


class Command(BaseCommand):
    help = _("创建事件订阅，并显示一次签名密钥。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help=_("订阅名称，写明用途"))
        parser.add_argument("--url", required=True, help=_("推送地址（http:// 或 https://）"))
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--token", help=_("所有者：集成密钥的前缀"))
        owner.add_argument("--user", help=_("所有者：用户的手机号"))
        parser.add_argument(
            "--event",
            action="append",
            dest="events",
            default=[],
            help=_("事件：case、motion、case.<环节> 或 motion.<环节>，可重复；默认全部"),
        )
        parser.add_argument("--region", default="", help=_("区域范围（区划代码），默认不限"))

    def _owner(self, options: dict[str, Any]) -> tuple[ApiToken | None, User | None]:
        if options["token"]:
            found = list(
                ApiToken.objects.select_related("user").filter(prefix=options["token"])[:2]
            )
            if len(found) != 1:
                raise CommandError(_("未找到该前缀的集成密钥。"))
            return found[0], None
        user = User.objects.filter(phone=normalise_mobile(options["user"])).first()
        if user is None:
            raise CommandError(_("未找到该手机号的用户。"))
        return None, user

    def handle(self, *args: Any, **options: Any) -> None:
        token, user = self._owner(options)
        try:
            issued = actions.create_subscription(
                name=options["name"],
                url=options["url"],
                token=token,
                user=user,
                events=options["events"],
                region_prefix=options["region"],
                actor=None,
            )
        except Invalid as error:
            problems = "; ".join(
                f"{field}: {' '.join(str(m) for m in messages)}"
                for field, messages in error.fields.items()
            )
            raise CommandError(problems) from error
        self.stdout.write(
            _("已创建订阅“%(name)s”（%(prefix)s…）。签名密钥只显示这一次：")
            % {"name": issued.subscription.name, "prefix": issued.subscription.secret_prefix}
        )
        self.stdout.write(issued.secret)
