"""Idempotency-Key on every POST of the JSON API.

A client that sends ``Idempotency-Key: <unique string>`` may repeat the request safely: while
the key is remembered (SIZHI_API_IDEMPOTENCY_HOURS, 24 by default) the same key from the same
token (or signed-in user) with the same method, path and body gets the first answer again,
status and body, without acting a second time; with another method, path or body it gets 422
``idempotency_key_reused`` (as the IETF draft on the header advises). Only successful answers
are kept: after an error nothing was done, so the same key may be sent again.

The first request, its action and the stored answer are one transaction. Two requests with
the same key at the same moment queue on the unique key (PostgreSQL) or on the write lock
(SQLite): the second sees the first's answer, and its own work is rolled back.
"""

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.responses import Status
from pydantic import BaseModel

from sizhi.accounts.apiauth import Principal
from sizhi.accounts.models import IdempotencyKey
from sizhi.core.api.errors import JSON_CONTENT_TYPE, ApiError, render_json

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 128


def _lifetime() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "SIZHI_API_IDEMPOTENCY_HOURS", 24)))


def _checked_key(raw: str) -> str:
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        message = _("Idempotency-Key 须为1到128个可见的 ASCII 字符。")
        raise ApiError(400, "invalid", message, fields={HEADER: [message]})
    return key


def _files_digest(request: HttpRequest) -> str:
    """A multipart body by content: the fields, and each file's name and bytes (the boundary
    and the order of the parts do not matter)."""
    fields = sorted((name, value) for name, values in request.POST.lists() for value in values)
    files = []
    for name, uploads in request.FILES.lists():
        for upload in uploads:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            files.append((name, upload.name or "", digest.hexdigest()))
    return json.dumps([fields, sorted(files)], separators=(",", ":"))


def fingerprint_of(request: HttpRequest) -> str:
    """A hash of what the request asks: method, path and body (JSON compared by content, so
    the order of keys and the spacing do not matter; a file upload by its fields and files)."""
    if request.content_type == "multipart/form-data":
        body = _files_digest(request)
    else:
        try:
            body = json.dumps(json.loads(request.body), sort_keys=True, separators=(",", ":"))
        except ValueError:
            body = request.body.decode("utf-8", "replace")
    text = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def _response(result: Any) -> HttpResponseBase:
    """The answer ninja would give for ``result``, rendered here so it can be kept."""
    if isinstance(result, HttpResponseBase):
        return result
    status = 200
    if isinstance(result, Status):
        status, result = result.status_code, result.value
    if isinstance(result, BaseModel):
        result = result.model_dump()
    return HttpResponse(render_json(result), status=status, content_type=JSON_CONTENT_TYPE)


def _stored(principal: str, key: str, now: dt.datetime) -> IdempotencyKey | None:
    found = IdempotencyKey.objects.filter(principal=principal, key=key).first()
    if found is not None and found.expires_at <= now:
        found.delete()  # forgotten: the key may be used afresh
        return None
    return found


def _replay(stored: IdempotencyKey, fingerprint: str) -> HttpResponse:
    if stored.fingerprint != fingerprint:
        raise ApiError(
            422,
            "idempotency_key_reused",
            _("该 Idempotency-Key 已用于另一个请求，请换一个新的键。"),
            fields={HEADER: [_("该键已用于另一个请求。")]},
        )
    response = HttpResponse(stored.body, status=stored.status, content_type=JSON_CONTENT_TYPE)
    response[REPLAYED_HEADER] = "true"
    return response


def _remember(
    principal: str, key: str, fingerprint: str, response: HttpResponseBase, now: dt.datetime
) -> None:
    # Expired answers are deleted by `sizhi prune_idempotency_keys` on a timer (an expired key
    # met again is deleted by _stored), not on every request: one write fewer per POST.
    content = response.content if isinstance(response, HttpResponse) else b""
    IdempotencyKey.objects.create(
        principal=principal,
        key=key,
        fingerprint=fingerprint,
        status=response.status_code,
        body=content.decode(),
        created_at=now,
        expires_at=now + _lifetime(),
    )


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an operation (ninja's "operation" decorator mode: after authentication and
    validation) so that POSTs honour Idempotency-Key."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        raw = request.headers.get(HEADER)
        principal = getattr(request, "auth", None)
        if request.method != "POST" or raw is None or not isinstance(principal, Principal):
            return view(request, *args, **kwargs)
        key, fingerprint, now = _checked_key(raw), fingerprint_of(request), timezone.now()
        try:
            with transaction.atomic():
                stored = _stored(principal.key, key, now)
                if stored is not None:
                    return _replay(stored, fingerprint)
                response = _response(view(request, *args, **kwargs))
                if 200 <= response.status_code < 300:
                    _remember(principal.key, key, fingerprint, response, now)
                return response
        except IntegrityError:
            # The same key was answered by a request that committed while this one worked.
            stored = _stored(principal.key, key, now)
            if stored is None:
                raise
            return _replay(stored, fingerprint)

    return wrapped
