"""Helpers for tests of the JSON API: tokens made through the action, requests with them."""

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.utils import timezone

from sizhi.accounts import actions

ALL_SCOPES = ("cases:read", "cases:write")


def issue(
    user: Any,
    scopes: tuple[str, ...] = ALL_SCOPES,
    region_code: str = "",
    days: int = 30,
    name: str = "测试令牌",
) -> str:
    """A personal token of ``user``; returns its secret."""
    return actions.create_api_token(
        owner=user,
        name=name,
        scopes=list(scopes),
        region_code=region_code,
        expires_at=timezone.now() + dt.timedelta(days=days),
        actor=user,
    ).secret


def auth(secret: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"} if secret else {}


def get(path: str, secret: str | None = None, client: Client | None = None, **params: Any) -> Any:
    return (client or Client()).get(path, params, headers=auth(secret))


def post(
    path: str,
    body: Any,
    secret: str | None = None,
    key: str | None = None,
    client: Client | None = None,
    **extra: Any,
) -> Any:
    headers = auth(secret)
    if key is not None:
        headers["Idempotency-Key"] = key
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    content_type = extra.pop("content_type", "application/json")
    return (client or Client()).post(
        path, data, content_type=content_type, headers=headers, **extra
    )


def error_of(response: Any) -> tuple[int, str, dict[str, list[str]]]:
    """(status, code, fields) of an error answer, checking it has the one shape."""
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}, body
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return response.status_code, body["code"], body["fields"]
