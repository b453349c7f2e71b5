"""Who is calling the JSON API: a token (``Authorization: Bearer …``) or the site's own
session (with CSRF on unsafe methods). Either way the caller is a Principal: the user whose
grants decide what is visible and allowed, narrowed by the token's scopes and region.

A token with a region scope sees nothing outside it, whatever its owner's grants: every
endpoint narrows what it asks for with ``Principal.narrow`` and checks what it found with
``Principal.covers``, on top of ``visible_to``.
"""

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from sizhi.accounts.actions import touch_api_token
from sizhi.accounts.models import ApiToken
from sizhi.accounts.tokens import SCOPES, find_token
from sizhi.core.api.errors import BEARER_CHALLENGE, ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    user: Any
    token: ApiToken | None
    scopes: frozenset[str]
    region_prefix: str = ""  # "": wherever the user's grants reach

    @property
    def key(self) -> str:
        """Who this is, for rate limits and idempotency keys."""
        return f"token:{self.token.pk}" if self.token is not None else f"user:{self.user.pk}"

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ApiError(
                403,
                "insufficient_scope",
                _("此令牌没有“%(scope)s”权限。") % {"scope": scope},
            )

    def covers(self, region_code: str) -> bool:
        return region_code.startswith(self.region_prefix)

    def narrow(self, region_code: str) -> str | None:
        """The part of the region ``region_code`` (""= everywhere) that the principal may
        see, as a prefix: the region itself, the token's region, or None when they do not
        overlap."""
        prefix = self.region_prefix
        if not prefix or region_code.startswith(prefix):
            return region_code
        if prefix.startswith(region_code):
            return prefix
        return None


def principal_of(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):  # every operation authenticates first
        raise ApiError(401, "not_authenticated", _("请先登录。"))
    return principal


def _invalid(code: str, detail: object) -> ApiError:
    return ApiError(
        401,
        code,
        detail,
        headers={"WWW-Authenticate": f'{BEARER_CHALLENGE}, error="invalid_token"'},
    )


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <secret>``. A request that sends the header gets a 401 for a bad
    token rather than falling back to its session cookie."""

    def __call__(self, request: HttpRequest) -> Principal | None:
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _space, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise _invalid("invalid_token", _("Authorization 请求头须为“Bearer 令牌”。"))
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        found = find_token(token)
        if found is None or not found.user.is_active:
            raise _invalid("invalid_token", _("访问令牌无效。"))
        if found.revoked_at is not None:
            raise _invalid("token_revoked", _("访问令牌已撤销。"))
        now = timezone.now()
        if found.expires_at is not None and found.expires_at <= now:
            raise _invalid("token_expired", _("访问令牌已过期。"))
        touch_api_token(token=found, now=now)
        return Principal(found.user, found, frozenset(found.scopes), found.region_code)


class SessionAuth(APIKeyCookie):
    """The site's own pages: the signed-in user, with every scope; unsafe methods need the
    CSRF token like any form of the site."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Principal | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiError(403, "csrf_failed", _("CSRF 校验失败，请刷新页面后重试。"))
        return Principal(user, None, frozenset(SCOPES), "")

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        return None  # __call__ decides


class RateThrottle(BaseThrottle):
    """At most SIZHI_API_REQUESTS_PER_MINUTE requests per token (or signed-in user) in each
    minute. Counted in the cache: per process with the default local-memory cache, so a brake
    against runaway clients rather than a wall (as for the appeal lookups)."""

    WINDOW = 60

    def allow_request(self, request: HttpRequest) -> bool:
        principal = getattr(request, "auth", None)
        limit = int(getattr(settings, "SIZHI_API_REQUESTS_PER_MINUTE", 0))
        if not isinstance(principal, Principal) or limit <= 0:
            return True
        key = f"api-rate:{principal.key}:{int(time.time() // self.WINDOW)}"
        cache.add(key, 0, timeout=self.WINDOW * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=self.WINDOW * 2)
            count = 1
        return count <= limit

    def wait(self) -> float | None:
        return self.WINDOW - time.time() % self.WINDOW
