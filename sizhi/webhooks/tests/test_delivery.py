"""Events reach a real HTTP receiver: what is posted, how it is signed, and that each event goes
to each subscription at most once."""

import hashlib
import hmac
import json
from typing import Any

import pytest

from sizhi.cases.actions import accept_case, add_note
from sizhi.cases.models import CaseEvent
from sizhi.deliberation.actions import transition_motion
from sizhi.deliberation.models import MotionEvent
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.webhooks import actions, tasks
from sizhi.webhooks.listeners import on_event
from sizhi.webhooks.models import Delivery
from sizhi.webhooks.signing import verify
from sizhi.webhooks.tests.conftest import T0, make_integration, new_case, subscribe

pytestmark = pytest.mark.django_db


def _expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The documented scheme, computed independently of the code under test."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_an_event_is_posted_as_signed_json(
    receiver, clock, county_integration, tree, django_capture_on_commit_callbacks
):
    issued = subscribe(county_integration, receiver.url)
    case = new_case(tree.group_a1)
    with django_capture_on_commit_callbacks(execute=True):
        accept_case(case_id=case.pk, actor=None)
    event = CaseEvent.objects.get(case=case, transition="accept")
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.path == "/hooks/sizhi?source=test"
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert got.headers["Sizhi-Event-Id"] == f"case-{event.pk}"
    assert got.headers["Sizhi-Event"] == "case.accept"
    assert got.headers["Sizhi-Delivery-Attempt"] == "1"
    assert got.headers["User-Agent"] == "Sizhi-Webhooks/1"
    timestamp = str(int(T0.timestamp()))
    assert got.headers["Sizhi-Timestamp"] == timestamp
    assert got.headers["Sizhi-Signature"] == (
        f"t={timestamp},v1={_expected_signature(issued.secret, timestamp, got.body)}"
    )
    assert verify(issued.secret, got.headers["Sizhi-Signature"], got.body, int(T0.timestamp()))
    assert got.json == {
        "id": f"case-{event.pk}",
        "kind": "case",
        "event_id": event.pk,
        "transition": "accept",
        "from_state": "received",
        "to_state": "accepted",
        "at": "2026-05-11T09:00:00+08:00",
        "case": {"id": case.pk, "number": case.number, "region_code": "520327101201001"},
    }
    delivery = Delivery.objects.get()
    assert delivery.pk == int(got.headers["Sizhi-Delivery-Id"])
    assert (delivery.state, delivery.attempts, delivery.last_status, delivery.last_error) == (
        "delivered",
        1,
        200,
        "",
    )
    assert (delivery.delivered_at, delivery.next_attempt_at) == (T0, None)
    issued.subscription.refresh_from_db()
    assert issued.subscription.last_delivered_at == T0


def test_the_signature_does_not_verify_with_another_secret_a_body_or_an_old_time(
    receiver, clock, county_integration, tree, django_capture_on_commit_callbacks
):
    issued = subscribe(county_integration, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        accept_case(case_id=new_case(tree.group_a1).pk, actor=None)
    got = receiver.received[0]
    header, now = got.headers["Sizhi-Signature"], int(T0.timestamp())
    assert verify(issued.secret, header, got.body, now)
    assert not verify(issued.secret + "0", header, got.body, now)
    assert not verify(issued.secret, header, got.body.replace(b"accept", b"close!"), now)
    assert not verify(issued.secret, header, got.body, now + 301)  # replayed later
    assert not verify(issued.secret, "v1=" + header.split("v1=")[1], got.body, now)


def test_after_a_rotation_events_are_signed_with_the_new_secret(
    receiver, county_integration, tree, django_capture_on_commit_callbacks
):
    old = subscribe(county_integration, receiver.url)
    new = actions.rotate_secret(subscription_id=old.subscription.pk, actor=None)
    assert new.secret != old.secret
    assert new.subscription.secret_prefix == new.secret[:12]
    with django_capture_on_commit_callbacks(execute=True):
        accept_case(case_id=new_case(tree.group_a1).pk, actor=None)
    got = receiver.received[0]
    timestamp = got.headers["Sizhi-Timestamp"]
    assert got.headers["Sizhi-Signature"].endswith(
        _expected_signature(new.secret, timestamp, got.body)
    )
    assert not verify(old.secret, got.headers["Sizhi-Signature"], got.body, int(timestamp))


def test_each_subscription_gets_each_event_once(
    receiver, county_integration, tree, django_capture_on_commit_callbacks
):
    first = subscribe(county_integration, receiver.url)
    second = subscribe(county_integration, receiver.url + "&copy=2")
    case = new_case(tree.group_a1)
    with django_capture_on_commit_callbacks(execute=True):
        accept_case(case_id=case.pk, actor=None)
    event = CaseEvent.objects.get(case=case, transition="accept")
    assert sorted(r.path for r in receiver.received) == [
        "/hooks/sizhi?source=test",
        "/hooks/sizhi?source=test&copy=2",
    ]
    # The listener called again for the same event, and stray copies of the task: nothing more
    with django_capture_on_commit_callbacks(execute=True):
        again = on_event(
            kind="case", event_id=event.pk, transition="accept", region_code=case.region_code
        )
    assert again == 0
    for delivery in Delivery.objects.all():
        assert tasks.deliver_webhook.call(delivery.pk) == "skipped"
    assert len(receiver.received) == 2
    assert sorted(Delivery.objects.values_list("subscription_id", "state", "attempts")) == [
        (first.subscription.pk, "delivered", 1),
        (second.subscription.pk, "delivered", 1),
    ]


def test_a_subscription_takes_only_the_events_it_names(
    receiver, county_integration, tree, django_capture_on_commit_callbacks
):
    subscribe(county_integration, receiver.url, events=["case.add_note"])
    subscribe(county_integration, receiver.url + "&motions", events=["motion"])
    case = new_case(tree.group_a1)
    with django_capture_on_commit_callbacks(execute=True):
        accept_case(case_id=case.pk, actor=None)
        add_note(case_id=case.pk, text="已电话联系", actor=None)
    assert [r.json["transition"] for r in receiver.received] == ["add_note"]
    assert "已电话联系" not in receiver.received[0].body.decode()  # the note is not sent
    assert Delivery.objects.count() == 1


def test_a_motion_event_is_posted_without_a_number(
    receiver, tree, django_capture_on_commit_callbacks
):
    owner = make_integration(tree.village_a)
    subscribe(owner, receiver.url, events=["motion.admit"])
    motion = MotionFactory.create(council=tree.council_a1)
    with django_capture_on_commit_callbacks(execute=True):
        transition_motion(motion=motion, name="admit", actor=None)
    event = MotionEvent.objects.get(motion=motion)
    body: Any = receiver.received[0].json
    assert body["id"] == f"motion-{event.pk}"
    assert (body["kind"], body["transition"], body["from_state"], body["to_state"]) == (
        "motion",
        "admit",
        "proposed",
        "appraising",
    )
    assert body["motion"] == {"id": motion.pk, "region_code": "520327101201001"}
    assert motion.title not in json.dumps(body, ensure_ascii=False)
