"""Reads of deliberation. Every list goes through ``Motion.objects.visible_to``; missing and
forbidden are both NotFound."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth, Substr
from django.utils import timezone

from sizhi.core.errors import NotFound
from sizhi.core.regioncode import within_q
from sizhi.core.workflow import available
from sizhi.deliberation import workflow
from sizhi.deliberation.access import may
from sizhi.deliberation.models import (
    Area,
    Ballot,
    Meeting,
    Motion,
    MotionEvent,
    Objection,
    Opinion,
    Publication,
    Stance,
    Topic,
)
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import Region, scope_prefixes

PAGE_SIZE = 30
MAX_PAGE_SIZE = 100


def access_motion(user: Any, motion_id: Any) -> Motion:
    try:
        key = int(motion_id)
    except (TypeError, ValueError):
        raise NotFound from None
    motion = (
        Motion.objects.visible_to(user)
        .select_related("council", "deciding_body", "region", "topic")
        .filter(pk=key)
        .first()
    )
    if motion is None:
        raise NotFound
    return motion


def public_motion(region_code: str, motion_id: Any) -> Motion:
    """A motion as anyone may read it on its group's public page."""
    try:
        key = int(motion_id)
    except (TypeError, ValueError):
        raise NotFound from None
    motion = (
        Motion.objects.public()
        .select_related("council", "deciding_body", "region")
        .filter(pk=key, region_code=region_code)
        .first()
    )
    if motion is None:
        raise NotFound
    return motion


def allowed_steps(user: Any, motion: Motion) -> list[str]:
    """Names of the transitions the user may start from the motion's state."""
    own = motion.proposer_id is not None and motion.proposer_id == getattr(user, "pk", None)
    return [
        t.name
        for t in available(workflow.TRANSITIONS, motion.state)
        if t.permission != "system"
        and may(user, t.permission, motion)
        and not (t.name == "cosign" and own)
    ]


@dataclass
class MotionPage:
    motion: Motion
    events: list[MotionEvent]
    opinions: list[Opinion]
    stances: dict[str, int]
    ballots: list[Ballot]
    publications: list[Publication]
    objections: list[Objection]
    progress: list[Any]
    attachments: list[Any]
    linked_cases: list[Any]
    steps: list[str]
    cosigned: bool = False
    meetings: list[Meeting] = field(default_factory=list)


def motion_page(user: Any, motion_id: Any) -> MotionPage:
    """Everything the motion page shows, in a fixed number of queries."""
    motion = access_motion(user, motion_id)
    opinions = list(motion.opinions.select_related("author").order_by("at", "id"))
    stances = dict.fromkeys(Stance.values, 0)
    for opinion in opinions:
        stances[opinion.stance] += 1
    publications = list(motion.publications.order_by("published_at"))
    return MotionPage(
        motion=motion,
        events=list(motion.events.select_related("actor").order_by("at", "id")),
        opinions=opinions,
        stances=stances,
        ballots=list(motion.ballots.select_related("meeting__body").order_by("opened_at", "id")),
        publications=publications,
        objections=list(Objection.objects.filter(publication__motion=motion).order_by("at", "id")),
        progress=list(motion.progress.prefetch_related("photos").order_by("reported_on", "id")),
        attachments=list(motion.attachments.filter(progress__isnull=True)),
        linked_cases=list(motion.linked_cases.order_by("case_number")),
        steps=allowed_steps(user, motion),
        cosigned=bool(getattr(user, "pk", None))
        and motion.cosigns.filter(user_id=user.pk).exists(),
        meetings=list(
            Meeting.objects.filter(agenda__motion=motion).select_related("body").distinct()
        ),
    )


def list_motions_for(
    user: Any,
    *,
    state: str = "",
    area: str = "",
    region: str = "",
    council_id: int | None = None,
    topic_id: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[Motion], int | None]:
    """One page of motions, newest first, keyset on id; returns (rows, next cursor)."""
    rows: QuerySet[Motion] = Motion.objects.visible_to(user).select_related("council", "region")
    if state:
        rows = rows.filter(state=state)
    if area:
        rows = rows.filter(area=area)
    if region:
        rows = rows.filter(within_q([region]))
    if council_id:
        rows = rows.filter(council_id=council_id)
    if topic_id:
        rows = rows.filter(topic_id=topic_id)
    if after:
        rows = rows.filter(pk__lt=after)
    size = max(1, min(limit, MAX_PAGE_SIZE))
    page = list(rows.order_by("-id")[: size + 1])
    cursor = page[size - 1].pk if len(page) > size else None
    return page[:size], cursor


@dataclass
class Desk:
    by_state: dict[str, int]
    due: list[Motion]
    meetings: list[Meeting]
    objections: list[Objection]


def convener_desk(user: Any, now: dt.datetime | None = None) -> Desk:
    """What a convener has on: motions by state, what is due, coming meetings, open
    objections. Fixed number of queries."""
    now = now or timezone.now()
    prefixes = scope_prefixes(user, "deliberation.manage")
    motions = Motion.objects.filter(within_q(prefixes))
    by_state = dict(motions.values_list("state").annotate(n=Count("id")).order_by())
    due = list(
        motions.filter(
            Q(state=MotionState.PROPOSED)
            | Q(state=MotionState.APPRAISING, appraisal_ends_at__lte=now)
            | Q(state__in=[MotionState.RESOLVED, MotionState.ADJOURNED])
            | Q(state=MotionState.IMPLEMENTING, implementation_overdue=True)
        )
        .select_related("council", "region")
        .order_by("updated_at", "id")[:50]
    )
    meetings = list(
        Meeting.objects.filter(within_q(prefixes), starts_at__gte=now - dt.timedelta(days=1))
        .select_related("body")
        .order_by("starts_at", "id")[:20]
    )
    objections = list(
        Objection.objects.filter(within_q(prefixes), answered_at__isnull=True)
        .select_related("publication__motion")
        .order_by("answer_due_at", "id")[:50]
    )
    return Desk(by_state=by_state, due=due, meetings=meetings, objections=objections)


def _topic_prefixes(user: Any) -> list[str]:
    return sorted(
        set(scope_prefixes(user, "deliberation.view"))
        | set(scope_prefixes(user, "deliberation.topic"))
    )


def access_topic(user: Any, topic_id: Any) -> Topic:
    """A topic concerns the place it was issued for and everything below: anyone with a
    deliberation scope above it, at it or inside it may follow it."""
    try:
        key = int(topic_id)
    except (TypeError, ValueError):
        raise NotFound from None
    topic = Topic.objects.select_related("region").filter(pk=key).first()
    prefixes = _topic_prefixes(user)
    if topic is None or not any(
        topic.region_code.startswith(p) or p.startswith(topic.region_code) for p in prefixes
    ):
        raise NotFound
    return topic


@dataclass
class TopicProgress:
    topic: Topic
    by_state: dict[str, int]
    by_township: list[tuple[Region, dict[str, int], int]]
    total: int


def topic_progress(user: Any, topic_id: Any) -> TopicProgress:
    """How a topic is going across all its councils: three queries whatever their number."""
    topic = access_topic(user, topic_id)
    # A township cadre following a county topic sees the councils of their own township.
    rows = (
        Motion.objects.filter(topic=topic)
        .filter(within_q(_topic_prefixes(user)))
        .annotate(township=Substr("region_code", 1, 9))
        .values_list("township", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_state: dict[str, int] = defaultdict(int)
    per_township: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for township, state, n in rows:
        by_state[state] += n
        per_township[township][state] += n
    regions = {r.code: r for r in Region.objects.filter(code__in=list(per_township))}
    by_township = [
        (regions[code], dict(states), sum(states.values()))
        for code, states in sorted(per_township.items())
        if code in regions
    ]
    return TopicProgress(
        topic=topic,
        by_state=dict(by_state),
        by_township=by_township,
        total=sum(by_state.values()),
    )


def topics_for(user: Any) -> list[Topic]:
    """Topics issued above, at or inside the user's scope."""
    prefixes = _topic_prefixes(user)
    if "" in prefixes:
        condition = Q()
    else:
        above = {p[:length] for p in prefixes for length in (6, 9) if len(p) > length}
        condition = within_q(prefixes) | Q(region_code__in=sorted(above))
    return list(Topic.objects.filter(condition).select_related("region")[:100])


@dataclass
class Overview:
    year: int
    by_area_month: dict[str, list[int]]
    by_area_state: dict[str, dict[str, int]]
    by_township: list[tuple[Region, dict[str, int], int]]
    totals: dict[str, int]


def county_overview(user: Any, year: int, region: str = "") -> Overview:
    """Motions by area per month, by area and state, and by township, for one year — the
    counts the county reports. Four queries."""
    prefixes = scope_prefixes(user, "deliberation.view")
    if region:
        if any(region.startswith(p) for p in prefixes):
            prefixes = [region]
        else:
            prefixes = [p for p in prefixes if p.startswith(region)]
    start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    end = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    motions = Motion.objects.filter(
        within_q(prefixes), created_at__gte=start, created_at__lt=end
    ).exclude(state=MotionState.DRAFT)
    by_area_month = {area: [0] * 12 for area in Area.values}
    for area, month, n in (
        motions.annotate(month=ExtractMonth("created_at"))
        .values_list("area", "month")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_area_month[area][month - 1] += n
    by_area_state: dict[str, dict[str, int]] = {area: {} for area in Area.values}
    for area, state, n in motions.values_list("area", "state").annotate(n=Count("id")).order_by():
        by_area_state[area][state] = n
    per_township: dict[str, dict[str, int]] = defaultdict(dict)
    for township, area, n in (
        motions.annotate(township=Substr("region_code", 1, 9))
        .values_list("township", "area")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_township[township][area] = n
    regions = {r.code: r for r in Region.objects.filter(code__in=list(per_township))}
    by_township = [
        (regions[code], areas, sum(areas.values()))
        for code, areas in sorted(per_township.items())
        if code in regions
    ]
    totals = {area: sum(months) for area, months in by_area_month.items()}
    return Overview(year, by_area_month, by_area_state, by_township, totals)


@dataclass
class GroupPage:
    region: Region
    open_motions: list[Motion]
    publications: list[Publication]


def group_page(region_code: str, now: dt.datetime | None = None) -> GroupPage:
    """What anyone may read about a group: its public open motions and what it published."""
    now = now or timezone.now()
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise NotFound
    open_motions = list(
        Motion.objects.public()
        .filter(region_code=region_code, state__in=workflow.OPEN_STATES)
        .select_related("council")
        .order_by("-updated_at", "-id")[:50]
    )
    publications = list(
        Publication.objects.filter(region_code=region_code, motion__is_public=True)
        .select_related("motion")
        .order_by("-published_at", "-id")[:50]
    )
    return GroupPage(region=region, open_motions=open_motions, publications=publications)
