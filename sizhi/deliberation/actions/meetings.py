"""Meetings, ballots and votes: notice, attendance, the roll call, and the result that the
body's quorum and majority rule gives."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
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
    Meeting,
    Method,
    Motion,
    Outcome,
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
                rule_params=rules.rule_params(rule),
                is_advisory=advisory,
            )
    except IntegrityError:
        raise InvalidState(_("本次会议已就该议题表决过。")) from None
    audit.record(actor=actor, action="ballot.open", obj=ballot, changes={"purpose": purpose})
    return ballot
