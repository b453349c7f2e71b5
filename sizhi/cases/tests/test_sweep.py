"""The periodic sweep: due soon, overdue with one escalation per clock, idempotent, paused
clocks left alone, the holiday calendar respected, and bad ratings not contacted in time."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from sizhi.cases import actions
from sizhi.cases.actions.sweep import FLAG_ACTION, SWEEP_ACTION, due_soon_from, sweep_clocks
from sizhi.cases.models import Case, CaseClock, CaseEvent, FollowUp, Supervision
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import CaseClockFactory, CaseFactory
from sizhi.core.calendar import deadline
from sizhi.core.models import AuditLog
from sizhi.messaging.models import Message

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 5, 11, 9, 0, tzinfo=TZ)  # a Monday in an ordinary week


def _at(month, day, hour=0, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def travel():
    """travel(when): freeze the clock there (and move it with the next call)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller.move_to


def _dispatched(desk, dispatcher, **extra):
    """A 一般 hotline complaint of village A, dispatched to its service centre now."""
    values = {
        "channel": "hotline",
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯不亮",
        "description": "临江村一组路口的路灯坏了。",
        "region_code": "520327101201001",
        "contact_phone": "13812345678",
        "actor": dispatcher,
    }
    values.update(extra)
    case = actions.submit_case(**values).case
    actions.dispatch_case(case_id=case.pk, unit_id=desk.village_centre.pk, actor=dispatcher)
    return case


def _clock(case, kind):
    return CaseClock.objects.get(case=case, kind=kind)


def _sweep():
    return sweep_clocks(now=timezone.now())


def _counts(report):
    return (report.due_soon, report.overdue, report.escalated, report.follow_ups_flagged)


def test_due_soon_is_when_less_than_a_fifth_of_the_period_is_left():
    start = _at(5, 11, 9)
    assert due_soon_from(start, start + dt.timedelta(hours=24), 0.2) == _at(5, 12, 4, 12)


def test_a_clock_with_a_fifth_of_its_time_left_is_marked_due_soon_and_the_unit_told(
    desk, dispatcher, handler, travel
):
    case = _dispatched(desk, dispatcher)
    travel(_at(5, 12, 4, 0))  # 19 h of the 24 h response limit gone: 5 h (> 4.8 h) left
    assert _counts(_sweep()) == (0, 0, 0, 0)
    travel(_at(5, 12, 4, 30))
    assert _counts(_sweep()) == (1, 0, 0, 0)
    respond = _clock(case, "respond")
    assert respond.due_soon_at == timezone.now()
    assert respond.overdue_at is None
    assert _clock(case, "handle").due_soon_at is None  # due 5 working days on: far away
    message = Message.objects.get(user=handler)
    assert (message.channel, message.body) == ("inapp", f"即将超期：{case.number} 路灯不亮")
    assert AuditLog.objects.get(action=SWEEP_ACTION).changes == {
        "due_soon": 1,
        "overdue": 0,
        "escalated": 0,
        "follow_ups_flagged": 0,
        "petitions_ended": 0,
    }


def test_an_overdue_clock_is_marked_and_escalated_once(desk, dispatcher, handler, travel):
    case = _dispatched(desk, dispatcher)
    travel(_at(5, 12, 9, 30))  # the response limit ended at 09:00
    assert _counts(_sweep()) == (0, 1, 1, 0)
    respond = _clock(case, "respond")
    assert respond.overdue_at == timezone.now()
    supervision = Supervision.objects.get(case=case)
    assert supervision.owner_unit == desk.county_office
    # Two working days from Tuesday: the end of Thursday.
    assert supervision.due_at == _at(5, 14, 23, 59) + dt.timedelta(seconds=59)
    assert supervision.created_by is None
    case.refresh_from_db()
    assert case.is_escalated is True
    escalation = CaseEvent.objects.get(case=case, transition="escalate")
    assert (escalation.actor, escalation.note) == (None, "响应时限已超期，系统自动督办。")
    bodies = set(Message.objects.filter(user=handler).values_list("body", flat=True))
    assert f"已超期：{case.number} 路灯不亮" in bodies
    # Later sweeps, at the same moment or after, do not escalate that clock again.
    before = snapshot()
    assert _counts(_sweep()) == (0, 0, 0, 0)
    travel(_at(5, 12, 9, 35))
    assert _counts(_sweep()) == (0, 0, 0, 0)
    assert snapshot() == before


def test_each_overdue_clock_escalates_once(desk, dispatcher, travel):
    case = _dispatched(desk, dispatcher)
    travel(_at(5, 12, 10))
    assert _counts(_sweep()) == (0, 1, 1, 0)
    travel(_at(5, 19, 1))  # the 5 working days to handle ended at the end of Monday 18 May
    report = _sweep()
    assert (report.overdue, report.escalated) == (1, 1)
    assert Supervision.objects.filter(case=case).count() == 2
    assert _counts(_sweep()) == (0, 0, 0, 0)


def test_running_the_sweep_twice_changes_nothing_the_second_time(desk, dispatcher, handler, travel):
    late = _dispatched(desk, dispatcher)
    soon = _dispatched(desk, dispatcher, contact_phone="13900001111", title="垃圾未清运")
    travel(_at(5, 11, 12))
    actions.sign_for_case(case_id=soon.pk, actor=handler)
    travel(_at(5, 12, 9, 5))
    first = _sweep()
    assert (first.overdue, first.escalated) == (2, 2)
    assert {c.pk for c in Case.objects.filter(is_escalated=True)} == {late.pk, soon.pk}
    before = snapshot()
    audits = AuditLog.objects.count()
    assert _counts(_sweep()) == (0, 0, 0, 0)
    assert snapshot() == before
    assert AuditLog.objects.count() == audits


def test_a_paused_clock_is_not_marked(desk, dispatcher, handler, travel):
    case = _dispatched(desk, dispatcher)
    actions.sign_for_case(case_id=case.pk, actor=handler)
    actions.record_contact(case_id=case.pk, note="已电话联系", actor=handler)
    actions.pause_case_clock(case_id=case.pk, reason="waiting_resident", actor=handler)
    handle = _clock(case, "handle")
    travel(handle.due_at - dt.timedelta(hours=1))
    assert _counts(_sweep()) == (0, 0, 0, 0)
    travel(handle.due_at + dt.timedelta(days=3))
    assert _counts(_sweep()) == (0, 0, 0, 0)
    handle.refresh_from_db()
    assert (handle.state, handle.due_soon_at, handle.overdue_at) == ("paused", None, None)
    assert not Supervision.objects.exists()
    # Resumed, its deadline has moved by the paused time: it is neither late nor nearly so.
    actions.resume_case_clock(case_id=case.pk, actor=handler)
    assert _counts(_sweep()) == (0, 0, 0, 0)


def test_holidays_are_not_working_days(desk, dispatcher, handler, travel):
    """Dispatched on 29 September 2026: five working days run past the National Day holiday
    (1-7 October), so the case is not late on 8 October, as it would be counting weekends
    only."""
    travel(_at(9, 29, 10))
    case = _dispatched(desk, dispatcher)
    handle = _clock(case, "handle")
    assert handle.due_at == deadline(_at(9, 29, 10), 5, "working_day").due_at
    assert handle.due_at.astimezone(TZ).date() > dt.date(2026, 10, 8)
    actions.sign_for_case(case_id=case.pk, actor=handler)
    actions.record_contact(case_id=case.pk, note="已联系", actor=handler)
    travel(_at(10, 8, 9))
    report = _sweep()
    assert report.overdue == 0
    handle.refresh_from_db()
    assert handle.overdue_at is None
    travel(handle.due_at + dt.timedelta(minutes=5))
    report = _sweep()
    assert (report.overdue, report.escalated) == (1, 1)


def test_a_clock_of_a_case_under_review_is_marked_but_not_escalated(desk, travel):
    case = CaseFactory.create(
        kind="petition",
        petition_class="claim",
        state="review_requested",
        category=desk.village_matter,
        handling_unit=desk.village_centre,
    )
    CaseClockFactory.create(
        case=case, kind="review", value=30, unit="calendar_day", due_at=_at(5, 10, 23, 59)
    )
    report = _sweep()
    assert (report.overdue, report.escalated) == (1, 0)
    assert not Supervision.objects.exists()
    assert CaseClock.objects.get(case=case).overdue_at == timezone.now()
    assert _counts(_sweep()) == (0, 0, 0, 0)


def _bad_rating(desk, dispatcher, handler, operator):
    case = _dispatched(desk, dispatcher)
    actions.sign_for_case(case_id=case.pk, actor=handler)
    actions.reply_to_case(case_id=case.pk, text="已更换灯泡。", actor=handler)
    actions.follow_up_case(
        case_id=case.pk, contacted=True, solved=False, satisfaction=1, actor=operator
    )
    return case


def test_a_bad_rating_not_contacted_within_a_working_day_is_flagged_once(
    desk, dispatcher, handler, operator, county_admin, supervisor, travel
):
    case = _bad_rating(desk, dispatcher, handler, operator)
    follow_up = FollowUp.objects.get(case=case)
    assert follow_up.needs_contact_by == _at(5, 12, 23, 59) + dt.timedelta(seconds=59)
    travel(_at(5, 12, 23, 0))
    assert _sweep().follow_ups_flagged == 0
    travel(_at(5, 13, 0, 5))
    report = _sweep()
    assert report.follow_ups_flagged == 1
    flag = AuditLog.objects.get(action=FLAG_ACTION)
    assert (flag.object_type, flag.object_id, flag.changes["case"]) == (
        "cases.followup",
        str(follow_up.pk),
        case.pk,
    )
    told = Message.objects.filter(reference=f"case-follow-up:{follow_up.pk}")
    assert {m.user for m in told} == {county_admin, supervisor}
    assert told[0].body == f"差评未在1个工作日内联系群众：{case.number} 路灯不亮"
    assert _sweep().follow_ups_flagged == 0
    assert AuditLog.objects.filter(action=FLAG_ACTION).count() == 1


def test_a_bad_rating_contacted_in_time_is_not_flagged(
    desk, dispatcher, handler, operator, county_admin, travel
):
    case = _bad_rating(desk, dispatcher, handler, operator)
    travel(_at(5, 11, 15))
    actions.record_contact(case_id=case.pk, note="已上门了解情况", actor=handler)
    travel(_at(5, 14, 9))
    assert _sweep().follow_ups_flagged == 0
    assert not AuditLog.objects.filter(action=FLAG_ACTION).exists()


def test_command_prints_the_counts(desk, dispatcher, travel):
    _dispatched(desk, dispatcher)
    travel(_at(5, 12, 10))
    out = StringIO()
    call_command("sweep_cases", stdout=out)
    assert out.getvalue().splitlines() == [
        "即将超期 0，已超期 1，自动督办 1，差评未按时联系 0。",
        "期满未申请复查复核而终结的信访事项 0。",
    ]
    out = StringIO()
    call_command("sweep_cases", stdout=out)
    assert out.getvalue().splitlines() == [
        "即将超期 0，已超期 0，自动督办 0，差评未按时联系 0。",
        "期满未申请复查复核而终结的信访事项 0。",
    ]
