"""Meetings, ballots and votes: notice, attendance, the roll call, and the result that the
body's quorum and majority rule gives."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.core import audit
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.core.regioncode import within_q
from sizhi.deliberation import config, rules
from sizhi.deliberation.actions.base import check_visible, load_for_update, transition_motion
from sizhi.deliberation.actions.proposing import body_unit, text_field
from sizhi.deliberation.actions.records import recorded
from sizhi.deliberation.models import (
    AgendaItem,
    Authorisation,
    Ballot,
    Choice,
    Meeting,
    Method,
    Motion,
    Outcome,
    Vote,
)
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import Unit, can
from sizhi.residents.models import Household, Membership, Person

Purpose = AgendaItem.Purpose


def electorate(body: Unit, year: int) -> tuple[int, int]:
    """(persons, households) expected at a meeting of ``body``: its current members, or for
    an assembly of the whole place, everyone of age and every household there."""
    if body.kind in rules.OPEN_BODIES:
        adults = Person.objects.filter(
            within_q([body.region_code]), birth_year__lte=year - rules.ADULT_AGE
        ).count()
        households = Household.objects.filter(within_q([body.region_code])).count()
        return adults, households
    members = (
        Membership.objects.current().filter(unit_id=body.pk).values("person_id").distinct().count()
    )
    return members, 0


def eligible_ids(body: Unit, person_ids: Iterable[int], year: int) -> set[int]:
    """Which of ``person_ids`` have a vote in ``body`` (one query)."""
    ids = list(person_ids)
    if body.kind in rules.OPEN_BODIES:
        rows = Person.objects.filter(
            within_q([body.region_code]), pk__in=ids, birth_year__lte=year - rules.ADULT_AGE
        )
        return set(rows.values_list("pk", flat=True))
    members = Membership.objects.current().filter(unit_id=body.pk, person_id__in=ids)
    return set(members.values_list("person_id", flat=True))


def _manage_body(body: Unit, actor: Any) -> None:
    if not can(actor, "deliberation.manage", body.region_code):
        raise NotAllowed


def _datetime(value: Any, name: str, errors: dict[str, list[str]]) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, str) and value.strip():
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    errors.setdefault(name, []).append(_("请输入有效的日期和时间。"))
    return None


def _check_agenda_item(body: Unit, motion: Motion, purpose: str, actor: Any) -> str | None:
    """A problem with putting ``motion`` on ``body``'s agenda for ``purpose``, or None."""
    if not motion.region_code.startswith(body.region_code):
        return _("议题“%(title)s”不属于该机构的范围。") % {"title": motion.title}
    if purpose == Purpose.REVIEW and body.kind not in rules.REVIEW_KINDS:
        return _("审议应由党组织、党员大会或村民委员会进行。")
    if purpose == Purpose.VOTE and motion.deciding_body_id != body.pk:
        return _("议题“%(title)s”应由%(body)s表决。") % {
            "title": motion.title,
            "body": motion.deciding_body.name,
        }
    if motion.state in {MotionState.DRAFT, MotionState.WITHDRAWN, MotionState.REJECTED}:
        return _("议题“%(title)s”当前状态不能列入议程。") % {"title": motion.title}
    if not Motion.objects.visible_to(actor).filter(pk=motion.pk).exists():
        return _("议题不存在。")
    return None


@transaction.atomic
def schedule_meeting(
    *,
    body_id: Any,
    title: Any,
    place: Any,
    starts_at: Any,
    agenda: Iterable[tuple[Any, str]],
    actor: Any,
    notice_sent_at: Any = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """Call a meeting of a body with its agenda. A vote needs the body's notice period."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    body = body_unit(body_id, "body_id", errors)
    title_text = text_field(title, "title", 120, errors)
    place_text = text_field(place, "place", 120, errors)
    start = _datetime(starts_at, "starts_at", errors)
    notice = (
        now if notice_sent_at in (None, "") else _datetime(notice_sent_at, "notice_sent_at", errors)
    )
    if body is not None:
        _manage_body(body, actor)
    items = []
    for position, (motion_id, purpose) in enumerate(agenda, start=1):
        if purpose not in Purpose.values:
            errors.setdefault("agenda", []).append(_("请选择有效的选项。"))
            continue
        try:
            motion = Motion.objects.select_related("deciding_body").get(pk=int(motion_id))
        except (Motion.DoesNotExist, TypeError, ValueError):
            errors.setdefault("agenda", []).append(_("议题不存在。"))
            continue
        problem = _check_agenda_item(body, motion, purpose, actor) if body else None
        if problem:
            errors.setdefault("agenda", []).append(problem)
        items.append((motion, purpose, position))
    if not items and "agenda" not in errors:
        errors["agenda"] = [_("请至少列入一个议题。")]
    if start and notice and start < notice:
        errors.setdefault("starts_at", []).append(_("开会时间不能早于通知时间。"))
    if body is not None and start and notice and any(p == Purpose.VOTE for _m, p, _o in items):
        rule = config.body_rule(body.kind)
        if not rules.notice_ok(rule, notice, start):
            errors.setdefault("starts_at", []).append(
                _("%(body)s应至少提前%(days)d日通知。")
                % {"body": body.get_kind_display(), "days": rule.notice_days}
            )
    if errors:
        raise Invalid(fields=errors)
    assert body is not None
    assert start is not None
    assert notice is not None
    expected, households = electorate(body, start.year)
    meeting = Meeting.objects.create(
        body=body,
        region_code=body.region_code,
        title=title_text,
        place=place_text,
        starts_at=start,
        notice_sent_at=notice,
        convened_by=actor if getattr(actor, "pk", None) else None,
        expected=expected,
        expected_households=households,
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, motion=motion, purpose=purpose, order=order)
        for motion, purpose, order in items
    )
    audit.record(
        actor=actor,
        action="meeting.schedule",
        obj=meeting,
        changes={"agenda": [m.pk for m, _p, _o in items], "starts_at": start.isoformat()},
    )
    return meeting


def _int(value: Any, name: str, errors: dict[str, list[str]]) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.setdefault(name, []).append(_("请输入整数。"))
        return 0
    if number < 0 or number > 1_000_000:
        errors.setdefault(name, []).append(_("请输入不小于0的合理数值。"))
        return 0
    return number


def _meeting_for_update(meeting_id: Any, actor: Any) -> Meeting:
    try:
        key = int(meeting_id)
    except (TypeError, ValueError):
        raise NotFound from None
    meeting = Meeting.objects.select_for_update().select_related("body").filter(pk=key).first()
    if meeting is None or not can(actor, "deliberation.view", meeting.region_code):
        raise NotFound
    _manage_body(meeting.body, actor)
    return meeting


@transaction.atomic
def record_attendance(
    *,
    meeting_id: Any,
    present: Any,
    actor: Any,
    expected: Any = None,
    present_households: Any = 0,
    expected_households: Any = None,
    women_present: Any = 0,
    township_attendee: Any = "",
    minutes: Any = "",
) -> Meeting:
    """The meeting took place: who came (应到/实到), the township attendee, the minutes."""
    meeting = _meeting_for_update(meeting_id, actor)
    if meeting.ballots.exclude(outcome=Outcome.OPEN).exists():
        raise InvalidState(_("会议已有表决结果，不能再修改到会情况。"))
    errors: dict[str, list[str]] = {}
    values = {
        "expected": meeting.expected
        if expected in (None, "")
        else _int(expected, "expected", errors),
        "present": _int(present, "present", errors),
        "expected_households": meeting.expected_households
        if expected_households in (None, "")
        else _int(expected_households, "expected_households", errors),
        "present_households": _int(present_households or 0, "present_households", errors),
        "women_present": _int(women_present or 0, "women_present", errors),
    }
    if values["present"] > values["expected"]:
        errors.setdefault("present", []).append(_("实到人数不能多于应到人数。"))
    if values["present_households"] > values["expected_households"]:
        errors.setdefault("present_households", []).append(_("实到户数不能多于应到户数。"))
    if values["women_present"] > values["present"]:
        errors.setdefault("women_present", []).append(_("到会妇女人数不能多于实到人数。"))
    attendee = str(township_attendee or "").strip()
    if len(attendee) > 100:
        errors["township_attendee"] = [_("内容不能超过%(limit)d个字。") % {"limit": 100}]
    record = str(minutes or "").strip()
    if len(record) > 20000:
        errors["minutes"] = [_("内容不能超过%(limit)d个字。") % {"limit": 20000}]
    if errors:
        raise Invalid(fields=errors)
    before = {key: getattr(meeting, key) for key in values}
    for key, value in values.items():
        setattr(meeting, key, value)
    meeting.township_attendee = attendee
    meeting.minutes = record
    meeting.held = True
    meeting.save()
    audit.record(
        actor=actor,
        action="meeting.attendance",
        obj=meeting,
        changes=audit.diff(before, values),
    )
    return meeting


def _authorised(body: Unit, matter: str, on: dt.date) -> bool:
    rows = Authorisation.objects.filter(assembly=body).values_list(
        "matters", "valid_from", "valid_to"
    )
    return rules.authorised(list(rows), matter, on)


@transaction.atomic
def open_ballot(
    *,
    meeting_id: Any,
    motion_id: Any,
    purpose: str,
    method: str,
    actor: Any,
    now: dt.datetime | None = None,
) -> Ballot:
    """Put a motion on the agenda to the meeting: its review, or the vote that decides it."""
    now = now or timezone.now()
    meeting = _meeting_for_update(meeting_id, actor)
    motion = load_for_update(motion_id)
    check_visible(motion, actor)
    if method not in Method.values:
        raise Invalid(fields={"method": [_("请选择有效的选项。")]})
    if not meeting.agenda.filter(motion=motion, purpose=purpose).exists():
        raise Invalid(fields={"motion_id": [_("该议题不在本次会议的议程中。")]})
    if not meeting.held:
        raise InvalidState(_("请先登记到会情况。"))
    if purpose == Purpose.REVIEW and motion.state != MotionState.REVIEWING:
        raise InvalidState
    if purpose == Purpose.VOTE:
        if motion.state == MotionState.ADJOURNED:
            name = "reconvene"
        else:
            name = "open_vote"
            reviewed = motion.ballots.filter(purpose=Purpose.REVIEW, outcome=Outcome.PASSED)
            if motion.state == MotionState.REVIEWING and not reviewed.exists():
                raise InvalidState(_("议题须经审议通过后才能提交表决。"))
        transition_motion(
            motion=motion, name=name, actor=actor, data={"meeting": meeting.pk}, now=now
        )
    rule = config.body_rule(meeting.body.kind)
    advisory = purpose == Purpose.VOTE and rules.is_advisory(
        meeting.body.kind,
        motion.statutory_matter,
        _authorised(meeting.body, motion.statutory_matter, meeting.starts_at.date()),
    )
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                meeting=meeting,
                motion=motion,
                region_code=motion.region_code,
                purpose=purpose,
                method=method,
                opened_at=now,
                rule=recorded(rules.describe, rule),
                is_advisory=advisory,
            )
    except IntegrityError:
        raise InvalidState(_("本次会议已就该议题表决过。")) from None
    audit.record(actor=actor, action="ballot.open", obj=ballot, changes={"purpose": purpose})
    return ballot


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
