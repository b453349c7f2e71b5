"""回访: the follow-up after a reply closes the case or sends it back once; the second
evaluation counts; a bad rating is contacted within a working day; the rater stays hidden."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sizhi.cases import actions
from sizhi.cases.models import Case, CaseClock, FollowUp
from sizhi.cases.queries import access_case, timeline
from sizhi.cases.tests.factories import TRACKING_CODE, CaseFactory
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.messaging.models import Message

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
FRIDAY = dt.datetime(2026, 5, 15, 10, 0, tzinfo=TZ)


@pytest.fixture
def replied(desk, handler):
    """A complaint replied to by the village A centre, on a Friday morning."""
    with time_machine.travel(FRIDAY, tick=False):
        case = CaseFactory.create(
            state="in_progress",
            category=desk.village_matter,
            handling_unit=desk.village_centre,
            contact_name="张三",
        )
        actions.reply_to_case(case_id=case.pk, text="已更换灯泡。", actor=handler)
        yield case


def _rate(case, actor, contacted=True, solved=True, satisfaction=5, **extra):
    return actions.follow_up_case(
        case_id=case.pk,
        contacted=contacted,
        solved=solved,
        satisfaction=satisfaction,
        actor=actor,
        **extra,
    )


def _transitions(case):
    return list(case.events.values_list("transition", flat=True))


@pytest.mark.parametrize("satisfaction", [5, 4, 3])
def test_solved_and_satisfied_closes_the_case(replied, operator, satisfaction):
    _rate(replied, operator, satisfaction=satisfaction, note="群众表示满意")
    case = Case.objects.get(pk=replied.pk)
    assert (case.state, case.satisfaction, case.is_solved, case.closed_at) == (
        "closed",
        satisfaction,
        True,
        FRIDAY,
    )
    assert _transitions(case) == ["reply", "follow_up", "close"]
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.by, follow_up.by_resident, follow_up.needs_contact_by) == (
        operator,
        False,
        None,
    )


@pytest.mark.parametrize(("solved", "satisfaction"), [(False, 4), (True, 2), (True, 1)])
def test_unsolved_or_dissatisfied_reopens_it_with_a_new_handling_clock(
    replied, operator, solved, satisfaction
):
    # When the resident says it is not solved, or is dissatisfied
    _rate(replied, operator, solved=solved, satisfaction=satisfaction, note="灯还是不亮")
    # Then the case goes back to the unit, counted, with a fresh five working days
    case = Case.objects.get(pk=replied.pk)
    assert (case.state, case.reopen_count, case.satisfaction, case.is_solved) == (
        "in_progress",
        1,
        None,
        None,
    )
    assert _transitions(case) == ["reply", "follow_up", "reopen"]
    assert list(
        CaseClock.objects.filter(case=case, state="running").values_list("kind", "due_at")
    ) == [("handle", dt.datetime(2026, 5, 22, 23, 59, 59, tzinfo=TZ))]
    # And the bad rating is to be contacted by the end of the next working day (Monday)
    follow_up = FollowUp.objects.get(case=case)
    assert follow_up.needs_contact_by == dt.datetime(2026, 5, 18, 23, 59, 59, tzinfo=TZ)
    assert (follow_up.solved, follow_up.satisfaction) == (solved, satisfaction)


def test_a_bad_rating_before_national_day_is_contacted_after_it(desk, handler, operator):
    with time_machine.travel(dt.datetime(2026, 9, 30, 16, 0, tzinfo=TZ), tick=False):
        case = CaseFactory.create(
            state="replied", category=desk.village_matter, handling_unit=desk.village_centre
        )
        _rate(case, operator, solved=False, satisfaction=1)
    assert FollowUp.objects.get(case=case).needs_contact_by == dt.datetime(
        2026, 10, 8, 23, 59, 59, tzinfo=TZ
    )


def test_the_second_evaluation_counts_even_when_bad(replied, operator, handler):
    _rate(replied, operator, solved=False, satisfaction=2)
    actions.reply_to_case(case_id=replied.pk, text="已重新维修。", actor=handler)
    # When the second follow-up is bad again, then the case closes on it
    _rate(replied, operator, solved=False, satisfaction=1)
    case = Case.objects.get(pk=replied.pk)
    assert (case.state, case.reopen_count, case.satisfaction, case.is_solved) == (
        "closed",
        1,
        1,
        False,
    )
    assert _transitions(case) == ["reply", "follow_up", "reopen", "reply", "follow_up", "close"]
    assert list(FollowUp.objects.filter(case=case).values_list("satisfaction", flat=True)) == [2, 1]


def test_the_second_evaluation_counts_when_good(replied, operator, handler):
    _rate(replied, operator, solved=False, satisfaction=2)
    actions.reply_to_case(case_id=replied.pk, text="已重新维修。", actor=handler)
    _rate(replied, operator, solved=True, satisfaction=5)
    case = Case.objects.get(pk=replied.pk)
    assert (case.state, case.satisfaction, case.is_solved) == ("closed", 5, True)


def test_not_reached_closes_it_without_a_rating(replied, operator):
    _rate(replied, operator, contacted=False, solved=None, satisfaction=None, note="三次未接通")
    case = Case.objects.get(pk=replied.pk)
    assert (case.state, case.satisfaction, case.is_solved, case.reopen_count) == (
        "closed",
        None,
        None,
        0,
    )
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.contacted, follow_up.solved, follow_up.satisfaction) == (False, None, None)
    assert follow_up.note == "三次未接通"


def test_a_rating_without_contact_is_refused(replied, operator, refused):
    error = refused(
        Invalid, lambda: _rate(replied, operator, contacted=False, solved=True, satisfaction=5)
    )
    assert error.fields == {"contacted": ["未联系上诉求人时，不能记录是否解决和满意度。"]}


def test_a_contact_without_a_rating_is_refused(replied, operator, refused):
    error = refused(Invalid, lambda: _rate(replied, operator, solved=None, satisfaction=None))
    assert error.fields == {
        "solved": ["请记录诉求是否已解决。"],
        "satisfaction": ["请记录满意度。"],
    }


@pytest.mark.parametrize("satisfaction", [0, 6, -1])
def test_satisfaction_is_one_to_five(replied, operator, refused, satisfaction):
    error = refused(Invalid, lambda: _rate(replied, operator, satisfaction=satisfaction))
    assert error.fields == {"satisfaction": ["满意度须为1到5。"]}


def test_a_case_not_replied_cannot_be_followed_up(desk, operator, refused):
    case = CaseFactory.create(
        state="in_progress", category=desk.village_matter, handling_unit=desk.village_centre
    )
    refused(InvalidState, lambda: _rate(case, operator))


def test_the_handling_unit_does_not_rate_itself(replied, handler, refused):
    refused(NotAllowed, lambda: _rate(replied, handler))


def test_the_resident_rates_with_their_tracking_code(replied):
    # When the resident rates on the tracking page (no account)
    actions.follow_up_case(
        case_id=replied.pk,
        contacted=False,
        solved=True,
        satisfaction=4,
        actor=None,
        tracking_code=TRACKING_CODE.lower(),
    )
    # Then it counts as a contact with them, and nobody is named as the rater
    case = Case.objects.get(pk=replied.pk)
    assert (case.state, case.satisfaction) == ("closed", 4)
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.contacted, follow_up.by_resident, follow_up.by) == (True, True, None)
    event = case.events.get(transition="follow_up")
    assert (event.actor, event.is_public) == (None, True)


def test_a_signed_in_resident_rating_with_the_code_is_not_recorded_as_the_rater(replied, resident):
    _rate(replied, resident, solved=False, satisfaction=1, tracking_code=TRACKING_CODE)
    follow_up = FollowUp.objects.get(case=replied)
    assert (follow_up.by, follow_up.by_resident) == (None, True)
    assert not replied.events.filter(actor=resident).exists()


@pytest.mark.parametrize("code", ["WRONG234", "ABCD2346"])
def test_a_wrong_tracking_code_finds_nothing(replied, refused, code):
    refused(
        NotFound,
        lambda: actions.follow_up_case(
            case_id=replied.pk,
            contacted=True,
            solved=True,
            satisfaction=5,
            actor=None,
            tracking_code=code,
        ),
    )


def test_the_handler_sees_the_rating_but_never_the_rater(replied, handler):
    # Given a confidential complaint about the centre, rated badly by the resident
    Case.objects.filter(pk=replied.pk).update(
        is_confidential=True, complained_unit=replied.handling_unit
    )
    actions.follow_up_case(
        case_id=replied.pk,
        contacted=True,
        solved=False,
        satisfaction=1,
        note="不满意",
        actor=None,
        tracking_code=TRACKING_CODE,
    )
    # When the handler reads the case and its timeline
    case = access_case(handler, replied.pk)
    events = timeline(case, public=False)
    # Then the rating events name no one, and carry neither the name nor the phone
    rating = [e for e in events if e.transition in {"follow_up", "reopen"}]
    assert [(e.transition, e.actor, e.data) for e in rating] == [
        ("follow_up", None, {"contacted": True}),
        ("reopen", None, {}),
    ]
    for event in events:
        text = f"{event.note} {event.data}"
        assert "13812345678" not in text
        assert "张三" not in text


def test_the_resident_and_the_unit_are_told_of_a_reopening(
    replied, operator, handler, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _rate(replied, operator, solved=False, satisfaction=2)
    assert sorted(Message.objects.values_list("channel", "user", "body")) == sorted(
        [
            ("sms", None, f"您的诉求 {replied.number} 已退回重新办理。"),
            ("inapp", handler.pk, f"退回重办：{replied.number} {replied.title}"),
        ]
    )


def test_a_petition_is_not_reopened_by_a_bad_rating(desk, handler, operator):
    case = CaseFactory.create(
        kind="petition",
        petition_class="claim",
        state="replied",
        category=desk.village_matter,
        handling_unit=desk.village_centre,
    )
    _rate(case, operator, solved=False, satisfaction=1)
    case.refresh_from_db()
    assert (case.state, case.reopen_count, case.satisfaction) == ("closed", 0, 1)
