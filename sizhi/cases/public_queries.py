"""Reads for the resident's appeal pages and the staff registration desk.

Places, categories and unit names are public reference data. The case itself comes through
``queries.track_case`` (number and tracking code); this module only shapes what the resident
may see of it: public events without the people who acted, due dates in plain words.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sizhi.cases.models import Attachment, Case, CaseClock, CaseEvent, Category, ClockState
from sizhi.cases.queries import clocks_of, timeline
from sizhi.cases.workflow import TRANSITIONS
from sizhi.core.regioncode import LEVEL_LENGTHS, is_valid, within_q
from sizhi.orgs.models import Region, RoleGrant, Unit
from sizhi.orgs.rules import roles_with

SEARCH_LIMIT = 20
SEARCH_MAX_LENGTH = 30

# -- Places ------------------------------------------------------------------------------------


def _covers(prefixes: Sequence[str], code: str) -> bool:
    """``code`` lies inside one of the prefixes (may be chosen)."""
    return any(code.startswith(prefix) for prefix in prefixes)


def _on_the_way(prefixes: Sequence[str], code: str) -> bool:
    """``code`` lies inside a prefix or above one (may be walked through)."""
    return any(code.startswith(prefix) or prefix.startswith(code) for prefix in prefixes)


@dataclass(frozen=True)
class PlaceStep:
    """One step of the place chooser: where we are, how we got here, what lies below."""

    at: Region
    path: list[Region]  # from the top of the chooser down to ``at``
    options: list[Region]  # the children one may walk into or choose
    choosable: bool  # ``at`` itself may be chosen (a township or village, within scope)
    final: bool  # the options are groups: choosing one ends the walk


def place_path(code: str, top: str) -> list[Region]:
    """The regions from ``top`` down to ``code`` (both included), in one query; [] when the
    code is malformed, unknown or not under ``top``."""
    if not is_valid(code) or not code.startswith(top):
        return []
    codes = [code[:n] for n in LEVEL_LENGTHS.values() if len(top) <= n <= len(code)]
    path = list(Region.objects.filter(code__in=codes).order_by("code"))
    return path if len(path) == len(codes) else []


def place_step(at_code: str, top: str, prefixes: Sequence[str]) -> PlaceStep | None:
    """The chooser at ``at_code`` (a region from ``top`` down to a village), listing the
    children that lie inside or above one of the scope ``prefixes``. None when ``at_code`` is
    not a place one may walk to. Two queries."""
    path = place_path(at_code, top)
    if not path or len(at_code) >= LEVEL_LENGTHS["group"] or not _on_the_way(prefixes, at_code):
        return None
    at = path[-1]
    options = [
        region
        for region in Region.objects.filter(parent=at).order_by("code")
        if _on_the_way(prefixes, region.code)
    ]
    return PlaceStep(
        at=at,
        path=path,
        options=options,
        choosable=len(at_code) > LEVEL_LENGTHS["county"] and _covers(prefixes, at_code),
        final=len(at_code) == LEVEL_LENGTHS["village"],
    )


def chosen_place(code: str, top: str, prefixes: Sequence[str]) -> list[Region]:
    """The path to a place a case may be filed for (a township, village or group inside the
    scope), or []."""
    if len(code) <= LEVEL_LENGTHS["county"] or not _covers(prefixes, code):
        return []
    return place_path(code, top)


@dataclass(frozen=True)
class PlaceHit:
    region: Region
    parent_name: str
    walk: bool  # a village or township: open it to choose a group or village below


def search_places(text: str, top: str, prefixes: Sequence[str]) -> list[PlaceHit]:
    """Townships, villages and groups under ``top`` whose name contains ``text``, or whose
    pinyin or initials start with it (lj or linjiang finds 临江村). At most SEARCH_LIMIT;
    one query."""
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return []
    latin = "".join(text.lower().split())
    condition = Q(name__icontains=text)
    if latin.isascii() and latin.isalnum():
        condition |= Q(pinyin__startswith=latin) | Q(initials__startswith=latin)
    found = (
        Region.objects.filter(within_q([top], field="code"), condition)
        .exclude(level="county")
        .select_related("parent")
        .order_by("code")
    )
    hits = []
    for region in found[: SEARCH_LIMIT * 4]:
        if not _on_the_way(prefixes, region.code):
            continue
        parent_name = region.parent.name if region.parent_id and region.parent else ""
        hits.append(PlaceHit(region, parent_name, walk=region.level != "group"))
        if len(hits) == SEARCH_LIMIT:
            break
    return hits


# -- Categories and units -----------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryGroup:
    top: Category
    children: list[Category]


def category_groups() -> list[CategoryGroup]:
    """The active two-level tree: each top category with its active children (only those can
    be chosen). One query."""
    rows = list(Category.objects.filter(is_active=True).order_by("code"))
    tops = [row for row in rows if row.parent_id is None]
    children: dict[int, list[Category]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    return [CategoryGroup(top, children[top.pk]) for top in tops if children.get(top.pk)]


def units_on_path(code: str) -> list[Unit]:
    """Active units sited at the county and on the way down to the place, for "the unit
    complained about". One query."""
    codes = [code[:n] for n in LEVEL_LENGTHS.values() if n <= len(code)]
    return list(
        Unit.objects.filter(region_code__in=codes, is_active=True).order_by(
            "region_code", "kind", "name"
        )
    )


def intake_units(user: Any) -> list[Unit]:
    """Units on which the user holds an active grant of a role that registers cases: where a
    visit or letter they register was received. One query."""
    grants = (
        RoleGrant.objects.active()
        .filter(user_id=user.pk, unit__isnull=False, role__in=roles_with("cases.intake"))
        .select_related("unit")
        .order_by("unit__region_code", "unit__name")
    )
    units: dict[int, Unit] = {}
    for grant in grants:
        if grant.unit is not None and grant.unit.is_active:
            units.setdefault(grant.unit.pk, grant.unit)
    return list(units.values())


# -- The resident's view of a case ---------------------------------------------------------------

# What the resident reads for each public step; the rest use the transition's own label.
RESIDENT_LABELS: dict[str, Promise] = {
    "receive": _("收到诉求"),
    "dispatch": _("交由承办单位办理"),
    "follow_up": _("群众评价"),
    "reopen": _("重新办理"),
    "repeat": _("再次反映同一事项"),
    "close": _("办结"),
    "attach": _("上传了附件"),
    "motion_published": _("议事会决议公开"),
}
# Steps whose note is written for the resident (or by them). Other notes may be internal
# instructions, or another caller's words (a repeat), and are left out.
NOTE_SHOWN = frozenset(
    {
        "decline",
        "reply",
        "approve_extension",
        "add_information",
        "attach",  # public only when staff chose to show the files and the note
        "merge",
        "request_review",
        "issue_review",
        "request_recheck",
        "issue_recheck",
        "terminate",
        "motion_published",
    }
)
# Clocks that mean something to the resident (the objection window is between units).
RESIDENT_CLOCKS = ("accept", "dispatch", "respond", "handle", "review")
CLOCK_WORDS: dict[str, Promise] = {
    "accept": _("决定是否受理"),
    "dispatch": _("交给承办单位"),
    "respond": _("与您联系"),
    "handle": _("办理并答复"),
    "review": _("出具复查复核意见"),
}


@dataclass(frozen=True)
class PublicEvent:
    at: dt.datetime
    label: str
    unit_name: str
    note: str
    transition: str


@dataclass(frozen=True)
class ClockLine:
    kind: str
    what: str  # the step the clock measures, in words
    due_at: dt.datetime
    state: str
    late: bool  # past due and still running, or stopped late
    provisional: bool


@dataclass(frozen=True)
class ResidentCase:
    case: Case
    place: list[Region]
    category_parent: str
    events: list[PublicEvent]
    clocks: list[ClockLine]
    attachments: list[Attachment]  # those shown to the resident: theirs and staff's public ones
    may_add_information: bool
    may_rate: bool
    review_step: str  # "request_review", "request_recheck" or ""


# What the resident reads for a step of the case theirs was merged into.
MERGED_LABELS: dict[str, Promise] = {
    "reply": _("合并办理的诉求已答复"),
    "close": _("合并办理的诉求已办结"),
}


def public_events(events: Iterable[CaseEvent], case_id: int | None = None) -> list[PublicEvent]:
    """The resident's lines for ``events`` of case ``case_id``; events of another case (the one
    it was merged into) are labelled as such."""
    rows = []
    for event in events:
        transition = TRANSITIONS.get(event.transition)
        label = RESIDENT_LABELS.get(event.transition) or (
            transition.label if transition else event.transition
        )
        if case_id is not None and event.case_id != case_id:
            label = MERGED_LABELS.get(event.transition, label)
        rows.append(
            PublicEvent(
                at=event.at,
                label=str(label),
                unit_name=event.unit.name if event.unit_id and event.unit else "",
                note=event.note if event.transition in NOTE_SHOWN else "",
                transition=event.transition,
            )
        )
    return rows


def clock_lines(clocks: Iterable[CaseClock], now: dt.datetime) -> list[ClockLine]:
    lines = []
    for clock in clocks:
        if clock.kind not in RESIDENT_CLOCKS or clock.state == ClockState.CANCELLED:
            continue
        late = clock.state == ClockState.LATE or (
            clock.state == ClockState.RUNNING and clock.due_at < now
        )
        lines.append(
            ClockLine(
                kind=clock.kind,
                what=str(CLOCK_WORDS[clock.kind]),
                due_at=clock.due_at,
                state=clock.state,
                late=late,
                provisional=clock.provisional,
            )
        )
    return lines


def _step_open(name: str, case: Case) -> bool:
    transition = TRANSITIONS[name]
    if case.state not in transition.sources:
        return False
    return not (name.startswith("request_re") and case.kind != "petition")


def review_step_of(case: Case) -> str:
    """The petitioner's next step of the 复查/复核 chain open now, or ""."""
    return next(
        (name for name in ("request_review", "request_recheck") if _step_open(name, case)), ""
    )


def public_attachments(case: Case) -> QuerySet[Attachment]:
    """The files of a case its submitter may open on the tracking page."""
    return Attachment.objects.filter(case=case, is_public=True).order_by("id")


def resident_case(case: Case, now: dt.datetime) -> ResidentCase:
    """What the resident sees of their case: a fixed number of queries however long the
    history."""
    parent = (
        Category.objects.filter(pk=case.category.parent_id).values_list("name", flat=True).first()
        if case.category.parent_id
        else None
    )
    return ResidentCase(
        case=case,
        place=place_path(case.region_code, case.region_code[: LEVEL_LENGTHS["county"]]),
        category_parent=parent or "",
        events=public_events(timeline(case, public=True), case.pk),
        clocks=clock_lines(clocks_of(case), now),
        attachments=list(public_attachments(case).only("id", "name", "content_type", "size")),
        may_add_information=_step_open("add_information", case),
        may_rate=_step_open("follow_up", case),
        review_step=review_step_of(case),
    )
