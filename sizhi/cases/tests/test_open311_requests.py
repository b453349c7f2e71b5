"""GET requests and GET requests/{id}: which cases are published, every field in both formats,
the filters and their defaults, and that no contact ever comes out."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from sizhi.cases.models import Case, Category
from sizhi.cases.tests.factories import CaseClockFactory, CaseFactory
from sizhi.cases.tests.test_open311_support import FORMATS, both, errors_of, get, xml_root

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # 12:00 in the county
NAME, PHONE, EMAIL, LANDLINE = "王小明", "13812345678", "wxm@example.com", "0851-12345678"


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _case(desk: Any, number: str, days: float, **fields: Any) -> Case:
    values: dict[str, Any] = {
        "number": number,
        "category": desk.village_matter,
        "is_public": True,
        "contact_name": NAME,
        "contact_phone": PHONE,
        "received_at": NOW - dt.timedelta(days=days),
    }
    values.update(fields)
    return CaseFactory.create(**values)


@pytest.fixture
def cases(tree: Any, desk: Any) -> dict[str, Case]:
    open_case = _case(
        desk,
        "520327-2026-000001",
        1,
        description=f"{NAME}反映：村口路灯不亮，电话{PHONE}，邮箱{EMAIL}。2026-11-20 起。",
        address="临江村一组12号",
        latitude=Decimal("27.954321"),
        longitude=Decimal("107.716543"),
        handling_unit=desk.village_centre,
        state="in_progress",
        media_url="https://img.example.com/a.jpg",
    )
    CaseClockFactory.create(
        case=open_case, due_at=dt.datetime(2026, 12, 4, 10, 0, tzinfo=UTC), started_at=NOW
    )
    closed = _case(
        desk,
        "520327-2026-000002",
        2,
        category=desk.township_matter,
        region=tree.village_b,
        state="closed",
        closed_at=NOW - dt.timedelta(hours=5),
        reply=f"已修复。如有问题请联系 {LANDLINE}。",
    )
    hidden = {
        "private": _case(desk, "520327-2026-000003", 1, is_public=False),
        "petition": _case(
            desk,
            "520327-2026-000004",
            1,
            kind="petition",
            petition_class="claim",
            is_confidential=True,
        ),
        "report": _case(desk, "520327-2026-000005", 1, kind="report"),
        "accusation": _case(
            desk, "520327-2026-000006", 1, kind="petition", petition_class="accusation"
        ),
        "confidential": _case(desk, "520327-2026-000007", 1, is_confidential=True),
        "other_county": _case(desk, "520328-2026-000001", 1, county_code="520328"),
    }
    old = _case(desk, "520327-2026-000008", 100, state="received")
    return {"open": open_case, "closed": closed, "old": old, **hidden}


OPEN_OUT = {
    "service_request_id": "520327-2026-000001",
    "status": "open",
    "status_notes": "办理中",
    "service_name": "路灯",
    "service_code": "0101",
    "description": "王**反映：村口路灯不亮，电话***********，邮箱***。2026-11-20 起。",
    "agency_responsible": "临江村便民服务中心",
    "service_notice": None,
    "requested_datetime": "2026-11-28T12:00:00+08:00",
    "updated_datetime": "2026-11-29T12:00:00+08:00",
    "expected_datetime": "2026-12-04T18:00:00+08:00",
    "address": "凤冈县进化镇临江村一组",
    "address_id": "520327101201001",
    "zipcode": None,
    "lat": 27.954,
    "long": 107.717,
    "media_url": "https://img.example.com/a.jpg",
}
CLOSED_OUT = {
    "service_request_id": "520327-2026-000002",
    "status": "closed",
    "status_notes": "已修复。如有问题请联系 *************。",
    "service_name": "乡村道路",
    "service_code": "0102",
    "description": "路灯坏了",
    "agency_responsible": None,
    "service_notice": None,
    "requested_datetime": "2026-11-27T12:00:00+08:00",
    "updated_datetime": "2026-11-29T07:00:00+08:00",
    "expected_datetime": None,
    "address": "凤冈县进化镇沙坝村",
    "address_id": "520327101202",
    "zipcode": None,
    "lat": None,
    "long": None,
    "media_url": None,
}


def _ids(data: list[dict[str, Any]]) -> list[str]:
    return [row["service_request_id"] for row in data]


def test_published_requests_in_both_formats(cases: Any) -> None:
    assert both("requests", "service_requests") == [OPEN_OUT, CLOSED_OUT]


def test_request_xml_elements(cases: Any) -> None:
    root = xml_root(get("requests", "xml"))
    assert root.tag == "service_requests"
    assert [child.tag for child in root] == ["request", "request"]
    assert [child.tag for child in root[0]] == list(OPEN_OUT)
    assert root[0].findtext("lat") == "27.954"
    assert root[1].findtext("lat") == ""
    assert root[0].findtext("status") == "open"
    assert root[1].findtext("status") == "closed"


def test_one_request_keeps_the_list_wrapper(cases: Any) -> None:
    assert both("requests/520327-2026-000001", "service_requests") == [OPEN_OUT]
    root = xml_root(get("requests/520327-2026-000002", "xml"))
    assert [child.tag for child in root] == ["request"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_and_unpublished_requests_are_404(cases: Any, fmt: str) -> None:
    for number in (
        "520327-2026-999999",
        *(cases[key].number for key in ("private", "petition", "report", "accusation")),
        *(cases[key].number for key in ("confidential", "other_county")),
    ):
        assert errors_of(get(f"requests/{number}", fmt), fmt) == (404, [(404, "未找到该对象。")])


def test_no_contact_ever_comes_out(cases: Any, desk: Any) -> None:
    paths = ["requests", "discovery", "services", "services/0101"]
    paths += [f"requests/{case.number}" for case in Case.objects.all()]
    for path in paths:
        for fmt in FORMATS:
            content = get(path, fmt, service_request_id="").content.decode()
            for secret in (NAME, PHONE, EMAIL, LANDLINE, "12345678", "12号"):
                assert secret not in content, (path, fmt, secret)


def test_the_merged_and_declined_are_closed_with_their_state(cases: Any, desk: Any) -> None:
    _case(desk, "520327-2026-000009", 1, state="merged", reply="")
    _case(desk, "520327-2026-000010", 1, state="declined")
    rows = both("requests", "service_requests", status="closed")
    assert [(r["service_request_id"], r["status_notes"]) for r in rows] == [
        ("520327-2026-000010", "不予受理"),
        ("520327-2026-000009", "已并单"),
        ("520327-2026-000002", "已修复。如有问题请联系 *************。"),
    ]


def test_status_filters(cases: Any) -> None:
    assert _ids(both("requests", "service_requests", status="open")) == [
        OPEN_OUT["service_request_id"]
    ]
    assert _ids(both("requests", "service_requests", status="closed")) == [
        CLOSED_OUT["service_request_id"]
    ]
    assert len(both("requests", "service_requests", status="open,closed")) == 2
    assert len(both("requests", "service_requests", status=" closed , open ")) == 2


def test_service_code_filters(cases: Any) -> None:
    assert _ids(both("requests", "service_requests", service_code="0102")) == ["520327-2026-000002"]
    assert len(both("requests", "service_requests", service_code="0101,0102")) == 2
    assert both("requests", "service_requests", service_code="9999") == []


def test_empty_arguments_are_the_same_as_none(cases: Any) -> None:
    empty = both(
        "requests",
        "service_requests",
        service_request_id="",
        service_code="",
        status="",
        start_date="",
        end_date="",
        jurisdiction_id="",
    )
    assert empty == both("requests", "service_requests")


def test_ids_override_every_other_argument(cases: Any) -> None:
    rows = both(
        "requests",
        "service_requests",
        service_request_id="520327-2026-000008, 520327-2026-000002,520327-2026-000003",
        status="open",
        service_code="0101",
        start_date="not a date",
    )
    assert _ids(rows) == ["520327-2026-000002", "520327-2026-000008"]


def test_dates_filter_on_the_request_time(cases: Any) -> None:
    assert _ids(both("requests", "service_requests")) == [
        "520327-2026-000001",
        "520327-2026-000002",
    ]  # the last 90 days; the case of 100 days ago is left out
    rows = both("requests", "service_requests", start_date="2026-08-20T00:00:00+08:00")
    assert _ids(rows) == ["520327-2026-000008"]  # 90 days from the start
    rows = both(
        "requests",
        "service_requests",
        start_date="2026-11-27T00:00:00Z",
        end_date="2026-11-28T00:00:00Z",
    )
    assert _ids(rows) == ["520327-2026-000002"]
    rows = both("requests", "service_requests", end_date="2026-11-28T12:00:00+08:00")
    assert _ids(rows) == ["520327-2026-000001", "520327-2026-000002"]


def test_a_plus_that_became_a_space_is_read_as_a_plus(cases: Any) -> None:
    rows = both("requests", "service_requests", start_date="2026-11-28T00:00:00 08:00")
    assert _ids(rows) == ["520327-2026-000001"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("start_date", "yesterday"),
        ("start_date", "2026-11-01"),
        ("end_date", "2026-11-01T00:00:00"),
        ("end_date", "2026-13-01T00:00:00Z"),
        ("start_date", "0001-01-01T00:00:00Z"),
    ],
)
def test_a_bad_date_is_400(cases: Any, fmt: str, name: str, value: str) -> None:
    assert errors_of(get("requests", fmt, **{name: value}), fmt) == (
        400,
        [(400, f"{name}: 请输入带时区的 W3C 日期时间，例如 2026-03-01T08:00:00+08:00。")],
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_range_or_status_is_400(cases: Any, fmt: str) -> None:
    too_long = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    assert errors_of(get("requests", fmt, **too_long), fmt) == (
        400,
        [(400, "end_date: 日期范围不能超过90天。")],
    )
    backwards = {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}
    assert errors_of(get("requests", fmt, **backwards), fmt) == (
        400,
        [(400, "end_date: end_date 不能早于 start_date。")],
    )
    assert errors_of(get("requests", fmt, status="pending"), fmt) == (
        400,
        [(400, "status: status 只能是 open 或 closed，可用逗号分隔。")],
    )


def test_at_most_the_first_results(cases: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("sizhi.cases.open311.published.MAX_RESULTS", 1)
    assert _ids(both("requests", "service_requests")) == ["520327-2026-000001"]


def test_a_paused_clock_moves_the_expected_time(cases: Any) -> None:
    cases["open"].clocks.update(state="paused", paused_at=NOW - dt.timedelta(hours=2))
    [row] = both("requests/520327-2026-000001", "service_requests")
    assert row["expected_datetime"] == "2026-12-04T20:00:00+08:00"


def test_the_list_takes_three_queries_however_long(
    cases: Any, desk: Any, django_assert_num_queries: Any
) -> None:
    for n in range(20):
        _case(desk, f"520327-2026-1{n:05d}", 3, handling_unit=desk.village_centre)
    with django_assert_num_queries(3):
        assert len(get("requests", "json").json()) == 22


def test_a_category_switched_off_still_shows_its_cases(cases: Any) -> None:
    Category.objects.filter(code="0101").update(is_active=False)
    assert _ids(both("requests", "service_requests", service_code="0101")) == ["520327-2026-000001"]


def test_text_is_escaped_and_characters_xml_cannot_carry_are_dropped(desk: Any) -> None:
    _case(desk, "520327-2026-000011", 1, description="a<b>&c\x0bd]]>\x1fe")
    root = xml_root(get("requests/520327-2026-000011", "xml"))
    assert root[0].findtext("description") == "a<b>&c" + "d]]>e"
    [row] = get("requests/520327-2026-000011", "json").json()
    assert row["description"] == "a<b>&c\x0bd]]>\x1fe"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_nul_in_the_path_or_the_query_is_400(cases: Any, fmt: str) -> None:
    expected = (400, [(400, "请求中不能含有空字符（U+0000）。")])
    assert errors_of(get("requests", fmt, service_request_id="a\x00b"), fmt) == expected
    assert errors_of(get("requests", fmt, service_code="01\x00"), fmt) == expected
    assert errors_of(get("requests/a%00b", fmt), fmt) == expected
    assert errors_of(get("services/01%00", fmt), fmt) == expected
