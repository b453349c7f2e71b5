"""Clocks through the real actions, on the calendar the migration seeded: each default, a
holiday crossing, pausing, extending, stopping on time or late, cancelling, and overrides."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from sizhi.cases import actions
from sizhi.cases.models import Case, CaseClock, Supervision
from sizhi.cases.tests.factories import CaseFactory
from sizhi.core.errors import InvalidState

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 5, 11, 9, 0, tzinfo=TZ)  # a Monday in an ordinary week
NATIONAL_DAY_EVE = dt.datetime(2026, 9, 29, 10, 0, tzinfo=TZ)


def _at(year, month, day, hour=0, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TZ)


def _clocks(case):
    """(kind, state, value, unit, due_at in local time) of every clock, oldest first."""
    return [
        (c.kind, c.state, c.value, c.unit, c.due_at.astimezone(TZ))
        for c in CaseClock.objects.filter(case=case).order_by("started_at", "id")
    ]


def _submit(desk, **extra):
    values = {
        "channel": "web",
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯不亮",
        "description": "临江村一组路口的路灯坏了。",
        "region_code": "520327101201001",
        "contact_phone": "13812345678",
        "actor": None,
    }
    values.update(extra)
    return actions.submit_case(**values).case


def _dispatch(case, desk, dispatcher):
    actions.dispatch_case(case_id=case.pk, unit_id=desk.village_centre.pk, actor=dispatcher)


@pytest.fixture
def at():
    """at(when): freeze the clock there (and move it on with the next call)."""
    with time_machine.travel(T0, tick=False) as traveller:

        def go(when):
            traveller.move_to(when)

        yield go


# ---------------------------------------------------------------------------------------------
# The defaults


@pytest.mark.parametrize(("urgency", "hours"), [("extra_urgent", 1), ("urgent", 2), ("normal", 24)])
def test_a_hotline_case_must_be_dispatched_within_1_2_or_24_hours(desk, at, urgency, hours):
    case = _submit(desk, urgency=urgency)
    assert _clocks(case) == [("dispatch", "running", hours, "hour", T0 + dt.timedelta(hours=hours))]


@pytest.mark.parametrize(
    ("urgency", "respond", "handle"),
    [
        (
            "extra_urgent",
            (1, "hour", T0 + dt.timedelta(hours=1)),
            (2, "hour", T0 + dt.timedelta(hours=2)),
        ),
        (
            "urgent",
            (2, "hour", T0 + dt.timedelta(hours=2)),
            (24, "hour", T0 + dt.timedelta(hours=24)),
        ),
        # Five working days after Monday 11 May: Monday 18 May, end of day
        (
            "normal",
            (24, "hour", T0 + dt.timedelta(hours=24)),
            (5, "working_day", _at(2026, 5, 18, 23, 59, 59)),
        ),
    ],
)
def test_dispatch_starts_the_response_and_handling_clocks(
    desk, dispatcher, at, urgency, respond, handle
):
    case = _submit(desk, urgency=urgency)
    _dispatch(case, desk, dispatcher)
    dispatch_hours = {"extra_urgent": 1, "urgent": 2, "normal": 24}[urgency]
    assert _clocks(case) == [
        ("dispatch", "met", dispatch_hours, "hour", T0 + dt.timedelta(hours=dispatch_hours)),
        ("respond", "running", *respond),
        ("handle", "running", *handle),
    ]


def test_a_petition_is_accepted_within_15_days_and_handled_within_60(desk, dispatcher, at):
    # Registered on Monday 11 May: day 15 is Tuesday 26 May
    case = _submit(desk, kind="petition", petition_class="claim")
    assert _clocks(case) == [
        ("accept", "running", 15, "calendar_day", _at(2026, 5, 26, 23, 59, 59))
    ]
    at(_at(2026, 5, 12, 9, 0))
    actions.accept_case(case_id=case.pk, actor=dispatcher)
    _dispatch(case, desk, dispatcher)
    # Dispatched on 12 May: day 60 is Saturday 11 July, so the period ends on Monday 13 July
    assert _clocks(case) == [
        ("accept", "met", 15, "calendar_day", _at(2026, 5, 26, 23, 59, 59)),
        ("handle", "running", 60, "calendar_day", _at(2026, 7, 13, 23, 59, 59)),
    ]


def test_a_review_must_be_decided_within_30_days(desk, supervisor, at):
    case = CaseFactory.create(
        kind="petition", petition_class="claim", state="closed", closed_at=T0 - dt.timedelta(days=3)
    )
    actions.review_petition(
        case_id=case.pk, step="request_review", opinion="不服", actor=None, tracking_code="ABCD2345"
    )
    # 30 days after Monday 11 May is Wednesday 10 June
    assert _clocks(case) == [
        ("review", "running", 30, "calendar_day", _at(2026, 6, 10, 23, 59, 59))
    ]
    at(_at(2026, 6, 1, 9, 0))
    actions.review_petition(case_id=case.pk, step="issue_review", opinion="维持", actor=supervisor)
    assert _clocks(case)[0][:2] == ("review", "met")


def test_handling_across_national_day_counts_working_days_only(desk, dispatcher, at):
    # Given a 一般 case dispatched on Tuesday 29 September 2026
    at(NATIONAL_DAY_EVE)
    case = _submit(desk)
    _dispatch(case, desk, dispatcher)
    # Then five working days are 30 Sep, 8, 9, 10 (a make-up Saturday) and 12 October
    handle = CaseClock.objects.get(case=case, kind="handle")
    assert (handle.due_at.astimezone(TZ), handle.provisional) == (
        _at(2026, 10, 12, 23, 59, 59),
        False,
    )
    # And the 24-hour response clock runs through the holiday
    assert CaseClock.objects.get(
        case=case, kind="respond"
    ).due_at == NATIONAL_DAY_EVE + dt.timedelta(hours=24)


def test_a_period_running_into_2027_is_provisional(desk, dispatcher, at):
    at(_at(2026, 12, 1, 10, 0))
    case = _submit(desk, kind="petition", petition_class="claim")
    _dispatch(case, desk, dispatcher)
    handle = CaseClock.objects.get(case=case, kind="handle")
    assert (handle.due_at.astimezone(TZ), handle.provisional) == (_at(2027, 2, 1, 23, 59, 59), True)
    assert CaseClock.objects.get(case=case, kind="accept").provisional is False


# ---------------------------------------------------------------------------------------------
# Pause, extend, stop, cancel


def _in_progress(desk, dispatcher, handler, **extra):
    case = _submit(desk, **extra)
    _dispatch(case, desk, dispatcher)
    actions.sign_for_case(case_id=case.pk, actor=handler)
    return case


def test_pausing_moves_the_deadline_by_the_paused_time(desk, dispatcher, handler, at):
    case = _in_progress(desk, dispatcher, handler)
    due = CaseClock.objects.get(case=case, kind="handle").due_at
    at(T0 + dt.timedelta(days=1))
    actions.pause_case_clock(case_id=case.pk, reason="appraisal", actor=handler)
    clock = CaseClock.objects.get(case=case, kind="handle")
    assert (clock.state, clock.pause_reason, clock.paused_at) == (
        "paused",
        "appraisal",
        T0 + dt.timedelta(days=1),
    )
    at(T0 + dt.timedelta(days=3, hours=5))
    actions.resume_case_clock(case_id=case.pk, actor=handler)
    clock.refresh_from_db()
    assert (clock.state, clock.due_at) == ("running", due + dt.timedelta(days=2, hours=5))
    assert list(case.events.values_list("transition", flat=True))[-2:] == [
        "pause_clock",
        "resume_clock",
    ]


def test_pausing_twice_or_resuming_a_running_clock_is_refused(
    desk, dispatcher, handler, at, refused
):
    case = _in_progress(desk, dispatcher, handler)
    refused(InvalidState, lambda: actions.resume_case_clock(case_id=case.pk, actor=handler))
    actions.pause_case_clock(case_id=case.pk, reason="hearing", actor=handler)
    refused(
        InvalidState,
        lambda: actions.pause_case_clock(case_id=case.pk, reason="hearing", actor=handler),
    )


def test_a_reply_while_paused_credits_the_paused_time(desk, dispatcher, handler, at):
    # Given a 24-hour case paused after an hour, for two days
    case = _in_progress(desk, dispatcher, handler, urgency="urgent")
    at(T0 + dt.timedelta(hours=1))
    actions.pause_case_clock(case_id=case.pk, reason="waiting_resident", actor=handler)
    # When the reply comes 30 hours after dispatch, all of it but one hour paused
    at(T0 + dt.timedelta(hours=30))
    actions.reply_to_case(case_id=case.pk, text="已答复", actor=handler)
    # Then the handling clock is met, with its due time moved by the 29 paused hours
    clock = CaseClock.objects.get(case=case, kind="handle")
    assert (clock.state, clock.due_at, clock.paused_at) == (
        "met",
        T0 + dt.timedelta(hours=24 + 29),
        None,
    )


@pytest.mark.parametrize(
    ("kind", "extra", "due", "extended"),
    [
        # Five working days from Monday 11 May: Monday 18 May; plus five: Monday 25 May
        ("complaint", {}, _at(2026, 5, 18, 23, 59, 59), _at(2026, 5, 25, 23, 59, 59)),
        # Sixty days from 11 May: Friday 10 July; plus thirty: Sunday 9 August → Monday 10
        (
            "petition",
            {"petition_class": "claim"},
            _at(2026, 7, 10, 23, 59, 59),
            _at(2026, 8, 10, 23, 59, 59),
        ),
    ],
)
def test_an_approved_extension_moves_the_due_time_once(
    desk, dispatcher, handler, county_admin, at, refused, kind, extra, due, extended
):
    case = _in_progress(desk, dispatcher, handler, kind=kind, **extra)
    assert CaseClock.objects.get(case=case, kind="handle").due_at == due
    actions.request_extension(case_id=case.pk, reason="需要协调水务部门", actor=handler)
    extension = actions.decide_extension(case_id=case.pk, approve=True, note="", actor=county_admin)
    assert (extension.state, extension.decided_by, extension.decided_at) == (
        "approved",
        county_admin,
        T0,
    )
    case.refresh_from_db()
    assert case.extension_count == 1
    assert CaseClock.objects.get(case=case, kind="handle").due_at == extended
    # Only one extension
    error = refused(
        InvalidState,
        lambda: actions.request_extension(case_id=case.pk, reason="再延一次", actor=handler),
    )
    assert str(error.message) == "延期次数已用完。"


def test_a_rejected_extension_leaves_the_due_time_and_may_be_asked_again(
    desk, dispatcher, handler, county_admin, at, refused
):
    case = _in_progress(desk, dispatcher, handler)
    due = CaseClock.objects.get(case=case, kind="handle").due_at
    actions.request_extension(case_id=case.pk, reason="需要协调", actor=handler)
    error = refused(
        InvalidState,
        lambda: actions.request_extension(case_id=case.pk, reason="再申请", actor=handler),
    )
    assert str(error.message) == "已有待审批的延期申请。"
    actions.decide_extension(case_id=case.pk, approve=False, note="理由不足", actor=county_admin)
    assert CaseClock.objects.get(case=case, kind="handle").due_at == due
    assert Case.objects.get(pk=case.pk).extension_count == 0
    actions.request_extension(case_id=case.pk, reason="补充理由", actor=handler)


def test_deciding_without_a_request_is_refused(desk, dispatcher, handler, county_admin, refused):
    case = _in_progress(desk, dispatcher, handler)
    error = refused(
        InvalidState,
        lambda: actions.decide_extension(
            case_id=case.pk, approve=True, note="", actor=county_admin
        ),
    )
    assert str(error.message) == "没有待审批的延期申请。"


@override_settings(SIZHI_CASE_LIMITS={"max_extensions": 2})
def test_the_number_of_extensions_follows_the_setting(desk, dispatcher, handler, county_admin, at):
    case = _in_progress(desk, dispatcher, handler)
    for _ in range(2):
        actions.request_extension(case_id=case.pk, reason="需要协调", actor=handler)
        actions.decide_extension(case_id=case.pk, approve=True, note="", actor=county_admin)
    assert Case.objects.get(pk=case.pk).extension_count == 2


def test_clocks_stop_as_met_when_on_time(desk, dispatcher, handler, at):
    case = _in_progress(desk, dispatcher, handler)
    at(T0 + dt.timedelta(hours=3))
    actions.record_contact(case_id=case.pk, note="已联系", actor=handler)
    at(_at(2026, 5, 18, 23, 0))
    actions.reply_to_case(case_id=case.pk, text="已修复", actor=handler)
    assert [(kind, state) for kind, state, *_ in _clocks(case)] == [
        ("dispatch", "met"),
        ("respond", "met"),
        ("handle", "met"),
    ]
    assert CaseClock.objects.get(case=case, kind="respond").stopped_at == T0 + dt.timedelta(hours=3)


def test_clocks_stop_as_late_when_past_due(desk, dispatcher, handler, at):
    case = _submit(desk)
    at(T0 + dt.timedelta(hours=25))
    _dispatch(case, desk, dispatcher)
    actions.sign_for_case(case_id=case.pk, actor=handler)
    # Dispatched on Tuesday 12 May: due at the end of Tuesday 19 May
    at(_at(2026, 5, 20, 0, 0, 1))
    actions.reply_to_case(case_id=case.pk, text="已修复", actor=handler)
    assert [(kind, state) for kind, state, *_ in _clocks(case)] == [
        ("dispatch", "late"),
        ("respond", "late"),
        ("handle", "late"),
    ]


def test_a_transfer_cancels_the_clocks_and_starts_new_ones(desk, dispatcher, handler, at):
    case = _in_progress(desk, dispatcher, handler)
    at(T0 + dt.timedelta(days=1))
    actions.transfer_case(
        case_id=case.pk, unit_id=desk.township_office.pk, reason="属乡镇职责", actor=dispatcher
    )
    assert [(kind, state) for kind, state, *_ in _clocks(case)] == [
        ("dispatch", "met"),
        ("respond", "cancelled"),
        ("handle", "cancelled"),
        ("respond", "running"),
        ("handle", "running"),
    ]
    new_handle = CaseClock.objects.filter(case=case, kind="handle", state="running").get()
    assert new_handle.due_at == _at(2026, 5, 19, 23, 59, 59)


def test_a_merge_cancels_every_running_clock(desk, dispatcher, handler, at):
    parent = _submit(desk)
    child = _in_progress(desk, dispatcher, handler, contact_phone="13900001111")
    actions.merge_cases(parent_id=parent.pk, child_ids=[child.pk], actor=dispatcher)
    assert [(kind, state) for kind, state, *_ in _clocks(child)] == [
        ("dispatch", "met"),
        ("respond", "cancelled"),
        ("handle", "cancelled"),
    ]
    assert [(kind, state) for kind, state, *_ in _clocks(parent)] == [("dispatch", "running")]


def test_declining_stops_the_dispatch_clock(desk, dispatcher, at):
    case = _submit(desk)
    actions.decline_case(
        case_id=case.pk, reason="属诉讼事项", redirect_to="县人民法院", actor=dispatcher
    )
    assert [(kind, state) for kind, state, *_ in _clocks(case)] == [("dispatch", "met")]


@override_settings(
    SIZHI_CASE_LIMITS={
        "hotline": {"handle": {"normal": (3, "working_day")}, "respond": {"normal": (4, "hour")}}
    }
)
def test_the_limits_setting_overrides_the_defaults(desk, dispatcher, at):
    normal = _submit(desk)
    _dispatch(normal, desk, dispatcher)
    urgent = _submit(desk, urgency="urgent", contact_phone="13900001111")
    _dispatch(urgent, desk, dispatcher)
    assert [c[2:4] for c in _clocks(normal)] == [(24, "hour"), (4, "hour"), (3, "working_day")]
    assert [c[2:4] for c in _clocks(urgent)] == [(2, "hour"), (2, "hour"), (24, "hour")]


def test_escalation_gives_the_county_office_two_working_days(desk, supervisor, at):
    at(_at(2026, 9, 30, 15, 0))
    case = _submit(desk)
    supervision = actions.escalate_case(case_id=case.pk, reason="群众多次催办", actor=supervisor)
    assert (supervision.owner_unit, supervision.due_at.astimezone(TZ), supervision.reason) == (
        desk.county_office,
        _at(2026, 10, 9, 23, 59, 59),
        "群众多次催办",
    )
    assert Supervision.objects.count() == 1
    assert Case.objects.get(pk=case.pk).is_escalated is True


def test_an_extension_is_asked_for_before_the_deadline(desk, dispatcher, handler, at, refused):
    case = _in_progress(desk, dispatcher, handler)
    at(_at(2026, 5, 19, 0, 0, 1))
    error = refused(
        InvalidState,
        lambda: actions.request_extension(case_id=case.pk, reason="来不及了", actor=handler),
    )
    assert str(error.message) == "办理时限已过，不能申请延期。"


def test_a_pending_extension_lapses_when_the_case_moves_on(
    desk, dispatcher, handler, township_handler, county_admin, at, refused
):
    # Given a unit waiting for its extension when the case is transferred away
    case = _in_progress(desk, dispatcher, handler)
    extension = actions.request_extension(case_id=case.pk, reason="需要协调", actor=handler)
    actions.transfer_case(
        case_id=case.pk, unit_id=desk.township_office.pk, reason="属乡镇职责", actor=dispatcher
    )
    # Then the request lapsed, undecided by anyone
    extension.refresh_from_db()
    assert (extension.state, extension.decided_by, extension.decided_at) == ("rejected", None, T0)
    # And the new unit asks for its own
    actions.sign_for_case(case_id=case.pk, actor=township_handler)
    refused(
        InvalidState,
        lambda: actions.decide_extension(
            case_id=case.pk, approve=True, note="", actor=county_admin
        ),
    )
    actions.request_extension(case_id=case.pk, reason="镇里也需要时间", actor=township_handler)
