"""Contract tests of the case endpoints: intake, the list with its filters and keyset pages,
a case, its timeline, workflow steps, and the reference data."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sizhi.accounts.tests.apiclient import error_of, get, issue, post
from sizhi.cases.models import Case, CaseEvent
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import CaseFactory
from sizhi.core.api.cursor import encode_cursor
from sizhi.core.models import AuditLog

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


def intake_body(desk: Any, tree: Any, **overrides: Any) -> dict[str, Any]:
    """A valid body of POST /cases (other API tests file cases with it too)."""
    body: dict[str, Any] = {
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯坏了",
        "description": "临江村一组村口的路灯已经一周不亮。",
        "region_code": tree.group_a1.code,
        "contact_name": "张三",
        "contact_phone": "13900001234",
    }
    body.update(overrides)
    return body


# -- POST /cases -----------------------------------------------------------------------------------


def test_intake_files_a_case_through_submit_case(desk: Any, tree: Any, operator: Any) -> None:
    secret = issue(operator)
    response = post(CASES, intake_body(desk, tree, channel="hotline", urgency="urgent"), secret)
    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get()
    assert body["number"] == case.number
    assert len(body["tracking_code"]) == 8
    assert body["created"] is True
    assert body["repeat"] is False
    detail = body["case"]
    assert detail["number"] == case.number
    assert detail["state"] == "received"
    assert detail["channel"] == "hotline"
    assert detail["urgency"] == "urgent"
    assert detail["category"] == {"id": desk.village_matter.pk, "code": "0101", "name": "路灯"}
    assert detail["contact"] == {"name": "张*", "phone": "139****1234", "hidden": False}
    assert detail["allowed_transitions"] == ["accept", "decline", "dispatch", "merge", "add_note"]
    # The same intake as every channel: the receive event, its audit row, the clocks
    event = CaseEvent.objects.get(case=case)
    assert (event.transition, event.actor_id, event.data) == (
        "receive",
        operator.pk,
        {"channel": "hotline"},
    )
    assert AuditLog.objects.filter(action="case.receive", actor=operator).count() == 1
    assert case.clocks.count() >= 1
    assert case.ip_hash == ""  # a token's address is the system's, not the resident's


def test_intake_by_a_token_owner_without_grants_files_on_a_public_channel(
    desk: Any, tree: Any
) -> None:
    from sizhi.accounts.tests.factories import UserFactory

    app = UserFactory(name="便民应用")
    response = post(CASES, intake_body(desk, tree), issue(app, scopes=("cases:write",)))
    assert response.status_code == 201
    body = response.json()
    assert body["case"] is None  # filed, but not the app's to read
    assert Case.objects.get().channel == "app"


def test_a_staff_channel_needs_the_intake_permission(desk: Any, tree: Any) -> None:
    from sizhi.accounts.tests.factories import UserFactory

    secret = issue(UserFactory(), scopes=("cases:write",))
    before = snapshot()
    response = post(CASES, intake_body(desk, tree, channel="hotline"), secret)
    assert error_of(response)[:2] == (403, "forbidden")
    assert snapshot() == before


def test_a_double_submit_comes_back_as_the_same_case(desk: Any, tree: Any, operator: Any) -> None:
    secret = issue(operator)
    first = post(CASES, intake_body(desk, tree), secret)
    again = post(CASES, intake_body(desk, tree), secret)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["created"] is False
    assert again.json()["tracking_code"] == ""
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"category_id": 999999}, "category_id", "请选择诉求分类。"),
        ({"title": ""}, "title", "请填写标题。"),
        ({"region_code": "520327"}, "region_code", "请选择事发的乡镇、村或村民小组。"),
        ({"contact_phone": "12345"}, "contact_phone", "请输入有效的手机号码或带区号的固定电话。"),
        ({"kind": "gossip"}, "kind", "请选择有效的选项。"),
        ({"latitude": "north"}, "latitude", "请输入数字。"),
        ({"visitors": "many"}, "visitors", "请输入整数。"),
        ({"category_id": 10**30}, "category_id", "不能大于9223372036854775807。"),
        ({"nickname": "老张"}, "nickname", "不接受此字段。"),
    ],
)
def test_bad_intake_is_400_with_the_field_and_changes_nothing(
    desk: Any, tree: Any, operator: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    secret = issue(operator)
    before = snapshot()
    response = post(CASES, intake_body(desk, tree, **overrides), secret)
    status, code, fields = error_of(response)
    assert (status, code) == (400, "invalid")
    assert fields[field] == [message]
    assert snapshot() == before


def test_missing_fields_are_each_named(operator: Any, tree: Any) -> None:
    response = post(CASES, {"kind": "complaint"}, issue(operator))
    status, code, fields = error_of(response)
    assert (status, code) == (400, "invalid")
    # The place may come as region_code or as a point, so the intake (not the schema) asks
    # for it once the rest is there.
    assert fields == {
        "category_id": ["此项必填。"],
        "title": ["此项必填。"],
        "description": ["此项必填。"],
    }


# -- GET /cases ------------------------------------------------------------------------------------


def _cases(desk: Any, tree: Any, count: int, **fields: Any) -> list[Case]:
    start = timezone.now() - dt.timedelta(hours=count)
    return [
        CaseFactory.create(
            region=tree.group_a1,
            category=desk.village_matter,
            handling_unit=desk.village_centre,
            received_at=start + dt.timedelta(hours=n),
            **fields,
        )
        for n in range(count)
    ]


def test_the_list_pages_newest_first_with_an_opaque_cursor(
    desk: Any, tree: Any, county_admin: Any
) -> None:
    cases = _cases(desk, tree, 5)
    secret = issue(county_admin)
    numbers: list[str] = []
    cursor = ""
    for expected in (2, 2, 1):
        response = get(CASES, secret, limit=2, cursor=cursor)
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) == expected
        numbers += [item["number"] for item in page["items"]]
        cursor = page["next_cursor"] or ""
    assert cursor == ""
    assert numbers == [case.number for case in reversed(cases)]
    item = get(CASES, secret, limit=1).json()["items"][0]
    assert set(item) == {
        "number", "kind", "channel", "category", "urgency", "title", "state", "region_code",
        "handling_unit", "received_at", "updated_at",
    }  # fmt: skip
    assert item["handling_unit"] == {"id": desk.village_centre.pk, "name": "临江村便民服务中心"}


def test_the_list_filters(desk: Any, tree: Any, county_admin: Any) -> None:
    urgent = CaseFactory.create(region=tree.group_a1, urgency="urgent", category=desk.county_matter)
    closed = CaseFactory.create(region=tree.group_b1, state="closed", channel="hotline")
    other = CaseFactory.create(region=tree.township_b, category=desk.village_matter)
    secret = issue(county_admin)

    def numbers(**params: Any) -> set[str]:
        response = get(CASES, secret, **params)
        assert response.status_code == 200, response.content
        return {item["number"] for item in response.json()["items"]}

    assert numbers(urgency="urgent") == {urgent.number}
    assert numbers(state="closed") == {closed.number}
    assert numbers(state="open") == {urgent.number, other.number}
    assert numbers(channel="hotline") == {closed.number}
    assert numbers(region=tree.village_b.code) == {closed.number}
    assert numbers(region=tree.township_a.code) == {urgent.number, closed.number}
    assert numbers(category_id=desk.county_matter.pk) == {urgent.number}
    assert numbers(category_id=desk.county_matter.parent_id) == {urgent.number, other.number}
    Case.objects.filter(pk=other.pk).update(updated_at=timezone.now() + dt.timedelta(hours=1))
    since = (timezone.now() + dt.timedelta(minutes=30)).isoformat()
    assert numbers(updated_since=since) == {other.number}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"urgency": "whenever"}, "urgency"),
        ({"channel": "pigeon"}, "channel"),
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "0001-01-01T00:00:00+08:00"}, "updated_since"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": encode_cursor(timezone.now(), 2**63)}, "cursor"),
        ({"region": "abc"}, "region"),
        ({"region": "5203271"}, "region"),
        ({"category_id": 10**30}, "category_id"),
    ],
)
def test_bad_list_parameters_are_400(county_admin: Any, params: dict[str, Any], field: str) -> None:
    status, code, fields = error_of(get(CASES, issue(county_admin), **params))
    assert status == 400
    assert code in {"invalid", "invalid_cursor"}
    assert field in fields


def test_the_list_runs_the_same_queries_for_3_and_30_rows(
    desk: Any, tree: Any, county_admin: Any, django_assert_num_queries: Any
) -> None:
    secret = issue(county_admin)
    get(CASES, secret)  # the token's first use is noted once
    _cases(desk, tree, 3)
    # The token with its owner, the owner's grants, their handler units, the page.
    with django_assert_num_queries(4):
        assert len(get(CASES, secret).json()["items"]) == 3
    _cases(desk, tree, 27)
    with django_assert_num_queries(4):
        assert len(get(CASES, secret).json()["items"]) == 30


# -- GET /cases/{number} and its events ------------------------------------------------------------


def test_a_case_shows_its_masked_contact_and_steps(desk: Any, tree: Any, handler: Any) -> None:
    case = CaseFactory.create(
        region=tree.group_a1,
        handling_unit=desk.village_centre,
        state="assigned",
        contact_name="欧阳娜娜",
        contact_phone="13912345678",
        address="临江村一组5号",
    )
    response = get(f"{CASES}/{case.number}", issue(handler))
    assert response.status_code == 200
    body = response.json()
    assert body["contact"] == {"name": "欧***", "phone": "139****5678", "hidden": False}
    assert "13912345678" not in response.content.decode()
    assert body["allowed_transitions"] == ["sign_for", "object", "add_note"]
    assert body["address"] == "临江村一组5号"
    assert body["handling_unit"]["name"] == "临江村便民服务中心"


def test_a_confidential_reporter_is_hidden_from_the_unit_complained_about(
    desk: Any, tree: Any, handler: Any, county_admin: Any
) -> None:
    case = CaseFactory.create(
        region=tree.group_a1,
        handling_unit=desk.village_centre,
        complained_unit=desk.village_centre,
        is_confidential=True,
        kind="report",
        contact_name="王五",
        contact_phone="13911112222",
    )
    body = get(f"{CASES}/{case.number}", issue(handler)).json()
    assert body["contact"] == {"name": "", "phone": "", "hidden": True}
    body = get(f"{CASES}/{case.number}", issue(county_admin)).json()
    assert body["contact"] == {"name": "王*", "phone": "139****2222", "hidden": False}


def test_a_missing_case_is_404(county_admin: Any) -> None:
    assert error_of(get(f"{CASES}/520327-2026-999999", issue(county_admin)))[:2] == (
        404,
        "not_found",
    )


def test_the_timeline_lists_every_event(desk: Any, tree: Any, dispatcher: Any) -> None:
    secret = issue(dispatcher)
    number = post(CASES, intake_body(desk, tree), secret).json()["number"]
    post(f"{CASES}/{number}/transitions", {"name": "add_note", "note": "已电话核实"}, secret)
    post(
        f"{CASES}/{number}/transitions",
        {"name": "dispatch", "unit_id": desk.village_centre.pk},
        secret,
    )
    events = get(f"{CASES}/{number}/events", secret).json()
    assert [(e["transition"], e["from_state"], e["to_state"]) for e in events] == [
        ("receive", "", "received"),
        ("add_note", "received", "received"),
        ("dispatch", "received", "assigned"),
    ]
    assert events[1]["note"] == "已电话核实"
    assert events[1]["is_public"] is False
    assert events[2]["unit"] == {"id": desk.village_centre.pk, "name": "临江村便民服务中心"}


# -- POST /cases/{number}/transitions --------------------------------------------------------------


def test_a_case_goes_through_its_workflow(
    desk: Any, tree: Any, dispatcher: Any, handler: Any, operator: Any
) -> None:
    desk_token, handler_token = issue(dispatcher), issue(handler)
    number = post(CASES, intake_body(desk, tree), issue(operator)).json()["number"]

    def step(secret: str, **body: Any) -> dict[str, Any]:
        response = post(f"{CASES}/{number}/transitions", body, secret)
        assert response.status_code == 200, response.content
        return response.json()

    assert step(desk_token, name="accept")["state"] == "accepted"
    assert step(desk_token, name="dispatch")["state"] == "assigned"  # the terminal station
    assert step(handler_token, name="sign_for")["state"] == "in_progress"
    assert step(handler_token, name="contact", note="已电话联系")["state"] == "in_progress"
    replied = step(handler_token, name="reply", note="已更换灯泡。")
    assert replied["state"] == "replied"
    assert replied["case"]["reply"] == "已更换灯泡。"
    followed = step(issue(operator), name="follow_up", contacted=True, solved=True, satisfaction=5)
    assert followed["state"] == "closed"
    assert followed["transition"] == "follow_up"
    case = Case.objects.get(number=number)
    assert (case.state, case.satisfaction, case.handling_unit_id) == (
        "closed",
        5,
        desk.village_centre.pk,
    )


def test_an_invalid_step_is_409_and_changes_nothing(desk: Any, tree: Any, handler: Any) -> None:
    case = CaseFactory.create(region=tree.group_a1, handling_unit=desk.village_centre)
    secret = issue(handler)
    before = snapshot()
    response = post(f"{CASES}/{case.number}/transitions", {"name": "reply", "note": "x"}, secret)
    assert error_of(response)[:2] == (409, "invalid_state")
    assert snapshot() == before


def test_a_step_the_caller_may_not_take_is_403_and_changes_nothing(
    desk: Any, tree: Any, supervisor: Any
) -> None:
    case = CaseFactory.create(region=tree.group_a1)
    secret = issue(supervisor)
    before = snapshot()
    response = post(f"{CASES}/{case.number}/transitions", {"name": "accept"}, secret)
    assert error_of(response)[:2] == (403, "forbidden")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "decline", "note": "", "redirect_to": "县法院"}, "note"),
        ({"name": "transfer", "note": "属乡镇职责"}, "unit_id"),
        ({"name": "transfer", "note": "属乡镇职责", "unit_id": 10**20}, "unit_id"),
        ({"name": "pause_clock", "pause_reason": "lunch"}, "pause_reason"),
        ({"name": "merge", "numbers": ["520327-2026-999999"]}, "numbers"),
        ({"name": "teleport"}, "name"),
    ],
)
def test_a_step_with_bad_input_is_400_under_the_apis_field_names(
    desk: Any, tree: Any, county_admin: Any, body: dict[str, Any], field: str
) -> None:
    state = "in_progress" if body["name"] in {"transfer", "pause_clock"} else "received"
    case = CaseFactory.create(region=tree.group_a1, state=state, handling_unit=desk.village_centre)
    secret = issue(county_admin)
    before = snapshot()
    status, code, fields = error_of(post(f"{CASES}/{case.number}/transitions", body, secret))
    assert (status, code) == (400, "invalid")
    assert field in fields
    assert snapshot() == before


def test_merge_takes_the_numbers_of_the_children(desk: Any, tree: Any, dispatcher: Any) -> None:
    parent = CaseFactory.create(region=tree.group_a1, category=desk.village_matter)
    child = CaseFactory.create(region=tree.group_a1, category=desk.village_matter)
    response = post(
        f"{CASES}/{parent.number}/transitions",
        {"name": "merge", "numbers": [child.number]},
        issue(dispatcher),
    )
    assert response.status_code == 200
    child.refresh_from_db()
    assert (child.state, child.merged_into_id) == ("merged", parent.pk)


# -- Reference data --------------------------------------------------------------------------------


def test_categories_come_in_two_levels(desk: Any, handler: Any) -> None:
    body = get("/api/v1/categories", issue(handler, scopes=("cases:read",))).json()
    assert [(c["code"], c["parent_code"], c["selectable"]) for c in body] == [
        ("01", None, False),
        ("0101", "01", True),
        ("0102", "01", True),
        ("0103", "01", True),
    ]


def test_regions_walk_the_tree_from_the_top(tree: Any, operator: Any) -> None:
    secret = issue(operator)
    top = get("/api/v1/regions", secret).json()
    assert top == [
        {
            "code": "520327",
            "name": "凤冈县",
            "level": "county",
            "kind": "county",
            "parent_code": None,
        }
    ]
    townships = get("/api/v1/regions", secret, parent="520327").json()
    assert [r["code"] for r in townships] == ["520327101", "520327102"]
    villages = get("/api/v1/regions", secret, parent="520327101").json()
    assert [(r["code"], r["parent_code"]) for r in villages] == [
        ("520327101201", "520327101"),
        ("520327101202", "520327101"),
    ]
    assert error_of(get("/api/v1/regions", secret, parent="999999"))[:2] == (404, "not_found")


def test_units_are_those_at_a_place_the_caller_may_see(
    desk: Any, tree: Any, village_cadre: Any
) -> None:
    secret = issue(village_cadre)
    units = get("/api/v1/units", secret, region=tree.village_a.code).json()
    assert units == [
        {
            "id": desk.village_centre.pk,
            "name": "临江村便民服务中心",
            "kind": "service_centre",
            "region_code": "520327101201",
        }
    ]
    assert get("/api/v1/units", secret, region=tree.village_b.code).json() == []
    assert error_of(get("/api/v1/units", secret))[:2] == (400, "invalid")
