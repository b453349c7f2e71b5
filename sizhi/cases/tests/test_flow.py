"""A case from intake to closing, through the actions."""

import pytest

from sizhi.cases import actions
from sizhi.core.models import AuditLog
from sizhi.messaging.models import Message

pytestmark = pytest.mark.django_db


def _submit(desk, **extra):
    values = {
        "channel": "web",
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯不亮",
        "description": "临江村一组路口的路灯坏了一个月。",
        "region_code": "520327101201001",
        "contact_phone": "138 1234 5678",
        "actor": None,
    }
    values.update(extra)
    return actions.submit_case(**values)


def test_a_web_appeal_goes_from_intake_to_closed(
    desk, dispatcher, handler, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = _submit(desk)
    case = submitted.case
    assert case.number.startswith("520327-2026-") or case.number.startswith("520327-")
    assert len(submitted.tracking_code) == 8
    assert list(case.clocks.values_list("kind", "unit", "value")) == [("dispatch", "hour", 24)]
    assert Message.objects.get(channel="sms").address == "13812345678"

    actions.dispatch_case(case_id=case.pk, unit_id=None, actor=dispatcher)
    case.refresh_from_db()
    assert (case.state, case.handling_unit, case.receiving_unit) == (
        "assigned",
        desk.village_centre,
        desk.village_centre,
    )
    actions.sign_for_case(case_id=case.pk, actor=handler)
    actions.record_contact(case_id=case.pk, note="已电话联系", actor=handler)
    actions.reply_to_case(case_id=case.pk, text="已更换灯泡。", actor=handler)
    actions.follow_up_case(
        case_id=case.pk, contacted=True, solved=True, satisfaction=5, actor=operator
    )
    case.refresh_from_db()
    assert case.state == "closed"
    assert list(case.events.values_list("transition", flat=True)) == [
        "receive",
        "dispatch",
        "sign_for",
        "contact",
        "reply",
        "follow_up",
        "close",
    ]
    assert dict(case.clocks.values_list("kind", "state")) == {
        "dispatch": "met",
        "respond": "met",
        "handle": "met",
    }
    assert AuditLog.objects.filter(object_id=str(case.pk), object_type="cases.case").count() == 7
