"""The meeting and ballot endpoints of the JSON API (mounted under /api/v1/): meetings as keyset
pages, a meeting with its agenda and attendance, calling one, recording who came, putting a
motion to it; a ballot with its counts, outcome and rule (and, for a roll call, each member's
recorded choice), recording a roll call or the counts, a member's own vote, closing it.

Adapters only, through the same actions and access rules as the meeting and ballot pages; a
token's region scope hides everything outside it.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from sizhi.accounts.apiauth import Principal
from sizhi.core.api.cursor import decode_cursor
from sizhi.core.api.types import RowId
from sizhi.core.errors import Invalid, NotFound
from sizhi.deliberation import actions, queries_api, queries_pages
from sizhi.deliberation.api import (
    check_unit,
    moment,
    next_cursor,
    reader,
    region_filter,
    writer,
)
from sizhi.deliberation.api_schemas_meetings import (
    AttendanceIn,
    BallotIn,
    BallotOut,
    CastIn,
    CloseIn,
    CountsIn,
    MeetingIn,
    MeetingOut,
    MeetingPage,
    MeetingQuery,
    MeetingSummaryOut,
    VotesIn,
    ballot_out,
    meeting_out,
    meeting_summary,
)
from sizhi.deliberation.models import Ballot, Meeting

router = Router(tags=["meetings"])


def _meeting(principal: Principal, meeting_id: int) -> Meeting:
    """A meeting the caller may see (a deliberation grant over its body's place) in the
    token's region; NotFound otherwise."""
    meeting = queries_pages.access_meeting(principal.user, meeting_id)
    if not principal.covers(meeting.region_code):
        raise NotFound
    return meeting


def _meeting_out(principal: Principal, meeting_id: int) -> MeetingOut:
    return meeting_out(queries_pages.meeting_view(principal.user, meeting_id))


def _ballot(principal: Principal, ballot_id: int) -> Ballot:
    """A ballot of a motion the caller may see, in the token's region; NotFound otherwise."""
    ballot = queries_api.access_ballot(principal.user, ballot_id)
    if not principal.covers(ballot.region_code):
        raise NotFound
    return ballot


def _ballot_out(principal: Principal, ballot_id: int) -> BallotOut:
    return ballot_out(queries_pages.ballot_view(principal.user, ballot_id))


# -- Meetings --------------------------------------------------------------------------------------


@router.get("/meetings", response=MeetingPage, summary="List meetings")
def list_meetings(request: HttpRequest, filters: Query[MeetingQuery]) -> MeetingPage:
    """The meetings of bodies at places where the caller holds a deliberation grant, latest
    first, a page at a time (keyset). A fixed number of queries whatever the page size."""
    principal = reader(request)
    cursor = decode_cursor(filters.cursor)
    region = region_filter(principal, filters.region)
    if region is None:
        return MeetingPage(items=[], next_cursor=None)
    rows = queries_api.meeting_rows(
        principal.user, region, filters.body_id, cursor, filters.limit + 1
    )
    return MeetingPage(
        items=[MeetingSummaryOut(**meeting_summary(m)) for m in rows[: filters.limit]],
        next_cursor=next_cursor(rows, filters.limit, "starts_at"),
    )


@router.get("/meetings/{meeting_id}", response=MeetingOut, summary="Get a meeting")
def get_meeting(request: HttpRequest, meeting_id: RowId) -> MeetingOut:
    """The meeting with its attendance (应到/实到), minutes and agenda, each item with its
    ballot when one was opened."""
    principal = reader(request)
    return _meeting_out(principal, _meeting(principal, meeting_id).pk)


@router.post("/meetings", response={201: MeetingOut}, summary="Call a meeting")
def schedule_meeting(request: HttpRequest, payload: MeetingIn) -> Status:
    """Call a meeting of a body the caller runs, with its agenda (motions to review or to
    vote on), through the same action as the meeting form."""
    principal = writer(request)
    check_unit(principal, payload.body_id, "body_id")
    meeting = actions.schedule_meeting(
        body_id=payload.body_id,
        title=payload.title,
        place=payload.place,
        starts_at=moment(payload.starts_at, "starts_at"),
        notice_sent_at=moment(payload.notice_sent_at, "notice_sent_at"),
        agenda=[(item.motion_id, item.purpose) for item in payload.agenda],
        actor=principal.user,
    )
    return Status(201, _meeting_out(principal, meeting.pk))


@router.post(
    "/meetings/{meeting_id}/attendance", response=MeetingOut, summary="Record the attendance"
)
def record_attendance(request: HttpRequest, meeting_id: RowId, payload: AttendanceIn) -> MeetingOut:
    """The meeting took place: who came, the township attendee, the minutes. 409 once a
    ballot of the meeting has its result."""
    principal = writer(request)
    meeting = _meeting(principal, meeting_id)
    actions.record_attendance(meeting_id=meeting.pk, **payload.model_dump(), actor=principal.user)
    return _meeting_out(principal, meeting.pk)


@router.post(
    "/meetings/{meeting_id}/ballots",
    response={201: BallotOut},
    summary="Put a motion to the meeting",
    tags=["ballots"],
)
def open_ballot(request: HttpRequest, meeting_id: RowId, payload: BallotIn) -> Status:
    """Open the review of a motion on the agenda, or the vote that decides it (the motion
    moves to voting). The attendance must be recorded first (409)."""
    principal = writer(request)
    meeting = _meeting(principal, meeting_id)
    ballot = actions.open_ballot(
        meeting_id=meeting.pk,
        motion_id=payload.motion_id,
        purpose=payload.purpose,
        method=str(payload.method),
        actor=principal.user,
    )
    return Status(201, _ballot_out(principal, ballot.pk))


# -- Ballots ---------------------------------------------------------------------------------------


@router.get("/ballots/{ballot_id}", response=BallotOut, summary="Get a ballot", tags=["ballots"])
def get_ballot(request: HttpRequest, ballot_id: RowId) -> BallotOut:
    """The ballot's counts, outcome, the rule applied and whether the resolution is only
    advisory; for a roll call, who has a vote (masked) and what each chose, as on the ballot
    page of the motion."""
    principal = reader(request)
    return _ballot_out(principal, _ballot(principal, ballot_id).pk)


@router.post(
    "/ballots/{ballot_id}/votes", response=BallotOut, summary="Record a roll call", tags=["ballots"]
)
def record_votes(request: HttpRequest, ballot_id: RowId, payload: VotesIn) -> BallotOut:
    """The convener records members' votes on an open roll call. A member who already has a
    vote is refused (409) and nothing of the batch is kept."""
    principal = writer(request)
    ballot = _ballot(principal, ballot_id)
    votes = {vote.person_id: vote.choice for vote in payload.votes}
    if len(votes) < len(payload.votes):
        raise Invalid(fields={"votes": [_("每名成员只能登记一票。")]})
    actions.record_votes(ballot_id=ballot.pk, votes=votes, actor=principal.user)
    return _ballot_out(principal, ballot.pk)


@router.post(
    "/ballots/{ballot_id}/counts", response=BallotOut, summary="Record the counts", tags=["ballots"]
)
def record_counts(request: HttpRequest, ballot_id: RowId, payload: CountsIn) -> BallotOut:
    """The counts of a show of hands or a secret ballot."""
    principal = writer(request)
    ballot = _ballot(principal, ballot_id)
    actions.record_counts(ballot_id=ballot.pk, **payload.model_dump(), actor=principal.user)
    return _ballot_out(principal, ballot.pk)


@router.post(
    "/ballots/{ballot_id}/vote", response=BallotOut, summary="Vote in person", tags=["ballots"]
)
def cast_vote(request: HttpRequest, ballot_id: RowId, payload: CastIn) -> BallotOut:
    """A member of the body votes on an open roll call, once (409 the second time; 403 for
    someone who has no vote in the body)."""
    principal = writer(request)
    ballot = _ballot(principal, ballot_id)
    actions.cast_vote(ballot_id=ballot.pk, choice=payload.choice, actor=principal.user)
    return _ballot_out(principal, ballot.pk)


@router.post(
    "/ballots/{ballot_id}/close", response=BallotOut, summary="Close a ballot", tags=["ballots"]
)
def close_ballot(request: HttpRequest, ballot_id: RowId, payload: CloseIn) -> BallotOut:
    """Apply the body's quorum and majority rule: the motion is resolved, defeated or
    adjourned (流会); a review is recorded."""
    principal = writer(request)
    ballot = _ballot(principal, ballot_id)
    actions.close_ballot(ballot_id=ballot.pk, resolution=payload.resolution, actor=principal.user)
    return _ballot_out(principal, ballot.pk)
