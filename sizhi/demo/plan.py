"""The demo county as plain data: places, people, seats and facilities (no database).

A plan is a pure function of the seed. Every township draws from its own
``random.Random``, seeded with the run's seed and the township's code, so a township comes out
the same whether it is built alone (small profile) or with the whole county (full profile).

Published totals are hit exactly by apportioning them over the townships by their number of
groups (largest remainders, ties to the earlier township): 522 group party branches and 10,038
elected council members over 2,169 groups.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sizhi.demo.fenggang import (
    TOTAL_COUNCIL_MEMBERS,
    TOTAL_GROUP_PARTY_BRANCHES,
    TOWNSHIPS,
    TownshipData,
    group_names,
    village_codes,
)
from sizhi.demo.people import HouseholdMaker, HouseholdPlan, PersonPlan
from sizhi.orgs.standards import standard_for

COUNCIL_MIN = 3
COUNCIL_MAX = 9
# A group party branch needs at least three party members.
BRANCH_MIN_MEMBERS = 3
# Share of service points that lack one required facility, per level.
MISSING_RATE = {"township": 0.15, "village": 0.12, "group": 0.08}
OPTIONAL_RATE = {"county": 1.0, "township": 0.5, "village": 0.35, "group": 0.2}


@dataclass(frozen=True)
class GroupPlace:
    code: str
    name: str
    kind: str  # RegionKind: group or neighbourhood


@dataclass(frozen=True)
class VillagePlace:
    code: str
    name: str
    kind: str  # RegionKind: village or community
    groups: tuple[GroupPlace, ...]


@dataclass
class TownshipPlan:
    township: TownshipData
    villages: list[VillagePlace]
    households: list[HouseholdPlan] = field(default_factory=list)
    # Persons in household order; seats refer to them by index.
    persons: list[PersonPlan] = field(default_factory=list)
    branch_groups: list[str] = field(default_factory=list)
    # group code → [(person index, "convener" | "member")], convener first
    council_seats: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    group_secretaries: dict[str, int] = field(default_factory=dict)
    village_secretaries: dict[str, int] = field(default_factory=dict)
    village_chairs: dict[str, int] = field(default_factory=dict)
    # region code (village or group) → facility codes
    facilities: dict[str, list[str]] = field(default_factory=dict)


def rng_for(seed: int, scope: str) -> random.Random:
    # A string seed is hashed with SHA-512: stable across processes and Python versions.
    return random.Random(f"sizhi-demo:{seed}:{scope}")


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder, ties to the first)."""
    whole = sum(weights)
    shares = [total * weight // whole for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _quota(total: int, township: TownshipData) -> int:
    shares = apportion(total, [t.group_count for t in TOWNSHIPS])
    return shares[TOWNSHIPS.index(township)]


def branch_quota(township: TownshipData) -> int:
    return _quota(TOTAL_GROUP_PARTY_BRANCHES, township)


def member_quota(township: TownshipData) -> int:
    return _quota(TOTAL_COUNCIL_MEMBERS, township)


def township_places(township: TownshipData) -> list[VillagePlace]:
    places = []
    for index, (village, code) in enumerate(
        zip(township.villages, village_codes(township), strict=True)
    ):
        group_kind = "neighbourhood" if village.is_community else "group"
        groups = tuple(
            GroupPlace(code=f"{code}{i + 1:03d}", name=name, kind=group_kind)
            for i, name in enumerate(group_names(township, index))
        )
        kind = "community" if village.is_community else "village"
        places.append(VillagePlace(code=code, name=village.name, kind=kind, groups=groups))
    return places


def plan_facilities(rng: random.Random, level: str, always: Sequence[str] = ()) -> list[str]:
    """Facilities of a point: all required ones (bar one, now and then) and some optional."""
    standard = standard_for(level)
    required = list(standard.required)
    if rng.random() < MISSING_RATE.get(level, 0.0):
        required.remove(rng.choice(required))
    rate = OPTIONAL_RATE[level]
    optional = [code for code in standard.optional if code in always or rng.random() < rate]
    return required + optional


def county_facilities(seed: int) -> dict[str, list[str]]:
    """Facilities of the county's and every township's service point."""
    rng = rng_for(seed, "county")
    result = {"county": plan_facilities(rng, "county")}
    for township in TOWNSHIPS:
        result[township.code] = plan_facilities(rng, "township", township.known_facilities)
    return result


def _household_count(rng: random.Random, kind: str) -> int:
    return rng.randint(90, 150) if kind == "neighbourhood" else rng.randint(44, 80)


def plan_township(
    seed: int, township: TownshipData, on_group: Callable[[], object] | None = None
) -> TownshipPlan:
    """The township's people, seats and facilities; ``on_group`` is called after each group's
    households are drawn (for a progress bar)."""
    rng = rng_for(seed, township.code)
    plan = TownshipPlan(township=township, villages=township_places(township))
    maker = HouseholdMaker(rng, id_block=TOWNSHIPS.index(township))
    by_group: dict[str, list[int]] = {}
    for village in plan.villages:
        for group in village.groups:
            indices = by_group[group.code] = []
            for n in range(1, _household_count(rng, group.kind) + 1):
                address = f"{township.name}{village.name}{group.name}{n}号"
                household = maker.household(group.code, f"{group.code}-{n:03d}", address)
                plan.households.append(household)
                for person in household.members:
                    indices.append(len(plan.persons))
                    plan.persons.append(person)
            if on_group is not None:
                on_group()
    _plan_village_seats(rng, plan, by_group)
    _plan_group_branches(rng, plan, by_group)
    _plan_councils(rng, plan, by_group)
    for village in plan.villages:
        plan.facilities[village.code] = plan_facilities(rng, "village")
        for group in village.groups:
            plan.facilities[group.code] = plan_facilities(rng, "group")
    return plan


def _aged(persons: list[PersonPlan], indices: list[int], low: int, high: int) -> list[int]:
    return [i for i in indices if low <= persons[i].age <= high]


def _plan_village_seats(
    rng: random.Random, plan: TownshipPlan, by_group: dict[str, list[int]]
) -> None:
    """A branch secretary and a committee chair per village; often one person holds both
    (一肩挑)."""
    persons = plan.persons
    for village in plan.villages:
        people = [i for group in village.groups for i in by_group[group.code]]
        working = _aged(persons, people, 30, 60)
        members = [i for i in working if persons[i].is_party_member]
        if not members:
            chosen = rng.choice(working)
            persons[chosen].is_party_member = True
            members = [chosen]
        secretary = rng.choice(members)
        plan.village_secretaries[village.code] = secretary
        if rng.random() < 0.6:
            plan.village_chairs[village.code] = secretary
        else:
            plan.village_chairs[village.code] = rng.choice([i for i in working if i != secretary])


def _plan_group_branches(
    rng: random.Random, plan: TownshipPlan, by_group: dict[str, list[int]]
) -> None:
    """Which groups have their own party branch, and its secretary. Groups named in the source
    article (临江村's 临平 and 街坝) always have one."""
    persons = plan.persons
    groups = [group for village in plan.villages for group in village.groups]
    named = {
        f"{village.code}{i + 1:03d}"
        for village, data in zip(plan.villages, plan.township.villages, strict=True)
        for i in range(len(data.group_names))
    }
    forced = [group.code for group in groups if group.code in named]
    others = [group.code for group in groups if group.code not in named]
    chosen = set(forced + rng.sample(others, branch_quota(plan.township) - len(forced)))
    plan.branch_groups = [group.code for group in groups if group.code in chosen]
    for code in plan.branch_groups:
        adults = _aged(persons, by_group[code], 25, 68)
        members = [i for i in adults if persons[i].is_party_member]
        candidates = [i for i in adults if not persons[i].is_party_member]
        while len(members) < BRANCH_MIN_MEMBERS:
            promoted = candidates.pop(rng.randrange(len(candidates)))
            persons[promoted].is_party_member = True
            members.append(promoted)
        plan.group_secretaries[code] = rng.choice(members)


def _plan_councils(rng: random.Random, plan: TownshipPlan, by_group: dict[str, list[int]]) -> None:
    """Council sizes adding up to the township's quota, members elected from the group's
    adults; the convener is a party member where one was elected. Village secretaries and
    chairs sit on no group council."""
    persons = plan.persons
    codes = [group.code for village in plan.villages for group in village.groups]
    sizes = [COUNCIL_MIN] * len(codes)
    extra = member_quota(plan.township) - COUNCIL_MIN * len(codes)
    while extra > 0:
        i = rng.randrange(len(codes))
        if sizes[i] < COUNCIL_MAX:
            sizes[i] += 1
            extra -= 1
    village_cadres = set(plan.village_secretaries.values()) | set(plan.village_chairs.values())
    for code, size in zip(codes, sizes, strict=True):
        eligible = [i for i in _aged(persons, by_group[code], 22, 75) if i not in village_cadres]
        elected = rng.sample(eligible, size)
        convener = next((i for i in elected if persons[i].is_party_member), elected[0])
        plan.council_seats[code] = [(convener, "convener")] + [
            (i, "member") for i in elected if i != convener
        ]
