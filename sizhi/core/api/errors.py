"""The one error shape of the JSON API, and the mapping of every error to it.

Every error answer is ``{"detail": str, "code": str, "fields": {name: [message, ...]}}`` with a
translated ``detail``, a stable machine-readable ``code`` and the messages per input field
(empty when the error is not about a field). The statuses:

- 400 ``invalid`` (bad input, from the actions or from the schemas), ``malformed_json``,
  ``invalid_cursor``;
- 401 ``not_authenticated``, ``invalid_token``, ``token_expired``, ``token_revoked``;
- 403 ``forbidden``, ``insufficient_scope``, ``csrf_failed``;
- 404 ``not_found`` (missing and not visible are never told apart);
- 405 ``method_not_allowed``;
- 409 ``invalid_state`` (the object is not in a state that allows this, or changed meanwhile);
- 413 ``too_large``, 415 ``unsupported_media_type``;
- 422 ``idempotency_key_reused`` (the same Idempotency-Key with another request);
- 429 ``throttled``;
- 500 ``server_error``.
"""

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import Throttled as NinjaThrottled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import NinjaJSONEncoder

from sizhi.core.api.messages import field_message
from sizhi.core.errors import (
    ActionError,
    Invalid,
    InvalidState,
    NotAllowed,
    NotFound,
    Throttled,
)

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
BEARER_CHALLENGE = 'Bearer realm="sizhi"'

# The status of each kind of action error (the first match wins).
ACTION_STATUSES: tuple[tuple[type[ActionError], int], ...] = (
    (Invalid, 400),
    (NotAllowed, 403),
    (NotFound, 404),
    (InvalidState, 409),
    (Throttled, 429),
)


class ErrorOut(Schema):
    """The body of every error answer."""

    detail: str
    code: str
    fields: dict[str, list[str]]


class ApiError(Exception):
    """An error answer decided by the API layer itself (authentication, scopes, body checks)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: object,
        *,
        fields: Mapping[str, Iterable[object]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.fields = fields or {}
        self.headers = headers or {}
        super().__init__(str(detail))


def render_json(data: Any) -> str:
    """JSON text as every answer of the API writes it (Chinese left readable)."""
    return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)


def error_response(
    status: int,
    code: str,
    detail: object,
    fields: Mapping[str, Iterable[object]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body = {
        "detail": str(detail),
        "code": code,
        "fields": {
            str(name): [str(m) for m in messages] for name, messages in (fields or {}).items()
        },
    }
    response = HttpResponse(render_json(body), status=status, content_type=JSON_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _api_error(request: HttpRequest, exc: Any) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.detail, exc.fields, exc.headers)


def _action_error(request: HttpRequest, exc: Any) -> HttpResponse:
    status = next((code for kind, code in ACTION_STATUSES if isinstance(exc, kind)), 400)
    fields = exc.fields if isinstance(exc, Invalid) else {}
    return error_response(status, exc.code, exc.message, fields)


def _field_name(location: tuple[Any, ...]) -> str:
    """``("body", "payload", "title")`` → ``title``; ``("query", "limit")`` → ``limit``; the
    whole body → ``body``."""
    source, *path = [str(part) for part in location] or ["body"]
    if source in {"body", "form"} and path:
        path = path[1:]  # the view's parameter name, not part of what the client sent
    return ".".join(path) or source


def _validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        name = _field_name(tuple(error.get("loc", ())))
        fields.setdefault(name, []).append(field_message(error))
    return error_response(400, Invalid.code, Invalid.default_message, fields)


def _not_authenticated(request: HttpRequest, exc: Any) -> HttpResponse:
    return error_response(
        401,
        "not_authenticated",
        _("请在 Authorization 请求头中提供访问令牌（Bearer），或先登录。"),
        headers={"WWW-Authenticate": BEARER_CHALLENGE},
    )


def _throttled(request: HttpRequest, exc: Any) -> HttpResponse:
    return error_response(429, Throttled.code, _("请求过于频繁，请稍后再试。"))


def _http_error(request: HttpRequest, exc: Any) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, ApiError):  # the parser refused what it read (ninja wraps it)
        return _api_error(request, cause)
    if exc.status_code == 400 and isinstance(cause, ValueError | RecursionError):
        # The body could not be parsed (ninja wraps the parser's error), or nests too deep.
        return error_response(400, "malformed_json", _("请求体不是有效的 JSON。"))
    code, detail = {
        403: (NotAllowed.code, NotAllowed.default_message),
        404: (NotFound.code, NotFound.default_message),
    }.get(exc.status_code, (Invalid.code, Invalid.default_message))
    return error_response(exc.status_code, code, detail)


def _not_found(request: HttpRequest, exc: Any) -> HttpResponse:
    return error_response(404, NotFound.code, NotFound.default_message)


def _too_large(request: HttpRequest, exc: Any) -> HttpResponse:
    return error_response(413, "too_large", _("请求体过大。"))


def _server_error(request: HttpRequest, exc: Any) -> HttpResponse:
    logger.exception("API request failed: %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "server_error", _("服务器内部错误，请稍后再试。"))


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every error of ``api`` in the one shape. (The handlers take ``exc: Any``: ninja
    types a handler's argument as "an exception or its class", but always passes one.)"""
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(ActionError, _action_error)
    api.add_exception_handler(NinjaValidationError, _validation_error)
    api.add_exception_handler(AuthenticationError, _not_authenticated)
    api.add_exception_handler(NinjaThrottled, _throttled)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(RequestDataTooBig, _too_large)
    api.add_exception_handler(Exception, _server_error)
