"""POST requests: a service request becomes a case through submit_case, answered in both
formats; where the key may come from, how the place is found, what is kept."""

from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from sizhi.cases.models import Attachment, Case, CaseEvent
from sizhi.cases.open311.defaults import load_default_attributes
from sizhi.cases.tests.test_open311_support import (
    BASE,
    FORMATS,
    attribute,
    errors_of,
    make_key,
    post,
    read,
    xml_root,
)
from sizhi.core.models import AuditLog
from sizhi.orgs.tests.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db

GROUP_A1 = "520327101201001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> None:
    cache.clear()


@pytest.fixture
def key(desk: Any) -> str:
    load_default_attributes()
    return make_key()[0]


def fields(key: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "api_key": key,
        "jurisdiction_id": "520327",
        "service_code": "0101",
        "address_id": GROUP_A1,
        "attribute[LIGHT_FAULT]": "off",
        "description": "村口路灯不亮。\n已经一周了。",
        "first_name": "三",
        "last_name": "张",
        "phone": "13900001234",
        "email": "zhangsan@example.com",
        "device_id": "tt222111",
        "account_id": "123456",
        "media_url": "https://img.example.com/a.jpg",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def test_a_request_becomes_a_case_answered_in_json(tree: Any, key: str) -> None:
    response = post("json", fields(key))
    assert response.status_code == 200
    [answer] = read(response, "json", "service_requests")
    case = Case.objects.get()
    notice = (
        f"已登记为诉求 {case.number}。查询码 "
        f"{answer['service_notice'].split('查询码 ')[1][:8]} 只显示这一次，请转告诉求人："
        "凭编号和查询码可以查看办理进度并评价。"
    )
    assert answer == {
        "service_request_id": case.number,
        "service_notice": notice,
        "account_id": None,
    }
    assert (case.channel, case.kind, case.state) == ("open311", "help", "received")
    assert (case.region_code, case.category.code) == (GROUP_A1, "0101")
    assert case.title == "村口路灯不亮。"
    assert case.description == "村口路灯不亮。\n已经一周了。\n\n路灯出了什么问题：不亮"
    assert (case.contact_name, case.contact_phone, case.is_anonymous) == (
        "张三",
        "13900001234",
        False,
    )
    assert (case.is_public, case.is_confidential) == (True, False)
    assert case.attributes == {"LIGHT_FAULT": "off"}
    assert case.media_url == "https://img.example.com/a.jpg"
    assert case.latitude is None
    assert case.longitude is None


def test_a_request_answered_in_xml(tree: Any, key: str) -> None:
    response = post("xml", fields(key))
    assert response.status_code == 200
    root = xml_root(response)
    assert root.tag == "service_requests"
    [request] = list(root)
    assert request.tag == "request"
    assert [child.tag for child in request] == [
        "service_request_id",
        "service_notice",
        "account_id",
    ]
    assert request.findtext("service_request_id") == Case.objects.get().number
    assert request.findtext("account_id") == ""
    assert request.find("token") is None


def test_the_keys_owner_acts_and_staff_keep_their_standing(tree: Any, key: str, desk: Any) -> None:
    post("json", fields(key))
    event = CaseEvent.objects.get(transition="receive")
    assert event.actor is None  # a system without grants files as the public does
    receive = AuditLog.objects.get(action="case.receive")
    assert receive.actor is not None
    assert receive.actor.name == "便民应用"
    operator_key, token = make_key()
    RoleGrantFactory(user=token.user, role="operator", region=tree.county)
    post("json", fields(operator_key, phone="13900005678"))
    assert CaseEvent.objects.filter(actor=token.user, transition="receive").count() == 1


def test_the_key_in_the_query_string_or_the_authorization_header(tree: Any, key: str) -> None:
    body = fields(key, api_key=None)
    assert post("json", body, query=f"api_key={key}").status_code == 200
    response = post(
        "json", fields(key, api_key=None, phone="13900005678"), HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 200
    assert Case.objects.count() == 2


def test_lat_long_and_an_address_string_are_kept(tree: Any, key: str) -> None:
    response = post(
        "json",
        fields(key, lat="27.954321", long="107.716543", address_string="临江村一组村口"),
    )
    assert response.status_code == 200
    case = Case.objects.get()
    assert (str(case.latitude), str(case.longitude)) == ("27.954321", "107.716543")
    assert case.address == "临江村一组村口"


@pytest.mark.parametrize(
    ("address", "region"),
    [
        ("凤冈县进化镇临江村临江村一组12号", "520327101201001"),
        ("进化镇临江村村委会旁", "520327101201"),
        ("沙坝村一组", "520327101202001"),
        ("琊川镇街上", "520327102"),
    ],
)
def test_the_place_is_found_by_its_names(tree: Any, key: str, address: str, region: str) -> None:
    response = post("json", fields(key, address_id=None, address_string=address))
    assert response.status_code == 200, response.content
    assert Case.objects.get().region_code == region


def test_not_pinpointed_falls_back_to_the_address(tree: Any, key: str) -> None:
    body = fields(key, address_id="#NOTPINPOINTED#", address_string="临江村一组")
    assert post("json", body).status_code == 200
    assert Case.objects.get().region_code == GROUP_A1


def test_a_key_of_a_township_places_a_bare_point_there(tree: Any, key: str) -> None:
    township_key = make_key(region_code="520327101")[0]
    body = fields(township_key, address_id=None, lat="27.95", long="107.71")
    assert post("json", body).status_code == 200
    assert Case.objects.get().region_code == "520327101"


def test_multivaluelist_answers_in_both_spellings(tree: Any, key: str) -> None:
    body = fields(
        key,
        service_code="0102",
        **{"attribute[LIGHT_FAULT]": None, "attribute[ROAD_PASSABLE]": "partly"},
    )
    body["attribute[ROAD_DAMAGE][]"] = ["pothole", "water"]
    body["attribute[ROAD_DAMAGE]"] = "pothole"
    assert post("json", body).status_code == 200
    case = Case.objects.get()
    assert case.attributes == {"ROAD_DAMAGE": ["pothole", "water"], "ROAD_PASSABLE": "partly"}
    assert case.description.endswith("道路有哪些损坏：坑洼、积水\n是否影响通行：只能部分通行")


def test_each_datatype_is_kept_in_its_form(tree: Any, key: str, desk: Any) -> None:
    attribute(desk.county_matter, "N", "number", 1)
    attribute(desk.county_matter, "D", "datetime", 2)
    attribute(desk.county_matter, "S", "string", 3)
    attribute(desk.county_matter, "T", "text", 4)
    attribute(desk.county_matter, "INFO", "string", 5, variable=False)
    body = fields(
        key,
        service_code="0103",
        **{
            "attribute[LIGHT_FAULT]": None,
            "attribute[N]": "12.50",
            "attribute[D]": "2026-03-01T08:00:00Z",
            "attribute[S]": " 一行\n文字 ",
            "attribute[T]": "第一行\n第二行",
            "attribute[INFO]": "ignored",
            "attribute[uprn]": "ignored too",
        },
    )
    assert post("json", body).status_code == 200
    assert Case.objects.get().attributes == {
        "N": "12.50",
        "D": "2026-03-01T16:00:00+08:00",
        "S": "一行 文字",
        "T": "第一行\n第二行",
    }


def test_no_phone_files_an_anonymous_case(tree: Any, key: str) -> None:
    body = fields(key, phone=None, description="")
    assert post("json", body).status_code == 200
    case = Case.objects.get()
    assert (case.is_anonymous, case.contact_name, case.contact_phone) == (True, "", "")
    assert (case.title, case.description) == ("路灯", "路灯\n\n路灯出了什么问题：不亮")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_double_submit_returns_the_case_already_made(tree: Any, key: str, fmt: str) -> None:
    first = read(post(fmt, fields(key)), fmt, "service_requests")
    second = read(post(fmt, fields(key)), fmt, "service_requests")
    number = Case.objects.get().number
    assert first[0]["service_request_id"] == second[0]["service_request_id"] == number
    assert second[0]["service_notice"] == f"与刚提交的请求相同，返回的是已登记的诉求 {number}。"


def test_a_repeat_of_an_open_matter_is_counted_on_it(tree: Any, key: str) -> None:
    post("json", fields(key))
    [answer] = post("json", fields(key, description="还是不亮")).json()
    case = Case.objects.get()
    assert case.repeat_count == 1
    assert answer["service_notice"] == f"该事项已在办理中，本次反映已记入诉求 {case.number}。"


def test_an_idempotency_key_header_is_honoured(tree: Any, key: str) -> None:
    headers = {"HTTP_IDEMPOTENCY_KEY": "d3b07384-retry"}
    one = post("json", fields(key, phone=None), **headers).json()
    two = post("json", fields(key, phone=None, description="另一段"), **headers).json()
    assert one[0]["service_request_id"] == two[0]["service_request_id"]
    assert Case.objects.count() == 1


@override_settings(SIZHI_INTAKE_PER_PHONE_PER_HOUR=1)
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_per_phone_limit_applies(tree: Any, key: str, fmt: str, desk: Any) -> None:
    assert post(fmt, fields(key)).status_code == 200
    body = fields(key, service_code="0102", description="路面塌了")
    body.update({"attribute[ROAD_DAMAGE]": "collapse", "attribute[ROAD_PASSABLE]": "no"})
    response = post(fmt, body)
    assert errors_of(response, fmt) == (
        429,
        [(429, "该号码提交过于频繁，请稍后再试或拨打12343热线。")],
    )
    assert response["Retry-After"] == "3600"
    assert Case.objects.count() == 1


@override_settings(SIZHI_API_REQUESTS_PER_MINUTE=2)
def test_a_key_has_a_rate_limit(tree: Any, key: str) -> None:
    statuses = [post("json", fields(key, phone=f"1390000{n:04d}")).status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert Case.objects.count() == 2


def test_photos_of_a_multipart_post_become_attachments(tree: Any, key: str) -> None:
    body = fields(key)
    body["photo1"] = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    response = Client().post(f"{BASE}/requests.json", body)  # multipart
    assert response.status_code == 200, response.content
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.is_public) == ("a.png", True)


def test_posts_need_no_csrf_token_the_key_authorises_them(tree: Any, key: str) -> None:
    client = Client(enforce_csrf_checks=True)
    form = "application/x-www-form-urlencoded"
    response = client.post(f"{BASE}/requests.json", urlencode(fields(key)), content_type=form)
    assert response.status_code == 200
    assert Case.objects.count() == 1
