"""Checks on request bodies before anything else reads them: size (413) and type (415), and a
JSON parser that refuses what JSON does not allow."""

import functools
import json
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja.parser import Parser
from ninja.types import DictStrAny

from sizhi.core.api.errors import error_response

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_TYPE = "application/json"


def max_body_bytes() -> int:
    return int(getattr(settings, "SIZHI_API_MAX_BODY_BYTES", 64 * 1024))


def body_problem(request: HttpRequest) -> HttpResponseBase | None:
    """The error answer for a body that is too large or not JSON, or None. Decided from the
    headers alone, so an oversized body is never read into memory."""
    if request.method not in BODY_METHODS:
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0:
        return error_response(400, "invalid", _("Content-Length 请求头不正确。"))
    limit = max_body_bytes()
    if length > limit:
        return error_response(
            413, "too_large", _("请求体过大，不能超过%(limit)d字节。") % {"limit": limit}
        )
    if length and request.content_type != JSON_TYPE:
        return error_response(
            415,
            "unsupported_media_type",
            _("请求体须为 JSON，Content-Type 应为 application/json。"),
        )
    return None


def check_body(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap an operation's run (ninja's "view" decorator mode: before authentication and
    parsing) with the body checks."""

    @functools.wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        problem = body_problem(request)
        if problem is not None:
            return problem
        return run(request, *args, **kwargs)

    return checked


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class JsonParser(Parser):
    """Standard JSON only: NaN and Infinity are refused like any other malformed body."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        return cast(DictStrAny, json.loads(request.body, parse_constant=_no_constant))
