"""Reads of cases: scoped by visible_to, contacts masked, reporters hidden where the law says."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
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


def timeline(case: Case, *, public: bool) -> list[CaseEvent]:
    """Events of the case, oldest first; the resident's view leaves out internal ones."""
    events = CaseEvent.objects.filter(case=case).select_related("unit")
    if public:
        events = events.filter(is_public=True)
    return list(events.order_by("at", "id"))


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
