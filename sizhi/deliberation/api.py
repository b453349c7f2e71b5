"""The motion and topic endpoints of the JSON API (mounted under /api/v1/): motions as keyset
pages, a motion with its opinions, ballots and publications, its timeline, proposing and every
step a person takes on it; county and township topics with their progress. Meetings and
ballots are in ``api_meetings``.

Adapters only: the actions decide, the reads go through ``visible_to`` and the pages' access
rules; on top of that a token's region scope hides everything outside it
(``Principal.narrow`` / ``covers``).
"""

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from sizhi.accounts.apiauth import Principal, principal_of
from sizhi.core.api.cursor import MAX_YEAR, MIN_YEAR, decode_cursor, encode_cursor
from sizhi.core.api.messages import DATETIME
from sizhi.core.api.types import RowId
from sizhi.core.errors import Invalid, NotFound
from sizhi.core.regioncode import is_valid
from sizhi.deliberation import actions, queries, queries_api
from sizhi.deliberation.api_schemas import (
    MotionEventOut,
    MotionIn,
    MotionOut,
    MotionPage,
    MotionQuery,
    MotionSummaryOut,
    MotionTransitionIn,
    MotionTransitionOut,
    TopicCreatedOut,
    TopicIn,
    TopicOut,
    TopicPage,
    TopicQuery,
    TopicSummaryOut,
    event_out,
    motion_out,
    motion_summary,
    topic_out,
    topic_summary,
)
from sizhi.deliberation.models import Motion

READ, WRITE = "motions:read", "motions:write"

router = Router(tags=["motions"])


# -- Shared by the deliberation endpoints ----------------------------------------------------------


def reader(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    principal.require(READ)
    return principal


def writer(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    principal.require(WRITE)
    return principal


def outside(name: str) -> Invalid:
    return Invalid(fields={name: [_("该地点不在此令牌的区域范围内。")]})


def check_unit(principal: Principal, unit_id: int | None, name: str) -> None:
    """A body named in a request must lie in the token's region."""
    code = queries_api.body_region_code(unit_id)
    if code is not None and not principal.covers(code):
        raise outside(name)


def region_filter(principal: Principal, raw: str, name: str = "region") -> str | None:
    """The prefix a list is limited to: the asked region narrowed by the token's, or None
    when they do not overlap (an empty page)."""
    wanted = raw.strip()
    if wanted and not is_valid(wanted):
        raise Invalid(fields={name: [_("请输入有效的区划代码，如 520327101。")]})
    return principal.narrow(wanted)


def moment(value: dt.datetime | None, name: str) -> dt.datetime | None:
    """A date and time the database can store and compare (aware; naive is local time)."""
    if value is None:
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise Invalid(fields={name: [str(DATETIME)]})
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def next_cursor(rows: Sequence[Any], size: int, field: str) -> str | None:
    """The cursor after the last row shown, when another page follows (``rows`` holds one
    row more than the page)."""
    if len(rows) <= size:
        return None
    last = rows[size - 1]
    return encode_cursor(getattr(last, field), last.pk)


# -- Motions ---------------------------------------------------------------------------------------


def _motion(principal: Principal, motion_id: int) -> Motion:
    """The motion if the caller may see it and it lies in the token's region; NotFound
    otherwise."""
    motion = queries.access_motion(principal.user, motion_id)
    if not principal.covers(motion.region_code):
        raise NotFound
    return motion


def _detail(principal: Principal, motion: Motion) -> MotionOut:
    detail = queries_api.motion_detail(principal.user, motion)
    return motion_out(detail, [name for name in detail.steps if name in STEPS])


def _visible_detail(principal: Principal, motion_id: int) -> MotionOut | None:
    try:
        return _detail(principal, _motion(principal, motion_id))
    except NotFound:
        return None


@router.get("/motions", response=MotionPage, summary="List motions")
def list_motions(request: HttpRequest, filters: Query[MotionQuery]) -> MotionPage:
    """The motions the caller may see, newest first, a page at a time (keyset: pass
    ``next_cursor`` back as ``cursor``). A fixed number of queries whatever the page size."""
    principal = reader(request)
    cursor = decode_cursor(filters.cursor)
    region = region_filter(principal, filters.region)
    if region is None:
        return MotionPage(items=[], next_cursor=None)
    chosen = queries_api.MotionFilters(
        state=filters.state or "",
        area=filters.area or "",
        region=region,
        council_id=filters.council_id,
        topic_id=filters.topic_id,
        updated_since=moment(filters.updated_since, "updated_since"),
    )
    rows = queries_api.motion_rows(principal.user, chosen, cursor, filters.limit + 1)
    return MotionPage(
        items=[MotionSummaryOut(**motion_summary(m)) for m in rows[: filters.limit]],
        next_cursor=next_cursor(rows, filters.limit, "created_at"),
    )


@router.get("/motions/{motion_id}", response=MotionOut, summary="Get a motion")
def get_motion(request: HttpRequest, motion_id: RowId) -> MotionOut:
    """The motion with its opinion counts, ballots, publications and progress reports, and
    the steps the caller may take now."""
    principal = reader(request)
    return _detail(principal, _motion(principal, motion_id))


@router.get(
    "/motions/{motion_id}/events", response=list[MotionEventOut], summary="A motion's timeline"
)
def list_motion_events(request: HttpRequest, motion_id: RowId) -> list[MotionEventOut]:
    """Every step of the motion, oldest first, with who took it (masked)."""
    principal = reader(request)
    motion = _motion(principal, motion_id)
    return [event_out(event) for event in queries_api.motion_events(motion)]


@router.post("/motions", response={201: MotionOut}, summary="Propose a motion")
def create_motion(request: HttpRequest, payload: MotionIn) -> Status:
    """Write a motion for a council through the same action as the propose form: proposed at
    once, or a draft with ``propose: false``. The caller must be a resident or member of the
    council's group, or run motions there."""
    principal = writer(request)
    check_unit(principal, payload.council_id, "council_id")
    fields = payload.model_dump()
    fields["statutory_matter"] = fields["statutory_matter"] or ""
    motion = actions.create_motion(**fields, actor=principal.user)
    return Status(201, _detail(principal, _motion(principal, motion.pk)))


Step = Callable[[int, MotionTransitionIn, object], object]

STEPS: dict[str, Step] = {
    "propose": lambda m, d, u: actions.propose_motion(motion_id=m, actor=u),
    "cosign": lambda m, d, u: actions.cosign_motion(motion_id=m, actor=u),
    "admit": lambda m, d, u: actions.admit_motion(motion_id=m, note=d.note, actor=u),
    "comment": lambda m, d, u: actions.comment_on_motion(
        motion_id=m, stance=d.stance, text=d.text, actor=u
    ),
    "start_review": lambda m, d, u: actions.start_review(motion_id=m, note=d.note, actor=u),
    "amend": lambda m, d, u: actions.amend_motion(
        motion_id=m, title=d.title, body=d.body, note=d.note, actor=u
    ),
    "send_back": lambda m, d, u: actions.send_back_motion(motion_id=m, note=d.note, actor=u),
    "reject": lambda m, d, u: actions.reject_motion(motion_id=m, note=d.note, actor=u),
    "withdraw": lambda m, d, u: actions.withdraw_motion(motion_id=m, note=d.note, actor=u),
    "publish_resolution": lambda m, d, u: actions.publish_resolution(
        motion_id=m, text=d.text, actor=u
    ),
    "start_implementation": lambda m, d, u: actions.start_implementation(
        motion_id=m, due_on=d.due_on, actor=u
    ),
    "report_progress": lambda m, d, u: actions.report_progress(
        motion_id=m,
        text=d.text,
        reported_on=d.reported_on,
        money_spent_yuan=d.money_spent_yuan,
        percent_done=d.percent_done,
        actor=u,
    ),
    "publish_result": lambda m, d, u: actions.publish_result(motion_id=m, text=d.text, actor=u),
    "close": lambda m, d, u: actions.close_motion(motion_id=m, actor=u),
    "add_note": lambda m, d, u: actions.note_motion(motion_id=m, note=d.note, actor=u),
}


@router.post(
    "/motions/{motion_id}/transitions",
    response=MotionTransitionOut,
    summary="Take a step on a motion",
)
def take_motion_step(
    request: HttpRequest, motion_id: RowId, payload: MotionTransitionIn
) -> MotionTransitionOut:
    """Take step ``name`` through the same action as the motion page. 409 when the motion is
    not in a state for it (or changed meanwhile), 403 when the caller may not."""
    principal = writer(request)
    motion = _motion(principal, motion_id)
    STEPS[payload.name](motion.pk, payload, principal.user)
    detail = _visible_detail(principal, motion.pk)
    if detail is None:
        motion.refresh_from_db(fields=["state"])
    state = detail.state if detail is not None else motion.state
    return MotionTransitionOut(transition=payload.name, state=state, motion=detail)


# -- Topics ----------------------------------------------------------------------------------------


def _topic(principal: Principal, topic_id: int) -> TopicOut:
    progress = queries.topic_progress(principal.user, topic_id)
    if not principal.covers(progress.topic.region_code):
        raise NotFound
    return topic_out(progress)


@router.get("/topics", response=TopicPage, summary="List topics", tags=["topics"])
def list_topics(request: HttpRequest, filters: Query[TopicQuery]) -> TopicPage:
    """The county and township topics the caller may follow (issued above, at or inside the
    places of their grants; with a region scope, those issued inside it), newest first."""
    principal = reader(request)
    cursor = decode_cursor(filters.cursor)
    region = region_filter(principal, filters.region)
    if region is None:
        return TopicPage(items=[], next_cursor=None)
    rows = queries_api.topic_rows(
        principal.user, region, filters.area or "", cursor, filters.limit + 1
    )
    return TopicPage(
        items=[TopicSummaryOut(**topic_summary(t)) for t in rows[: filters.limit]],
        next_cursor=next_cursor(rows, filters.limit, "created_at"),
    )


@router.get("/topics/{topic_id}", response=TopicOut, summary="Get a topic", tags=["topics"])
def get_topic(request: HttpRequest, topic_id: RowId) -> TopicOut:
    """The topic with its motions counted by state and by township (the caller's share)."""
    principal = reader(request)
    return _topic(principal, topic_id)


@router.post("/topics", response={201: TopicCreatedOut}, summary="Issue a topic", tags=["topics"])
def create_topic(request: HttpRequest, payload: TopicIn) -> Status:
    """Issue a county or township topic; with ``send`` it goes at once, in the same
    transaction, to one new motion per council (409 when there is none to send it to)."""
    principal = writer(request)
    code, within = payload.region_code.strip(), payload.within.strip()
    if code and not principal.covers(code):
        raise outside("region_code")
    if payload.send and within and not principal.covers(within):
        raise outside("within")
    with transaction.atomic():
        topic = actions.create_topic(
            region_code=code,
            title=payload.title,
            body=payload.body,
            area=payload.area,
            due_on=payload.due_on,
            actor=principal.user,
        )
        sent = 0
        if payload.send:
            sent = actions.send_topic(
                topic_id=topic.pk,
                within=within,
                council_ids=payload.council_ids,
                actor=principal.user,
            )
    return Status(201, TopicCreatedOut(sent=sent, topic=_topic(principal, topic.pk)))
