"""Contract tests of the person endpoints: always masked, never an ID number, only for callers
whose grants show persons, exactly the persons those grants show, and nothing outside a
token's region."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from sizhi.accounts.tests.apiclient import error_of, get, issue
from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import UnitFactory
from sizhi.residents.models import Person
from sizhi.residents.tests.factories import HouseholdFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db

PERSONS = "/api/v1/persons"
SCOPES = ("persons:read",)

# Which of the tree's two persons (张三 of group A1, 李四 of group B1) each persona reads.
SEES = {
    "county_admin": {"a1", "b1"},
    "supervisor": {"a1", "b1"},
    "township_cadre": {"a1", "b1"},
    "village_cadre": {"a1"},
    "other_village_cadre": {"b1"},
    "convener": {"a1"},
}


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> Iterator[None]:
    """Per-token rate counters are kept in the cache under the token's id, which the next
    test may be given again."""
    cache.clear()
    yield
    cache.clear()


def _listed(secret: str, **params: Any) -> list[int]:
    response = get(PERSONS, secret, **params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_persons_are_masked_and_carry_no_id_number(tree: Any, county_admin: Any) -> None:
    Person.objects.filter(pk=tree.person_a1.pk).update(id_last4="123X", id_hash="abc")
    response = get(f"{PERSONS}/{tree.person_a1.pk}", issue(county_admin, scopes=SCOPES))
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["phone"]) == ("张*", "138****5678")
    assert body["region_code"] == tree.group_a1.code
    assert body["household_id"] == tree.household_a1.pk
    assert set(body) == {
        "id", "name", "phone", "gender", "birth_year", "relation", "is_party_member",
        "household_id", "region_code", "created_at", "updated_at", "seats",
    }  # fmt: skip
    text = response.content.decode()
    for secret_value in ("张三", "13812345678", "123X"):
        assert secret_value not in text


def test_a_person_lists_their_current_seats(tree: Any, county_admin: Any) -> None:
    MembershipFactory.create(
        person=tree.person_a1, unit=tree.council_a1, role="convener", started_on=dt.date(2024, 1, 1)
    )
    MembershipFactory.create(
        person=tree.person_a1,
        unit=tree.council_a1,
        role="member",
        started_on=dt.date(2020, 1, 1),
        ended_on=dt.date(2023, 12, 31),
    )
    body = get(f"{PERSONS}/{tree.person_a1.pk}", issue(county_admin, scopes=SCOPES)).json()
    assert body["seats"] == [
        {
            "unit_id": tree.council_a1.pk,
            "unit_name": "一组议事会",
            "unit_kind": "council",
            "role": "convener",
        }
    ]


@pytest.mark.parametrize("persona", sorted(SEES), indirect=True)
def test_each_persona_reads_exactly_its_persons(request: Any, persona: Any, tree: Any) -> None:
    name = request.node.callspec.params["persona"]
    secret = issue(persona, scopes=SCOPES)
    people = {"a1": tree.person_a1, "b1": tree.person_b1}
    expected = {people[key].pk for key in SEES[name]}
    assert set(_listed(secret)) == expected
    for person in people.values():
        response = get(f"{PERSONS}/{person.pk}", secret)
        assert response.status_code == (200 if person.pk in expected else 404)


def test_a_resident_may_not_list_persons(tree: Any, resident: Any) -> None:
    secret = issue(resident, scopes=SCOPES)
    assert error_of(get(PERSONS, secret))[:2] == (403, "forbidden")
    assert error_of(get(f"{PERSONS}/{tree.person_a1.pk}", secret))[:2] == (403, "forbidden")


def test_the_scope_is_needed(tree: Any, county_admin: Any) -> None:
    secret = issue(county_admin, scopes=("motions:read",))
    assert error_of(get(PERSONS, secret))[:2] == (403, "insufficient_scope")
    assert error_of(get(PERSONS))[:2] == (401, "not_authenticated")


def test_a_township_token_reads_no_person_outside_it(tree: Any, county_admin: Any) -> None:
    outside = PersonFactory.create(household=HouseholdFactory.create(region=tree.township_b))
    everywhere = issue(county_admin, scopes=SCOPES)
    assert outside.pk in _listed(everywhere)
    secret = issue(county_admin, scopes=SCOPES, region_code=tree.township_a.code)
    inside = {tree.person_a1.pk, tree.person_b1.pk}
    assert set(_listed(secret)) == inside
    assert set(_listed(secret, region="520327")) == inside
    assert _listed(secret, region=tree.township_b.code) == []
    assert error_of(get(f"{PERSONS}/{outside.pk}", secret))[:2] == (404, "not_found")


def _persons(tree: Any, count: int) -> list[Person]:
    start = timezone.now() - dt.timedelta(hours=count)
    made = []
    for n in range(count):
        person = PersonFactory.create(household=tree.household_a1)
        Person.objects.filter(pk=person.pk).update(created_at=start + dt.timedelta(hours=n))
        made.append(person)
    return made


def test_persons_page_newest_first_and_filter(tree: Any, county_admin: Any) -> None:
    Person.objects.update(created_at=timezone.now() - dt.timedelta(days=30))
    made = _persons(tree, 3)
    secret = issue(county_admin, scopes=SCOPES)
    first = get(PERSONS, secret, limit=2).json()
    assert [p["id"] for p in first["items"]] == [made[2].pk, made[1].pk]
    rest = get(PERSONS, secret, limit=2, cursor=first["next_cursor"]).json()
    assert [p["id"] for p in rest["items"]] == [made[0].pk, tree.person_b1.pk]
    last = get(PERSONS, secret, limit=2, cursor=rest["next_cursor"]).json()
    assert ([p["id"] for p in last["items"]], last["next_cursor"]) == ([tree.person_a1.pk], None)
    assert set(_listed(secret, region=tree.village_b.code)) == {tree.person_b1.pk}
    Person.objects.filter(pk=made[0].pk).update(updated_at=timezone.now() + dt.timedelta(hours=1))
    since = (timezone.now() + dt.timedelta(minutes=30)).isoformat()
    assert _listed(secret, updated_since=since) == [made[0].pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "abc"}, "region"),
        ({"limit": 0}, "limit"),
        ({"cursor": "nope"}, "cursor"),
        ({"updated_since": "0001-01-01T00:00:00+08:00"}, "updated_since"),
    ],
)
def test_bad_list_parameters_are_400(county_admin: Any, params: dict[str, Any], field: str) -> None:
    status, code, fields = error_of(get(PERSONS, issue(county_admin, scopes=SCOPES), **params))
    assert (status, field in fields) == (400, True)
    assert code in {"invalid", "invalid_cursor"}


def test_the_list_runs_the_same_queries_for_3_and_30_rows(
    tree: Any, county_admin: Any, django_assert_num_queries: Any
) -> None:
    secret = issue(county_admin, scopes=SCOPES)
    get(PERSONS, secret)
    Person.objects.all().delete()
    _persons(tree, 3)
    # The token with its owner, the owner's grants, the owner's own person, the page.
    with django_assert_num_queries(4):
        assert len(get(PERSONS, secret).json()["items"]) == 3
    _persons(tree, 27)
    with django_assert_num_queries(4):
        assert len(get(PERSONS, secret).json()["items"]) == 30


def test_a_missing_person_is_404(county_admin: Any) -> None:
    secret = issue(county_admin, scopes=SCOPES)
    assert error_of(get(f"{PERSONS}/999999", secret))[:2] == (404, "not_found")
    assert error_of(get(f"{PERSONS}/0", secret))[:2] == (400, "invalid")


def test_a_unit_elsewhere_is_not_listed_among_the_seats(tree: Any, village_cadre: Any) -> None:
    branch_b = UnitFactory.create(region=tree.village_b, kind=UnitKind.PARTY_BRANCH)
    MembershipFactory.create(
        person=tree.person_a1, unit=branch_b, role="member", started_on=dt.date(2024, 1, 1)
    )
    body = get(f"{PERSONS}/{tree.person_a1.pk}", issue(village_cadre, scopes=SCOPES)).json()
    assert body["seats"] == []
