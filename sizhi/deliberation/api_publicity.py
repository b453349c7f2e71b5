"""The publicity endpoints of the JSON API (mounted under /api/v1/): what a motion has made
public (两公开) with the objections to it and their answers, filing an objection, answering
one, and the progress reports of the carrying out.

Publishing a resolution or a result, reporting progress and closing are steps of the motion
(``POST /motions/{id}/transitions``), not repeated here. Adapters only, through the same
actions and access rules as the motion page; a token's region scope hides everything outside
it.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from sizhi.accounts.apiauth import Principal
from sizhi.core.api.types import RowId
from sizhi.core.errors import InvalidState, NotAllowed, NotFound
from sizhi.deliberation import actions, queries, queries_api
from sizhi.deliberation.access import may
from sizhi.deliberation.api import reader, writer
from sizhi.deliberation.api_schemas import PublicationOut, Strict
from sizhi.deliberation.models import Motion, Objection, ProgressReport, Publication

router = Router(tags=["publicity"])


# -- In --------------------------------------------------------------------------------------------


class ObjectionIn(Strict):
    """An objection to what the motion has most recently made public."""

    text: str = Field(description="The objection, at most 2000 characters.")


class AnswerIn(Strict):
    answer: str = Field(description="The answer, at most 2000 characters.")


# -- Out -------------------------------------------------------------------------------------------


class ObjectionOut(Schema):
    id: int
    publication_id: int
    text: str
    filed_at: dt.datetime
    answer_due_at: dt.datetime
    answer: str = Field(description='"" until it is answered.')
    answered_at: dt.datetime | None
    overdue: bool = Field(description="Unanswered past its answer due time.")
    mine: bool = Field(description="Whether the caller filed it.")


class PublicationWithObjectionsOut(PublicationOut):
    objections_open: bool = Field(description="Objections may still be filed.")
    objections: list[ObjectionOut] = Field(description="Oldest first.")


class PhotoOut(Schema):
    id: int
    name: str
    content_type: str
    size: int = Field(description="Bytes.")


class ProgressReportOut(Schema):
    id: int
    reported_on: dt.date
    text: str
    money_spent_yuan: str | None = Field(description="Yuan with two decimals, as text.")
    percent_done: int
    created_at: dt.datetime
    photos: list[PhotoOut] = Field(description="The photos' names and sizes, not the files.")


# -- Shaping ---------------------------------------------------------------------------------------


def objection_out(objection: Objection, user: Any, now: dt.datetime) -> ObjectionOut:
    own = getattr(user, "pk", None)
    return ObjectionOut(
        id=objection.pk,
        publication_id=objection.publication_id,
        text=objection.text,
        filed_at=objection.at,
        answer_due_at=objection.answer_due_at,
        answer=objection.answer,
        answered_at=objection.answered_at,
        overdue=objection.answered_at is None and objection.answer_due_at < now,
        mine=own is not None and objection.author_id == own,
    )


def publication_out(
    publication: Publication, objections: list[Objection], user: Any, now: dt.datetime
) -> PublicationWithObjectionsOut:
    return PublicationWithObjectionsOut(
        id=publication.pk,
        kind=publication.kind,
        text=publication.text,
        published_at=publication.published_at,
        visible_until=publication.visible_until,
        objections_until=publication.objections_until,
        households_notified=publication.households_notified,
        objections_open=now <= publication.objections_until,
        objections=[objection_out(o, user, now) for o in objections],
    )


def progress_out(report: ProgressReport) -> ProgressReportOut:
    money = report.money_spent_yuan
    return ProgressReportOut(
        id=report.pk,
        reported_on=report.reported_on,
        text=report.text,
        money_spent_yuan=None if money is None else f"{money:.2f}",
        percent_done=report.percent_done,
        created_at=report.created_at,
        photos=[
            PhotoOut(id=p.pk, name=p.name, content_type=p.content_type, size=p.size)
            for p in report.photos.all()
        ],
    )


def _motion(principal: Principal, motion_id: int) -> Motion:
    """The motion if the caller may see it and it lies in the token's region; NotFound
    otherwise."""
    motion = queries.access_motion(principal.user, motion_id)
    if not principal.covers(motion.region_code):
        raise NotFound
    return motion


def _objection(principal: Principal, objection_id: int) -> Objection:
    """An objection to a motion the caller may see, in the token's region; NotFound
    otherwise."""
    objection = queries_api.access_objection(principal.user, objection_id)
    if not principal.covers(objection.region_code):
        raise NotFound
    return objection


# -- Endpoints -------------------------------------------------------------------------------------


@router.get(
    "/motions/{motion_id}/publications",
    response=list[PublicationWithObjectionsOut],
    summary="A motion's publications and objections",
)
def list_publications(request: HttpRequest, motion_id: RowId) -> list[PublicationWithObjectionsOut]:
    """What the motion made public (the resolution, then the result), oldest first: the text,
    when it was published, until when it stays on the notice board and until when objections
    may be filed; each with its objections and their answers. Five queries whatever their
    number."""
    principal = reader(request)
    motion = _motion(principal, motion_id)
    now = timezone.now()
    return [
        publication_out(publication, objections, principal.user, now)
        for publication, objections in queries_api.publications_of(motion)
    ]


@router.post(
    "/motions/{motion_id}/objections",
    response={201: ObjectionOut},
    summary="Object to what a motion made public",
)
def file_objection(request: HttpRequest, motion_id: RowId, payload: ObjectionIn) -> Status:
    """File an objection against the motion's current publication, through the same action
    as the motion page: a signed-in resident or member of the group (403 otherwise), within
    the objection window (409 after it, or when nothing was made public yet)."""
    principal = writer(request)
    motion = _motion(principal, motion_id)
    publication = queries_api.current_publication(motion)
    if publication is None:
        # Who may not object is told so first, as the action does.
        if not may(principal.user, "deliberation.take_part", motion):
            raise NotAllowed
        raise InvalidState(_("该议题尚未公开，无法提出异议。"))
    objection = actions.file_objection(
        publication_id=publication.pk, text=payload.text, actor=principal.user
    )
    return Status(201, objection_out(objection, principal.user, timezone.now()))


@router.post(
    "/objections/{objection_id}/answer",
    response=ObjectionOut,
    summary="Answer an objection",
)
def answer_objection(request: HttpRequest, objection_id: RowId, payload: AnswerIn) -> ObjectionOut:
    """Answer an objection, once (409 the second time), through the same action as the
    motion page; those who run motions at the place may (403 otherwise)."""
    principal = writer(request)
    objection = _objection(principal, objection_id)
    answered = actions.answer_objection(
        objection_id=objection.pk, answer=payload.answer, actor=principal.user
    )
    return objection_out(answered, principal.user, timezone.now())


@router.get(
    "/motions/{motion_id}/progress",
    response=list[ProgressReportOut],
    summary="A motion's progress reports",
)
def list_progress(request: HttpRequest, motion_id: RowId) -> list[ProgressReportOut]:
    """How the carrying out of the resolution goes, oldest first: what was done, the money
    spent, how far along, and the names and sizes of the photos (the files themselves are
    on the motion page). Five queries whatever their number."""
    principal = reader(request)
    motion = _motion(principal, motion_id)
    return [progress_out(report) for report in queries_api.progress_of(motion)]
