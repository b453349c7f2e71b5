"""API tokens: the scopes a token can carry, how secrets are made and recognised.

A secret is ``szp_`` (personal) or ``szi_`` (integration) followed by 43 characters of
``secrets.token_urlsafe(32)`` (256 random bits). Only its SHA-256 is stored: with that much
randomness a plain hash cannot be reversed, and a lookup by hash needs no per-token salt.
"""

import hashlib
import secrets
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sizhi.accounts.models import ApiToken, TokenKind

# What a token may be allowed to do. Each app's API checks the scopes of its endpoints; new
# ones (motions, meetings, …) are added here so that the list stays in one place.
SCOPES: dict[str, Promise] = {
    "cases:read": _("查看诉求"),
    "cases:write": _("登记和办理诉求"),
    "motions:read": _("查看议事：议题、会议、表决和下发议题"),
    "motions:write": _("参与和办理议事：提议、评议、会议、表决和下发议题"),
    "persons:read": _("查看居民（姓名和电话已脱敏）"),
}
SECRET_PREFIXES = {TokenKind.PERSONAL: "szp_", TokenKind.INTEGRATION: "szi_"}
VISIBLE_LENGTH = 12  # the prefix and the first characters of the random part
MAX_SECRET_LENGTH = 100


def new_secret(kind: str) -> str:
    return SECRET_PREFIXES[TokenKind(kind)] + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def find_token(secret: str) -> ApiToken | None:
    """The token (with its owner) whose secret this is, usable or not; None if there is none."""
    if not secret or len(secret) > MAX_SECRET_LENGTH or not secret.isascii():
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=hash_secret(secret)).first()


def scope_labels(scopes: list[Any]) -> list[str]:
    return [str(SCOPES.get(str(scope), scope)) for scope in scopes]
