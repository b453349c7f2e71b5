"""Schemas of the meeting and ballot endpoints of the JSON API."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from sizhi.core.api.types import IsoDateTime, RowId
from sizhi.deliberation.api_schemas import (
    BALLOT_RULE_DOC,
    BALLOT_RULE_PARAMS_DOC,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    BodyRef,
    RuleParamsOut,
    Strict,
    body_ref,
    rule_params_out,
)
from sizhi.deliberation.models import Meeting, Method
from sizhi.deliberation.queries_pages import BallotView, MeetingView

Count = Annotated[int, Field(ge=0, le=1_000_000)]
Purpose = Literal["review", "vote"]

# -- In --------------------------------------------------------------------------------------------


class AgendaItemIn(Strict):
    motion_id: RowId
    purpose: Purpose = Field(description="review (审议) or vote (表决)")


class MeetingIn(Strict):
    """A meeting of a body with its agenda. A vote needs the body's notice period."""

    body_id: RowId
    title: str
    place: str
    starts_at: IsoDateTime
    notice_sent_at: IsoDateTime | None = Field(None, description="Default: now.")
    agenda: list[AgendaItemIn] = Field(default_factory=list, max_length=50)


class AttendanceIn(Strict):
    """Who came (应到/实到); leaving ``expected`` or ``expected_households`` out keeps the
    numbers counted when the meeting was called."""

    present: Count
    expected: Count | None = None
    present_households: Count = 0
    expected_households: Count | None = None
    women_present: Count = 0
    township_attendee: str = ""
    minutes: str = ""


class BallotIn(Strict):
    motion_id: RowId
    purpose: Purpose
    method: Method


class VoteIn(Strict):
    person_id: RowId
    choice: Literal["yes", "no", "abstain", "absent"]


class VotesIn(Strict):
    """A roll call recorded by the convener: one choice per member."""

    votes: list[VoteIn] = Field(max_length=1000)


class CountsIn(Strict):
    yes: Count
    no: Count
    abstain: Count


class CastIn(Strict):
    choice: Literal["yes", "no", "abstain"]


class CloseIn(Strict):
    resolution: str = Field("", description="The text of a resolution (default: the motion's).")


class MeetingQuery(Schema):
    region: str = Field("", description="A region code: the meetings of bodies in its subtree.")
    body_id: RowId | None = None
    cursor: str = ""
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


# -- Out -------------------------------------------------------------------------------------------


class MotionRef(Schema):
    id: int
    title: str
    state: str


class MeetingSummaryOut(Schema):
    id: int
    title: str
    place: str
    body: BodyRef
    region_code: str
    starts_at: dt.datetime
    notice_sent_at: dt.datetime
    held: bool
    expected: int
    present: int


class AgendaItemOut(Schema):
    order: int
    purpose: str
    motion: MotionRef
    ballot_id: int | None
    outcome: str | None = Field(description='The ballot\'s outcome ("" while open).')


class MeetingOut(MeetingSummaryOut):
    expected_households: int
    present_households: int
    women_present: int
    township_attendee: str
    minutes: str
    agenda: list[AgendaItemOut]
    may_manage: bool = Field(description="Whether the caller runs the body's meetings.")


class MeetingPage(Schema):
    items: list[MeetingSummaryOut]
    next_cursor: str | None


class VoterOut(Schema):
    person_id: int
    name: str = Field(description="Masked.")
    role: str
    choice: str = Field(description='"" before the vote is recorded.')


class MeetingRef(Schema):
    id: int
    title: str
    starts_at: dt.datetime


class BallotOut(Schema):
    id: int
    meeting: MeetingRef
    motion: MotionRef
    purpose: str
    method: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    yes: int
    no: int
    abstain: int
    outcome: str = Field(description='"" while open; passed, failed or no_quorum.')
    rule: str = Field(description=BALLOT_RULE_DOC)
    rule_params: RuleParamsOut | None = Field(description=BALLOT_RULE_PARAMS_DOC)
    is_advisory: bool
    voters: list[VoterOut] = Field(
        description="A roll call's electorate with each recorded choice (empty otherwise)."
    )
    own_choice: str
    may_cast: bool = Field(description="Whether the caller may vote in person now.")
    may_manage: bool


# -- Shaping ---------------------------------------------------------------------------------------


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "place": meeting.place,
        "body": body_ref(meeting.body),
        "region_code": meeting.region_code,
        "starts_at": meeting.starts_at,
        "notice_sent_at": meeting.notice_sent_at,
        "held": meeting.held,
        "expected": meeting.expected,
        "present": meeting.present,
    }


def meeting_out(view: MeetingView) -> MeetingOut:
    meeting = view.meeting
    return MeetingOut(
        **meeting_summary(meeting),
        expected_households=meeting.expected_households,
        present_households=meeting.present_households,
        women_present=meeting.women_present,
        township_attendee=meeting.township_attendee,
        minutes=meeting.minutes,
        agenda=[
            AgendaItemOut(
                order=row.item.order,
                purpose=row.item.purpose,
                motion=MotionRef(
                    id=row.item.motion.pk, title=row.item.motion.title, state=row.item.motion.state
                ),
                ballot_id=row.ballot.pk if row.ballot is not None else None,
                outcome=row.ballot.outcome if row.ballot is not None else None,
            )
            for row in view.agenda
        ],
        may_manage=view.may_manage,
    )


def ballot_out(view: BallotView) -> BallotOut:
    ballot = view.ballot
    meeting, motion = ballot.meeting, ballot.motion
    roll_call = ballot.method == Method.ROLL_CALL
    return BallotOut(
        id=ballot.pk,
        meeting=MeetingRef(id=meeting.pk, title=meeting.title, starts_at=meeting.starts_at),
        motion=MotionRef(id=motion.pk, title=motion.title, state=motion.state),
        purpose=ballot.purpose,
        method=ballot.method,
        opened_at=ballot.opened_at,
        closed_at=ballot.closed_at,
        yes=ballot.yes,
        no=ballot.no,
        abstain=ballot.abstain,
        outcome=ballot.outcome,
        rule=ballot.rule_text,
        rule_params=rule_params_out(ballot),
        is_advisory=ballot.is_advisory,
        voters=[
            VoterOut(person_id=v.person_id, name=v.name, role=v.role, choice=v.choice)
            for v in view.voters
        ]
        if roll_call
        else [],
        own_choice=view.own_choice,
        may_cast=view.may_cast,
        may_manage=view.may_manage,
    )
