"""Walking one demo motion through the motion workflow table, in memory (pure: no database).

Every step is checked against ``sizhi.deliberation.workflow`` (``transition_for``) and records
the event the action would have written: the same transition, states, actor, note and data.
Meetings and ballots are planned alongside; the outcome of every ballot is what
``sizhi.deliberation.rules.outcome`` gives for the body's rule and the planned tally, so a
ballot's stored result and the step it caused always agree with the rule.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sizhi.core.workflow import transition_for
from sizhi.deliberation import rules, workflow


@dataclass(slots=True)
class EventPlan:
    at: dt.datetime
    transition: str
    from_state: str
    to_state: str
    actor: int | None  # user id
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    # The ballot whose keys go into ``data`` when the rows are written: its "ballot" and
    # "meeting" keys for the step a closed ballot caused, only "meeting" for opening a vote.
    ballot: "BallotPlan | None" = None
    ref: str = ""  # "ballot" | "meeting" | ""


@dataclass(slots=True, eq=False)
class MeetingPlan:
    body_id: int
    body_kind: str
    region_code: str
    title: str
    place: str
    starts_at: dt.datetime
    notice_sent_at: dt.datetime
    convened_by: int | None
    expected: int
    expected_households: int = 0
    held: bool = False
    present: int = 0
    present_households: int = 0
    women_present: int = 0
    township_attendee: str = ""
    minutes: str = ""
    # (motion plan, purpose) in agenda order; a meeting may carry several motions
    agenda: list[tuple["MotionPlan", str]] = field(default_factory=list)
    attendees: list[int] = field(default_factory=list)  # person ids of those present


@dataclass(slots=True, eq=False)
class BallotPlan:
    meeting: MeetingPlan
    purpose: str  # "review" or "vote"
    method: str
    opened_at: dt.datetime
    rule: str
    rule_params: dict[str, Any]
    is_advisory: bool = False
    closed_at: dt.datetime | None = None
    yes: int = 0
    no: int = 0
    abstain: int = 0
    outcome: str = ""
    recorded_by: int | None = None
    votes: list[tuple[int, str]] = field(default_factory=list)  # (person id, choice)


@dataclass(slots=True)
class OpinionPlan:
    author: int
    is_member: bool
    stance: str
    text: str
    at: dt.datetime


@dataclass(slots=True)
class ObjectionPlan:
    author: int | None
    text: str
    at: dt.datetime
    answer_due_at: dt.datetime
    answer: str = ""
    answered_at: dt.datetime | None = None
    answered_by: int | None = None


@dataclass(slots=True)
class PublicationPlan:
    kind: str
    text: str
    published_at: dt.datetime
    visible_until: dt.datetime
    objections_until: dt.datetime
    published_by: int | None
    households_notified: int
    objections: list[ObjectionPlan] = field(default_factory=list)


@dataclass(slots=True)
class ProgressPlan:
    reported_on: dt.date
    text: str
    money_spent_yuan: Decimal | None
    percent_done: int
    created_by: int | None
    created_at: dt.datetime


@dataclass(slots=True, eq=False)
class MotionPlan:
    region_code: str
    council_id: int
    deciding_body_id: int
    title: str
    body: str
    area: str
    origin: str
    created_at: dt.datetime
    motion_id: int | None = None  # set for motions that already exist (sent with a topic)
    topic_id: int | None = None
    statutory_matter: str = ""
    money_yuan: Decimal | None = None
    land_mu: Decimal | None = None
    is_public: bool = True
    state: str = workflow.MotionState.DRAFT
    proposer: int | None = None
    proposer_name: str = ""
    cosign_threshold: int = 0
    cosign_count: int = 0
    updated_at: dt.datetime | None = None
    proposed_at: dt.datetime | None = None
    appraisal_ends_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    resolution: str = ""
    is_advisory: bool = False
    implementation_due_on: dt.date | None = None
    implementation_overdue: bool = False
    closed_at: dt.datetime | None = None
    events: list[EventPlan] = field(default_factory=list)
    opinions: list[OpinionPlan] = field(default_factory=list)
    cosigns: list[tuple[int, dt.datetime]] = field(default_factory=list)
    meetings: list[MeetingPlan] = field(default_factory=list)
    ballots: list[BallotPlan] = field(default_factory=list)
    publications: list[PublicationPlan] = field(default_factory=list)
    progress: list[ProgressPlan] = field(default_factory=list)


class StepRefused(Exception):
    """A planned step the workflow table does not allow from the motion's state."""


class MotionWalk:
    """Steps of one motion, in time order; a step at or after ``as_of`` ends the walk."""

    def __init__(self, motion: MotionPlan, as_of: dt.datetime) -> None:
        self.motion = motion
        self.as_of = as_of
        self.now = motion.created_at
        self.alive = motion.created_at < as_of

    def can(self, at: dt.datetime) -> bool:
        """Whether a step at ``at`` still happens before the build."""
        if not self.alive or at >= self.as_of:
            self.alive = False
            return False
        return True

    def create(self, actor: int | None, data: dict[str, Any] | None = None) -> None:
        """The ``create`` event of ``create_motion``: the motion appears as a draft."""
        motion = self.motion
        motion.events.append(
            EventPlan(
                motion.created_at, "create", "", workflow.MotionState.DRAFT, actor, "", data or {}
            )
        )
        motion.updated_at = motion.created_at

    def step(
        self,
        name: str,
        at: dt.datetime,
        actor: int | None,
        *,
        note: str = "",
        data: dict[str, Any] | None = None,
        changes: dict[str, Any] | None = None,
        ballot: BallotPlan | None = None,
        ref: str = "",
    ) -> bool:
        """Take transition ``name`` at ``at``; False (and nothing done) once past ``as_of``."""
        if not self.can(at):
            return False
        if at < self.now:
            raise ValueError(f"step {name} at {at} before {self.now}")
        motion = self.motion
        try:
            transition = transition_for(workflow.TRANSITIONS, name, motion.state)
        except Exception as exc:
            raise StepRefused(f"{name} from {motion.state}") from exc
        source = motion.state
        target = transition.target or source
        motion.state = target
        for key, value in (changes or {}).items():
            setattr(motion, key, value)
        motion.events.append(
            EventPlan(at, name, source, target, actor, note, dict(data or {}), ballot, ref)
        )
        motion.updated_at = at
        self.now = at
        return True


def tally_outcome(kind: str, rule: rules.BodyRule, meeting: MeetingPlan, ballot: BallotPlan) -> str:
    """What the body's rule makes of the attendance and the votes (``close_ballot``)."""
    tally = rules.Tally(
        expected=meeting.expected,
        present=meeting.present,
        expected_households=meeting.expected_households,
        present_households=meeting.present_households,
        yes=ballot.yes,
        no=ballot.no,
        abstain=ballot.abstain,
    )
    assert not rules.tally_errors(tally), (kind, tally)
    return rules.outcome(rule, tally)


def ballot_data(ballot: BallotPlan) -> dict[str, Any]:
    """The data of the event a closed ballot writes (the keys ``close_ballot`` writes); the
    ballot's and the meeting's keys are filled in when the rows are written."""
    meeting = ballot.meeting
    return {
        "outcome": ballot.outcome,
        "yes": ballot.yes,
        "no": ballot.no,
        "abstain": ballot.abstain,
        "expected": meeting.expected,
        "present": meeting.present,
        "rule": ballot.rule,
    }
