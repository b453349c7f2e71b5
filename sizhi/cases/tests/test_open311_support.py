"""Helpers for the Open311 tests (no tests here): keys made through the action, requests in
both formats, and readers that check each format's shape.

``spark`` turns an XML answer into the structure its JSON twin has (by GeoReport's "Spark"
convention), with every value as the text XML shows, so the tests can prove both formats say
the same thing; ``texts`` turns a JSON answer into the same texts.
"""

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

from django.test import Client
from django.utils import timezone

from sizhi.accounts import actions as account_actions
from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases.models import ServiceAttribute

BASE = "/open311/v2"
FORMATS = ("xml", "json")
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'
FORM = "application/x-www-form-urlencoded"
# Elements whose children are a list, and the name of each child.
LISTS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def make_key(
    owner: Any = None,
    scopes: tuple[str, ...] = ("cases:write",),
    kind: str = "integration",
    region_code: str = "",
) -> tuple[str, Any]:
    """An integration key (secret, token) of a user made for a client system."""
    owner = owner or UserFactory(name="便民应用")
    issued = account_actions.create_api_token(
        owner=owner,
        name="便民应用接口",
        scopes=list(scopes),
        kind=kind,
        region_code=region_code,
        expires_at=timezone.now() + dt.timedelta(days=30) if kind == "personal" else None,
        actor=owner if kind == "personal" else None,
    )
    return issued.secret, issued.token


def get(path: str, fmt: str, **params: Any) -> Any:
    headers = params.pop("headers", {})
    return Client().get(f"{BASE}/{path}.{fmt}", params, headers=headers)


def post(fmt: str, fields: Any, query: str = "", **extra: Any) -> Any:
    """POST requests.{fmt} with a URL-encoded body (a dict, or the body itself)."""
    body = fields if isinstance(fields, str | bytes) else urlencode(fields, doseq=True)
    content_type = extra.pop("content_type", FORM)
    url = f"{BASE}/requests.{fmt}" + (f"?{query}" if query else "")
    return Client().post(url, body, content_type=content_type, **extra)


def xml_root(response: Any) -> ET.Element:
    assert response["Content-Type"] == XML_TYPE
    assert response.content.startswith(DECLARATION + b"\n")
    root = ET.fromstring(response.content)  # noqa: S314 - the site's own answer
    assert "}" not in root.tag  # no namespace
    return root


def spark(element: ET.Element) -> Any:
    """The JSON structure of an XML element, values as text."""
    if element.tag in LISTS:
        assert all(child.tag == LISTS[element.tag] for child in element), element.tag
        return [spark(child) for child in element]
    if len(element):
        names = [child.tag for child in element]
        assert len(names) == len(set(names)), names
        return {child.tag: spark(child) for child in element}
    return element.text or ""


def texts(value: Any) -> Any:
    """A JSON answer with every value as the text XML shows."""
    if isinstance(value, dict):
        return {key: texts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [texts(item) for item in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def read(response: Any, fmt: str, root: str) -> Any:
    """The answer's data (JSON as parsed; XML as ``spark`` has it), checking its format."""
    if fmt == "json":
        assert response["Content-Type"] == JSON_TYPE
        return response.json()
    element = xml_root(response)
    assert element.tag == root
    return spark(element)


def both(path: str, root: str, **params: Any) -> Any:
    """GET ``path`` in both formats: both 200 and saying the same; returns the JSON data."""
    as_json = get(path, "json", **params)
    as_xml = get(path, "xml", **params)
    assert (as_json.status_code, as_xml.status_code) == (200, 200), as_json.content
    data = read(as_json, "json", root)
    assert texts(data) == read(as_xml, "xml", root)
    return data


def errors_of(response: Any, fmt: str) -> tuple[int, list[tuple[int, str]]]:
    """(status, [(code, description)]) of an error answer, checking its shape."""
    if fmt == "json":
        assert response["Content-Type"] == JSON_TYPE
        body = response.json()
        assert isinstance(body, list)
        assert body
        assert all(set(error) == {"code", "description"} for error in body)
        pairs = [(error["code"], error["description"]) for error in body]
    else:
        root = xml_root(response)
        assert root.tag == "errors"
        assert len(root)
        pairs = []
        for error in root:
            assert error.tag == "error"
            assert [child.tag for child in error] == ["code", "description"]
            pairs.append((int(error.findtext("code") or 0), error.findtext("description") or ""))
    assert all(isinstance(code, int) and description for code, description in pairs)
    return response.status_code, pairs


def attribute(category: Any, code: str, datatype: str, order: int, **fields: Any) -> Any:
    fields.setdefault("description", f"{code} 的说明")
    return ServiceAttribute.objects.create(
        category=category, code=code, datatype=datatype, order=order, **fields
    )
