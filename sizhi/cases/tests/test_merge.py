"""并单: duplicates merged into one case follow it, and every submitter is told where to look."""

import pytest

from sizhi.cases import actions
from sizhi.cases.models import Case, CaseClock
from sizhi.cases.queries import timeline, track_case
from sizhi.cases.tests.factories import TRACKING_CODE, CaseClockFactory, CaseFactory
from sizhi.core.errors import Invalid, InvalidState, NotAllowed
from sizhi.messaging.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def lamp(desk):
    """Three reports of the same broken lamp: the first dispatched, two more just received."""

    def make(phone, **fields):
        return CaseFactory.create(category=desk.village_matter, contact_phone=phone, **fields)

    return (
        make("13800000001", state="assigned", handling_unit=desk.village_centre),
        make("13800000002"),
        make("13800000003", state="in_progress", handling_unit=desk.village_centre),
    )


def test_merged_cases_follow_the_parent_and_every_submitter_is_told(
    lamp, dispatcher, django_capture_on_commit_callbacks
):
    parent, second, third = lamp
    CaseClockFactory.create(case=second, kind="dispatch", value=24, unit="hour")
    # When the dispatcher merges the two later reports into the first
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.merge_cases(
            parent_id=parent.pk, child_ids=[third.pk, second.pk], actor=dispatcher
        )
    # Then both are merged into it, and it counts them
    assert result == parent
    assert result.repeat_count == 2
    assert Case.objects.get(pk=parent.pk).repeat_count == 2
    for child in (second, third):
        child.refresh_from_db()
        assert (child.state, child.merged_into, child.closed_at is not None) == (
            "merged",
            parent,
            True,
        )
        event = child.events.get()
        assert (event.transition, event.note, event.data, event.is_public) == (
            "merge",
            parent.number,
            {"parent": parent.pk},
            True,
        )
        # The resident who tracks a merged case is pointed at the parent
        assert track_case(child.number, TRACKING_CODE).merged_into == parent
    assert CaseClock.objects.get(case=second).state == "cancelled"
    # And each submitter gets a text naming the parent's number
    assert sorted(Message.objects.values_list("channel", "address", "body")) == [
        (
            "sms",
            child.contact_phone,
            f"您的诉求 {child.number} 已与同一事项合并办理，进度请查询 {parent.number}。",
        )
        for child in (second, third)
    ]
    # The parent's own timeline is unchanged
    assert timeline(parent, public=False) == []


def test_an_anonymous_submitter_gets_no_text(lamp, dispatcher, django_capture_on_commit_callbacks):
    parent, second, _ = lamp
    Case.objects.filter(pk=second.pk).update(is_anonymous=True, contact_phone="")
    with django_capture_on_commit_callbacks(execute=True):
        actions.merge_cases(parent_id=parent.pk, child_ids=[second.pk], actor=dispatcher)
    assert Message.objects.count() == 0


def test_nothing_merges_into_a_closed_case(lamp, dispatcher, refused):
    parent, second, _ = lamp
    Case.objects.filter(pk=parent.pk).update(state="closed")
    error = refused(
        InvalidState,
        lambda: actions.merge_cases(parent_id=parent.pk, child_ids=[second.pk], actor=dispatcher),
    )
    assert str(error.message) == "主诉求已办结，不能并单。"


@pytest.mark.parametrize("children", [[], "self"])
def test_merging_needs_other_cases(lamp, dispatcher, refused, children):
    parent = lamp[0]
    child_ids = [parent.pk] if children == "self" else children
    error = refused(
        Invalid,
        lambda: actions.merge_cases(parent_id=parent.pk, child_ids=child_ids, actor=dispatcher),
    )
    assert error.fields == {"child_ids": ["请选择要并入的其他诉求。"]}


def test_a_case_that_has_merged_children_is_not_merged_away(lamp, dispatcher, refused):
    parent, second, third = lamp
    actions.merge_cases(parent_id=second.pk, child_ids=[third.pk], actor=dispatcher)
    error = refused(
        Invalid,
        lambda: actions.merge_cases(parent_id=parent.pk, child_ids=[second.pk], actor=dispatcher),
    )
    assert error.fields == {"child_ids": [f"诉求 {second.number} 已有并入的诉求。"]}


def test_one_child_that_cannot_merge_stops_the_whole_merge(lamp, dispatcher, refused):
    parent, second, third = lamp
    Case.objects.filter(pk=third.pk).update(state="replied")
    refused(
        InvalidState,
        lambda: actions.merge_cases(
            parent_id=parent.pk, child_ids=[second.pk, third.pk], actor=dispatcher
        ),
    )
    assert Case.objects.get(pk=second.pk).state == "received"


def test_a_petition_being_handled_is_not_merged(lamp, dispatcher, refused):
    parent, _, third = lamp
    Case.objects.filter(pk=third.pk).update(kind="petition", petition_class="claim")
    refused(
        InvalidState,
        lambda: actions.merge_cases(parent_id=parent.pk, child_ids=[third.pk], actor=dispatcher),
    )


def test_a_handler_may_not_merge(lamp, handler, refused):
    parent, _, third = lamp
    refused(
        NotAllowed,
        lambda: actions.merge_cases(parent_id=parent.pk, child_ids=[third.pk], actor=handler),
    )
