"""Duplicates merged into a case follow it to the end: when it is replied to and when it is
closed, the submitter of every merged case with a phone is texted by their own case's number,
after the commit, and the merged cases' public timelines show the reply."""

import pytest

from sizhi.cases import actions
from sizhi.cases.public_queries import public_events, resident_case
from sizhi.cases.queries import timeline, track_case
from sizhi.cases.tests.factories import TRACKING_CODE, CaseFactory
from sizhi.messaging.models import Message

pytestmark = pytest.mark.django_db

PARENT_PHONE = "13800000001"
CONTACT_PHONE = "13900003333"
REPLY = "已更换灯泡，路灯恢复照明。"


@pytest.fixture
def merged(desk, tree, dispatcher, handler):
    """A case being handled by the village centre, with four duplicates merged into it: one
    filed by a known resident (no contact phone on the case: the person's phone), one with a
    contact phone and no known person, one anonymous, one with no way to reach anybody."""
    parent = CaseFactory.create(
        category=desk.village_matter,
        contact_phone=PARENT_PHONE,
        title="路灯不亮",
        state="in_progress",
        handling_unit=desk.village_centre,
    )
    children = {
        "known": CaseFactory.create(
            category=desk.village_matter, person=tree.person_a1, contact_phone=""
        ),
        "contact": CaseFactory.create(category=desk.village_matter, contact_phone=CONTACT_PHONE),
        "anonymous": CaseFactory.create(
            category=desk.village_matter, contact_phone="", is_anonymous=True
        ),
        "unreachable": CaseFactory.create(category=desk.village_matter, contact_phone=""),
    }
    actions.merge_cases(
        parent_id=parent.pk, child_ids=[child.pk for child in children.values()], actor=dispatcher
    )
    return parent, children


class Step:
    """step(call): run an action; nothing may be queued before the commit callbacks run.
    Returns the messages it queued as (channel, address, body)."""

    def __init__(self, capture):
        self.capture = capture

    def __call__(self, call):
        last = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with self.capture(execute=True) as callbacks:
            call()
            assert not Message.objects.filter(pk__gt=last).exists()
        assert callbacks
        queued = Message.objects.filter(pk__gt=last).order_by("pk")
        return [(m.channel, m.address, m.body) for m in queued]


@pytest.fixture
def step(django_capture_on_commit_callbacks):
    return Step(django_capture_on_commit_callbacks)


def _replied(parent, handler):
    actions.reply_to_case(case_id=parent.pk, text=REPLY, actor=handler)


def test_a_reply_tells_every_merged_submitter_with_a_phone(merged, handler, tree, step):
    parent, children = merged
    messages = step(lambda: _replied(parent, handler))
    assert messages == [
        ("sms", PARENT_PHONE, f"您的诉求 {parent.number} 已有答复，请查看并评价。"),
        (
            "sms",
            tree.person_a1.phone,
            f"您的诉求 {children['known'].number} 已随合并办理的 {parent.number} 一并答复，"
            "请凭编号和查询码查看。",
        ),
        (
            "sms",
            CONTACT_PHONE,
            f"您的诉求 {children['contact'].number} 已随合并办理的 {parent.number} 一并答复，"
            "请凭编号和查询码查看。",
        ),
    ]
    told = Message.objects.filter(address__in=[tree.person_a1.phone, CONTACT_PHONE])
    assert {(m.region_code, m.state) for m in told} == {(children["known"].region_code, "sent")}


def test_closing_tells_every_merged_submitter_with_a_phone(merged, handler, operator, tree, step):
    parent, children = merged
    _replied(parent, handler)
    messages = step(lambda: actions.close_case(case_id=parent.pk, actor=operator, note="无法回访"))
    assert messages == [
        ("sms", PARENT_PHONE, f"您的诉求 {parent.number} 已办结，感谢您的支持。"),
        (
            "sms",
            tree.person_a1.phone,
            f"您的诉求 {children['known'].number} 已随合并办理的 {parent.number} 一并办结，"
            "感谢您的支持。",
        ),
        (
            "sms",
            CONTACT_PHONE,
            f"您的诉求 {children['contact'].number} 已随合并办理的 {parent.number} 一并办结，"
            "感谢您的支持。",
        ),
    ]


def test_a_good_rating_that_closes_tells_the_merged_submitters_too(merged, handler, operator, step):
    parent, children = merged
    _replied(parent, handler)
    messages = step(
        lambda: actions.follow_up_case(
            case_id=parent.pk, contacted=True, solved=True, satisfaction=5, actor=operator
        )
    )
    assert [address for _channel, address, _body in messages] == [
        PARENT_PHONE,
        "13812345678",
        CONTACT_PHONE,
    ]
    assert f"{children['contact'].number} 已随合并办理的" in messages[2][2]


def test_merged_cases_without_a_contact_are_told_nothing(desk, dispatcher, handler, step):
    parent = CaseFactory.create(
        category=desk.village_matter,
        contact_phone=PARENT_PHONE,
        state="in_progress",
        handling_unit=desk.village_centre,
    )
    silent = [
        CaseFactory.create(category=desk.village_matter, contact_phone="", is_anonymous=True),
        CaseFactory.create(category=desk.village_matter, contact_phone=""),
    ]
    actions.merge_cases(
        parent_id=parent.pk, child_ids=[case.pk for case in silent], actor=dispatcher
    )
    messages = step(lambda: _replied(parent, handler))
    assert messages == [("sms", PARENT_PHONE, f"您的诉求 {parent.number} 已有答复，请查看并评价。")]


def test_other_steps_of_the_parent_tell_the_merged_submitters_nothing(
    merged, handler, county_admin, step
):
    parent, _children = merged
    assert (
        step(lambda: actions.add_note(case_id=parent.pk, text="已联系供电所", actor=handler)) == []
    )
    messages = step(
        lambda: actions.escalate_case(case_id=parent.pk, reason="群众多次催办", actor=county_admin)
    )
    assert PARENT_PHONE not in [address for _channel, address, _body in messages]
    assert CONTACT_PHONE not in [address for _channel, address, _body in messages]


def test_a_merged_case_shows_the_reply_and_the_close_on_its_public_timeline(
    merged, handler, operator, desk
):
    parent, children = merged
    _replied(parent, handler)
    actions.close_case(case_id=parent.pk, actor=operator, note="无法回访")
    child = track_case(children["contact"].number, TRACKING_CODE)
    shown = [
        (e.label, e.unit_name, e.note) for e in resident_case(child, parent.received_at).events
    ]
    assert shown == [
        ("并单", "", parent.number),
        ("合并办理的诉求已答复", desk.village_centre.name, REPLY),
        ("合并办理的诉求已办结", "", ""),
    ]
    # The staff timeline of the merged case and the parent's own public timeline are as before
    assert [e.transition for e in timeline(child, public=False)] == ["merge"]
    parent_lines = public_events(timeline(parent, public=True), parent.pk)
    assert [(e.label, e.note) for e in parent_lines] == [("答复", REPLY), ("办结", "")]


def test_a_case_not_merged_shows_no_other_case(merged, handler, desk):
    parent, _children = merged
    _replied(parent, handler)
    other = CaseFactory.create(category=desk.village_matter)
    assert timeline(other, public=True) == []


def test_a_known_resident_without_a_contact_phone_is_texted_at_their_own(
    desk, tree, dispatcher, step
):
    parent = CaseFactory.create(category=desk.village_matter, state="assigned")
    child = CaseFactory.create(
        category=desk.village_matter, person=tree.person_a1, contact_phone=""
    )
    messages = step(
        lambda: actions.merge_cases(parent_id=parent.pk, child_ids=[child.pk], actor=dispatcher)
    )
    assert messages == [
        (
            "sms",
            tree.person_a1.phone,
            f"您的诉求 {child.number} 已与同一事项合并办理，进度请查询 {parent.number}。",
        )
    ]
