"""The hotline console over HTTP: who may use it, registering and dispatching a call in one step
(all or nothing), repeats, double submits, the look-ups while typing (htmx partials and the same
answers without JavaScript), and bad input that stores nothing."""

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases import queries
from sizhi.cases.models import Case, CaseEvent
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import CaseFactory
from sizhi.orgs.tests.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db

CALLER = "13812345678"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _call(desk: Any, **extra: Any) -> dict[str, Any]:
    values = {
        "phone": "138 1234 5678",
        "contact_name": "张三",
        "kind": "complaint",
        "petition_class": "",
        "category": desk.village_matter.pk,
        "urgency": "normal",
        "region": "临江村一组",
        "address": "村口",
        "title": "路灯不亮",
        "description": "临江村一组村口的路灯坏了一周。",
        "unit": "auto",
        "idempotency_key": "call-1",
    }
    values.update(extra)
    return values


@pytest.mark.parametrize("who", ["operator", "dispatcher", "county_admin"])
def test_the_console_opens_for_operators_dispatchers_and_the_county_office(
    client, request, desk, who
):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/cases/console/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="console-phone"' in body
    assert "autofocus" in body
    assert "键盘操作" in body


@pytest.mark.parametrize("who", ["handler", "village_cadre", "supervisor", "resident", "convener"])
def test_the_console_is_not_there_for_anyone_else(client, request, desk, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/cases/console/").status_code == 404
    before = snapshot()
    assert client.post("/cases/console/", _call(desk)).status_code == 404
    assert client.get("/cases/console/duplicates/", {"phone": CALLER}, **HTMX).status_code == 404
    assert snapshot() == before


def test_a_call_is_registered_and_dispatched_to_the_suggested_unit(client, desk, operator):
    client.force_login(operator)
    response = client.post("/cases/console/", _call(desk))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/cases/console/?done={case.pk}"
    assert (case.channel, case.state, case.contact_phone) == ("hotline", "assigned", CALLER)
    assert case.handling_unit == desk.village_centre
    assert list(case.events.values_list("transition", flat=True)) == ["receive", "dispatch"]
    page = client.get(response["Location"]).content.decode()
    code = re.search(r'id="receipt-code">\s*([A-Z2-9]{8})\s*<', page)
    assert code, page
    assert case.number in page
    assert "已登记并派单" in page
    assert desk.village_centre.name in page
    # The code read to the caller finds the case.
    assert queries.track_case(case.number, code[1]) == case


def test_a_call_may_go_to_another_unit_or_be_registered_only(client, desk, operator):
    client.force_login(operator)
    client.post("/cases/console/", _call(desk, unit=desk.township_office.pk))
    chosen = Case.objects.get()
    assert chosen.handling_unit == desk.township_office
    client.post(
        "/cases/console/", _call(desk, unit="none", idempotency_key="2", phone="13900000002")
    )
    held = Case.objects.exclude(pk=chosen.pk).get()
    assert (held.state, held.handling_unit) == ("received", None)


def test_a_unit_that_cannot_take_the_case_leaves_no_case_behind(client, desk, operator):
    client.force_login(operator)
    before = snapshot()
    response = client.post("/cases/console/", _call(desk, unit=desk.sibling_centre.pk))
    assert response.status_code == 400
    assert "承办单位不在事发地所属区域。" in response.content.decode()
    assert snapshot() == before
    # What was typed is still there.
    assert "临江村一组村口的路灯坏了一周。" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"title": ""}, "title", "这个字段是必填项。"),
        ({"phone": "", "is_anonymous": ""}, "phone", "请填写来电号码，或勾选匿名反映。"),
        ({"phone": "12345"}, "phone", "请输入有效的手机号码或带区号的固定电话。"),
        ({"region": "火星村"}, "region", "没有找到这个地点"),
        ({"category": "999999"}, "category", "选择一个有效的选项"),
        ({"kind": "petition"}, "petition_class", "请选择信访类别。"),
        ({"unit": "somewhere"}, "unit", "请选择承办单位。"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_stores_nothing(
    client, desk, operator, change, field, error
):
    client.force_login(operator)
    before = snapshot()
    response = client.post("/cases/console/", _call(desk, **change))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert field in response.context["form"].errors
    assert snapshot() == before


def test_an_ambiguous_place_asks_for_the_code(client, desk, operator, tree):
    from sizhi.orgs.tests.factories import RegionFactory

    RegionFactory.create(code="520327102201", name="临江村一组")  # a namesake in township B
    client.force_login(operator)
    response = client.post("/cases/console/", _call(desk))
    assert response.status_code == 400
    assert "有多个同名地点" in response.content.decode()
    response = client.post("/cases/console/", _call(desk, region="520327101201001 临江村一组"))
    assert response.status_code == 302


def test_an_anonymous_call_keeps_no_contact(client, desk, operator):
    client.force_login(operator)
    client.post("/cases/console/", _call(desk, phone="", contact_name="", is_anonymous="on"))
    case = Case.objects.get()
    assert (case.is_anonymous, case.contact_phone, case.contact_name) == (True, "", "")


def test_a_double_submit_makes_one_case(client, desk, operator):
    client.force_login(operator)
    first = client.post("/cases/console/", _call(desk))
    second = client.post("/cases/console/", _call(desk))
    assert Case.objects.count() == 1
    assert second.status_code == 302
    page = client.get(second["Location"]).content.decode()
    assert first["Location"] == second["Location"]
    assert Case.objects.get().number in page
    assert 'id="receipt-code"' in page  # the code read to the caller is not lost
    assert "已登记并派单" in page


def test_a_call_linked_as_a_repeat_counts_on_the_open_case(client, desk, operator):
    open_case = CaseFactory.create(
        category=desk.village_matter, contact_phone="13900009999", title="村口路灯坏了"
    )
    client.force_login(operator)
    response = client.post("/cases/console/", _call(desk, repeat_of=open_case.pk))
    assert response.status_code == 302
    assert Case.objects.count() == 1
    open_case.refresh_from_db()
    assert open_case.repeat_count == 1
    assert CaseEvent.objects.filter(case=open_case, transition="repeat").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "已记为重复诉求" in page
    assert open_case.number in page


def test_a_repeat_of_a_closed_case_is_refused(client, desk, operator):
    closed = CaseFactory.create(category=desk.village_matter, state="closed")
    client.force_login(operator)
    before = snapshot()
    response = client.post("/cases/console/", _call(desk, repeat_of=closed.pk))
    assert response.status_code == 409
    assert "所关联的诉求已办结" in response.content.decode()
    assert snapshot() == before


# -- Look-ups while typing ------------------------------------------------------------------------


def test_the_callers_earlier_cases_appear_masked(client, desk, operator):
    earlier = CaseFactory.create(
        category=desk.township_matter, contact_phone=CALLER, contact_name="张三", state="closed"
    )
    CaseFactory.create(category=desk.village_matter, contact_phone="13900000000")
    client.force_login(operator)
    response = client.get("/cases/console/caller/", {"phone": "138-1234-5678"}, **HTMX)
    body = response.content.decode()
    assert "<html" not in body
    assert earlier.number in body
    assert "张*" in body
    assert "张三" not in body
    assert body.count('<a href="/cases/') == 1


def test_earlier_cases_stay_within_the_operators_scope(client, desk, tree):
    township_operator = UserFactory.create()
    RoleGrantFactory.create(user=township_operator, role="operator", region=tree.township_b)
    CaseFactory.create(category=desk.village_matter, contact_phone=CALLER)
    client.force_login(township_operator)
    response = client.get("/cases/console/caller/", {"phone": CALLER}, **HTMX)
    assert "这个号码没有诉求记录" in response.content.decode()


def test_duplicates_are_same_caller_or_similar_text_in_the_village_within_30_days(
    client, desk, operator, tree
):
    now = timezone.now()
    same_caller = CaseFactory.create(
        category=desk.township_matter,
        contact_phone=CALLER,
        title="村道坑洼",
        search_text="村道 坑洼",
    )
    similar = CaseFactory.create(
        category=desk.village_matter,
        contact_phone="13900000001",
        title="村口路灯坏了",
        search_text="村口 路灯 坏 了",
    )
    elsewhere = CaseFactory.create(
        category=desk.village_matter,
        region=tree.group_b1,
        contact_phone="13900000002",
        search_text="村口 路灯 坏 了",
    )
    old = CaseFactory.create(
        category=desk.village_matter,
        contact_phone="13900000003",
        search_text="村口 路灯 坏 了",
        received_at=now - dt.timedelta(days=31),
    )
    unrelated = CaseFactory.create(
        category=desk.village_matter, contact_phone="13900000004", search_text="低保 申请"
    )
    client.force_login(operator)
    response = client.get(
        "/cases/console/duplicates/",
        {
            "phone": CALLER,
            "region": "临江村一组",
            "title": "路灯不亮",
            "description": "村口路灯坏了",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert "<html" not in body
    assert same_caller.number in body
    assert body.index(same_caller.number) < body.index(similar.number)  # same caller first
    assert "同一来电人" in body
    assert "相同词语：村口、路灯" in body
    for case in (elsewhere, old, unrelated):
        assert case.number not in body
    assert f'id="repeat-{similar.pk}"' in body
    assert 'id="repeat-none"' in body


def test_the_place_lookup_answers_by_code_name_or_initials(client, desk, operator):
    client.force_login(operator)
    for text in ("临江", "ljc", "520327101201"):
        body = client.get("/cases/console/regions/", {"region": text}, **HTMX).content.decode()
        assert "<html" not in body
        assert '<option value="520327101201 临江村">' in body, text


def test_the_suggested_unit_is_preselected(client, desk, operator):
    client.force_login(operator)
    response = client.get(
        "/cases/console/route/",
        {"category": desk.county_matter.pk, "region": "临江村一组", "unit": "auto"},
        **HTMX,
    )
    body = " ".join(response.content.decode().split())
    assert body.startswith('<label for="console-unit">')
    assert f'<option value="{desk.department.pk}" selected> {desk.department.name} （建议）' in body


def test_without_javascript_the_check_button_shows_the_look_ups_and_keeps_what_was_typed(
    client, desk, operator
):
    similar = CaseFactory.create(
        category=desk.village_matter, contact_phone="13900000001", search_text="村口 路灯 坏 了"
    )
    client.force_login(operator)
    before = snapshot()
    response = client.post("/cases/console/", {**_call(desk), "intent": "check"})
    assert response.status_code == 200
    assert snapshot() == before
    body = response.content.decode()
    assert "<html" in body
    assert similar.number in body
    assert "临江村一组村口的路灯坏了一周。" in body
    assert 'value="call-1"' in body  # the same idempotency key travels on
    assert f'<option value="{desk.village_centre.pk}" selected>' in " ".join(body.split())
    # The look-up endpoints answer a plain browser with the whole console too.
    page = client.get("/cases/console/duplicates/", {"phone": CALLER, "title": "路灯"})
    assert "<html" in page.content.decode()


def test_the_receipt_of_another_session_is_not_shown(client, desk, operator, dispatcher):
    client.force_login(operator)
    done = client.post("/cases/console/", _call(desk))["Location"]
    client.force_login(dispatcher)
    assert "receipt-code" not in client.get(done).content.decode()


def test_the_operators_choice_of_a_new_case_is_kept(client, desk, operator):
    other_lamp = CaseFactory.create(
        category=desk.village_matter, contact_phone=CALLER, title="村西头路灯不亮"
    )
    client.force_login(operator)
    response = client.post("/cases/console/", _call(desk, repeat_of=""))
    assert response.status_code == 302
    other_lamp.refresh_from_db()
    assert other_lamp.repeat_count == 0
    assert Case.objects.count() == 2
