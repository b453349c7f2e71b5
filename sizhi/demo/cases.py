"""The demo's year of cases: the default categories and the routing rules, the planner's view of
the county (places weighted by population, residents with phones, routing), the plan
(``sizhi.demo.caseplan``) and its rows (``sizhi.demo.caserows``). Case numbers continue from
here: the county's CaseNumber rows hold the last number of each year."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import override

from sizhi.cases import routing
from sizhi.cases.actions.base import PUBLIC_TRANSITIONS
from sizhi.cases.actions.clocks import limits
from sizhi.cases.actions.intake import TRACKING_ALPHABET
from sizhi.cases.actions.sweep import ESCALATION_REASON
from sizhi.cases.categories import load_default_categories
from sizhi.cases.models import Category, ClockKind, RoutingRule
from sizhi.core.calendar import get_calendar
from sizhi.core.regioncode import within_q
from sizhi.demo.casedraw import CaseInputs, CategoryRow, GroupRow, Units
from sizhi.demo.caseplan import plan_cases
from sizhi.demo.caserows import write_plans
from sizhi.demo.casewalk import CasePlan, WalkRules
from sizhi.demo.fenggang import COUNTY_CODE, SMALL_TOWNSHIP, TOTAL_GROUPS, TOWNSHIPS
from sizhi.demo.orgwriter import OrgIndex
from sizhi.demo.people import ADULT_AGE, REFERENCE_YEAR
from sizhi.demo.plan import rng_for
from sizhi.orgs.models import Unit, UnitKind
from sizhi.residents.models import Person

# Cases a day for the whole county on an ordinary weekday (fewer at weekends and on holidays:
# about 9,500 a year); a smaller build gets its share by groups.
COUNTY_PER_DAY = 30.0
# The top category whose matters each township's service centre handles (by routing rule):
# social security applications are taken and handled at the township's service centre.
SERVICE_CENTRE_TOP = "04"
FEATURED_STATES = ("replied", "in_progress", "closed")
# The unit kinds the default routing picks from (see sizhi.cases.routing).
ROUTABLE_KINDS = frozenset(
    {UnitKind.SERVICE_CENTRE, UnitKind.VILLAGERS_COMMITTEE, UnitKind.TOWNSHIP_OFFICE}
)


@dataclass
class CasesWritten:
    cases: int = 0
    events: int = 0
    flagged: int = 0  # bad ratings not contacted in time, flagged as the sweep would have
    featured: list[tuple[str, str, str]] = field(default_factory=list)  # number, code, state


def tracking_code(seed: int, number: str) -> str:
    """The demo's tracking code of a featured case: derived from the seed, so a later run of
    ``sizhi demo`` can print it again. Demo data only: real codes are random."""
    rng = rng_for(seed, f"tracking:{number}")
    return "".join(rng.choice(TRACKING_ALPHABET) for _ in range(8))


def write_routing_rules(index: OrgIndex) -> int:
    top = Category.objects.get(code=SERVICE_CENTRE_TOP)
    rules = [
        RoutingRule(
            category=top,
            region_code=t.code,
            unit_id=index.units[(t.code, UnitKind.SERVICE_CENTRE)],
        )
        for t in TOWNSHIPS
    ]
    RoutingRule.objects.bulk_create(rules)
    return len(rules)


def _units(index: OrgIndex, categories: dict[int, Category]) -> Units:
    rules_by_category: dict[int, list[tuple[int, str, routing.UnitInfo]]] = {}
    for rule in RoutingRule.objects.select_related("unit").filter(
        region_code__startswith=COUNTY_CODE
    ):
        info = routing.UnitInfo(rule.unit_id, rule.unit.kind, rule.unit.region_code)
        rules_by_category.setdefault(rule.category_id, []).append(
            (rule.category_id, rule.region_code, info)
        )
    by_place: dict[str, list[routing.UnitInfo]] = {}
    for (code, kind), pk in index.units.items():
        if kind in ROUTABLE_KINDS:
            by_place.setdefault(code, []).append(routing.UnitInfo(pk, kind, code))
    cache: dict[tuple[int, str], int | None] = {}

    def route(category_id: int, group_code: str) -> int | None:
        key = (category_id, group_code[:12])
        if key not in cache:
            category = categories[category_id]
            info = routing.CategoryInfo(
                category.pk, category.parent_id, category.owner_level, category.owner_department_id
            )
            rules = rules_by_category.get(category.pk, []) + rules_by_category.get(
                category.parent_id or 0, []
            )
            path = [group_code[:n] for n in (6, 9, 12, 15)]
            units = [unit for code in path for unit in by_place.get(code, [])]
            cache[key] = routing.route(
                category=info, region_code=group_code, rules=rules, units_on_path=units
            ).unit_id
        return cache[key]

    unit_level = {pk: len(code) for (code, _kind), pk in index.units.items()}
    unit_level.update(dict.fromkeys(index.departments.values(), 6))
    names = {pk: name for name, pk in index.departments.items()}
    names.update(
        Unit.objects.filter(region_code__startswith=COUNTY_CODE, kind__in=ROUTABLE_KINDS)
        .values_list("pk", "name")
        .iterator(chunk_size=5000)
    )
    levels = {6: "county", 9: "township", 12: "village", 15: "group"}
    return Units(
        route=route,
        level_of=lambda pk: levels[unit_level.get(pk, 6)],
        names=names,
        township_offices={
            code: pk for (code, kind), pk in index.units.items() if kind == "township_office"
        },
        village_centres={
            code: pk
            for (code, kind), pk in index.units.items()
            if kind == UnitKind.SERVICE_CENTRE and len(code) == 12
        },
        departments=tuple(sorted(index.departments.values())),
    )


def _groups(index: OrgIndex, townships: list[str]) -> list[GroupRow]:
    scope = within_q(townships)
    population = dict(
        Person.objects.filter(scope).values_list("region_code").annotate(n=Count("pk")).order_by()
    )
    names = index.region_names
    return [
        GroupRow(
            code=code,
            place=names[code[:12]] + names[code],
            address=names[code[:9]] + names[code[:12]] + names[code],
            population=population.get(code, 0),
        )
        for code in sorted(index.regions)
        if len(code) == 15 and code[:9] in townships and population.get(code, 0)
    ]


def _people(townships: list[str]) -> dict[str, list[tuple[int, str, str]]]:
    people: dict[str, list[tuple[int, str, str]]] = {}
    rows = (
        Person.objects.filter(within_q(townships), birth_year__lte=REFERENCE_YEAR - ADULT_AGE)
        .exclude(phone="")
        .order_by("pk")
        .values_list("pk", "region_code", "name", "phone")
    )
    for pk, code, name, phone in rows.iterator(chunk_size=5000):
        people.setdefault(code, []).append((pk, name, phone))
    return people


def walk_rules(as_of: dt.datetime, county_office_id: int) -> WalkRules:
    with override("zh-hans"):
        reasons = {
            str(kind.value): _(ESCALATION_REASON) % {"clock": str(kind.label)} for kind in ClockKind
        }
    return WalkRules(
        calendar=get_calendar(),
        tz=ZoneInfo(settings.TIME_ZONE),
        limits=limits(),
        county_office_id=county_office_id,
        as_of=as_of,
        public_transitions=PUBLIC_TRANSITIONS,
        escalation_reasons=reasons,
    )


def write_cases(
    index: OrgIndex,
    *,
    seed: int,
    as_of: dt.datetime,
    townships: list[str],
    actors: dict[str, int],
    handler_unit: tuple[int, int] | None,
) -> CasesWritten:
    """The county's default categories, routing rules and a year of cases up to ``as_of``.
    ``actors``: persona key → user id; ``handler_unit``: (user id, unit id) of the handler."""
    load_default_categories(COUNTY_CODE, actor=None)
    write_routing_rules(index)
    categories = {c.pk: c for c in Category.objects.all()}
    by_code = {c.code: CategoryRow(c.pk, c.code, c.name) for c in categories.values()}
    groups = _groups(index, townships)
    share = len(groups) / TOTAL_GROUPS
    inputs = CaseInputs(
        seed=seed,
        county_code=COUNTY_CODE,
        rules=walk_rules(as_of, index.units[(COUNTY_CODE, UnitKind.COUNTY_OFFICE)]),
        categories=by_code,
        groups=groups,
        people=_people(townships),
        units=_units(index, categories),
        per_day=COUNTY_PER_DAY * share,
    )
    plans = plan_cases(inputs)
    featured = _featured(plans)
    codes = {i: tracking_code(seed, plans[i].number) for i in featured}
    written = write_plans(plans, codes=codes, as_of=as_of, actors=actors, handler_unit=handler_unit)
    return CasesWritten(
        cases=written.cases,
        events=written.events,
        flagged=written.flagged,
        featured=[(plans[i].number, codes[i], state) for i, state in featured.items()],
    )


def _featured(plans: list[CasePlan]) -> dict[int, str]:
    """One case of each featured state in the small township, the latest: index → state."""
    chosen: dict[int, str] = {}
    for state in FEATURED_STATES:
        for plan in reversed(plans):
            if (
                plan.state == state
                and plan.region_code.startswith(SMALL_TOWNSHIP)
                and not (plan.is_anonymous or plan.is_confidential)
                and plan.kind in {"help", "complaint", "consultation"}
            ):
                chosen[plan.index] = state
                break
    return chosen
