"""Who sits on the demo's bodies, who comes to their meetings and how they vote (pure: no
database). Attendance and votes are drawn for the outcome the plan wants, then checked with
``sizhi.deliberation.rules.outcome``: the stored result is always the rule's result."""

import datetime as dt
import random
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sizhi.deliberation import rules
from sizhi.demo.motionswalk import BallotPlan, MeetingPlan, tally_outcome

PASSED, FAILED, NO_QUORUM = "passed", "failed", "no_quorum"
# Bodies up to this size are counted by name (and may vote by roll call).
NAMED_LIMIT = 12


@dataclass(frozen=True, slots=True)
class Member:
    person: int
    user: int | None  # the account, when the person has one
    name: str
    gender: str


@dataclass(frozen=True)
class Body:
    """A unit that meets: its current members (as ``electorate`` counts them) and the user
    who calls and records its meetings."""

    unit: int
    kind: str
    region_code: str
    name: str
    members: tuple[Member, ...]
    manager: int | None
    chair: str = ""  # who chairs its meetings (for the minutes)


@dataclass(frozen=True)
class RuleInfo:
    rule: rules.BodyRule
    text: str  # rules.describe(rule) in the site's language, the words each ballot keeps

    @cached_property
    def params(self) -> dict[str, Any]:
        """rules.rule_params(rule), stored with each ballot (shared: never changed)."""
        return rules.rule_params(self.rule)


def _fewest(share: rules.Share, whole: int) -> int:
    """The smallest part of ``whole`` that meets ``share`` (``whole + 1`` when none does)."""
    if whole <= 0:
        return whole + 1
    low = whole * share.num // share.den  # integer arithmetic, as Share.met compares
    return next(n for n in range(max(0, low - 1), whole + 2) if n > whole or share.met(n, whole))


def attend(
    rng: random.Random, meeting: MeetingPlan, body: Body, rule: rules.BodyRule, quorum: bool
) -> None:
    """Record who came: enough for the quorum, or (for a 流会) too few. Small bodies, which
    may vote by roll call, get their attendees by name; large ones only their numbers."""
    expected = meeting.expected
    fewest = _fewest(rule.quorum_persons, expected)
    if quorum:
        low = min(max(fewest, round(expected * 0.7)), expected)
        present = (
            rng.randint(low, expected) if rng.random() < 0.85 else rng.randint(fewest, expected)
        )
    else:
        most = max(0, fewest - 1)
        present = rng.randint(most // 2, most)
    meeting.present = present
    meeting.held = True
    if expected <= NAMED_LIMIT:
        attendees = rng.sample(body.members, present)
        meeting.attendees = [member.person for member in attendees]
        meeting.women_present = sum(1 for member in attendees if member.gender == "f")
    else:
        women = sum(1 for member in body.members if member.gender == "f")
        share = women / expected * rng.uniform(0.8, 1.1)
        meeting.women_present = min(women, present, round(present * share))


def _yes_range(rule: rules.BodyRule, present: int, expected: int) -> tuple[int, int]:
    """(fewest yes that pass, most yes that fail)."""
    base = present if rule.majority_of == "present" else expected
    fewest = min(_fewest(rule.pass_share, base), present + 1)
    return fewest, fewest - 1


def cast(
    rng: random.Random,
    meeting: MeetingPlan,
    info: RuleInfo,
    *,
    purpose: str,
    method: str,
    want: str,
    opened_at: dt.datetime,
    recorder: int | None,
    advisory: bool = False,
) -> BallotPlan:
    """A ballot of the meeting, closed with the counts that give ``want`` under the rule."""
    ballot = BallotPlan(
        meeting=meeting,
        purpose=purpose,
        method=method,
        opened_at=opened_at,
        rule=info.text,
        rule_params=info.params,
        is_advisory=advisory,
        recorded_by=recorder,
    )
    present = meeting.present
    if want != NO_QUORUM and present:
        fewest, most_failing = _yes_range(info.rule, present, meeting.expected)
        if want == PASSED:
            yes = (
                rng.randint(fewest, present)
                if rng.random() < 0.3
                else present - rng.randint(0, max(0, min(2, present - fewest)))
            )
        else:
            yes = rng.randint(max(0, most_failing - 2), max(0, most_failing))
        rest = present - yes
        no = rest if rng.random() < 0.6 else rng.randint(0, rest)
        abstain = rest - no
    else:
        # Too few came: those who did still show their hands, the rule decides nothing.
        yes, no, abstain = present, 0, 0
    ballot.yes, ballot.no, ballot.abstain = yes, no, abstain
    if method == "roll_call":
        choices = ["yes"] * yes + ["no"] * no + ["abstain"] * abstain
        rng.shuffle(choices)
        ballot.votes = list(zip(meeting.attendees, choices, strict=True))
    ballot.closed_at = opened_at + dt.timedelta(minutes=rng.randint(5, 25))
    ballot.outcome = tally_outcome(meeting.body_kind, info.rule, meeting, ballot)
    if ballot.outcome != want:
        raise AssertionError(f"planned {want}, the rule gives {ballot.outcome}")
    return ballot


def open_only(
    meeting: MeetingPlan, info: RuleInfo, *, method: str, opened_at: dt.datetime, advisory: bool
) -> BallotPlan:
    """A vote opened at the meeting whose result is not recorded yet (表决中)."""
    return BallotPlan(
        meeting=meeting,
        purpose="vote",
        method=method,
        opened_at=opened_at,
        rule=info.text,
        rule_params=info.params,
        is_advisory=advisory,
    )
