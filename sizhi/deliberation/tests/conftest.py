"""Bodies and members for deliberation tests, on top of the shared tree (root conftest).

Group A1 has a council of five members (a convener and four members, two of them women) and
a group party branch of three; village A has a representatives' assembly, a villagers'
assembly and a party members' meeting; group B1 has a council too.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from sizhi.accounts.tests.factories import UserFactory
from sizhi.orgs.models import Unit, UnitKind
from sizhi.orgs.tests.factories import RoleGrantFactory, UnitFactory
from sizhi.residents.models import Person
from sizhi.residents.tests.factories import HouseholdFactory, MembershipFactory, PersonFactory


@dataclass
class Bodies:
    council_a1: Unit
    council_b1: Unit
    branch_a1: Unit
    representatives_a: Unit
    assembly_a: Unit
    party_meeting_a: Unit
    council_members: list[Person]
    branch_members: list[Person]
    member_user: Any  # a council member of A1 with an account
    member_b1_user: Any  # a council member of B1 with an account
    convener_user: Any


def _member(unit: Unit, role: str = "member", gender: str = "m", **person: Any) -> Person:
    household = HouseholdFactory.create(region=unit.region)
    someone = PersonFactory.create(household=household, gender=gender, **person)
    MembershipFactory.create(
        person=someone, unit=unit, role=role, started_on=dt.date(2024, 1, 1),
        term_ends_on=dt.date(2029, 1, 1),
    )  # fmt: skip
    return someone


def _account(person: Person, role: str, unit: Unit) -> Any:
    user = UserFactory.create()
    RoleGrantFactory.create(user=user, role=role, unit=unit)
    Person.objects.filter(pk=person.pk).update(user=user)
    return user


@pytest.fixture
def bodies(tree: Any) -> Bodies:
    council_a1 = tree.council_a1
    branch_a1 = UnitFactory.create(
        region=tree.group_a1, kind=UnitKind.GROUP_PARTY_BRANCH, name="一组党支部"
    )
    representatives_a = UnitFactory.create(
        region=tree.village_a, kind=UnitKind.REPRESENTATIVES_ASSEMBLY, name="临江村村民代表会议"
    )
    assembly_a = UnitFactory.create(
        region=tree.village_a, kind=UnitKind.VILLAGERS_ASSEMBLY, name="临江村村民会议"
    )
    party_meeting_a = UnitFactory.create(
        region=tree.village_a, kind=UnitKind.PARTY_MEMBERS_MEETING, name="临江村党员大会"
    )
    members = [_member(council_a1, "convener")]
    members += [_member(council_a1, gender="f" if i < 2 else "m") for i in range(4)]
    branch = [_member(branch_a1, "secretary")] + [_member(branch_a1) for _ in range(2)]
    member_b1 = _member(tree.council_b1)
    return Bodies(
        council_a1=council_a1,
        council_b1=tree.council_b1,
        branch_a1=branch_a1,
        representatives_a=representatives_a,
        assembly_a=assembly_a,
        party_meeting_a=party_meeting_a,
        council_members=members,
        branch_members=branch,
        member_user=_account(members[1], "council_member", council_a1),
        member_b1_user=_account(member_b1, "council_member", tree.council_b1),
        convener_user=_account(members[0], "convener", council_a1),
    )
