"""Shared fixtures: a small region tree and the personas of the permission matrices.

The tree: county 520327 → township A 520327101 and B 520327102 → village A 520327101201 and its
sibling B 520327101202 → group A1 520327101201001 and B1 520327101202001.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import translation

from sizhi.accounts.tests.factories import UserFactory
from sizhi.orgs.models import Region, Unit, UnitKind
from sizhi.orgs.tests.factories import RegionFactory, RoleGrantFactory, UnitFactory
from sizhi.residents.models import Household, Person
from sizhi.residents.tests.factories import HouseholdFactory, PersonFactory

COUNTY = "520327"
TOWNSHIP_A = "520327101"
TOWNSHIP_B = "520327102"
VILLAGE_A = "520327101201"
VILLAGE_B = "520327101202"
GROUP_A1 = "520327101201001"
GROUP_B1 = "520327101202001"

PERSONAS = (
    "county_admin",
    "supervisor",
    "township_cadre",
    "village_cadre",
    "other_village_cadre",
    "convener",
    "resident",
    "anonymous",
)


@dataclass
class Tree:
    county: Region
    township_a: Region
    township_b: Region
    village_a: Region
    village_b: Region
    group_a1: Region
    group_b1: Region
    council_a1: Unit
    council_b1: Unit
    household_a1: Household
    household_b1: Household
    person_a1: Person
    person_b1: Person


@pytest.fixture
def tree(db: Any) -> Tree:
    names = {
        COUNTY: "凤冈县",
        TOWNSHIP_A: "进化镇",
        TOWNSHIP_B: "琊川镇",
        VILLAGE_A: "临江村",
        VILLAGE_B: "沙坝村",
        GROUP_A1: "临江村一组",
        GROUP_B1: "沙坝村一组",
    }
    regions = {code: RegionFactory(code=code, name=name) for code, name in names.items()}
    council_a1 = UnitFactory(region=regions[GROUP_A1], kind=UnitKind.COUNCIL, name="一组议事会")
    council_b1 = UnitFactory(region=regions[GROUP_B1], kind=UnitKind.COUNCIL, name="一组议事会")
    household_a1 = HouseholdFactory(region=regions[GROUP_A1], address="进化镇临江村一组1号")
    household_b1 = HouseholdFactory(region=regions[GROUP_B1], address="进化镇沙坝村一组1号")
    return Tree(
        county=regions[COUNTY],
        township_a=regions[TOWNSHIP_A],
        township_b=regions[TOWNSHIP_B],
        village_a=regions[VILLAGE_A],
        village_b=regions[VILLAGE_B],
        group_a1=regions[GROUP_A1],
        group_b1=regions[GROUP_B1],
        council_a1=council_a1,
        council_b1=council_b1,
        household_a1=household_a1,
        household_b1=household_b1,
        person_a1=PersonFactory(household=household_a1, name="张三", phone="13812345678"),
        person_b1=PersonFactory(household=household_b1, name="李四", phone="13887654321"),
    )


def _user_with(role: str, region: Region | None = None, unit: Unit | None = None) -> Any:
    user = UserFactory()
    RoleGrantFactory(user=user, role=role, region=region, unit=unit)
    return user


@pytest.fixture
def county_admin(tree: Tree) -> Any:
    return _user_with("county_admin", region=tree.county)


@pytest.fixture
def supervisor(tree: Tree) -> Any:
    return _user_with("supervisor", region=tree.county)


@pytest.fixture
def township_cadre(tree: Tree) -> Any:
    return _user_with("cadre", region=tree.township_a)


@pytest.fixture
def village_cadre(tree: Tree) -> Any:
    return _user_with("cadre", region=tree.village_a)


@pytest.fixture
def other_village_cadre(tree: Tree) -> Any:
    return _user_with("cadre", region=tree.village_b)


@pytest.fixture
def convener(tree: Tree) -> Any:
    return _user_with("convener", unit=tree.council_a1)


@pytest.fixture
def resident(tree: Tree) -> Any:
    user = _user_with("resident", region=tree.group_a1)
    Person.objects.filter(pk=tree.person_a1.pk).update(user=user)
    return user


@pytest.fixture
def anonymous(tree: Tree) -> Any:
    return AnonymousUser()


@pytest.fixture
def persona(request: pytest.FixtureRequest) -> Any:
    """Use with indirect parametrisation: ``@pytest.mark.parametrize("persona", [...],
    indirect=True)``."""
    return request.getfixturevalue(request.param)


@pytest.fixture(autouse=True)
def _fresh_cache_and_language() -> Iterator[None]:
    """Every test starts with an empty cache (rate-limit counters are keyed by ids that the
    rollback of the previous test frees for reuse) and in the site's default language, and
    leaves both so for the next."""
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def _media_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings: Any, _media_dir: Any) -> None:
    """Files that tests upload land in a folder of the test run, not the installation's
    (through the settings fixture, so that the file storage hears of the change)."""
    settings.MEDIA_ROOT = _media_dir
