"""Open311 discovery, the service list and service definitions, in both formats; the
jurisdiction; paths and methods that do not exist."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from sizhi.cases.models import Category
from sizhi.cases.open311.defaults import load_default_attributes
from sizhi.cases.tests.factories import CategoryFactory
from sizhi.cases.tests.test_open311_support import (
    BASE,
    FORMATS,
    attribute,
    both,
    errors_of,
    get,
    xml_root,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def services(desk: Any) -> Any:
    """The desk's categories, the default attributes of 路灯 (0101) and 道路 (0102), an
    inactive category and one under an inactive group."""
    load_default_attributes()
    CategoryFactory.create(code="0104", name="已停用", parent=desk.village_matter.parent)
    Category.objects.filter(code="0104").update(is_active=False)
    closed_group = CategoryFactory.create(code="02", name="停用的组")
    Category.objects.filter(pk=closed_group.pk).update(is_active=False)
    CategoryFactory.create(code="0201", name="组已停用", parent=closed_group)
    return desk


def test_discovery_in_both_formats() -> None:
    data = both("discovery", "discovery")
    assert list(data) == ["changeset", "contact", "key_service", "endpoints"]
    changeset = dt.datetime.strptime(data["changeset"], "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
    assert changeset < dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    assert "12343" in data["contact"]
    assert "cases:write" in data["key_service"]
    assert data["endpoints"] == [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://testserver/open311/v2",
            "changeset": "2026-11-29 00:00",
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }
    ]


def test_discovery_xml_element_names() -> None:
    root = xml_root(get("discovery", "xml"))
    assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert [child.tag for child in endpoint] == [
        "specification",
        "url",
        "changeset",
        "type",
        "formats",
    ]
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_discovery_changeset_follows_the_attributes(desk: Any) -> None:
    attribute(desk.village_matter, "A", "string", 1)
    assert both("discovery", "discovery")["changeset"] > "2026-11-29 00:00"


def test_the_service_list_in_both_formats(services: Any) -> None:
    data = both("services", "services")
    assert data == [
        {
            "service_code": "0101",
            "service_name": "路灯",
            "description": "基础设施：路灯，由村（社区）办理。",
            "metadata": True,
            "type": "realtime",
            "keywords": None,
            "group": "基础设施",
        },
        {
            "service_code": "0102",
            "service_name": "乡村道路",
            "description": "基础设施：乡村道路，由乡镇办理。",
            "metadata": True,
            "type": "realtime",
            "keywords": None,
            "group": "基础设施",
        },
        {
            "service_code": "0103",
            "service_name": "饮水安全",
            "description": "基础设施：饮水安全，由县水务局办理。",
            "metadata": False,
            "type": "realtime",
            "keywords": None,
            "group": "基础设施",
        },
    ]


def test_service_list_xml_elements(services: Any) -> None:
    root = xml_root(get("services", "xml"))
    assert root.tag == "services"
    assert [child.tag for child in root] == ["service"] * 3
    first = root[0]
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("metadata") == "true"
    assert root[2].findtext("metadata") == "false"
    assert first.findtext("keywords") == ""
    assert b"<keywords></keywords>" in get("services", "xml").content


def test_the_service_list_takes_one_query(services: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert get("services", "json").status_code == 200


def test_a_service_definition_in_both_formats(services: Any) -> None:
    data = both("services/0101", "service_definition")
    assert data == {
        "service_code": "0101",
        "attributes": [
            {
                "variable": True,
                "code": "LIGHT_FAULT",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": None,
                "order": 1,
                "description": "路灯出了什么问题？",
                "values": [
                    {"key": "off", "name": "不亮"},
                    {"key": "always_on", "name": "白天常亮"},
                    {"key": "flicker", "name": "闪烁"},
                    {"key": "pole", "name": "灯杆倾斜或损坏"},
                ],
            },
            {
                "variable": True,
                "code": "LIGHT_NO",
                "datatype": "string",
                "required": False,
                "datatype_description": "例如 LJ-015",
                "order": 2,
                "description": "路灯编号（灯杆上喷涂的编号，没有可不填）",
            },
        ],
    }


def test_service_definition_xml_elements(services: Any) -> None:
    root = xml_root(get("services/0102", "xml"))
    assert root.tag == "service_definition"
    assert [child.tag for child in root] == ["service_code", "attributes"]
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["ROAD_DAMAGE", "ROAD_PASSABLE"]
    assert [a.findtext("datatype") for a in attributes] == ["multivaluelist", "singlevaluelist"]
    assert [a.findtext("order") for a in attributes] == ["1", "2"]
    assert [v.findtext("key") for v in attributes[1].findall("values/value")] == [
        "no",
        "partly",
        "yes",
    ]
    assert attributes[0].findtext("required") == "true"
    assert attributes[0].findtext("datatype_description") == ""


def test_an_informational_attribute_is_never_required(desk: Any) -> None:
    attribute(desk.county_matter, "NOTE", "text", 2, variable=False, required=True)
    attribute(desk.county_matter, "N", "number", 1, required=True)
    data = both("services/0103", "service_definition")
    assert [(a["code"], a["variable"], a["required"]) for a in data["attributes"]] == [
        ("N", True, True),
        ("NOTE", False, False),
    ]
    assert "values" not in data["attributes"][0]


def test_a_service_without_attributes_has_an_empty_definition(desk: Any) -> None:
    assert both("services/0103", "service_definition") == {
        "service_code": "0103",
        "attributes": [],
    }
    assert b"<attributes></attributes>" in get("services/0103", "xml").content


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["9999", "01", "0104", "0201", "%20"])
def test_an_unknown_or_closed_service_is_404(services: Any, fmt: str, code: str) -> None:
    assert errors_of(get(f"services/{code}", fmt), fmt) == (404, [(404, "未找到该对象。")])


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_ours_or_empty_is_accepted(services: Any, fmt: str) -> None:
    for value in ("520327", "", " "):
        assert get("services", fmt, jurisdiction_id=value).status_code == 200
        assert get("services/0101", fmt, jurisdiction_id=value).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_jurisdiction_is_404(services: Any, fmt: str) -> None:
    for path in ("services", "services/0101", "requests", "tokens/abc"):
        status, errors = errors_of(get(path, fmt, jurisdiction_id="sfgov.org"), fmt)
        assert status == 404
        assert errors == [(404, "未找到 jurisdiction_id“sfgov.org”，本接口只服务“520327”。")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_is_always_unknown(fmt: str, db: Any) -> None:
    assert errors_of(get("tokens/12345", fmt), fmt) == (404, [(404, "未找到该对象。")])


def test_unknown_paths_are_404_in_the_format_they_ask_for(db: Any) -> None:
    client = Client()
    for path in ("services.csv", "services", "nothing.json", "requests/a/b.json", ""):
        response = client.get(f"{BASE}/{path}")
        fmt = "json" if path.endswith(".json") else "xml"
        assert errors_of(response, fmt) == (404, [(404, "未找到该对象。")]), path


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_method_is_405_in_the_error_format(fmt: str, db: Any) -> None:
    response = Client().delete(f"{BASE}/services.{fmt}")
    assert errors_of(response, fmt) == (405, [(405, "不支持此请求方法。")])
    assert response["Allow"] == "GET, HEAD"
    response = Client().put(f"{BASE}/requests.{fmt}")
    assert errors_of(response, fmt)[0] == 405
    assert response["Allow"] == "GET, HEAD, POST"


def test_head_answers_like_get(services: Any) -> None:
    assert Client().head(f"{BASE}/services.json").status_code == 200


def test_errors_speak_the_requested_language(services: Any) -> None:
    # The request switches the thread's language; give the next tests theirs back.
    with translation.override(translation.get_language()):
        for fmt in FORMATS:
            response = get("services/9999", fmt, headers={"Accept-Language": "en"})
            assert errors_of(response, fmt) == (404, [(404, "Not found.")])
