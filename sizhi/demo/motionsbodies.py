"""The seats and accounts deliberation needs in the demo, and the planner's view of the bodies.

- Party members sit in the party branch of their group, or of their village where the group
  has none: those branches review motions (审议), so a review meeting expects them all.
- 临江村's representatives' assembly gets its representatives (two per group, one a woman)
  and the villagers' committee's chair, so it can decide the eco-park matter.
- Conveners, council members, branch secretaries and a few residents of every group get an
  account with its grant: opinions, co-signs and every step of a motion have an author.
  Accounts of residents have no usable password: only the personas log in.
"""

import datetime as dt
import random
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Count

from sizhi.accounts.models import User
from sizhi.core.regioncode import within_q
from sizhi.demo.fenggang import HOME_VILLAGE
from sizhi.demo.motionsballots import Body, Member
from sizhi.demo.motionsfate import GroupInfo
from sizhi.demo.motionsinsert import insert
from sizhi.demo.motionslinjiang import Village
from sizhi.demo.orgwriter import OrgIndex
from sizhi.demo.people import ADULT_AGE, REFERENCE_YEAR, new_phone
from sizhi.demo.peoplewriter import VILLAGE_TERM_START, term_end
from sizhi.demo.plan import rng_for
from sizhi.orgs.models import Region, RoleGrant, UnitKind
from sizhi.orgs.roles import Role
from sizhi.residents.models import (
    Household,
    Membership,
    MembershipRole,
    Person,
    Relation,
    Selection,
)

K = UnitKind
RESIDENT_ACCOUNTS = (3, 6)  # residents with an account per group, at least and at most


def write_branch_seats(index: OrgIndex, townships: list[str]) -> int:
    """Every party member's seat in the branch of their group, else of their village."""
    kinds = [K.GROUP_PARTY_BRANCH, K.PARTY_BRANCH]
    seated = set(
        Membership.objects.filter(within_q(townships), unit__kind__in=kinds).values_list(
            "person_id", "unit_id"
        )
    )
    rows = []
    members = (
        Person.objects.filter(within_q(townships), is_party_member=True)
        .order_by("pk")
        .values_list("pk", "region_code")
    )
    for person, code in members.iterator(chunk_size=5000):
        place = code if (code, K.GROUP_PARTY_BRANCH) in index.units else code[:12]
        kind = K.GROUP_PARTY_BRANCH if len(place) == 15 else K.PARTY_BRANCH
        unit = index.units[(place, kind)]
        if (person, unit) in seated:
            continue
        rows.append(
            {
                "person_id": person,
                "unit_id": unit,
                "region_code": place,
                "role": MembershipRole.MEMBER,
                "selection": Selection.EX_OFFICIO,
                "started_on": VILLAGE_TERM_START,
            }
        )
    insert(Membership, rows)
    return len(rows)


def write_representatives(index: OrgIndex, seed: int) -> int:
    """临江村's representatives' assembly: the committee's chair and two representatives
    elected by each group, a woman and a man."""
    unit = index.units.get((HOME_VILLAGE, K.REPRESENTATIVES_ASSEMBLY))
    if unit is None:
        return 0
    rng = rng_for(seed, f"representatives:{HOME_VILLAGE}")
    chair = (
        Membership.objects.filter(unit__region_code=HOME_VILLAGE, unit__kind=K.VILLAGERS_COMMITTEE)
        .values_list("person_id", flat=True)
        .first()
    )
    people: dict[str, dict[str, list[int]]] = {}
    rows = (
        Person.objects.filter(
            within_q([HOME_VILLAGE]),
            birth_year__gte=REFERENCE_YEAR - 70,
            birth_year__lte=REFERENCE_YEAR - 25,
        )
        .exclude(pk=chair or 0)
        .order_by("pk")
        .values_list("pk", "region_code", "gender")
    )
    for person, code, gender in rows:
        people.setdefault(code, {}).setdefault(gender, []).append(person)
    seats = []
    if chair is not None:
        seats.append((chair, MembershipRole.CHAIR, Selection.EX_OFFICIO))
    for code in sorted(people):
        chosen = [rng.choice(people[code][g]) for g in ("f", "m") if people[code].get(g)]
        seats += [(p, MembershipRole.REPRESENTATIVE, Selection.ELECTED) for p in chosen]
    insert(
        Membership,
        (
            {
                "person_id": person,
                "unit_id": unit,
                "region_code": HOME_VILLAGE,
                "role": role,
                "selection": selection,
                "started_on": VILLAGE_TERM_START,
                "term_ends_on": term_end(VILLAGE_TERM_START),
            }
            for person, role, selection in seats
        ),
    )
    return len(seats)


class Accounts:
    """New accounts and their grants, one account per person."""

    def __init__(self, taken: set[str], joined: dt.datetime) -> None:
        self.taken = taken  # phones in use: no account may take them again
        self.joined = joined
        self.password = make_password(None)
        self.users: list[dict[str, Any]] = []
        self.people: dict[int, int] = {}  # person → position in users
        self.links: list[tuple[int, str]] = []  # (person, phone), in the order of users
        self.grants: list[tuple[int, str, str, int | None]] = []  # position, role, code, unit

    def account(
        self, rng: random.Random, person: int, phone: str, name: str, lead: bool
    ) -> int | None:
        """The position of the person's account; a leader without a usable phone gets a new
        number, anybody else goes without."""
        if person in self.people:
            return self.people[person]
        if not phone or phone in self.taken:
            if not lead:
                return None
            phone = new_phone(rng)
            while phone in self.taken:
                phone = new_phone(rng)
        self.taken.add(phone)
        self.people[person] = len(self.users)
        self.users.append(
            {"phone": phone, "name": name, "password": self.password, "date_joined": self.joined}
        )
        self.links.append((person, phone))
        return self.people[person]

    def seats(self, rng: random.Random, township: str) -> None:
        """Conveners, council members and branch secretaries without an account."""
        seats = (
            Membership.objects.current()
            .filter(
                within_q([township]),
                unit__kind__in=[K.COUNCIL, K.PARTY_BRANCH, K.GROUP_PARTY_BRANCH],
                person__user__isnull=True,
            )
            .exclude(unit__kind__in=[K.PARTY_BRANCH, K.GROUP_PARTY_BRANCH], role="member")
            .order_by("pk")
            .values_list(
                "person_id", "person__name", "person__phone", "unit_id", "unit__kind",
                "region_code", "role",
            )
        )  # fmt: skip
        for person, name, phone, unit, kind, code, role in seats:
            lead = role in {MembershipRole.CONVENER, MembershipRole.SECRETARY}
            position = self.account(rng, person, phone, name, lead)
            if position is None:
                continue
            if kind == K.COUNCIL and role == MembershipRole.CONVENER:
                self.grants.append((position, Role.CONVENER, code, unit))
            elif kind == K.COUNCIL:
                self.grants.append((position, Role.COUNCIL_MEMBER, code, None))
            else:
                self.grants.append((position, Role.BRANCH_SECRETARY, code, unit))

    def residents(self, rng: random.Random, township: str) -> None:
        """A few heads of household or spouses of every group, without a seat."""
        candidates: dict[str, list[tuple[int, str, str]]] = {}
        adults = (
            Person.objects.filter(
                within_q([township]),
                user__isnull=True,
                memberships__isnull=True,
                birth_year__lte=REFERENCE_YEAR - ADULT_AGE,
                birth_year__gte=REFERENCE_YEAR - 75,
                relation__in=[Relation.HEAD, Relation.SPOUSE],
            )
            .exclude(phone="")
            .order_by("pk")
            .values_list("pk", "region_code", "name", "phone")
        )
        for person, code, name, phone in adults.iterator(chunk_size=5000):
            if phone not in self.taken:
                candidates.setdefault(code, []).append((person, name, phone))
        for code in sorted(candidates):
            pool = candidates[code]
            for person, name, phone in rng.sample(
                pool, min(len(pool), rng.randint(*RESIDENT_ACCOUNTS))
            ):
                position = self.account(rng, person, phone, name, False)
                if position is not None:
                    self.grants.append((position, Role.RESIDENT, code, None))

    def write(self) -> int:
        keys = insert(User, self.users, returning=True)
        regions = _regions({code for _user, _role, code, unit in self.grants if unit is None})
        insert(
            RoleGrant,
            (
                {
                    "user_id": keys[position],
                    "role": role,
                    "region_id": regions[code] if unit is None else None,
                    "unit_id": unit,
                    "region_code": code,
                }
                for position, role, code, unit in self.grants
            ),
        )
        _link([(person, key, phone) for key, (person, phone) in zip(keys, self.links, strict=True)])
        return len(keys)


def _link(rows: list[tuple[int, int, str]]) -> None:
    """Set the account and phone of each (person, user, phone)."""
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"UPDATE {table} SET user_id = %s, phone = %s WHERE id = %s",  # noqa: S608
                [(user, phone, person) for person, user, phone in rows],
            )
            return
        for start in range(0, len(rows), 2000):
            batch = rows[start : start + 2000]
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            cursor.execute(
                f"UPDATE {table} AS p SET user_id = v.user_id, phone = v.phone "  # noqa: S608
                f"FROM (VALUES {values}) AS v(id, user_id, phone) WHERE p.id = v.id",
                [value for row in batch for value in row],
            )


def write_accounts(townships: list[str], seed: int, joined: dt.datetime) -> int:
    """Accounts and grants for the people who take part in deliberation (see the module).
    People who have an account already (the personas) keep theirs."""
    taken = set(User.objects.values_list("phone", flat=True))
    shared = (
        Person.objects.filter(within_q(townships))
        .exclude(phone="")
        .values("phone")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("phone", flat=True)
    )
    taken |= set(shared)  # two people with one phone: neither gets an account from it
    accounts = Accounts(taken, joined)
    for township in townships:
        rng = rng_for(seed, f"accounts:{township}")
        accounts.seats(rng, township)
        accounts.residents(rng, township)
    return accounts.write()


def _regions(codes: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):
        found.update(
            Region.objects.filter(code__in=ordered[start : start + 500]).values_list("code", "pk")
        )
    return found


def gather(index: OrgIndex, townships: list[str]) -> dict[str, list[GroupInfo]]:
    """Each built township's groups with their council, reviewing branch, residents with an
    account, and households an SMS reaches (``_notify_households`` counts the same)."""
    kinds = [K.COUNCIL, K.GROUP_PARTY_BRANCH, K.PARTY_BRANCH]
    units: dict[int, tuple[str, str]] = {}
    members: dict[int, list[tuple[str, Member]]] = {}
    seats = (
        Membership.objects.current()
        .filter(within_q(townships), unit__kind__in=kinds)
        .order_by("pk")
        .values_list(
            "unit_id", "unit__name", "unit__kind", "role", "person_id", "person__user_id",
            "person__name", "person__gender",
        )
    )  # fmt: skip
    for unit, name, kind, role, person, user, person_name, gender in seats.iterator(
        chunk_size=5000
    ):
        units[unit] = (name, kind)
        members.setdefault(unit, []).append((role, Member(person, user, person_name, gender)))
    residents: dict[str, list[Member]] = {}
    accounts = (
        Person.objects.filter(within_q(townships), user__isnull=False, memberships__isnull=True)
        .order_by("pk")
        .values_list("pk", "region_code", "user_id", "name", "gender")
    )
    for person, code, user, name, gender in accounts:
        residents.setdefault(code, []).append(Member(person, user, name, gender))
    reached = dict(
        Person.objects.filter(within_q(townships), household__isnull=False)
        .exclude(phone="")
        .values_list("region_code")
        .annotate(n=Count("household_id", distinct=True))
        .order_by()
    )

    def body(unit: int, code: str) -> Body:
        seats = members.get(unit, [])
        lead = next((m for role, m in seats if role in {"convener", "secretary"}), None)
        ordered = ([lead] if lead else []) + [m for _role, m in seats if m is not lead]
        return Body(
            unit=unit,
            kind=units[unit][1] if unit in units else "",
            region_code=code,
            name=units[unit][0] if unit in units else "",
            members=tuple(ordered),
            manager=lead.user if lead else None,
            chair=lead.name if lead else "",
        )

    result: dict[str, list[GroupInfo]] = {}
    names = index.region_names
    for code in sorted(index.regions):
        if len(code) != 15 or code[:9] not in townships:
            continue
        review = index.units.get((code, K.GROUP_PARTY_BRANCH))
        review_code = code if review else code[:12]
        review = review or index.units[(code[:12], K.PARTY_BRANCH)]
        result.setdefault(code[:9], []).append(
            GroupInfo(
                code=code,
                village_name=names[code[:12]],
                group_name=names[code],
                council=body(index.units[(code, K.COUNCIL)], code),
                review=body(review, review_code),
                residents=tuple(residents.get(code, [])),
                households_notified=reached.get(code, 0),
            )
        )
    return result


def linjiang(index: OrgIndex, years: tuple[int, ...]) -> Village | None:
    """临江村: its representatives' assembly with its seats, its villagers' assembly and who
    would be expected at it (everyone of age, every household), and its branch secretary."""
    unit = index.units.get((HOME_VILLAGE, K.REPRESENTATIVES_ASSEMBLY))
    if unit is None:
        return None
    seats = (
        Membership.objects.current()
        .filter(unit_id=unit)
        .order_by("pk")
        .values_list("person_id", "person__user_id", "person__name", "person__gender")
    )
    secretary: Any = (
        Membership.objects.filter(
            unit_id=index.units[(HOME_VILLAGE, K.PARTY_BRANCH)], role="secretary"
        )
        .values_list("person__user_id", "person__name")
        .first()
    ) or (None, "")
    scope = within_q([HOME_VILLAGE])
    representatives = Body(
        unit=unit,
        kind=K.REPRESENTATIVES_ASSEMBLY,
        region_code=HOME_VILLAGE,
        name=index.region_names[HOME_VILLAGE] + "村民代表会议",
        members=tuple(Member(*row) for row in seats),
        manager=secretary[0],
        chair=secretary[1],
    )
    return Village(
        code=HOME_VILLAGE,
        name=index.region_names[HOME_VILLAGE],
        representatives=representatives,
        assembly_id=index.units[(HOME_VILLAGE, K.VILLAGERS_ASSEMBLY)],
        adults_by_year={
            year: Person.objects.filter(scope, birth_year__lte=year - ADULT_AGE).count()
            for year in years
        },
        households=Household.objects.filter(scope).count(),
        secretary=secretary[0],
        secretary_name=secretary[1],
    )
