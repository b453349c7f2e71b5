"""Sending a failed or withheld delivery again, by hand on the subscription's page: one fresh
attempt, queued through the worker's own path, which checks again that the owner may see the
case."""

import datetime as dt
from typing import Any

import pytest

from sizhi.core.errors import InvalidState, NotFound
from sizhi.core.models import AuditLog
from sizhi.orgs.models import RoleGrant
from sizhi.webhooks import actions, tasks
from sizhi.webhooks.models import Delivery
from sizhi.webhooks.tests.conftest import T0, Integration, make_integration, new_case, subscribe
from sizhi.webhooks.tests.factories import DeliveryFactory
from sizhi.webhooks.tests.pages import detail, resend_url, signed_in, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(tree: Any) -> Integration:
    return make_integration(tree.township_a)


def _given_up(owner: Integration, url: str, tree: Any, state: str = "failed") -> Delivery:
    """A delivery of a real case in group A1 (which the owner sees), tried six times."""
    subscription = subscribe(owner, url).subscription
    case = new_case(tree.group_a1)
    return DeliveryFactory.create(
        subscription=subscription,
        object_id=case.pk,
        region_code=case.region_code,
        state=state,
        attempts=tasks.MAX_ATTEMPTS if state == "failed" else 1,
        last_status=500 if state == "failed" else None,
        last_error="answered 500" if state == "failed" else "not visible to the owner",
        created_at=T0 - dt.timedelta(days=1),
    )


def _state(delivery: Delivery) -> tuple[Any, ...]:
    delivery.refresh_from_db()
    return (
        delivery.state,
        delivery.attempts,
        delivery.last_status,
        delivery.last_error,
        delivery.next_attempt_at,
    )


def test_sending_again_queues_exactly_one_fresh_attempt_through_the_worker(
    receiver, clock, owner, tree, django_capture_on_commit_callbacks
):
    delivery = _given_up(owner, receiver.url, tree)
    client = signed_in(owner.user)
    with django_capture_on_commit_callbacks() as callbacks:
        answer = client.post(resend_url(delivery))
    assert (answer.status_code, answer["Location"]) == (302, detail(delivery.subscription))
    assert len(callbacks) == 1
    assert _state(delivery) == ("queued", 0, None, "", T0 + tasks.LEASE)
    assert receiver.received == []  # nothing is posted by the request
    audit = AuditLog.objects.get(action="webhook.resend")
    assert audit.actor == owner.user
    assert audit.object_id == str(delivery.subscription_id)
    assert audit.changes == {
        "delivery": delivery.pk,
        "event": f"case-{delivery.event_id}",
        "state": ["failed", "queued"],
        "attempts": [6, 0],
    }
    callbacks[0]()  # the enqueue; the test backend runs the task at once
    assert _state(delivery) == ("delivered", 1, 200, "", None)
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.headers["Sizhi-Delivery-Attempt"] == "1"
    assert got.headers["Sizhi-Delivery-Id"] == str(delivery.pk)
    assert got.headers["Sizhi-Event-Id"] == f"case-{delivery.event_id}"
    message = client.get(detail(delivery.subscription)).content.decode()
    assert f"已重新排队推送事件 case-{delivery.event_id}。" in message


def test_a_resent_delivery_failing_again_is_retried_on_the_usual_schedule(
    receiver, clock, owner, tree, django_capture_on_commit_callbacks
):
    receiver.default = (503, 0.0)
    delivery = _given_up(owner, receiver.url, tree, state="withheld")
    with django_capture_on_commit_callbacks(execute=True):
        actions.resend_delivery(
            subscription_id=delivery.subscription_id, delivery_id=delivery.pk, actor=owner.user
        )
    assert _state(delivery) == (
        "queued", 1, 503, "answered 503", T0 + tasks.RETRY_DELAYS[0]
    )  # fmt: skip
    assert len(receiver.received) == 1


def test_a_resent_delivery_the_owner_can_no_longer_see_is_withheld(
    receiver, clock, owner, tree, django_capture_on_commit_callbacks
):
    delivery = _given_up(owner, receiver.url, tree)
    RoleGrant.objects.filter(user=owner.user).update(revoked_at=T0)
    with django_capture_on_commit_callbacks(execute=True):
        answer = signed_in(owner.user).post(resend_url(delivery))
    assert answer.status_code == 302
    assert _state(delivery) == ("withheld", 1, None, "not visible to the owner", None)
    assert receiver.received == []


@pytest.mark.parametrize("state", ["delivered", "queued", "sending"])
def test_only_a_failed_or_withheld_delivery_is_sent_again(
    owner, tree, state, django_capture_on_commit_callbacks
):
    delivery = _given_up(owner, "https://hooks.example.com/in", tree)
    Delivery.objects.filter(pk=delivery.pk).update(state=state)
    before = snapshot()
    client = signed_in(owner.user)
    with django_capture_on_commit_callbacks() as callbacks:
        answer = client.post(resend_url(delivery))
    assert (answer.status_code, answer["Location"]) == (302, detail(delivery.subscription))
    assert callbacks == []
    assert snapshot() == before
    html = client.get(detail(delivery.subscription)).content.decode()
    assert "只有推送失败或未推送的记录可以重新推送。" in html


def test_a_delivery_is_sent_again_once_however_often_the_button_is_pressed(
    owner, tree, django_capture_on_commit_callbacks
):
    delivery = _given_up(owner, "https://hooks.example.com/in", tree)
    client = signed_in(owner.user)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(resend_url(delivery))
        client.post(resend_url(delivery))
    assert len(callbacks) == 1
    assert AuditLog.objects.filter(action="webhook.resend").count() == 1


def test_a_delivery_of_a_stopped_subscription_is_not_sent_again(
    owner, tree, django_capture_on_commit_callbacks
):
    delivery = _given_up(owner, "https://hooks.example.com/in", tree)
    actions.disable_subscription(subscription_id=delivery.subscription_id, actor=None)
    before = snapshot()
    client = signed_in(owner.user)
    with django_capture_on_commit_callbacks() as callbacks:
        answer = client.post(resend_url(delivery))
    assert answer.status_code == 302
    assert callbacks == []
    assert snapshot() == before
    html = client.get(detail(delivery.subscription)).content.decode()
    assert "该订阅已停用，请先启用再重新推送。" in html


def test_only_the_owner_a_superuser_or_the_system_may_send_again(owner, tree):
    delivery = _given_up(owner, "https://hooks.example.com/in", tree)
    stranger = make_integration(tree.township_b)
    before = snapshot()
    for subscription_id, delivery_id, actor in [
        (delivery.subscription_id, delivery.pk, stranger.user),
        (delivery.subscription_id, "x", owner.user),
        (delivery.subscription_id, 999999, owner.user),
        ("x", delivery.pk, owner.user),
    ]:
        with pytest.raises(NotFound):
            actions.resend_delivery(
                subscription_id=subscription_id, delivery_id=delivery_id, actor=actor
            )
    assert snapshot() == before
    actions.resend_delivery(
        subscription_id=delivery.subscription_id, delivery_id=delivery.pk, actor=None
    )
    with pytest.raises(InvalidState):
        actions.resend_delivery(
            subscription_id=delivery.subscription_id, delivery_id=delivery.pk, actor=None
        )
