"""Every change to accounts' own records: API tokens, and the answers kept for
Idempotency-Key."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.accounts.models import ApiToken, IdempotencyKey, TokenKind
from sizhi.accounts.tokens import SCOPES, VISIBLE_LENGTH, hash_secret, new_secret
from sizhi.core import audit
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.core.regioncode import is_valid

MAX_ACTIVE_TOKENS = 20
MAX_PERSONAL_LIFETIME = dt.timedelta(days=366)
# Writing "last used" on every request would make every read a write; once every few minutes
# is precise enough to see which tokens are still in use.
TOUCH_EVERY = dt.timedelta(minutes=5)
# Rows deleted per statement by the prune: small enough that a large backlog never holds a
# lock for long, large enough that a busy day's keys go in a few statements.
PRUNE_BATCH = 5000


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; only its hash is kept


def _check_token_input(
    *,
    owner: Any,
    name: str,
    kind: str,
    scopes: Sequence[str],
    region_code: str,
    expires_at: dt.datetime | None,
    now: dt.datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("请填写令牌名称。")]
    elif len(name) > 60:
        errors["name"] = [_("名称不能超过%(limit)d个字。") % {"limit": 60}]
    if kind not in TokenKind.values:
        errors["kind"] = [_("请选择有效的选项。")]
    if not scopes:
        errors["scopes"] = [_("请至少选择一项权限。")]
    elif any(scope not in SCOPES for scope in scopes):
        errors["scopes"] = [_("请选择有效的选项。")]
    if region_code and not is_valid(region_code):
        errors["region_code"] = [_("请输入有效的区划代码，如 520327101。")]
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = [_("到期时间须晚于现在。")]
    elif kind == TokenKind.PERSONAL and (
        expires_at is None or expires_at > now + MAX_PERSONAL_LIFETIME
    ):
        errors["expires_at"] = [_("个人令牌的有效期不能超过一年。")]
    if ApiToken.objects.filter(user_id=owner.pk).usable(now).count() >= MAX_ACTIVE_TOKENS:
        errors["name"] = [
            _("有效令牌已达%(limit)d个，请先撤销不用的令牌。") % {"limit": MAX_ACTIVE_TOKENS}
        ]
    if errors:
        raise Invalid(fields=errors)


@transaction.atomic
def create_api_token(
    *,
    owner: Any,
    name: str,
    scopes: Sequence[str],
    actor: Any,
    kind: str = TokenKind.PERSONAL,
    region_code: str = "",
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> IssuedToken:
    """Make a token for ``owner``. A personal token is made by its owner and lasts a year at
    most; an integration key (for another system) only by a superuser or from the command
    line (``actor`` None), and may last until revoked."""
    now = now or timezone.now()
    name, region_code = name.strip(), region_code.strip()
    scopes = list(dict.fromkeys(scopes))
    if not owner.is_active:
        raise Invalid(fields={"owner": [_("该账号已停用，请联系管理员。")]})
    if actor is not None and not (
        actor.is_superuser or (kind == TokenKind.PERSONAL and actor.pk == owner.pk)
    ):
        raise NotAllowed
    _check_token_input(
        owner=owner,
        name=name,
        kind=kind,
        scopes=scopes,
        region_code=region_code,
        expires_at=expires_at,
        now=now,
    )
    secret = new_secret(kind)
    token = ApiToken.objects.create(
        user=owner,
        name=name,
        kind=kind,
        prefix=secret[:VISIBLE_LENGTH],
        key_hash=hash_secret(secret),
        scopes=scopes,
        region_code=region_code,
        expires_at=expires_at,
    )
    audit.record(
        actor=actor,
        action="api_token.create",
        obj=token,
        changes={
            "owner": owner.pk,
            "kind": kind,
            "scopes": scopes,
            "region_code": region_code,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return IssuedToken(token, secret)


@transaction.atomic
def revoke_api_token(*, token_id: int, actor: Any, now: dt.datetime | None = None) -> ApiToken:
    """Revoke a token at once; its owner or a superuser may (``actor`` None: the system)."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or not (
        actor is None or actor.is_superuser or token.user_id == getattr(actor, "pk", None)
    ):
        raise NotFound
    if token.revoked_at is not None:
        raise InvalidState(_("该令牌已撤销。"))
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="api_token.revoke",
        obj=token,
        changes={"revoked_at": token.revoked_at.isoformat()},
    )
    return token


def touch_api_token(*, token: ApiToken, now: dt.datetime | None = None) -> None:
    """Note that the token was used, at most every few minutes. Bookkeeping like Django's own
    ``last_login``: no audit row, and no transaction of its own."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def prune_idempotency_keys(*, now: dt.datetime, batch: int = PRUNE_BATCH) -> int:
    """Forget the answers kept for Idempotency-Key whose time has passed at ``now`` (a token
    that posts again forgets its own; this forgets those of tokens that went quiet). At most
    ``batch`` rows per statement, the oldest first, each statement its own transaction when
    not inside another, until none is left. Bookkeeping: no audit row. Returns how many were
    deleted."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    expired = IdempotencyKey.objects.filter(expires_at__lte=now)
    deleted = 0
    while True:
        oldest = expired.order_by("expires_at").values("pk")[:batch]
        count, _counts = IdempotencyKey.objects.filter(pk__in=oldest).delete()
        deleted += count
        if count < batch:
            return deleted
