"""Writing one township's households, persons and seats from its plan."""

from dataclasses import dataclass
from datetime import date

from sizhi.demo.orgwriter import BATCH_SIZE, OrgIndex, ensure_pks
from sizhi.demo.plan import TownshipPlan
from sizhi.orgs.models import UnitKind
from sizhi.residents.models import Household, Membership, MembershipRole, Person, Selection

# Fixed dates, so that the data does not depend on the day it is built. Village committees
# and party branches were last elected in the 2021 round (5-year terms); the group councils
# in 2024.
VILLAGE_TERM_START = date(2021, 3, 15)
COUNCIL_TERM_START = date(2024, 3, 1)
TERM_YEARS = 5


def term_end(start: date) -> date:
    """The last day of a five-year term."""
    return date.fromordinal(start.replace(year=start.year + TERM_YEARS).toordinal() - 1)


@dataclass
class TownshipWritten:
    households: int
    persons: int
    memberships: int


def write_township_people(index: OrgIndex, plan: TownshipPlan) -> TownshipWritten:
    households = [
        Household(
            region_id=index.regions[h.group_code],
            region_code=h.group_code,
            number=h.number,
            address=h.address,
            size=len(h.members),
        )
        for h in plan.households
    ]
    Household.objects.bulk_create(households, batch_size=BATCH_SIZE)
    ensure_pks(households, Household, "number")
    persons = [
        Person(
            region_id=household.region_id,
            region_code=household.region_code,
            household_id=household.pk,
            relation=p.relation,
            name=p.name,
            name_pinyin=p.name_pinyin,
            gender=p.gender,
            birth_year=p.birth_year,
            phone=p.phone,
            id_hash=p.id_hash,
            id_last4=p.id_last4,
            is_party_member=p.is_party_member,
        )
        for household, h in zip(households, plan.households, strict=True)
        for p in h.members
    ]
    Person.objects.bulk_create(persons, batch_size=BATCH_SIZE)
    ensure_pks(persons, Person, "id_hash")
    memberships = _memberships(index, plan, [person.pk for person in persons])
    Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)
    return TownshipWritten(len(households), len(persons), len(memberships))


def _memberships(index: OrgIndex, plan: TownshipPlan, person_pks: list[int]) -> list[Membership]:
    rows: list[Membership] = []

    def seat(code: str, kind: str, person: int, role: str, start: date) -> None:
        rows.append(
            Membership(
                person_id=person_pks[person],
                unit_id=index.units[(code, kind)],
                region_code=code,
                role=role,
                selection=Selection.ELECTED,
                started_on=start,
                term_ends_on=term_end(start),
            )
        )

    for code, person in plan.village_secretaries.items():
        seat(code, UnitKind.PARTY_BRANCH, person, MembershipRole.SECRETARY, VILLAGE_TERM_START)
    for code, person in plan.village_chairs.items():
        seat(code, UnitKind.VILLAGERS_COMMITTEE, person, MembershipRole.CHAIR, VILLAGE_TERM_START)
    for code, person in plan.group_secretaries.items():
        seat(
            code,
            UnitKind.GROUP_PARTY_BRANCH,
            person,
            MembershipRole.SECRETARY,
            VILLAGE_TERM_START,
        )
    for code, seats in plan.council_seats.items():
        for person, role in seats:
            seat(code, UnitKind.COUNCIL, person, role, COUNCIL_TERM_START)
    return rows
