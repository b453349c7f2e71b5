"""Reads of cases: scoped by visible_to, contacts masked, reporters hidden where the law says."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from sizhi.cases.actions.base import tracking_hash
from sizhi.cases.models import (
    Case,
    CaseClock,
    CaseEvent,
    Category,
    ClockState,
)
from sizhi.cases.rules import may, sees_reporter
from sizhi.cases.workflow import OPEN_STATES, TRANSITIONS, transition_of
from sizhi.core.errors import InvalidState, NotFound
from sizhi.core.pii import mask_name, mask_phone
from sizhi.core.regioncode import within_q
from sizhi.orgs.models import Region
from sizhi.orgs.queries import nearest_region

PAGE_SIZE = 50
ACTIVE_CLOCKS = (ClockState.RUNNING, ClockState.PAUSED)


def access_case(user: Any, case_id: int) -> Case:
    """The case if the user may see it; NotFound for missing and forbidden alike."""
    case = (
        Case.objects.visible_to(user)
        .select_related(
            "category__parent", "region", "handling_unit", "receiving_unit", "merged_into"
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound
    return case


def access_case_by_number(user: Any, number: str) -> Case:
    case = Case.objects.visible_to(user).filter(number=number.strip()).first()
    if case is None:
        raise NotFound
    return case


def track_case(number: str, code: str) -> Case:
    """The resident's own view: the case number and the tracking code, or NotFound."""
    case = (
        Case.objects.select_related("category", "region", "handling_unit", "merged_into")
        .filter(number=number.strip())
        .first()
    )
    if case is None or not code or case.tracking_hash != tracking_hash(case.number, code):
        raise NotFound
    return case


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    hidden: bool  # the viewer handles for the unit complained about: nothing is shown


def contact_for(user: Any, case: Case) -> Contact:
    if case.is_anonymous:
        return Contact("", "", hidden=False)
    if not sees_reporter(user, case):
        return Contact("", "", hidden=True)
    return Contact(mask_name(case.contact_name), mask_phone(case.contact_phone), hidden=False)


# Steps of the case a merged case went into that show on the merged case's public timeline:
# its submitter was told the result comes with that case's.
PARENT_STEPS_SHOWN = ("reply", "close")


def timeline(case: Case, *, public: bool) -> list[CaseEvent]:
    """Events of the case, oldest first; the resident's view leaves out internal ones and, for
    a case merged into another, adds that case's reply and close. One query."""
    if public:
        condition = Q(case=case, is_public=True)
        if case.merged_into_id:
            condition |= Q(
                case_id=case.merged_into_id, transition__in=PARENT_STEPS_SHOWN, is_public=True
            )
        events = CaseEvent.objects.filter(condition)
    else:
        events = CaseEvent.objects.filter(case=case)
    return list(events.select_related("unit").order_by("at", "id"))


def clocks_of(case: Case) -> list[CaseClock]:
    return list(CaseClock.objects.filter(case=case).order_by("started_at", "id"))


@dataclass(frozen=True)
class QueueFilters:
    state: str = ""  # a CaseState, "open" for every open state, "" for all
    category_id: int | None = None
    urgency: str = ""
    region_code: str = ""
    channel: str = ""
    overdue_only: bool = False
    unit_id: int | None = None
    due_today: bool = False  # a running clock falls due between now and local midnight


def _running_clock(**due: Any) -> Exists:
    return Exists(CaseClock.objects.filter(case=OuterRef("pk"), state=ClockState.RUNNING, **due))


def end_of_day(now: dt.datetime) -> dt.datetime:
    """Local midnight after ``now``."""
    local = timezone.localtime(now)
    return (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def queue_for(user: Any, filters: QueueFilters, now: dt.datetime) -> QuerySet[Case]:
    """Cases the user may see, filtered, newest first (with id as tie-breaker for keysets)."""
    cases = Case.objects.visible_to(user)
    if filters.state == "open":
        cases = cases.filter(state__in=OPEN_STATES)
    elif filters.state:
        cases = cases.filter(state=filters.state)
    if filters.category_id:
        cases = cases.filter(
            Q(category_id=filters.category_id) | Q(category__parent_id=filters.category_id)
        )
    if filters.urgency:
        cases = cases.filter(urgency=filters.urgency)
    if filters.region_code:
        cases = cases.filter(within_q([filters.region_code]))
    if filters.channel:
        cases = cases.filter(channel=filters.channel)
    if filters.unit_id:
        cases = cases.filter(handling_unit_id=filters.unit_id)
    if filters.overdue_only:
        cases = cases.filter(_running_clock(due_at__lt=now))
    if filters.due_today:
        cases = cases.filter(_running_clock(due_at__gte=now, due_at__lt=end_of_day(now)))
    return cases.select_related("category__parent", "handling_unit").order_by("-received_at", "-id")


def after(
    cases: QuerySet[Case], cursor: tuple[dt.datetime, int] | None, size: int = PAGE_SIZE
) -> list[Case]:
    """One page of ``cases`` after the keyset ``cursor`` (received_at, id)."""
    if cursor is not None:
        received_at, case_id = cursor
        cases = cases.filter(
            Q(received_at__lt=received_at) | Q(received_at=received_at, id__lt=case_id)
        )
    return list(cases[:size])


def categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True).select_related("parent").order_by("code"))


def cases_by_phone(user: Any, phone: str, limit: int = 20) -> list[Case]:
    """A caller's earlier cases, for the hotline console."""
    return list(
        Case.objects.visible_to(user)
        .filter(contact_phone=phone)
        .select_related("category")
        .order_by("-received_at", "-id")[:limit]
    )


def allowed_actions(user: Any, case: Case) -> list[str]:
    """Names of the transitions the user may start now (to show only those buttons): the
    table's sources and the rules that depend on the kind, and the user's permission (staff
    take the resident's own steps with the dispatcher's permission, as the actions do)."""
    names = []
    for name, transition in TRANSITIONS.items():
        try:
            transition_of(name, case.state, case.kind)
        except InvalidState:
            continue
        permission = transition.permission
        if permission == "cases.submitter":
            permission = "cases.dispatch"
        if may(user, permission, case):
            names.append(name)
    return names


# -- Clusters of cases, for taking them to a council (see sizhi.bridges.agenda) -----------------

# A cluster is a place where councils sit (a village or a group) and a category.
CLUSTER_LEVELS = ("village", "group")
# Cases that are not a matter to deliberate: duplicates merged elsewhere, cases not accepted,
# praise; confidential cases never go to a public agenda.
NOT_CLUSTERED_STATES = ("merged", "declined")


@dataclass(frozen=True)
class CaseCluster:
    region_code: str
    region_name: str
    category_id: int
    category_name: str
    count: int
    open_count: int
    latest_at: dt.datetime


def _clusterable(user: Any, prefixes: list[str], since: dt.datetime) -> QuerySet[Case]:
    """Cases the user may see under ``prefixes``, sited at a village or group, open or received
    since ``since``."""
    return (
        Case.objects.visible_to(user)
        .filter(within_q(prefixes), region__level__in=CLUSTER_LEVELS)
        .filter(Q(state__in=OPEN_STATES) | Q(received_at__gte=since))
        .exclude(state__in=NOT_CLUSTERED_STATES)
        .exclude(kind="praise")
        .exclude(is_confidential=True)
    )


def case_clusters_for(
    user: Any, *, prefixes: list[str], since: dt.datetime, min_cases: int = 3, limit: int = 100
) -> list[CaseCluster]:
    """Places and categories with at least ``min_cases`` such cases, the largest first: one
    grouped query."""
    rows = (
        _clusterable(user, prefixes, since)
        .values("region_code", "region__name", "category_id", "category__name")
        .annotate(
            n=Count("id"),
            n_open=Count("id", filter=Q(state__in=OPEN_STATES)),
            latest=Max("received_at"),
        )
        .filter(n__gte=max(1, min_cases))
        .order_by("-n", "region_code", "category_id")[:limit]
    )
    return [
        CaseCluster(
            region_code=row["region_code"],
            region_name=row["region__name"],
            category_id=row["category_id"],
            category_name=row["category__name"],
            count=row["n"],
            open_count=row["n_open"],
            latest_at=row["latest"],
        )
        for row in rows
    ]


def cluster_cases(
    user: Any, *, region_code: str, category_id: int, since: dt.datetime, limit: int = 200
) -> list[Case]:
    """The cases of one cluster, newest first (no contact details)."""
    return list(
        _clusterable(user, [region_code], since)
        .filter(region_code=region_code, category_id=category_id)
        .select_related("category")
        .only("id", "number", "title", "state", "received_at", "region_code", "category__name")
        .order_by("-received_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class CaseRef:
    id: int
    number: str
    region_code: str
    confidential: bool


def case_refs_for(user: Any, case_ids: list[int]) -> dict[int, CaseRef]:
    """Number and place of each of ``case_ids`` the user may see (one query); the others are
    simply missing."""
    rows = (
        Case.objects.visible_to(user)
        .filter(pk__in=case_ids)
        .values_list("pk", "number", "region_code", "is_confidential")
    )
    return {pk: CaseRef(pk, number, code, secret) for pk, number, code, secret in rows}


def region_near(latitude: Any, longitude: Any) -> Region | None:
    """The county's township, village or group whose reference point is nearest to the point,
    within SIZHI_POINT_RADIUS_M; None when none is (or the point is not a valid one)."""
    return nearest_region(
        latitude,
        longitude,
        within=str(settings.SIZHI_COUNTY_CODE),
        radius_m=int(settings.SIZHI_POINT_RADIUS_M),
    )
