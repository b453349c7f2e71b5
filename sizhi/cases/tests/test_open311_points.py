"""POST requests that send only lat/long: the case is filed under the township, village or
group whose reference point is nearest (orgs.queries.nearest_region), within the radius, and
inside the key's region scope."""

from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings

from sizhi.cases.models import Case
from sizhi.cases.open311.defaults import load_default_attributes
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.test_open311_post import fields
from sizhi.cases.tests.test_open311_support import FORMATS, errors_of, make_key, post, read
from sizhi.orgs.models import Region

pytestmark = pytest.mark.django_db

GROUP_A1 = "520327101201001"
GROUP_B1 = "520327101202001"
# Reference points of the test tree: two townships, two villages, a group in each village.
POINTS = {
    "520327101": ("27.900000", "107.700000"),
    "520327102": ("27.700000", "107.500000"),
    "520327101201": ("27.910000", "107.710000"),
    "520327101202": ("27.930000", "107.730000"),
    GROUP_A1: ("27.912000", "107.712000"),
    GROUP_B1: ("27.931000", "107.731000"),
}
NOT_NEAR = (
    "lat: 该坐标附近3000米内没有本县已知的乡镇、村或村民小组：请核对 lat 和 long，"
    "或在 address_id 中填写乡镇、村或村民小组的区划代码。"
)


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> None:
    cache.clear()


@pytest.fixture
def points(tree: Any) -> None:
    for code, (lat, lng) in POINTS.items():
        Region.objects.filter(code=code).update(latitude=lat, longitude=lng)


@pytest.fixture
def key(desk: Any, points: None) -> str:
    load_default_attributes()
    return make_key()[0]


def point_only(key: str, lat: str, lng: str, **overrides: Any) -> dict[str, Any]:
    return fields(key, address_id=None, lat=lat, long=lng, **overrides)


def refused(fmt: str, body: dict[str, Any]) -> tuple[int, list[tuple[int, str]]]:
    before = snapshot()
    response = post(fmt, body)
    assert snapshot() == before
    return errors_of(response, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bare_point_files_the_case_under_the_nearest_group(key: str, fmt: str) -> None:
    response = post(fmt, point_only(key, "27.912300", "107.712400"))
    assert response.status_code == 200
    [answer] = read(response, fmt, "service_requests")
    case = Case.objects.get()
    assert answer["service_request_id"] == case.number
    assert case.region_code == GROUP_A1
    assert (str(case.latitude), str(case.longitude)) == ("27.912300", "107.712400")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_point_near_no_known_place_is_400_and_nothing_is_stored(key: str, fmt: str) -> None:
    assert refused(fmt, point_only(key, "27.500000", "107.000000")) == (400, [(400, NOT_NEAR)])
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_radius_comes_from_the_setting(key: str, fmt: str) -> None:
    body = point_only(key, "27.914000", "107.712000")  # about 222 m north of group A1
    with override_settings(SIZHI_POINT_RADIUS_M=200):
        status, errors = refused(fmt, body)
    assert (status, len(errors), errors[0][1].startswith("lat: 该坐标附近200米内")) == (
        400,
        1,
        True,
    )
    with override_settings(SIZHI_POINT_RADIUS_M=250):
        assert post(fmt, body).status_code == 200
    assert Case.objects.get().region_code == GROUP_A1


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_point_outside_the_keys_region_is_400_and_nothing_is_stored(key: str, fmt: str) -> None:
    township_b = make_key(region_code="520327102")[0]
    assert refused(fmt, point_only(township_b, "27.912300", "107.712400")) == (
        400,
        [(400, "address_id: 该地点不在此令牌的区域范围内。")],
    )
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_township_key_falls_back_to_its_township_when_the_point_finds_nothing(
    key: str, fmt: str
) -> None:
    township_a = make_key(region_code="520327101")[0]
    assert post(fmt, point_only(township_a, "27.500000", "107.000000")).status_code == 200
    assert Case.objects.get().region_code == "520327101"


@pytest.mark.parametrize("fmt", FORMATS)
def test_address_id_wins_over_the_point(key: str, fmt: str) -> None:
    body = fields(key, address_id=GROUP_B1, lat="27.912300", long="107.712400")
    assert post(fmt, body).status_code == 200
    case = Case.objects.get()
    assert (case.region_code, str(case.latitude)) == (GROUP_B1, "27.912300")


@pytest.mark.parametrize("fmt", FORMATS)
def test_names_in_the_address_win_over_the_point(key: str, fmt: str) -> None:
    body = point_only(key, "27.912300", "107.712400", address_string="沙坝村一组")
    assert post(fmt, body).status_code == 200
    assert Case.objects.get().region_code == GROUP_B1
