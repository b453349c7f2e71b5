"""Votes on an open ballot (a roll call, or the counts of a show of hands or a secret ballot)
and closing it under the body's quorum and majority rule."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.core import audit
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.deliberation import config, rules
from sizhi.deliberation.actions.base import load_for_update, transition_motion
from sizhi.deliberation.actions.meetings import Purpose, _int, _manage_body, eligible_ids
from sizhi.deliberation.models import Ballot, Choice, Method, Motion, Outcome, Vote
from sizhi.residents.models import Person


def _ballot_for_update(ballot_id: Any, actor: Any) -> Ballot:
    try:
        key = int(ballot_id)
    except (TypeError, ValueError):
        raise NotFound from None
    ballot = (
        Ballot.objects.select_for_update()
        .select_related("meeting__body", "motion")
        .filter(pk=key)
        .first()
    )
    if ballot is None or not Motion.objects.visible_to(actor).filter(pk=ballot.motion_id).exists():
        raise NotFound
    if ballot.outcome != Outcome.OPEN:
        raise InvalidState(_("表决已经结束。"))
    return ballot


def _recount(ballot: Ballot) -> None:
    counts = dict(Vote.objects.filter(ballot=ballot).values_list("choice").annotate(n=Count("id")))
    ballot.yes = counts.get(Choice.YES, 0)
    ballot.no = counts.get(Choice.NO, 0)
    ballot.abstain = counts.get(Choice.ABSTAIN, 0)
    ballot.save(update_fields=["yes", "no", "abstain"])


@transaction.atomic
def record_votes(
    *, ballot_id: Any, votes: Mapping[Any, str], actor: Any, now: dt.datetime | None = None
) -> Ballot:
    """The convener records a roll call: one choice per member. A member who already has a
    vote on this ballot is refused by the database, and nothing of the batch is kept."""
    now = now or timezone.now()
    ballot = _ballot_for_update(ballot_id, actor)
    _manage_body(ballot.meeting.body, actor)
    if ballot.method != Method.ROLL_CALL:
        raise InvalidState(_("举手表决和无记名投票只登记票数。"))
    errors: dict[str, list[str]] = {}
    year = ballot.meeting.starts_at.year
    pairs: list[tuple[int, str]] = []
    for raw_id, choice in votes.items():
        try:
            person_id = int(raw_id)
        except (TypeError, ValueError):
            errors.setdefault("votes", []).append(_("成员不存在。"))
            continue
        if choice not in Choice.values:
            errors.setdefault("votes", []).append(_("请选择有效的选项。"))
            continue
        pairs.append((person_id, choice))
    allowed = eligible_ids(ballot.meeting.body, [person_id for person_id, _c in pairs], year)
    rows = []
    for person_id, choice in pairs:
        if person_id not in allowed:
            errors.setdefault("votes", []).append(_("有不属于该机构的人员。"))
            continue
        rows.append(
            Vote(ballot=ballot, person_id=person_id, choice=choice, recorded_by=actor, at=now)
        )
    if not rows and not errors:
        errors["votes"] = [_("请至少登记一票。")]
    cast = sum(1 for row in rows if row.choice != Choice.ABSENT)
    if ballot.yes + ballot.no + ballot.abstain + cast > ballot.meeting.present:
        errors.setdefault("votes", []).append(_("赞成、反对、弃权票数之和不能多于实到人数。"))
    if errors:
        raise Invalid(fields=errors)
    try:
        with transaction.atomic():
            Vote.objects.bulk_create(rows)
    except IntegrityError:
        raise InvalidState(_("有成员已在本次表决中投过票。")) from None
    _recount(ballot)
    audit.record(actor=actor, action="ballot.votes", obj=ballot, changes={"votes": len(rows)})
    return ballot


@transaction.atomic
def cast_vote(*, ballot_id: Any, choice: Any, actor: Any, now: dt.datetime | None = None) -> Vote:
    """A member votes in person on an open roll-call ballot. Once."""
    now = now or timezone.now()
    ballot = _ballot_for_update(ballot_id, actor)
    if ballot.method != Method.ROLL_CALL:
        raise InvalidState(_("举手表决和无记名投票只登记票数。"))
    if choice not in (Choice.YES, Choice.NO, Choice.ABSTAIN):
        raise Invalid(fields={"choice": [_("请选择有效的选项。")]})
    person = Person.objects.filter(user_id=actor.pk).first() if getattr(actor, "pk", None) else None
    year = ballot.meeting.starts_at.year
    if person is None or person.pk not in eligible_ids(ballot.meeting.body, [person.pk], year):
        raise NotAllowed(_("您不是该机构的成员，不能参加表决。"))
    if ballot.yes + ballot.no + ballot.abstain + 1 > ballot.meeting.present:
        raise InvalidState(_("赞成、反对、弃权票数之和不能多于实到人数。"))
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                ballot=ballot, person=person, choice=choice, recorded_by=actor, at=now
            )
    except IntegrityError:
        raise InvalidState(_("您已投过票。")) from None
    _recount(ballot)
    audit.record(actor=actor, action="ballot.vote", obj=ballot, changes={"person": person.pk})
    return vote


@transaction.atomic
def record_counts(*, ballot_id: Any, yes: Any, no: Any, abstain: Any, actor: Any) -> Ballot:
    """The counts of a show of hands or a secret ballot."""
    ballot = _ballot_for_update(ballot_id, actor)
    _manage_body(ballot.meeting.body, actor)
    if ballot.method == Method.ROLL_CALL:
        raise InvalidState(_("记名表决的票数由逐人登记得出。"))
    errors: dict[str, list[str]] = {}
    counts = {
        name: _int(value, name, errors)
        for name, value in (("yes", yes), ("no", no), ("abstain", abstain))
    }
    if not errors and sum(counts.values()) > ballot.meeting.present:
        errors["yes"] = [_("赞成、反对、弃权票数之和不能多于实到人数。")]
    if errors:
        raise Invalid(fields=errors)
    for key, value in counts.items():
        setattr(ballot, key, value)
    ballot.save(update_fields=list(counts))
    audit.record(actor=actor, action="ballot.counts", obj=ballot, changes=counts)
    return ballot


def tally_of(ballot: Ballot) -> rules.Tally:
    meeting = ballot.meeting
    return rules.Tally(
        expected=meeting.expected,
        present=meeting.present,
        expected_households=meeting.expected_households,
        present_households=meeting.present_households,
        yes=ballot.yes,
        no=ballot.no,
        abstain=ballot.abstain,
    )


@transaction.atomic
def close_ballot(
    *, ballot_id: Any, actor: Any, resolution: Any = "", now: dt.datetime | None = None
) -> Ballot:
    """Apply the body's rule to the attendance and the votes, and move the motion: a vote
    passes (决议), fails, or the meeting lacked its quorum (流会); a review is recorded."""
    now = now or timezone.now()
    ballot = _ballot_for_update(ballot_id, actor)
    _manage_body(ballot.meeting.body, actor)
    motion = load_for_update(ballot.motion_id)
    # The rule the ballot was opened under (the body's current one for older ballots).
    if ballot.rule_params:
        rule = rules.rule_from_params(ballot.rule_params)
    else:
        rule = config.body_rule(ballot.meeting.body.kind)
    tally = tally_of(ballot)
    problems = rules.tally_errors(tally)
    if problems:
        raise Invalid(fields={"votes": problems})
    result = rules.outcome(rule, tally)
    text = str(resolution or "").strip()
    if len(text) > 5000:
        raise Invalid(fields={"resolution": [_("内容不能超过%(limit)d个字。") % {"limit": 5000}]})
    moved = Ballot.objects.filter(pk=ballot.pk, outcome=Outcome.OPEN).update(
        outcome=result, closed_at=now
    )
    if not moved:
        raise InvalidState(_("表决已经结束。"))
    ballot.outcome, ballot.closed_at = result, now
    data = {
        "ballot": ballot.pk,
        "meeting": ballot.meeting_id,
        "outcome": result,
        "yes": ballot.yes,
        "no": ballot.no,
        "abstain": ballot.abstain,
        "expected": ballot.meeting.expected,
        "present": ballot.meeting.present,
        "rule": ballot.rule,
    }
    if ballot.purpose == Purpose.REVIEW:
        transition_motion(
            motion=motion, name="record_review", actor=actor, data=data, now=now, as_system=True
        )
    elif result == Outcome.PASSED:
        transition_motion(
            motion=motion,
            name="resolve",
            actor=actor,
            data=data,
            changes={
                "resolved_at": now,
                "resolution": text or motion.body,
                "is_advisory": ballot.is_advisory,
            },
            now=now,
            as_system=True,
        )
    else:
        name = "defeat" if result == Outcome.FAILED else "adjourn"
        transition_motion(motion=motion, name=name, actor=actor, data=data, now=now, as_system=True)
    audit.record(actor=actor, action="ballot.close", obj=ballot, changes={"outcome": result})
    return ballot
