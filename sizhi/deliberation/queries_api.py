"""Reads behind the deliberation endpoints of the JSON API: keyset pages of motions, meetings and
topics, what a motion's detail shows, its publications with their objections and its progress
reports. Each runs a fixed number of queries whatever the number of rows; visibility is the
same as on the pages (``Motion.objects.visible_to``, a deliberation grant over a meeting's
place, a deliberation or topic grant above or below a topic's place)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from sizhi.core.errors import NotFound
from sizhi.core.regioncode import within_q
from sizhi.deliberation import queries
from sizhi.deliberation.models import (
    Ballot,
    Meeting,
    Motion,
    MotionAttachment,
    MotionEvent,
    Objection,
    ProgressReport,
    Publication,
    Stance,
    Topic,
)
from sizhi.orgs.models import Unit, scope_prefixes

Cursor = tuple[dt.datetime, int] | None


def _after(rows: QuerySet[Any], field: str, cursor: Cursor) -> QuerySet[Any]:
    """The rows after ``cursor`` in the order (-field, -id)."""
    if cursor is None:
        return rows
    at, pk = cursor
    return rows.filter(Q(**{f"{field}__lt": at}) | Q(**{field: at, "id__lt": pk}))


@dataclass(frozen=True)
class MotionFilters:
    state: str = ""
    area: str = ""
    region: str = ""  # a region code prefix; "" everywhere
    council_id: int | None = None
    topic_id: int | None = None
    updated_since: dt.datetime | None = None


def motion_rows(user: Any, filters: MotionFilters, cursor: Cursor, size: int) -> list[Motion]:
    """One page of the motions ``user`` may see, newest first (keyset on created_at, id)."""
    rows = Motion.objects.visible_to(user).select_related("council", "deciding_body")
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.area:
        rows = rows.filter(area=filters.area)
    if filters.region:
        rows = rows.filter(within_q([filters.region]))
    if filters.council_id is not None:
        rows = rows.filter(council_id=filters.council_id)
    if filters.topic_id is not None:
        rows = rows.filter(topic_id=filters.topic_id)
    if filters.updated_since is not None:
        rows = rows.filter(updated_at__gte=filters.updated_since)
    return list(_after(rows, "created_at", cursor).order_by("-created_at", "-id")[:size])


@dataclass
class MotionDetail:
    motion: Motion
    stances: dict[str, int]
    ballots: list[Ballot]
    publications: list[Publication]
    progress: list[ProgressReport]
    cosigned: bool
    steps: list[str]


def motion_detail(user: Any, motion: Motion) -> MotionDetail:
    """What the API shows of a motion the caller may see (five queries)."""
    stances = dict.fromkeys(Stance.values, 0)
    for stance, n in (
        motion.opinions.values_list("stance").annotate(n=Count("id")).order_by("stance")
    ):
        stances[stance] = n
    own = getattr(user, "pk", None)
    cosigned = own is not None and motion.cosigns.filter(user_id=own).exists()
    steps = [
        name for name in queries.allowed_steps(user, motion) if not (name == "cosign" and cosigned)
    ]
    return MotionDetail(
        motion=motion,
        stances=stances,
        ballots=list(motion.ballots.order_by("opened_at", "id")),
        publications=list(motion.publications.order_by("published_at", "id")),
        progress=list(motion.progress.order_by("reported_on", "id")),
        cosigned=cosigned,
        steps=steps,
    )


def motion_events(motion: Motion) -> list[MotionEvent]:
    return list(motion.events.select_related("actor").order_by("at", "id"))


def meeting_rows(
    user: Any, region: str, body_id: int | None, cursor: Cursor, size: int
) -> list[Meeting]:
    """One page of the meetings of bodies at places where ``user`` holds a deliberation grant
    (as ``access_meeting`` decides for one), latest first (keyset on starts_at, id)."""
    rows = Meeting.objects.filter(within_q(scope_prefixes(user, "deliberation.view")))
    if region:
        rows = rows.filter(within_q([region]))
    if body_id is not None:
        rows = rows.filter(body_id=body_id)
    rows = rows.select_related("body")
    return list(_after(rows, "starts_at", cursor).order_by("-starts_at", "-id")[:size])


def _topic_condition(user: Any) -> Q:
    """Topics issued above, at or inside the places of the user's deliberation or topic grants
    (as ``queries.topics_for`` and ``queries.access_topic``)."""
    prefixes = sorted(
        set(scope_prefixes(user, "deliberation.view"))
        | set(scope_prefixes(user, "deliberation.topic"))
    )
    if "" in prefixes:
        return Q()
    above = {p[:length] for p in prefixes for length in (6, 9) if len(p) > length}
    return within_q(prefixes) | Q(region_code__in=sorted(above))


def topic_rows(user: Any, region: str, area: str, cursor: Cursor, size: int) -> list[Topic]:
    """One page of the topics ``user`` may follow, issued inside ``region``, newest first."""
    rows = Topic.objects.filter(_topic_condition(user))
    if region:
        rows = rows.filter(within_q([region]))
    if area:
        rows = rows.filter(area=area)
    return list(_after(rows, "created_at", cursor).order_by("-created_at", "-id")[:size])


def body_region_code(unit_id: int | None) -> str | None:
    """The place of a unit, to check it against a token's region; None when there is none
    (the action then says what is wrong)."""
    if unit_id is None:
        return None
    return Unit.objects.filter(pk=unit_id).values_list("region_code", flat=True).first()


def access_ballot(user: Any, ballot_id: int) -> Ballot:
    """A ballot of a motion ``user`` may see (as ``queries_pages.ballot_view``), else
    NotFound."""
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if ballot is None or not Motion.objects.visible_to(user).filter(pk=ballot.motion_id).exists():
        raise NotFound
    return ballot


# -- Publicity: publications with their objections, progress reports -------------------------------


def publications_of(motion: Motion) -> list[tuple[Publication, list[Objection]]]:
    """The motion's publications, oldest first, each with its objections in the order they
    came (two queries, whatever their number)."""
    publications = list(motion.publications.order_by("published_at", "id"))
    objections: dict[int, list[Objection]] = {p.pk: [] for p in publications}
    for objection in Objection.objects.filter(publication__motion=motion).order_by("at", "id"):
        objections[objection.publication_id].append(objection)
    return [(p, objections[p.pk]) for p in publications]


def current_publication(motion: Motion) -> Publication | None:
    """What the motion has most recently made public (the result once published, else the
    resolution): the publication an objection is filed against."""
    return motion.publications.order_by("-published_at", "-id").first()


def access_objection(user: Any, objection_id: int) -> Objection:
    """An objection to a publication of a motion ``user`` may see, else NotFound."""
    objection = Objection.objects.select_related("publication").filter(pk=objection_id).first()
    if (
        objection is None
        or not Motion.objects.visible_to(user).filter(pk=objection.publication.motion_id).exists()
    ):
        raise NotFound
    return objection


def progress_of(motion: Motion) -> list[ProgressReport]:
    """The motion's progress reports, oldest first, each with its photos' names and sizes
    (``photos`` prefetched without the files themselves; two queries)."""
    photos = MotionAttachment.objects.only(
        "id", "progress_id", "name", "content_type", "size"
    ).order_by("at", "id")
    return list(
        motion.progress.prefetch_related(Prefetch("photos", queryset=photos)).order_by(
            "reported_on", "id"
        )
    )
