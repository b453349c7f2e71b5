"""Every refusal of POST requests, in both formats, with the right status, and nothing stored:
no case, no event, no audit row."""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone, translation

from sizhi.accounts import actions as account_actions
from sizhi.accounts.models import ApiToken
from sizhi.cases.open311.defaults import load_default_attributes
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.test_open311_post import fields
from sizhi.cases.tests.test_open311_support import BASE, FORMATS, errors_of, make_key, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> None:
    cache.clear()


@pytest.fixture
def key(desk: Any) -> str:
    load_default_attributes()
    return make_key()[0]


def refused(fmt: str, body: Any, **extra: Any) -> tuple[int, list[tuple[int, str]]]:
    """POST, check that nothing was stored, and return the error."""
    before = snapshot()
    response = post(fmt, body, **extra)
    assert snapshot() == before
    return errors_of(response, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_service_code_is_400(tree: Any, key: str, fmt: str) -> None:
    assert refused(fmt, fields(key, service_code=None)) == (
        400,
        [(400, "service_code: 此项必填。")],
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code_is_404(tree: Any, key: str, fmt: str) -> None:
    assert refused(fmt, fields(key, service_code="9999")) == (404, [(404, "未找到该对象。")])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_key_is_403(tree: Any, key: str, fmt: str) -> None:
    assert refused(fmt, fields(key, api_key=None)) == (403, [(403, "api_key: 此项必填。")])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_key_is_403(tree: Any, key: str, fmt: str) -> None:
    for bad in ("szi_nothing", key + "x", "x" * 500):
        assert refused(fmt, fields(key, api_key=bad)) == (403, [(403, "api_key: 访问令牌无效。")])
    wrong_scheme = fields(key, api_key=None)
    assert refused(fmt, wrong_scheme, HTTP_AUTHORIZATION=f"Basic {key}")[0] == 403


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_revoked_key_is_403(tree: Any, fmt: str, desk: Any) -> None:
    load_default_attributes()
    secret, token = make_key()
    account_actions.revoke_api_token(token_id=token.pk, actor=None)
    assert refused(fmt, fields(secret)) == (403, [(403, "api_key: 访问令牌已撤销。")])


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_expired_key_or_one_whose_owner_left_is_403(tree: Any, fmt: str, desk: Any) -> None:
    load_default_attributes()
    secret, token = make_key()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert refused(fmt, fields(secret)) == (403, [(403, "api_key: 访问令牌已过期。")])
    secret, token = make_key()
    token.user.is_active = False
    token.user.save()
    assert refused(fmt, fields(secret)) == (403, [(403, "api_key: 访问令牌无效。")])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_personal_token_or_a_key_without_the_scope_is_403(tree: Any, fmt: str, desk: Any) -> None:
    load_default_attributes()
    personal = make_key(kind="personal")[0]
    assert refused(fmt, fields(personal)) == (
        403,
        [(403, "api_key: Open311 接口须使用集成密钥（szi_ 开头），不接受个人令牌。")],
    )
    reader = make_key(scopes=("cases:read",))[0]
    assert refused(fmt, fields(reader)) == (
        403,
        [(403, "api_key: 此令牌没有“cases:write”权限。")],
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_jurisdiction_is_404(tree: Any, key: str, fmt: str) -> None:
    expected = (404, [(404, "未找到 jurisdiction_id“city.gov”，本接口只服务“520327”。")])
    assert refused(fmt, fields(key, jurisdiction_id="city.gov")) == expected
    body = fields(key, jurisdiction_id=None)
    assert refused(fmt, body, query="jurisdiction_id=city.gov") == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_without_a_location_is_400(tree: Any, key: str, fmt: str) -> None:
    assert refused(fmt, fields(key, address_id=None)) == (
        400,
        [(400, "address_id: 请提供事发地点：lat 和 long、address_string 或 address_id。")],
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_place_that_cannot_be_found_is_400(tree: Any, key: str, fmt: str) -> None:
    unknown = "address_id: 未找到该地点：address_id 须为本县乡镇、村或村民小组的区划代码。"
    for address_id in ("520327", "520328101201001", "520327109", "abc"):
        assert refused(fmt, fields(key, address_id=address_id)) == (400, [(400, unknown)])
    unplaced = (
        "address_id: 无法确定事发地点：请在 address_id 中填写乡镇、村或村民小组的区划代码，"
        "或在 address_string 中写明乡镇、村的名称。"
    )
    for body in (
        fields(key, address_id=None, lat="27.9", long="107.7"),
        fields(key, address_id=None, address_string="村口大树下"),
    ):
        assert refused(fmt, body) == (400, [(400, unplaced)])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_place_outside_the_keys_region_is_400(tree: Any, fmt: str, desk: Any) -> None:
    load_default_attributes()
    township_b = make_key(region_code="520327102")[0]
    assert refused(fmt, fields(township_b)) == (
        400,
        [(400, "address_id: 该地点不在此令牌的区域范围内。")],
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_attribute_values_are_400(tree: Any, key: str, fmt: str, desk: Any) -> None:
    from sizhi.cases.tests.test_open311_support import attribute

    attribute(desk.county_matter, "N", "number", 1)
    attribute(desk.county_matter, "D", "datetime", 2)
    attribute(desk.county_matter, "S", "string", 3)
    body = fields(key, service_code="0103", **{"attribute[LIGHT_FAULT]": None})
    body.update({"attribute[N]": "twelve", "attribute[D]": "yesterday", "attribute[S]": "x" * 501})
    assert refused(fmt, body) == (
        400,
        [
            (400, "attribute[N]: 请输入数字。"),
            (400, "attribute[D]: 请输入 ISO 8601 格式的日期时间，例如 2026-03-01T08:00:00+08:00。"),
            (400, "attribute[S]: 不能超过500个字符。"),
        ],
    )
    for value in ("broken", ["off", "flicker"]):
        body = fields(key, **{"attribute[LIGHT_FAULT]": value})
        expected = "请选择有效的选项。" if value == "broken" else "只能填写一个值。"
        assert refused(fmt, body) == (400, [(400, f"attribute[LIGHT_FAULT]: {expected}")])
    body = fields(key, service_code="0102", **{"attribute[LIGHT_FAULT]": None})
    body.update({"attribute[ROAD_DAMAGE][]": ["pothole", "lava"], "attribute[ROAD_PASSABLE]": "no"})
    assert refused(fmt, body) == (400, [(400, "attribute[ROAD_DAMAGE]: 请选择有效的选项。")])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_required_attribute_is_400(tree: Any, key: str, fmt: str) -> None:
    for value in (None, "", " "):
        assert refused(fmt, fields(key, **{"attribute[LIGHT_FAULT]": value})) == (
            400,
            [(400, "attribute[LIGHT_FAULT]: 此项必填。")],
        )


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_bad_field_is_told_at_once(tree: Any, key: str, fmt: str) -> None:
    body = fields(
        key,
        lat="27.9",
        long=None,
        email="not-an-email",
        media_url="javascript:alert(1)",
        description="长" * 4001,
        **{"attribute[LIGHT_FAULT]": None},
    )
    status, errors = refused(fmt, body)
    assert status == 400
    assert errors == [
        (400, "description: 不能超过4000个字符。"),
        (400, "email: 输入一个有效的 Email 地址。"),
        (400, "media_url: 输入一个有效的 URL。"),
        (400, "long: 请同时填写经度和纬度。"),
        (400, "attribute[LIGHT_FAULT]: 此项必填。"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_input_the_intake_finds_is_400_by_the_clients_names(
    tree: Any, key: str, fmt: str
) -> None:
    assert refused(fmt, fields(key, phone="12345")) == (
        400,
        [(400, "phone: 请输入有效的手机号码或带区号的固定电话。")],
    )
    assert refused(fmt, fields(key, lat="91", long="107.7")) == (
        400,
        [(400, "lat: 坐标超出范围。")],
    )
    assert refused(fmt, fields(key, first_name="名" * 60)) == (
        400,
        [(400, "first_name: 姓名不能超过50个字。")],
    )


@override_settings(SIZHI_API_MAX_BODY_BYTES=300)
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_oversized_body_is_413(tree: Any, key: str, fmt: str) -> None:
    assert refused(fmt, fields(key, description="很长" * 200)) == (
        413,
        [(413, "请求体过大，不能超过300字节。")],
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_body_that_is_not_a_form_is_415(tree: Any, key: str, fmt: str) -> None:
    message = "请求体须为 application/x-www-form-urlencoded（UTF-8）或 multipart/form-data。"
    for content_type, body in (
        ("application/json", '{"service_code": "0101"}'),
        ("text/xml", "<service_code>0101</service_code>"),
        ("application/x-www-form-urlencoded; charset=gbk", "service_code=0101"),
    ):
        assert refused(fmt, body, content_type=content_type) == (415, [(415, message)])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_malformed_body_is_400(tree: Any, key: str, fmt: str) -> None:
    good = f"api_key={key}&service_code=0101&address_id=520327101201001"
    for body in (
        good.encode() + b"&description=\xff\xfe",
        good + "&description=%FF%FE",
        good + "&description=a%00b",
    ):
        assert refused(fmt, body) == (400, [(400, "请求体格式不正确。")])
    broken = b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb'
    content_type = "multipart/form-data"  # no boundary
    assert refused(fmt, broken, content_type=content_type) == (400, [(400, "请求体格式不正确。")])


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_post_asks_for_the_key_first(db: Any, fmt: str) -> None:
    response = Client().post(f"{BASE}/requests.{fmt}")
    assert errors_of(response, fmt) == (403, [(403, "api_key: 此项必填。")])


def test_errors_speak_the_requested_language(tree: Any, key: str) -> None:
    # The request switches the thread's language; give the next tests theirs back.
    with translation.override(translation.get_language()):
        for fmt in FORMATS:
            body = fields(key, phone="12345", api_key=key)
            status, errors = refused(fmt, body, HTTP_ACCEPT_LANGUAGE="en")
            assert (status, errors) == (
                400,
                [(400, "phone: Enter a valid mobile number or a landline number with area code.")],
            )
            assert refused(fmt, fields(key, api_key="bad"), HTTP_ACCEPT_LANGUAGE="en") == (
                403,
                [(403, "api_key: The access token is not valid.")],
            )
