"""Reads that shape the case desk's pages: the work queue with each row's nearest due clock,
the case page's data and the steps it offers, and the hotline console's look-ups (earlier
cases, duplicates, places, units). Scoped like every read: through visible_to and the user's
grants. The reads other apps and adapters call stay in cases.queries."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from sizhi.cases.actions.clocks import limits
from sizhi.cases.models import (
    Attachment,
    Case,
    CaseClock,
    CaseEvent,
    ClockState,
    Extension,
    FollowUp,
    Supervision,
    handler_unit_ids,
)
from sizhi.cases.queries import (
    ACTIVE_CLOCKS,
    PAGE_SIZE,
    Contact,
    after,
    allowed_actions,
    cases_by_phone,
    contact_for,
)
from sizhi.cases.rules import may
from sizhi.cases.workflow import OPEN_STATES
from sizhi.core.regioncode import LEVEL_LENGTHS, within_q
from sizhi.core.text import search_terms
from sizhi.orgs.models import Region, Unit, UnitKind, scope_prefixes

# The kinds of unit that handle cases (a routing rule may still name another; callers add it).
HANDLING_KINDS = (
    UnitKind.SERVICE_CENTRE,
    UnitKind.VILLAGERS_COMMITTEE,
    UnitKind.TOWNSHIP_OFFICE,
    UnitKind.COUNTY_DEPARTMENT,
    UnitKind.COUNTY_OFFICE,
)
DISPATCHABLE = frozenset({"received", "accepted"})
DUPLICATE_DAYS = 30
DUPLICATE_LIMIT = 8
DUPLICATE_CANDIDATES = 200
SIMILAR_SHARE = 0.3
REGION_LOOKUP_LIMIT = 20
REGION_OPTIONS_LIMIT = 500


def on_desk(user: Any) -> bool:
    """Whether the user works cases at all: a scope to view them, or a handler grant."""
    return bool(scope_prefixes(user, "cases.view") or handler_unit_ids(user))


def desk_units(user: Any, permission: str) -> list[Unit]:
    """The handling units sited in the user's scope for ``permission``, and the county-level
    units (departments, the county office) of the counties that scope lies in. One query."""
    prefixes = scope_prefixes(user, permission)
    if not prefixes:
        return []
    counties = {prefix[: LEVEL_LENGTHS["county"]] for prefix in prefixes}
    return list(
        Unit.objects.filter(within_q(prefixes) | Q(region_code__in=counties))
        .filter(is_active=True, kind__in=HANDLING_KINDS)
        .order_by("region_code", "kind", "name")
    )


def units_for_case(case: Case) -> list[Unit]:
    """The units competent for the case's place: the handling units sited on its path (its
    village and township) and at its county. One query."""
    path = [case.region_code[:n] for n in (6, 9, 12) if n <= len(case.region_code)]
    return list(
        Unit.objects.filter(region_code__in=path, is_active=True, kind__in=HANDLING_KINDS).order_by(
            "region_code", "kind", "name"
        )
    )


@dataclass(frozen=True)
class Due:
    """The clock of a case that falls due first."""

    kind: str
    label: str
    due_at: dt.datetime
    paused: bool
    overdue: bool


def nearest_due(case_ids: list[int], now: dt.datetime) -> dict[int, Due]:
    """Per case, its running clock due first (a paused one when none runs). One query for a
    whole page of cases."""
    if not case_ids:
        return {}
    found: dict[int, Due] = {}
    clocks = (
        CaseClock.objects.filter(case_id__in=case_ids, state__in=ACTIVE_CLOCKS)
        .only("case_id", "kind", "due_at", "state")
        .order_by("case_id", "due_at", "id")
    )
    for clock in clocks:
        paused = clock.state == ClockState.PAUSED
        current = found.get(clock.case_id)
        if current is not None and (paused or not current.paused):
            continue
        found[clock.case_id] = Due(
            kind=clock.kind,
            label=str(clock.get_kind_display()),
            due_at=clock.due_at,
            paused=paused,
            overdue=not paused and clock.due_at < now,
        )
    return found


@dataclass(frozen=True)
class QueueRow:
    case: Case
    due: Due | None
    dispatchable: bool  # the user may dispatch it now (a checkbox for bulk dispatch)


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: tuple[dt.datetime, int] | None


def queue_page(
    user: Any,
    cases: QuerySet[Case],
    cursor: tuple[dt.datetime, int] | None,
    now: dt.datetime,
    size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of a queue (``cases`` from queue_for, perhaps searched) with the nearest due
    clock of every row: two queries whatever the page size."""
    found = after(cases, cursor, size + 1)
    more = len(found) > size
    found = found[:size]
    dues = nearest_due([case.pk for case in found], now)
    rows = [
        QueueRow(
            case=case,
            due=dues.get(case.pk),
            dispatchable=case.state in DISPATCHABLE and may(user, "cases.dispatch", case),
        )
        for case in found
    ]
    last = found[-1] if found and more else None
    return QueuePage(rows, (last.received_at, last.pk) if last is not None else None)


@dataclass(frozen=True)
class ClockRow:
    clock: CaseClock
    overdue: bool  # running and past its due time


@dataclass(frozen=True)
class CaseView:
    """Everything the case page shows, fetched in a fixed number of queries."""

    case: Case
    path: list[Region]
    contact: Contact
    events: list[CaseEvent]
    clocks: list[ClockRow]
    attachments: list[Attachment]
    extensions: list[Extension]
    supervisions: list[Supervision]
    follow_ups: list[FollowUp]
    children: list[Case]
    allowed: frozenset[str] = field(default_factory=frozenset)

    @property
    def pending_extension(self) -> Extension | None:
        return next((e for e in self.extensions if e.state == "requested"), None)

    @property
    def any_provisional(self) -> bool:
        return any(row.clock.provisional for row in self.clocks)

    @property
    def handle_clock_state(self) -> str:
        """ "running", "paused" or "" for the handling clock."""
        for row in self.clocks:
            if row.clock.kind == "handle" and row.clock.state in ACTIVE_CLOCKS:
                return str(row.clock.state)
        return ""


def region_path(code: str) -> list[Region]:
    """The regions from the county down to ``code``, in one query."""
    codes = [code[:n] for n in LEVEL_LENGTHS.values() if n <= len(code)]
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def case_view(user: Any, case: Case, now: dt.datetime) -> CaseView:
    """The case page's data: the full timeline (internal notes included), every clock, the
    attachments, extensions, supervisions and follow-ups, and the actions the user may take.
    Nine queries however long the timeline."""
    clocks = [
        ClockRow(clock, clock.state == ClockState.RUNNING and clock.due_at < now)
        for clock in CaseClock.objects.filter(case=case).order_by("started_at", "id")
    ]
    view = CaseView(
        case=case,
        path=region_path(case.region_code),
        contact=contact_for(user, case),
        events=list(
            CaseEvent.objects.filter(case=case).select_related("actor", "unit").order_by("at", "id")
        ),
        clocks=clocks,
        attachments=list(Attachment.objects.filter(case=case).order_by("uploaded_at", "id")),
        extensions=list(Extension.objects.filter(case=case).order_by("requested_at", "id")),
        supervisions=list(
            Supervision.objects.filter(case=case)
            .select_related("owner_unit")
            .order_by("created_at", "id")
        ),
        follow_ups=list(FollowUp.objects.filter(case=case).order_by("at", "id")),
        children=list(
            Case.objects.visible_to(user)
            .filter(merged_into=case)
            .only("id", "number", "title", "state")
            .order_by("received_at", "id")
        ),
    )
    return CaseView(**{**view.__dict__, "allowed": frozenset(_shown_actions(user, view))})


# Transitions taken by other steps, never by a button of their own: reopening follows a bad
# follow-up, a repeat comes from intake, added information from the resident.
NO_BUTTON = frozenset({"reopen", "repeat", "add_information"})


def _shown_actions(user: Any, view: CaseView) -> list[str]:
    """allowed_actions, less the steps that cannot succeed now for a reason the page knows:
    pausing without a running handling clock, deciding an extension nobody asked for, asking
    for a second one, objecting to a case the county office designated."""
    case = view.case
    clock = view.handle_clock_state
    pending = view.pending_extension is not None
    hidden = set(NO_BUTTON)
    if clock != "running":
        hidden.add("pause_clock")
    if clock != "paused":
        hidden.add("resume_clock")
    if not pending:
        hidden |= {"approve_extension", "reject_extension"}
    if pending or case.extension_count >= limits().max_extensions:
        hidden.add("request_extension")
    if case.is_designated:
        hidden.add("object")
    return [name for name in allowed_actions(user, case) if name not in hidden]


def caller_history(user: Any, phone: str) -> list[Case]:
    """The caller's earlier cases for the console; nothing for a number too short to be one."""
    return cases_by_phone(user, phone) if len(phone) >= 7 else []


@dataclass(frozen=True)
class Duplicate:
    case: Case
    same_caller: bool
    shared: list[str]  # words the texts have in common
    linkable: bool  # still open: the new call may be recorded as a repeat of it


def _words(text: str) -> set[str]:
    """The words of a text worth comparing: two characters or more, with a letter or digit."""
    terms = search_terms(text)
    return {word for word in terms if len(word) >= 2 and any(c.isalnum() for c in word)}


def duplicates_for(
    user: Any, *, phone: str, text: str, region_code: str, now: dt.datetime
) -> list[Duplicate]:
    """Cases of the last 30 days the user may see that a new call may repeat: from the same
    phone, or in the same village with a similar text (two words in common, or the one word of
    a one-word text, making up at least SIMILAR_SHARE of the shorter text). Same caller first,
    then the most similar. One query."""
    words = _words(text)
    condition = Q(pk__in=[])
    if len(phone) >= 7:
        condition |= Q(contact_phone=phone)
    place = region_code[: LEVEL_LENGTHS["village"]]
    if words and len(place) >= LEVEL_LENGTHS["township"]:
        condition |= within_q([place])
    candidates = (
        Case.objects.visible_to(user)
        .filter(condition, received_at__gte=now - dt.timedelta(days=DUPLICATE_DAYS))
        .select_related("category", "handling_unit")
        .order_by("-received_at", "-id")[:DUPLICATE_CANDIDATES]
    )
    found: list[tuple[float, Duplicate]] = []
    for case in candidates:
        same = bool(phone) and case.contact_phone == phone
        theirs = set(case.search_text.split()) or _words(f"{case.title} {case.description}")
        shared = sorted(words & theirs)
        fewest = min(len(words), len(theirs))
        score = len(shared) / max(1, fewest)
        similar = len(shared) >= min(2, fewest) and score >= SIMILAR_SHARE
        if same or (shared and similar and case.region_code.startswith(place)):
            duplicate = Duplicate(case, same, shared[:6], case.state in OPEN_STATES)
            found.append((2.0 if same else score, duplicate))
    found.sort(key=lambda item: -item[0])
    return [duplicate for _, duplicate in found[:DUPLICATE_LIMIT]]


def _lookup_condition(text: str) -> Q:
    latin = "".join(text.lower().split())
    if latin.isascii() and latin.isdigit():
        return Q(code__startswith=latin)
    condition = Q(name__icontains=text)
    if latin.isascii() and latin.isalnum():
        condition |= Q(pinyin__startswith=latin) | Q(initials__startswith=latin)
    return condition


def find_regions(text: str, prefixes: list[str], limit: int = REGION_LOOKUP_LIMIT) -> list[Region]:
    """Townships, villages and groups in scope whose code starts with ``text``, or whose name
    contains it, or whose pinyin or initials start with it. One query."""
    text = text.strip()[:30]
    if not text or not prefixes:
        return []
    return list(
        Region.objects.filter(within_q(prefixes, field="code"), _lookup_condition(text))
        .exclude(level="county")
        .select_related("parent")
        .order_by("code")[:limit]
    )


def region_options(prefixes: list[str]) -> list[Region]:
    """The townships and villages in scope (the console's list before anything is typed)."""
    if not prefixes:
        return []
    return list(
        Region.objects.filter(within_q(prefixes, field="code"), level__in=["township", "village"])
        .select_related("parent")
        .order_by("code")[:REGION_OPTIONS_LIMIT]
    )


def resolve_region(text: str, prefixes: list[str]) -> list[Region]:
    """The places below the county in scope that ``text`` names: a code (the first word, as the
    console's list offers "code name"), or else an exact name. Several: it is ambiguous."""
    words = text.split()
    if not words or not prefixes:
        return []
    scoped = Region.objects.filter(within_q(prefixes, field="code")).exclude(level="county")
    if words[0].isascii() and words[0].isdigit():
        return list(scoped.filter(code=words[0]))
    return list(scoped.filter(name=text.strip()).select_related("parent").order_by("code")[:10])


def cases_by_numbers(user: Any, numbers: list[str]) -> dict[str, Case]:
    """The visible cases with these numbers, by number."""
    cases = Case.objects.visible_to(user).filter(number__in=numbers).only("id", "number")
    return {case.number: case for case in cases}


def units_by_id(unit_ids: list[int]) -> list[Unit]:
    return list(Unit.objects.filter(pk__in=unit_ids).order_by("region_code", "kind", "name"))
