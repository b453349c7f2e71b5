"""The persona matrix through the API: each persona's token sees exactly the cases its grants
show, a token scoped to a region sees nothing outside it whatever its owner may see, and every
refused step leaves everything as it was."""

from typing import Any

import pytest

from sizhi.accounts.tests.apiclient import error_of, get, issue, post
from sizhi.cases.models import Case
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import CaseFactory
from sizhi.cases.tests.test_permissions import SEES

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"
PERSONAS = tuple(name for name in SEES if name != "anonymous")

# Who may accept the (received) case of village A, and how the others are refused.
ACCEPT = {
    "county_admin": 200,
    "operator": 200,
    "dispatcher": 200,
    "supervisor": 403,
    "township_cadre": 403,
    "village_cadre": 403,
    "handler": 403,
    "other_village_cadre": 404,
    "convener": 404,
    "resident": 404,
    "sibling_handler": 404,
    "township_handler": 404,
}


@pytest.fixture
def four_cases(tree: Any, desk: Any) -> dict[str, Case]:
    return {
        "a": CaseFactory.create(region=tree.group_a1, handling_unit=desk.village_centre),
        "b": CaseFactory.create(region=tree.group_b1, handling_unit=desk.sibling_centre),
        "t": CaseFactory.create(region=tree.township_a, handling_unit=desk.township_office),
        "x": CaseFactory.create(region=tree.township_b),
    }


def _listed(secret: str) -> set[str]:
    response = get(CASES, secret)
    assert response.status_code == 200
    return {item["number"] for item in response.json()["items"]}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_each_personas_token_reads_exactly_its_cases(
    request: Any, persona: Any, four_cases: dict[str, Case]
) -> None:
    name = request.node.callspec.params["persona"]
    secret = issue(persona)
    expected = {four_cases[key].number for key in SEES[name]}
    assert _listed(secret) == expected
    for case in four_cases.values():
        response = get(f"{CASES}/{case.number}", secret)
        if case.number in expected:
            assert response.status_code == 200
        else:
            assert error_of(response)[:2] == (404, "not_found")
        events = get(f"{CASES}/{case.number}/events", secret)
        assert events.status_code == (200 if case.number in expected else 404)


def test_without_a_token_nothing_is_read(four_cases: dict[str, Case]) -> None:
    assert error_of(get(CASES))[:2] == (401, "not_authenticated")
    assert error_of(get(f"{CASES}/{four_cases['a'].number}"))[:2] == (401, "not_authenticated")


@pytest.mark.parametrize(
    ("region", "sees"),
    [
        ("520327101", {"a", "b", "t"}),
        ("520327101201", {"a"}),
        ("520327102", {"x"}),
        ("520327101201001", {"a"}),
        ("520327103", set()),
    ],
)
def test_a_region_scoped_token_reads_nothing_outside_its_region(
    county_admin: Any, four_cases: dict[str, Case], region: str, sees: set[str]
) -> None:
    secret = issue(county_admin, region_code=region)
    expected = {four_cases[key].number for key in sees}
    assert _listed(secret) == expected
    # Asking for a wider or another region gives no more.
    assert {item["number"] for item in get(CASES, secret, region="520327").json()["items"]} == (
        expected
    )
    assert _numbers(get(CASES, secret, region="520327104")) == set()
    for case in four_cases.values():
        response = get(f"{CASES}/{case.number}", secret)
        assert response.status_code == (200 if case.number in expected else 404)


def _numbers(response: Any) -> set[str]:
    return {item["number"] for item in response.json()["items"]}


def test_a_region_scoped_token_sees_only_its_places_and_units(
    county_admin: Any, desk: Any, tree: Any
) -> None:
    secret = issue(county_admin, region_code=tree.village_a.code)
    top = get("/api/v1/regions", secret).json()
    assert [r["code"] for r in top] == [tree.village_a.code]
    assert [
        r["code"] for r in get("/api/v1/regions", secret, parent=tree.village_a.code).json()
    ] == [tree.group_a1.code]
    for outside in (tree.county.code, tree.township_a.code, tree.village_b.code):
        assert error_of(get("/api/v1/regions", secret, parent=outside))[:2] == (404, "not_found")
        assert error_of(get("/api/v1/units", secret, region=outside))[:2] == (404, "not_found")
    units = get("/api/v1/units", secret).json()
    assert [u["id"] for u in units] == [desk.village_centre.pk]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_each_persona_may_accept_or_is_refused_without_a_trace(
    request: Any, persona: Any, four_cases: dict[str, Case]
) -> None:
    name = request.node.callspec.params["persona"]
    case = four_cases["a"]
    secret = issue(persona)
    before = snapshot()
    response = post(f"{CASES}/{case.number}/transitions", {"name": "accept"}, secret)
    assert response.status_code == ACCEPT[name]
    if ACCEPT[name] == 200:
        assert response.json()["state"] == "accepted"
    else:
        error_of(response)
        assert snapshot() == before


def test_a_region_scoped_dispatcher_cannot_act_outside_its_region(
    dispatcher: Any, four_cases: dict[str, Case], desk: Any, tree: Any
) -> None:
    secret = issue(dispatcher, region_code="520327102")
    before = snapshot()
    response = post(f"{CASES}/{four_cases['a'].number}/transitions", {"name": "accept"}, secret)
    assert error_of(response)[:2] == (404, "not_found")
    response = post(
        f"{CASES}/{four_cases['x'].number}/transitions",
        {"name": "merge", "numbers": [four_cases["a"].number]},
        secret,
    )
    status, code, fields = error_of(response)
    assert (status, code) == (400, "invalid")
    assert four_cases["a"].number in fields["numbers"][0]
    intake = {
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯坏了",
        "description": "村口路灯不亮。",
        "region_code": tree.group_a1.code,
        "contact_phone": "13900001234",
    }
    status, code, fields = error_of(post(CASES, intake, secret))
    assert (status, code, fields) == (
        400,
        "invalid",
        {"region_code": ["该地点不在此令牌的区域范围内。"]},
    )
    assert snapshot() == before
    response = post(f"{CASES}/{four_cases['x'].number}/transitions", {"name": "accept"}, secret)
    assert response.status_code == 200
