"""Declining, objecting and arbitrating, transfers and escalation, and the petition's 复查/复核
chain to termination."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sizhi.cases import actions
from sizhi.cases.models import Case, CaseClock, Supervision
from sizhi.cases.queries import timeline
from sizhi.cases.tests.factories import TRACKING_CODE, CaseFactory
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.messaging.models import Message

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 9, 29, 10, 0, tzinfo=TZ)  # Tuesday before National Day


def _at(year, month, day, hour=0, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TZ)


def _received(desk, **fields):
    fields.setdefault("category", desk.village_matter)
    return CaseFactory.create(**fields)


@pytest.fixture
def at_t0():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _transitions(case):
    return list(case.events.values_list("transition", flat=True))


# ---------------------------------------------------------------------------------------------
# Declining


@pytest.mark.parametrize(
    ("reason", "redirect_to", "fields"),
    [
        ("", "县人民法院", {"reason": ["请说明不予受理的理由。"]}),
        ("属于诉讼程序", " ", {"redirect_to": ["请告知群众应向何处反映。"]}),
        ("理" * 501, "县人民法院", {"reason": ["内容不能超过500个字。"]}),
    ],
)
def test_declining_needs_the_lawful_reason_and_where_to_go(
    desk, dispatcher, refused, reason, redirect_to, fields
):
    case = _received(desk, kind="petition", petition_class="claim")
    error = refused(
        Invalid,
        lambda: actions.decline_case(
            case_id=case.pk, reason=reason, redirect_to=redirect_to, actor=dispatcher
        ),
    )
    assert error.fields == fields


def test_a_declined_petition_tells_the_petitioner_where_to_go(
    desk, dispatcher, django_capture_on_commit_callbacks
):
    case = _received(desk, kind="petition", petition_class="claim")
    with django_capture_on_commit_callbacks(execute=True):
        actions.decline_case(
            case_id=case.pk,
            reason="该事项已进入诉讼程序。",
            redirect_to="县人民法院",
            actor=dispatcher,
        )
    case.refresh_from_db()
    assert (case.state, case.closed_at is not None) == ("declined", True)
    event = case.events.get()
    assert (event.note, event.data, event.is_public) == (
        "该事项已进入诉讼程序。 请向县人民法院反映。",
        {"reason": "该事项已进入诉讼程序。", "redirect_to": "县人民法院"},
        True,
    )
    assert Message.objects.get().body == (
        f"您的诉求 {case.number} 不予受理：该事项已进入诉讼程序。 请向县人民法院反映。"
    )


# ---------------------------------------------------------------------------------------------
# Objection (退单) and arbitration


def _dispatched(desk, dispatcher, at, **fields):
    with time_machine.travel(at, tick=False):
        case = _received(desk, **fields)
        actions.dispatch_case(case_id=case.pk, unit_id=desk.village_centre.pk, actor=dispatcher)
    return case


@pytest.mark.parametrize(
    ("fields", "last_moment"),
    [
        # A hotline order: 24 hours
        ({}, T0 + dt.timedelta(hours=24)),
        # A petition: 5 working days (30 Sep, 8, 9, 10 and 12 October)
        ({"kind": "petition", "petition_class": "claim"}, _at(2026, 10, 12, 23, 59, 59)),
    ],
)
def test_a_unit_objects_within_the_window(desk, dispatcher, handler, fields, last_moment):
    case = _dispatched(desk, dispatcher, T0, **fields)
    with time_machine.travel(last_moment, tick=False):
        actions.object_to_case(case_id=case.pk, reason="路灯属供电所管理", actor=handler)
    case.refresh_from_db()
    assert case.state == "objected"
    assert case.events.last().note == "路灯属供电所管理"
    # Its clocks are off until the county office decides
    handling = CaseClock.objects.filter(case=case, kind__in=["respond", "handle"])
    assert set(handling.values_list("state", flat=True)) == {"cancelled"}


@pytest.mark.parametrize(
    ("fields", "too_late"),
    [
        ({}, T0 + dt.timedelta(hours=24, seconds=1)),
        ({"kind": "petition", "petition_class": "claim"}, _at(2026, 10, 13, 0, 0, 0)),
    ],
)
def test_an_objection_after_the_window_is_refused(
    desk, dispatcher, handler, refused, fields, too_late
):
    case = _dispatched(desk, dispatcher, T0, **fields)
    with time_machine.travel(too_late, tick=False):
        error = refused(
            InvalidState,
            lambda: actions.object_to_case(case_id=case.pk, reason="不属本单位", actor=handler),
        )
    assert str(error.message) == "已超过退单时限。"


def test_an_objection_needs_a_reason(at_t0, desk, dispatcher, handler, refused):
    case = _dispatched(desk, dispatcher, T0)
    error = refused(
        Invalid, lambda: actions.object_to_case(case_id=case.pk, reason="", actor=handler)
    )
    assert error.fields == {"reason": ["请说明退单理由。"]}


def test_the_county_office_upholds_and_the_unit_cannot_return_it_again(
    at_t0, desk, dispatcher, handler, county_admin, refused, django_capture_on_commit_callbacks
):
    case = _dispatched(desk, dispatcher, T0)
    actions.object_to_case(case_id=case.pk, reason="不属本单位", actor=handler)
    # When the county office upholds the dispatch
    with django_capture_on_commit_callbacks(execute=True):
        actions.decide_objection(
            case_id=case.pk, unit_id=None, note="路灯由村负责维护", actor=county_admin
        )
    # Then the same unit has it again, designated, with fresh clocks, and is told so
    case.refresh_from_db()
    assert (case.state, case.handling_unit, case.is_designated, case.transfer_count) == (
        "assigned",
        desk.village_centre,
        True,
        0,
    )
    assert CaseClock.objects.filter(case=case, state="running").count() == 2
    assert Message.objects.get(user=handler).body == f"异议未获支持，请继续办理：{case.number}"
    # And a second objection is refused
    error = refused(
        InvalidState,
        lambda: actions.object_to_case(case_id=case.pk, reason="还是不属于", actor=handler),
    )
    assert str(error.message) == "创建办已指定承办单位，不能退回。"


def test_the_county_office_reassigns_and_it_counts_as_a_transfer(
    at_t0, desk, dispatcher, handler, county_admin, township_handler, refused
):
    case = _dispatched(desk, dispatcher, T0)
    actions.object_to_case(case_id=case.pk, reason="属乡镇职责", actor=handler)
    actions.decide_objection(
        case_id=case.pk, unit_id=desk.township_office.pk, note="改由镇办理", actor=county_admin
    )
    case.refresh_from_db()
    assert (case.state, case.handling_unit, case.is_designated, case.transfer_count) == (
        "assigned",
        desk.township_office,
        True,
        1,
    )
    assert case.events.last().data == {
        "from_unit": desk.village_centre.pk,
        "unit": desk.township_office.pk,
    }
    refused(
        InvalidState,
        lambda: actions.object_to_case(case_id=case.pk, reason="不属于", actor=township_handler),
    )


def test_only_the_county_office_arbitrates(at_t0, desk, dispatcher, handler, refused):
    case = _dispatched(desk, dispatcher, T0)
    actions.object_to_case(case_id=case.pk, reason="不属本单位", actor=handler)
    refused(
        NotAllowed,
        lambda: actions.decide_objection(
            case_id=case.pk, unit_id=None, note="维持", actor=dispatcher
        ),
    )


def test_arbitration_needs_a_note(at_t0, desk, dispatcher, handler, county_admin, refused):
    case = _dispatched(desk, dispatcher, T0)
    actions.object_to_case(case_id=case.pk, reason="不属本单位", actor=handler)
    error = refused(
        Invalid,
        lambda: actions.decide_objection(
            case_id=case.pk, unit_id=None, note="", actor=county_admin
        ),
    )
    assert error.fields == {"note": ["请填写裁定意见。"]}


# ---------------------------------------------------------------------------------------------
# Transfers


def test_every_transfer_is_justified_and_counted_and_the_third_escalates(
    desk, dispatcher, django_capture_on_commit_callbacks
):
    case = _dispatched(desk, dispatcher, T0, category=desk.township_matter)
    units = [desk.township_office, desk.village_centre, desk.township_office, desk.village_centre]
    with time_machine.travel(T0, tick=False):
        for n, unit in enumerate(units[:2], start=1):
            actions.transfer_case(
                case_id=case.pk, unit_id=unit.pk, reason=f"第{n}次转派", actor=dispatcher
            )
        assert Supervision.objects.count() == 0
        # When the case is handed on a third time
        with django_capture_on_commit_callbacks(execute=True):
            actions.transfer_case(
                case_id=case.pk, unit_id=units[2].pk, reason="第3次转派", actor=dispatcher
            )
        # Then it is escalated to the county office, with a deadline
        supervision = Supervision.objects.get()
        assert (supervision.owner_unit, supervision.reason, supervision.due_at) == (
            desk.county_office,
            "多次转派，由创建办督办。",
            _at(2026, 10, 8, 23, 59, 59),
        )
        actions.transfer_case(
            case_id=case.pk, unit_id=units[3].pk, reason="第4次转派", actor=dispatcher
        )
    case.refresh_from_db()
    assert (case.transfer_count, case.is_escalated) == (4, True)
    assert Supervision.objects.count() == 1
    assert _transitions(case) == [
        "dispatch",
        "transfer",
        "transfer",
        "transfer",
        "escalate",
        "transfer",
    ]
    escalation = case.events.get(transition="escalate")
    assert (escalation.actor, escalation.data) == (
        None,
        {"supervision": supervision.pk, "owner_unit": desk.county_office.pk},
    )


def test_a_reassignment_counts_towards_escalation(at_t0, desk, dispatcher, handler, county_admin):
    case = _dispatched(desk, dispatcher, T0, category=desk.township_matter)
    actions.transfer_case(
        case_id=case.pk, unit_id=desk.township_office.pk, reason="一", actor=dispatcher
    )
    actions.transfer_case(
        case_id=case.pk, unit_id=desk.village_centre.pk, reason="二", actor=dispatcher
    )
    actions.object_to_case(case_id=case.pk, reason="不属本单位", actor=handler)
    actions.decide_objection(
        case_id=case.pk, unit_id=desk.township_office.pk, note="改派", actor=county_admin
    )
    case.refresh_from_db()
    assert (case.transfer_count, case.is_escalated) == (3, True)
    assert Supervision.objects.get().owner_unit == desk.county_office


@pytest.mark.parametrize(
    ("unit", "reason", "fields"),
    [
        ("township_office", "", {"reason": ["请说明转派理由。"]}),
        ("village_centre", "转给自己", {"unit_id": ["不能转派给当前承办单位。"]}),
    ],
)
def test_a_transfer_needs_a_reason_and_another_unit(
    desk, dispatcher, refused, unit, reason, fields
):
    case = _dispatched(desk, dispatcher, T0)
    error = refused(
        Invalid,
        lambda: actions.transfer_case(
            case_id=case.pk, unit_id=getattr(desk, unit).pk, reason=reason, actor=dispatcher
        ),
    )
    assert error.fields == fields


# ---------------------------------------------------------------------------------------------
# 复查 / 复核


@pytest.fixture
def answered(desk):
    """A petition answered and closed on Tuesday 29 September 2026."""
    return CaseFactory.create(
        kind="petition",
        petition_class="claim",
        state="closed",
        category=desk.village_matter,
        handling_unit=desk.village_centre,
        closed_at=T0,
    )


def _petitioner(case, step, opinion="对处理意见不服"):
    actions.review_petition(
        case_id=case.pk, step=step, opinion=opinion, actor=None, tracking_code=TRACKING_CODE
    )


def test_the_review_chain_ends_in_termination(answered, supervisor):
    # The petitioner asks for 复查 with their code; the higher body answers; then 复核
    with time_machine.travel(_at(2026, 10, 20, 9, 0), tick=False):
        _petitioner(answered, "request_review")
    with time_machine.travel(_at(2026, 11, 10, 9, 0), tick=False):
        actions.review_petition(
            case_id=answered.pk, step="issue_review", opinion="维持原意见", actor=supervisor
        )
    with time_machine.travel(_at(2026, 12, 1, 9, 0), tick=False):
        _petitioner(answered, "request_recheck", "仍然不服")
    with time_machine.travel(_at(2026, 12, 20, 9, 0), tick=False):
        actions.review_petition(
            case_id=answered.pk, step="issue_recheck", opinion="复核维持", actor=supervisor
        )
    answered.refresh_from_db()
    assert answered.state == "terminated"
    assert [
        (e.transition, e.from_state, e.to_state, e.actor, e.is_public)
        for e in timeline(answered, public=False)
    ] == [
        ("request_review", "closed", "review_requested", None, True),
        ("issue_review", "review_requested", "reviewed", supervisor, True),
        ("request_recheck", "reviewed", "recheck_requested", None, True),
        ("issue_recheck", "recheck_requested", "terminated", supervisor, True),
    ]
    assert list(CaseClock.objects.filter(case=answered).values_list("kind", "state", "due_at")) == [
        ("review", "met", _at(2026, 11, 19, 23, 59, 59)),
        ("review", "met", _at(2026, 12, 31, 23, 59, 59)),
    ]


@pytest.mark.parametrize("step", ["issue_review", "terminate"])
def test_the_petitioner_cannot_decide_their_own_review(answered, refused, step):
    if step == "issue_review":
        Case.objects.filter(pk=answered.pk).update(state="review_requested")
    refused(NotAllowed, lambda: _petitioner(answered, step, "我自己批准"))


def test_a_review_asked_after_thirty_days_is_refused(answered, refused):
    # Closed on 29 September: day 30 is 29 October
    with time_machine.travel(_at(2026, 10, 29, 23, 0), tick=False):
        Case.objects.filter(pk=answered.pk).update(state="closed")
    with time_machine.travel(_at(2026, 10, 30, 0, 0, 1), tick=False):
        error = refused(InvalidState, lambda: _petitioner(answered, "request_review"))
    assert str(error.message) == "已超过申请期限。"


def test_a_recheck_asked_after_thirty_days_of_the_review_is_refused(answered, supervisor, refused):
    with time_machine.travel(_at(2026, 10, 1, 9, 0), tick=False):
        _petitioner(answered, "request_review")
        actions.review_petition(
            case_id=answered.pk, step="issue_review", opinion="维持", actor=supervisor
        )
    with time_machine.travel(_at(2026, 11, 3, 0, 0, 1), tick=False):  # day 30 is a Saturday
        refused(InvalidState, lambda: _petitioner(answered, "request_recheck"))


def test_the_reviewing_body_terminates_a_closed_petition(answered, supervisor):
    actions.review_petition(
        case_id=answered.pk, step="terminate", opinion="调解协议已履行", actor=supervisor
    )
    answered.refresh_from_db()
    assert answered.state == "terminated"


def test_other_kinds_have_no_review(desk, refused):
    case = CaseFactory.create(state="closed", category=desk.village_matter, closed_at=T0)
    refused(InvalidState, lambda: _petitioner(case, "request_review"))


def test_review_steps_need_the_right_code_a_known_step_and_an_opinion(answered, refused):
    refused(
        NotFound,
        lambda: actions.review_petition(
            case_id=answered.pk,
            step="request_review",
            opinion="不服",
            actor=None,
            tracking_code="WRONG234",
        ),
    )
    error = refused(Invalid, lambda: _petitioner(answered, "reopen"))
    assert error.fields == {"step": ["未知步骤。"]}
    error = refused(Invalid, lambda: _petitioner(answered, "request_review", " "))
    assert error.fields == {"opinion": ["请填写意见或理由。"]}
