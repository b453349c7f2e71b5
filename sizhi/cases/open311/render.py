"""Answers in both formats of GeoReport v2, and its error shape.

XML: an XML declaration, then the root element with no namespace; lists repeat a named child
(``services``/``service``, ``service_requests``/``request``, …); a missing value is an empty
element, booleans are ``true``/``false``. JSON follows the "Spark" convention: the root is
dropped, so lists are top-level arrays; a missing value is ``null``. Text goes through
ElementTree, which escapes it; characters XML 1.0 cannot carry are dropped first.
"""

import datetime as dt
import functools
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from sizhi.core.errors import NotFound

logger = logging.getLogger(__name__)

XML, JSON = "xml", "json"
CONTENT_TYPES = {
    XML: "text/xml; charset=utf-8",
    JSON: "application/json; charset=utf-8",
}
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# The child element of each list.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 does not allow (C0 controls other than tab, newline and return; lone
# surrogates; U+FFFE and U+FFFF).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Open311Error(Exception):
    """An error answer: the HTTP status and one or more (code, description) pairs."""

    def __init__(
        self,
        status: int,
        description: object,
        *,
        more: Iterable[tuple[int, object]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.errors = [(status, str(description)), *((c, str(d)) for c, d in more)]
        self.headers = headers or {}
        super().__init__(str(description))


def field_error(status: int, problems: list[tuple[str, object]]) -> Open311Error:
    """One error per problem, each description naming its field (``service_code: …``)."""
    described = [(status, f"{name}: {message}") for name, message in problems]
    first, rest = described[0], described[1:]
    return Open311Error(status, first[1], more=rest)


def iso(value: dt.datetime | None) -> str | None:
    """W3C-DTF with the offset of the site's time zone, to the second."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    return NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item = ITEMS[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def xml_bytes(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    body = ET.tostring(element, encoding="unicode", short_empty_elements=False)
    return (DECLARATION + body).encode()


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def respond(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    body = xml_bytes(root, data) if fmt == XML else json_bytes(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    data = [{"code": code, "description": description} for code, description in error.errors]
    response = respond(fmt, "errors", data, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def not_found() -> Open311Error:
    return Open311Error(404, NotFound.default_message)


def format_of(path: str) -> str:
    """The format a path asks for: JSON for ``.json``, XML (the required one) otherwise."""
    return JSON if path.endswith(".json") else XML


View = Callable[..., HttpResponse]


def _has_nul(request: HttpRequest) -> bool:
    return "\x00" in request.path or any(
        "\x00" in name or any("\x00" in value for value in values)
        for name, values in request.GET.lists()
    )


def endpoint(*methods: str) -> Callable[[View], View]:
    """A view of the API: the listed methods only (HEAD with GET), and every error answered in
    the format the path asks for. No CSRF: writes are authorised by the api_key, never by a
    session."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request: HttpRequest, fmt: str = XML, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in allowed:
                    raise Open311Error(
                        405,
                        _("不支持此请求方法。"),
                        headers={"Allow": ", ".join(sorted(allowed))},
                    )
                if _has_nul(request):  # PostgreSQL can neither store nor compare one
                    raise Open311Error(400, _("请求中不能含有空字符（U+0000）。"))
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return error_response(fmt, error)
            except RequestDataTooBig:
                return error_response(fmt, Open311Error(413, _("请求体过大。")))
            except TooManyFieldsSent:
                return error_response(fmt, Open311Error(400, _("请求体格式不正确。")))
            except Exception:
                logger.exception("Open311 request failed: %s %s", request.method, request.path)
                return error_response(fmt, Open311Error(500, _("服务器内部错误，请稍后再试。")))

        return wrapped

    return decorate


@endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
def unknown_path(request: HttpRequest, fmt: str) -> HttpResponse:
    raise not_found()


def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under the API: 404 in the format its suffix asks for."""
    return unknown_path(request, fmt=format_of(request.path))
