"""The registration desk for visits and letters: who may use it, what it records, and the
receipt handed to the visitor."""

import re
import uuid
from typing import Any

import pytest
from django.test import Client

from sizhi.cases.actions.base import tracking_hash
from sizhi.cases.models import Case, CaseEvent
from sizhi.cases.tests.conftest import Desk
from sizhi.core.models import AuditLog

URLS = "sizhi.cases.tests.urls_for_public_tests"
pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]

GROUP_A1 = "520327101201001"
GROUP_B1 = "520327101202001"
CODE_RE = re.compile(r'<code class="tracking-code" lang="en">([A-Z0-9]{4}) ([A-Z0-9]{4})</code>')

MAY_REGISTER = {"county_admin", "operator", "dispatcher", "handler"}
PERSONAS = (
    "county_admin",
    "supervisor",
    "township_cadre",
    "village_cadre",
    "other_village_cadre",
    "convener",
    "resident",
    "operator",
    "dispatcher",
    "handler",
)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def visit_data(desk: Desk, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "region_code": GROUP_A1,
        "channel": "visit",
        "kind": "petition",
        "petition_class": "claim",
        "urgency": "normal",
        "category": str(desk.village_matter.pk),
        "title": "宅基地界线纠纷",
        "description": "三户村民对宅基地界线有争议，请求重新测量。",
        "representatives": "赵一\n钱二、孙三",
        "visitors": "12",
        "contact_name": "赵一",
        "contact_phone": "13811112222",
        "complained_unit": "",
        "receiving_unit": "",
        "idempotency_key": uuid.uuid4().hex,
    }
    data.update(changes)
    return data


def stored() -> tuple[int, int, int]:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        AuditLog.objects.filter(action__startswith="case.").count(),
    )


def test_anonymous_visitors_are_sent_to_log_in(tree: Any) -> None:
    response = Client().get("/appeal/desk/register/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/appeal/desk/register/"


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_only_staff_who_register_cases_see_the_desk(
    request: pytest.FixtureRequest, persona: Any, desk: Desk
) -> None:
    name = request.node.callspec.params["persona"]
    client = client_for(persona)
    expected = 200 if name in MAY_REGISTER else 404
    assert client.get("/appeal/desk/register/").status_code == expected
    response = client.post("/appeal/desk/register/", visit_data(desk))
    assert response.status_code == (302 if name in MAY_REGISTER else 404)
    assert Case.objects.count() == (1 if name in MAY_REGISTER else 0)


def test_the_desk_chooser_opens_at_the_handler_village_and_offers_only_it(
    desk: Desk, handler: Any
) -> None:
    client = client_for(handler)
    html = text_of(client.get("/appeal/desk/register/"))
    assert 'href="?place=520327101201001">临江村一组</a>' in html
    county = text_of(client.get("/appeal/desk/register/?at=520327101"))
    assert 'href="?at=520327101201">临江村</a>' in county
    assert "沙坝村" not in county
    assert client.get("/appeal/desk/register/?place=520327101202001").status_code == 404


def test_an_operator_registers_a_collective_petition_visit(desk: Desk, operator: Any) -> None:
    client = client_for(operator)
    form = text_of(client.get("/appeal/desk/register/?place=520327101201001"))
    kinds = re.findall(r'name="kind" value="(\w+)"', form)
    assert kinds[-1] == "petition"
    assert len(kinds) == 7
    assert re.findall(r'name="channel" value="(\w+)" checked', form) == ["visit"]
    # The units on the way to the place may be named as the one complained about.
    assert (
        '<option value="' + str(desk.village_centre.pk) + '" >临江村便民服务中心</option>' in form
    )
    assert "沙坝村便民服务中心" not in form

    data = visit_data(desk, complained_unit=str(desk.village_centre.pk))
    response = client.post("/appeal/desk/register/", data)
    assert response.status_code == 302
    assert (
        response.headers["Location"] == f"/appeal/desk/register/done/?k={data['idempotency_key']}"
    )
    case = Case.objects.get()
    assert (case.channel, case.kind, case.petition_class) == ("visit", "petition", "claim")
    assert (case.representatives, case.visitors) == (["赵一", "钱二", "孙三"], 12)
    assert (case.complained_unit, case.receiving_unit) == (desk.village_centre, None)
    assert case.is_confidential is True  # petitions are, unless said otherwise
    assert CaseEvent.objects.get().actor == operator

    done = text_of(client.get(response.headers["Location"]))
    match = CODE_RE.search(done)
    assert match is not None
    code = match.group(1) + match.group(2)
    assert case.tracking_hash == tracking_hash(case.number, code)
    receipt = text_of(client.get(f"/appeal/desk/register/receipt/?k={data['idempotency_key']}"))
    assert f'<code class="case-number">{case.number}</code>' in receipt
    assert match.group(0) in receipt
    assert "诉求登记回执" in receipt
    assert "http://testserver/appeal/track/" in receipt
    assert "受理时限" not in receipt  # the clocks are named by what they measure
    assert re.search(r"<li> 决定是否受理：\d{4}年", receipt)


def test_a_handler_registers_a_letter_received_at_their_unit(desk: Desk, handler: Any) -> None:
    client = client_for(handler)
    form = text_of(client.get("/appeal/desk/register/?place=520327101201001"))
    assert f'<option value="{desk.village_centre.pk}" selected>临江村便民服务中心</option>' in form
    data = visit_data(
        desk,
        channel="letter",
        kind="suggestion",
        petition_class="",
        representatives="",
        visitors="1",
        receiving_unit=str(desk.village_centre.pk),
    )
    assert client.post("/appeal/desk/register/", data).status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.kind, case.receiving_unit) == (
        "letter",
        "suggestion",
        desk.village_centre,
    )
    receipt = text_of(client.get(f"/appeal/desk/register/receipt/?k={data['idempotency_key']}"))
    assert "来信登记回执" in receipt
    assert "<dd> 临江村便民服务中心 </dd>" in receipt


def test_a_collective_visit_with_six_representatives_is_refused(desk: Desk, operator: Any) -> None:
    data = visit_data(desk, representatives="赵一\n钱二\n孙三\n李四\n周五\n吴六", visitors="40")
    response = client_for(operator).post("/appeal/desk/register/", data)
    assert response.status_code == 400
    assert '<a href="#id_representatives">来访代表：集体访最多推选5名代表。</a>' in text_of(
        response
    )
    assert stored() == (0, 0, 0)


BAD_FIELDS = [
    ({"petition_class": ""}, "id_petition_class", "信访类别", "请选择信访类别。"),
    ({"kind": "complaint"}, "id_petition_class", "信访类别", "只有信访事项才有信访类别。"),
    ({"channel": "hotline"}, "id_channel", "登记渠道", "请选择有效的选项。"),
    ({"channel": ""}, "id_channel", "登记渠道", "请选择来访或来信。"),
    ({"visitors": "很多"}, "id_visitors", "来访人数", "请用数字填写来访人数。"),
    ({"visitors": "0"}, "id_visitors", "来访人数", "来访人数不正确。"),
    ({"urgency": "soon"}, "id_urgency", "紧急程度", "请选择有效的选项。"),
    ({"complained_unit": "999999"}, "id_complained_unit", "被反映单位", "请选择有效的选项。"),
    ({"receiving_unit": "1"}, "id_receiving_unit", "受理单位", "请选择有效的选项。"),
    ({"title": ""}, "id_title", "标题", "请填写标题。"),
]


@pytest.mark.parametrize(("changes", "anchor", "label", "message"), BAD_FIELDS)
def test_each_bad_field_of_a_registration_is_refused_and_nothing_is_stored(
    desk: Desk, operator: Any, changes: dict[str, str], anchor: str, label: str, message: str
) -> None:
    response = client_for(operator).post("/appeal/desk/register/", visit_data(desk, **changes))
    assert response.status_code == 400
    assert f'<a href="#{anchor}">{label}：{message}</a>' in text_of(response)
    assert stored() == (0, 0, 0)


def test_a_place_outside_the_staff_scope_is_refused(desk: Desk, handler: Any) -> None:
    data = visit_data(desk, region_code=GROUP_B1)
    response = client_for(handler).post("/appeal/desk/register/", data)
    assert response.status_code == 400
    assert '<a href="#place">事发地点：您无权登记该地点的诉求。</a>' in text_of(response)
    assert stored() == (0, 0, 0)


def test_an_accusation_petition_is_confidential_unless_said_otherwise(
    desk: Desk, operator: Any
) -> None:
    data = visit_data(desk, petition_class="accusation")
    assert client_for(operator).post("/appeal/desk/register/", data).status_code == 302
    assert Case.objects.get().is_confidential is True


def test_a_double_submit_at_the_desk_makes_one_case(desk: Desk, operator: Any) -> None:
    client = client_for(operator)
    data = visit_data(desk)
    first = client.post("/appeal/desk/register/", data)
    second = client.post("/appeal/desk/register/", data)
    assert first.headers["Location"] == second.headers["Location"]
    assert Case.objects.count() == 1
    assert CODE_RE.search(text_of(client.get(second.headers["Location"]))) is not None


def test_the_receipt_is_only_for_the_session_that_registered(
    desk: Desk, operator: Any, dispatcher: Any
) -> None:
    data = visit_data(desk)
    client_for(operator).post("/appeal/desk/register/", data)
    other = client_for(dispatcher)
    assert (
        other.get(f"/appeal/desk/register/receipt/?k={data['idempotency_key']}").status_code == 404
    )
    assert other.get(f"/appeal/desk/register/done/?k={data['idempotency_key']}").status_code == 404
