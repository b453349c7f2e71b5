"""Reads of accounts' own records."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from sizhi.accounts.models import ApiToken
from sizhi.accounts.tokens import scope_labels


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    scopes: list[str]  # labels
    status: str  # "active", "expired" or "revoked"


def _status(token: ApiToken, now: dt.datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def list_tokens_for(user: Any, limit: int = 100) -> list[TokenRow]:
    """The user's own tokens, newest first (one query)."""
    now = timezone.now()
    tokens = ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")[:limit]
    return [TokenRow(token, scope_labels(token.scopes), _status(token, now)) for token in tokens]
