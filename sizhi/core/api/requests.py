"""Checks on requests before anything else reads them: the body's size (413) and type (415),
no character that a database cannot take (a NUL, which PostgreSQL can neither store nor
compare; a lone surrogate, which is not UTF-8), and a JSON parser that refuses what JSON
does not allow."""

import functools
import inspect
import json
import re
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja.parser import Parser
from ninja.types import DictStrAny

from sizhi.core.api.errors import ApiError, error_response

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_TYPE = "application/json"
NUL = "\x00"
# A NUL, or half of a surrogate pair: JSON's \u escapes can spell either.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _bad_character() -> str:
    return _("请求中含有不允许的字符。")


def max_body_bytes() -> int:
    return int(getattr(settings, "SIZHI_API_MAX_BODY_BYTES", 64 * 1024))


FILES_ATTRIBUTE = "sizhi_accepts_files"
MULTIPART_TYPE = "multipart/form-data"


def accepts_files(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an operation that takes ``multipart/form-data`` (files) instead of JSON; put it
    below the route decorator. Its body may be as large as the files it may carry."""
    setattr(view, FILES_ATTRIBUTE, True)
    return view


def files_body_bytes() -> int:
    """The largest body of a file upload: five files of the largest size, and the fields."""
    return max_body_bytes() + 5 * int(settings.SIZHI_MAX_ATTACHMENT_BYTES)


def body_problem(request: HttpRequest, *, files: bool = False) -> HttpResponseBase | None:
    """The error answer for a body that is too large or of the wrong type (JSON, or with
    ``files`` multipart), or None. Decided from the headers alone, so an oversized body is
    never read into memory."""
    if request.method not in BODY_METHODS:
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0:
        return error_response(400, "invalid", _("Content-Length 请求头不正确。"))
    limit = files_body_bytes() if files else max_body_bytes()
    if length > limit:
        return error_response(
            413, "too_large", _("请求体过大，不能超过%(limit)d字节。") % {"limit": limit}
        )
    if files:
        if length and request.content_type != MULTIPART_TYPE:
            return error_response(
                415,
                "unsupported_media_type",
                _("请求体须为 multipart/form-data。"),
            )
        return None
    if length and request.content_type != JSON_TYPE:
        return error_response(
            415,
            "unsupported_media_type",
            _("请求体须为 JSON，Content-Type 应为 application/json。"),
        )
    return None


def text_problem(request: HttpRequest) -> HttpResponseBase | None:
    """The error answer for a NUL character in the path or the query string (Django has
    already replaced what is not UTF-8 there), or None."""
    message = _bad_character()
    if NUL in request.path:
        return error_response(400, "invalid", message)
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return error_response(400, "invalid", message, {name.replace(NUL, ""): [message]})
    return None


def form_problem(request: HttpRequest) -> HttpResponseBase | None:
    """For a file upload: the error answer for a multipart body that cannot be parsed, or a
    field that holds a character no database takes; None when it is fine."""
    if request.method not in BODY_METHODS:
        return None
    try:
        fields = request.POST
    except MultiPartParserError:
        return error_response(400, "invalid", _("请求体不是有效的 multipart/form-data。"))
    message = _bad_character()
    for name, values in fields.lists():
        if UNSTORABLE.search(name) or any(UNSTORABLE.search(value) for value in values):
            return error_response(400, "invalid", message, {UNSTORABLE.sub("", name): [message]})
    return None


def check_body(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap an operation's run (ninja's "view" decorator mode: before authentication and
    parsing) with the request checks."""
    operation = getattr(inspect.unwrap(run), "__self__", None)
    files = bool(getattr(getattr(operation, "view_func", None), FILES_ATTRIBUTE, False))

    @functools.wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        problem = body_problem(request, files=files) or text_problem(request)
        if problem is None and files:
            problem = form_problem(request)
        if problem is not None:
            return problem
        return run(request, *args, **kwargs)

    return checked


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unstorable_at(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where in a parsed body a string (or a key) holds a character no database takes, or
    None."""
    if isinstance(value, str):
        return path if UNSTORABLE.search(value) else None
    items: Any = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, item in items:
        name = str(key)
        if UNSTORABLE.search(name):
            return (*path, UNSTORABLE.sub("", name))
        found = _unstorable_at(item, (*path, name))
        if found is not None:
            return found
    return None


class JsonParser(Parser):
    """Standard JSON only: NaN and Infinity are refused like any other malformed body; a NUL
    or a lone surrogate (``\\u0000``, ``\\ud800``) in any string is refused with the field
    that holds it."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = json.loads(request.body, parse_constant=_no_constant)
        found = _unstorable_at(data)
        if found is not None:
            message = _bad_character()
            raise ApiError(400, "invalid", message, fields={".".join(found) or "body": [message]})
        return cast(DictStrAny, data)
