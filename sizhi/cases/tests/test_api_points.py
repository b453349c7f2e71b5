"""POST /api/v1/cases with only a point: the case is filed under the township, village or group
whose reference point is nearest within SIZHI_POINT_RADIUS_M, as for Open311; a point near
nothing, or a place outside the token's region, is refused with nothing stored."""

from typing import Any

import pytest

from sizhi.accounts.tests.apiclient import error_of, issue, post
from sizhi.cases.models import Case
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.test_api_cases import intake_body
from sizhi.cases.tests.test_open311_points import GROUP_A1, GROUP_B1, POINTS

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


@pytest.fixture
def points(tree: Any) -> None:
    from sizhi.orgs.models import Region

    for code, (lat, lng) in POINTS.items():
        Region.objects.filter(code=code).update(latitude=lat, longitude=lng)


def _at(desk: Any, tree: Any, lat: str | None, lng: str | None) -> dict[str, Any]:
    body = intake_body(desk, tree, latitude=lat, longitude=lng)
    del body["region_code"]
    return body


def test_a_point_alone_files_the_case_under_the_nearest_group(
    desk: Any, tree: Any, operator: Any, points: None
) -> None:
    response = post(CASES, _at(desk, tree, "27.931200", "107.731100"), issue(operator))
    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.region_code, str(case.latitude), str(case.longitude)) == (
        GROUP_B1,
        "27.931200",
        "107.731100",
    )


def test_a_region_code_wins_over_the_point(
    desk: Any, tree: Any, operator: Any, points: None
) -> None:
    body = intake_body(desk, tree, latitude="27.931200", longitude="107.731100")
    assert post(CASES, body, issue(operator)).status_code == 201
    assert Case.objects.get().region_code == GROUP_A1


def test_a_point_near_no_place_is_refused_and_nothing_is_stored(
    desk: Any, tree: Any, operator: Any, points: None
) -> None:
    secret = issue(operator)
    before = snapshot()
    response = post(CASES, _at(desk, tree, "26.000000", "106.000000"), secret)
    assert error_of(response) == (
        400,
        "invalid",
        {
            "region_code": [
                "该坐标附近3000米内没有本县已知的乡镇、村或村民小组，请填写 region_code。"
            ]
        },
    )
    assert snapshot() == before


def test_a_place_found_outside_the_tokens_region_is_refused(
    desk: Any, tree: Any, county_admin: Any, points: None
) -> None:
    secret = issue(county_admin, region_code=tree.village_a.code)
    before = snapshot()
    response = post(CASES, _at(desk, tree, "27.931200", "107.731100"), secret)
    assert error_of(response) == (
        400,
        "invalid",
        {"region_code": ["该地点不在此令牌的区域范围内。"]},
    )
    assert snapshot() == before


def test_half_a_point_is_refused_by_the_intake(
    desk: Any, tree: Any, operator: Any, points: None
) -> None:
    secret = issue(operator)
    before = snapshot()
    response = post(CASES, _at(desk, tree, "27.931200", None), secret)
    status, code, fields = error_of(response)
    assert (status, code) == (400, "invalid")
    assert fields == {
        "region_code": ["请选择事发的乡镇、村或村民小组。"],
        "longitude": ["请同时填写经度和纬度。"],
    }
    assert snapshot() == before
