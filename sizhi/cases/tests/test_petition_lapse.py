"""The sweep ends a petition whose window for asking 复查 or 复核 passed unused: not before the
window ends, once after, never when the petitioner asked in time, with the window taken from
the case limits."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from sizhi.cases import actions
from sizhi.cases.actions.sweep import SWEEP_ACTION, sweep_clocks
from sizhi.cases.models import Case
from sizhi.cases.public_queries import public_events
from sizhi.cases.queries import timeline
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import TRACKING_CODE, CaseFactory
from sizhi.core.models import AuditLog

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 9, 29, 10, 0, tzinfo=TZ)  # Tuesday before National Day
REVIEW_LAPSED = "申请复查的期限已过，信访人未申请复查，信访事项终结。"
RECHECK_LAPSED = "申请复核的期限已过，信访人未申请复核，信访事项终结。"


def _at(year, month, day, hour=0, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TZ)


@pytest.fixture
def answered(desk):
    """A petition answered and closed on Tuesday 29 September 2026: the window for asking 复查
    is 30 days, to the end of Thursday 29 October."""
    return CaseFactory.create(
        kind="petition",
        petition_class="claim",
        state="closed",
        category=desk.village_matter,
        handling_unit=desk.village_centre,
        replied_at=T0 - dt.timedelta(days=1),
        closed_at=T0,
    )


def _sweep(at):
    with time_machine.travel(at, tick=False):
        return sweep_clocks(now=timezone.now()).petitions_ended


def _petitioner(case, step, at):
    with time_machine.travel(at, tick=False):
        actions.review_petition(
            case_id=case.pk,
            step=step,
            opinion="对意见不服",
            actor=None,
            tracking_code=TRACKING_CODE,
        )


def _reviewed(case, supervisor, at):
    """复查 asked and answered at ``at``."""
    _petitioner(case, "request_review", at)
    with time_machine.travel(at, tick=False):
        actions.review_petition(
            case_id=case.pk, step="issue_review", opinion="维持原意见", actor=supervisor
        )


def test_a_petition_within_its_review_window_is_left_alone(answered):
    before = snapshot()
    assert _sweep(_at(2026, 10, 29, 23, 59, 59)) == 0
    assert snapshot() == before


def test_a_petition_whose_review_window_passed_unused_is_terminated_once(answered):
    # When the sweep runs the moment after the window ends
    ended_at = _at(2026, 10, 30, 0, 0, 1)
    assert _sweep(ended_at) == 1
    # Then the petition is terminated by the system, saying why, on the public timeline
    answered.refresh_from_db()
    assert (answered.state, answered.updated_at) == ("terminated", ended_at)
    event = answered.events.get()
    assert (
        event.transition,
        event.from_state,
        event.to_state,
        event.actor,
        event.at,
        event.note,
        event.data,
        event.is_public,
    ) == (
        "terminate",
        "closed",
        "terminated",
        None,
        ended_at,
        REVIEW_LAPSED,
        {"lapsed": "request_review", "window_end": "2026-10-29T23:59:59+08:00"},
        True,
    )
    shown = public_events(timeline(answered, public=True))
    assert [(e.label, e.note) for e in shown] == [("终结", REVIEW_LAPSED)]
    row = AuditLog.objects.get(action="case.terminate")
    assert (row.actor, row.object_id, row.changes) == (
        None,
        str(answered.pk),
        {"state": ["closed", "terminated"]},
    )
    assert AuditLog.objects.get(action=SWEEP_ACTION).changes["petitions_ended"] == 1
    # And a second sweep changes nothing
    before = snapshot()
    assert _sweep(_at(2026, 11, 30)) == 0
    assert snapshot() == before


def test_a_review_asked_in_time_keeps_the_petition_going(answered):
    _petitioner(answered, "request_review", _at(2026, 10, 29, 23, 0))
    assert _sweep(_at(2026, 12, 31)) == 0
    answered.refresh_from_db()
    assert answered.state == "review_requested"
    assert [e.transition for e in answered.events.all()] == ["request_review"]


def test_a_review_opinion_not_followed_by_a_recheck_request_ends_the_petition(answered, supervisor):
    # 复查 answered on 1 October: day 30 is Saturday 31 October, so the window runs to Monday
    _reviewed(answered, supervisor, _at(2026, 10, 1, 9, 0))
    assert _sweep(_at(2026, 11, 2, 23, 59, 59)) == 0
    assert Case.objects.get(pk=answered.pk).state == "reviewed"
    assert _sweep(_at(2026, 11, 3, 0, 0, 1)) == 1
    answered.refresh_from_db()
    assert answered.state == "terminated"
    event = answered.events.last()
    assert (event.transition, event.from_state, event.actor, event.note, event.data) == (
        "terminate",
        "reviewed",
        None,
        RECHECK_LAPSED,
        {"lapsed": "request_recheck", "window_end": "2026-11-02T23:59:59+08:00"},
    )
    assert _sweep(_at(2026, 12, 1)) == 0


def test_a_recheck_asked_in_time_is_not_ended(answered, supervisor):
    _reviewed(answered, supervisor, _at(2026, 10, 1, 9, 0))
    _petitioner(answered, "request_recheck", _at(2026, 11, 2, 18, 0))
    assert _sweep(_at(2027, 1, 31)) == 0
    answered.refresh_from_db()
    assert answered.state == "recheck_requested"
    assert not answered.events.filter(transition="terminate").exists()


def test_other_kinds_are_never_ended(desk):
    complaint = CaseFactory.create(
        state="closed", category=desk.village_matter, closed_at=T0 - dt.timedelta(days=400)
    )
    before = snapshot()
    assert _sweep(T0) == 0
    assert snapshot() == before
    assert Case.objects.get(pk=complaint.pk).state == "closed"


def test_a_petition_closed_without_a_known_answer_time_is_left_alone(answered):
    Case.objects.filter(pk=answered.pk).update(closed_at=None, replied_at=None)
    before = snapshot()
    assert _sweep(_at(2027, 9, 29)) == 0
    assert snapshot() == before


@override_settings(SIZHI_CASE_LIMITS={"petition": {"review_window": (60, "calendar_day")}})
def test_the_window_is_the_review_window_case_limit(answered):
    # 60 days from 29 September: Saturday 28 November, so to the end of Monday 30 November
    assert _sweep(_at(2026, 11, 30, 23, 59, 59)) == 0
    assert Case.objects.get(pk=answered.pk).state == "closed"
    assert _sweep(_at(2026, 12, 1, 0, 0, 1)) == 1
    assert Case.objects.get(pk=answered.pk).events.get().data["window_end"] == (
        "2026-11-30T23:59:59+08:00"
    )
