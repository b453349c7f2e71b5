"""The ``api_key`` of a POST: an integration key (``szi_…``, an ApiToken of kind integration)
with the ``cases:write`` scope, in the form body, the query string or ``Authorization:
Bearer``. Anything else is 403, as GeoReport v2 says; its requests count against the key's
per-minute limit like the JSON API's."""

from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.accounts.actions import touch_api_token
from sizhi.accounts.apiauth import Principal, RateThrottle
from sizhi.accounts.models import ApiToken, TokenKind
from sizhi.accounts.tokens import find_token
from sizhi.cases.open311.render import Open311Error, field_error
from sizhi.core.api.messages import MESSAGES

SCOPE = "cases:write"


def key_of(request: HttpRequest, form: QueryDict) -> str:
    for value in (form.get("api_key"), request.GET.get("api_key")):
        if value and value.strip():
            return value.strip()
    scheme, _space, secret = request.headers.get("Authorization", "").strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def _denied(message: object) -> Open311Error:
    return field_error(403, [("api_key", message)])


def authorise(request: HttpRequest, form: QueryDict) -> Principal:
    """The caller of a POST, or 403; 429 when the key sent too many requests this minute."""
    secret = key_of(request, form)
    if not secret:
        raise _denied(MESSAGES["missing"])
    token: ApiToken | None = find_token(secret)
    if token is None or not token.user.is_active:
        raise _denied(_("访问令牌无效。"))
    if token.revoked_at is not None:
        raise _denied(_("访问令牌已撤销。"))
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        raise _denied(_("访问令牌已过期。"))
    if token.kind != TokenKind.INTEGRATION:
        raise _denied(_("Open311 接口须使用集成密钥（szi_ 开头），不接受个人令牌。"))
    if SCOPE not in token.scopes:
        raise _denied(_("此令牌没有“%(scope)s”权限。") % {"scope": SCOPE})
    touch_api_token(token=token, now=now)
    principal = Principal(token.user, token, frozenset(token.scopes), token.region_code)
    setattr(request, "auth", principal)  # noqa: B010 - what the rate limit counts by
    throttle = RateThrottle()
    if not throttle.allow_request(request):
        wait = throttle.wait() or 60
        raise Open311Error(
            429, _("请求过于频繁，请稍后再试。"), headers={"Retry-After": str(int(wait) + 1)}
        )
    return principal
