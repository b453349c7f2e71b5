"""Failing endpoints: the backoff schedule (1 min, 5 min, 30 min, 2 h, 12 h, then failed), a
timeout, a refused connection, the retry pass and its command, a lost or interrupted attempt,
and a subscription disabled after deliveries failed for good five times in a row."""

import datetime as dt
import socket
from io import StringIO

import pytest
from django.core.management import call_command

from sizhi.cases.actions import accept_case, add_note
from sizhi.core.models import AuditLog
from sizhi.webhooks import actions, tasks
from sizhi.webhooks.actions import requeue_due_deliveries
from sizhi.webhooks.models import Delivery, Subscription
from sizhi.webhooks.tests.conftest import T0, new_case, subscribe

pytestmark = pytest.mark.django_db


def _pass(capture, now) -> int:
    """One retry pass at ``now``, its delivery tasks run after the commit."""
    with capture(execute=True):
        return requeue_due_deliveries(now=now)


def _record(delivery: Delivery) -> tuple:
    delivery.refresh_from_db()
    return (
        delivery.state,
        delivery.attempts,
        delivery.last_status,
        delivery.last_error,
        delivery.last_attempt_at,
        delivery.next_attempt_at,
    )


def _event(capture, case) -> Delivery:
    with capture(execute=True):
        add_note(case_id=case.pk, text="跟进", actor=None)
    return Delivery.objects.order_by("-pk")[0]


def test_a_failing_endpoint_is_retried_with_backoff_then_given_up(
    receiver, clock, county_integration, tree, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    receiver.default = (500, 0.0)
    issued = subscribe(county_integration, receiver.url)
    delivery = _event(capture, new_case(tree.group_a1))
    assert _record(delivery) == (
        "queued", 1, 500, "answered 500", T0, T0 + dt.timedelta(minutes=1)
    )  # fmt: skip
    attempt_at = T0
    for attempt, delay in enumerate(tasks.RETRY_DELAYS, start=2):
        due = attempt_at + delay
        # Not yet due: the pass leaves it alone
        clock(due - dt.timedelta(seconds=1))
        assert _pass(capture, due - dt.timedelta(seconds=1)) == 0
        # Due: enqueued once, tried once more
        clock(due)
        assert _pass(capture, due) == 1
        attempt_at = due
        state, attempts, status, error, last, upcoming = _record(delivery)
        assert (attempts, status, error, last) == (attempt, 500, "answered 500", due)
        if attempt < tasks.MAX_ATTEMPTS:
            assert (state, upcoming) == ("queued", due + tasks.RETRY_DELAYS[attempt - 1])
    # The sixth failure, 14 h 36 min after the first, is the last
    given_up = T0 + dt.timedelta(minutes=1 + 5 + 30 + 120 + 720)
    assert _record(delivery) == ("failed", 6, 500, "answered 500", given_up, None)
    clock(given_up + dt.timedelta(days=1))
    assert _pass(capture, given_up + dt.timedelta(days=1)) == 0
    assert [r.headers["Sizhi-Delivery-Attempt"] for r in receiver.received] == [
        "1", "2", "3", "4", "5", "6"
    ]  # fmt: skip
    assert {r.headers["Sizhi-Event-Id"] for r in receiver.received} == {f"case-{delivery.event_id}"}
    # One delivery failed for good: counted, not yet enough to disable
    issued.subscription.refresh_from_db()
    assert (issued.subscription.consecutive_failures, issued.subscription.is_active) == (1, True)


def test_a_timeout_is_a_failed_attempt_and_the_next_one_gets_through(
    receiver, clock, county_integration, tree, django_capture_on_commit_callbacks, settings
):
    capture = django_capture_on_commit_callbacks
    settings.SIZHI_WEBHOOK_TIMEOUT = 0.3
    receiver.plan = [(200, 1.0)]  # answers, but too late
    subscribe(county_integration, receiver.url)
    delivery = _event(capture, new_case(tree.group_a1))
    state, attempts, status, error, _last, upcoming = _record(delivery)
    assert (state, attempts, status, upcoming) == ("queued", 1, None, T0 + dt.timedelta(minutes=1))
    assert "timed out" in error
    clock(T0 + dt.timedelta(minutes=1))
    assert _pass(capture, T0 + dt.timedelta(minutes=1)) == 1
    assert _record(delivery)[:4] == ("delivered", 2, 200, "")
    assert len(receiver.received) == 2


def test_a_refused_connection_is_a_failed_attempt(
    receiver, county_integration, tree, django_capture_on_commit_callbacks
):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscribe(county_integration, f"http://127.0.0.1:{port}/hook")
    delivery = _event(django_capture_on_commit_callbacks, new_case(tree.group_a1))
    state, attempts, status, error, *_ = _record(delivery)
    assert (state, attempts, status) == ("queued", 1, None)
    assert error.startswith("ConnectionRefusedError")


def test_the_retry_pass_enqueues_a_due_delivery_once_and_its_command_says_how_many(
    receiver, clock, county_integration, tree, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    receiver.plan = [(503, 0.0)]
    subscribe(county_integration, receiver.url)
    delivery = _event(capture, new_case(tree.group_a1))
    due = T0 + dt.timedelta(minutes=1)
    clock(due)
    # Two passes before any worker ran: the second finds nothing due
    with capture(execute=False) as first:
        assert requeue_due_deliveries(now=due) == 1
    with capture(execute=False) as second:
        assert requeue_due_deliveries(now=due) == 0
    assert (len(first), len(second)) == (1, 0)
    first[0]()
    assert _record(delivery)[:3] == ("delivered", 2, 200)
    # The command on a timer: nothing due now
    out = StringIO()
    with capture(execute=True):
        call_command("retry_webhooks", stdout=out)
    assert out.getvalue().strip() == "重新推送 0 条事件。"
    assert len(receiver.received) == 2


def test_the_command_runs_the_pass(
    receiver, clock, county_integration, tree, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    receiver.plan = [(500, 0.0)]
    subscribe(county_integration, receiver.url)
    delivery = _event(capture, new_case(tree.group_a1))
    clock(T0 + dt.timedelta(minutes=1))
    out = StringIO()
    with capture(execute=True):
        call_command("retry_webhooks", stdout=out)
    assert out.getvalue().strip() == "重新推送 1 条事件。"
    assert _record(delivery)[:2] == ("delivered", 2)


def test_a_lost_first_task_is_enqueued_after_the_lease(
    receiver, clock, county_integration, tree, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    subscribe(county_integration, receiver.url)
    case = new_case(tree.group_a1)
    with capture(execute=False) as callbacks:  # the listener runs, its task never does
        accept_case(case_id=case.pk, actor=None)
    for callback in callbacks:
        if "listener" in callback.__qualname__:
            with capture(execute=False):
                callback()
    delivery = Delivery.objects.get()
    assert _record(delivery) == ("queued", 0, None, "", None, T0 + tasks.LEASE)
    assert _pass(capture, T0 + tasks.LEASE - dt.timedelta(seconds=1)) == 0
    clock(T0 + tasks.LEASE)
    assert _pass(capture, T0 + tasks.LEASE) == 1
    assert _record(delivery)[:3] == ("delivered", 1, 200)


def test_the_last_attempt_is_given_up_when_its_worker_stopped(
    receiver, county_integration, tree, django_capture_on_commit_callbacks
):
    subscribe(county_integration, receiver.url)
    delivery = _event(django_capture_on_commit_callbacks, new_case(tree.group_a1))
    Delivery.objects.filter(pk=delivery.pk).update(
        state="sending", attempts=tasks.MAX_ATTEMPTS, next_attempt_at=T0
    )
    assert _pass(django_capture_on_commit_callbacks, T0 + tasks.LEASE) == 0
    assert _record(delivery)[:4] == ("failed", 6, 200, "attempt interrupted")
    assert len(receiver.received) == 1


def test_a_retry_of_a_disabled_subscription_is_withheld(
    receiver, clock, county_integration, tree, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    receiver.plan = [(500, 0.0)]
    issued = subscribe(county_integration, receiver.url)
    delivery = _event(capture, new_case(tree.group_a1))
    actions.disable_subscription(subscription_id=issued.subscription.pk, actor=None)
    clock(T0 + dt.timedelta(minutes=1))
    assert _pass(capture, T0 + dt.timedelta(minutes=1)) == 1
    assert _record(delivery)[:4] == ("withheld", 2, 500, "subscription disabled")
    assert len(receiver.received) == 1


def _give_up(capture, clock, case, start) -> dt.datetime:
    """One event whose every attempt fails; returns when it was given up."""
    clock(start)
    delivery = _event(capture, case)
    at = start
    for delay in tasks.RETRY_DELAYS:
        at += delay
        clock(at)
        assert _pass(capture, at) == 1
    assert Delivery.objects.get(pk=delivery.pk).state == "failed"
    return at


def test_five_deliveries_failed_in_a_row_disable_the_subscription(
    receiver, clock, county_integration, tree, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    receiver.default = (500, 0.0)
    issued = subscribe(county_integration, receiver.url)
    subscription = issued.subscription
    case = new_case(tree.group_a1)
    at = T0
    for done in range(1, tasks.DISABLE_AFTER):
        at = _give_up(capture, clock, case, at + dt.timedelta(hours=1))
        subscription.refresh_from_db()
        assert (subscription.consecutive_failures, subscription.is_active) == (done, True)
    at = _give_up(capture, clock, case, at + dt.timedelta(hours=1))
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.disabled_reason) == (False, "failures")
    assert (subscription.consecutive_failures, subscription.disabled_at) == (5, at)
    audit = AuditLog.objects.get(action="webhook.auto_disable")
    assert (audit.actor, audit.object_id) == (None, str(subscription.pk))
    # Disabled: the next event makes no delivery and posts nothing
    posts = len(receiver.received)
    assert posts == 5 * tasks.MAX_ATTEMPTS
    _event(capture, case)
    assert Delivery.objects.count() == 5
    assert len(receiver.received) == posts
    # Enabled again by hand: the count starts from zero
    actions.enable_subscription(subscription_id=subscription.pk, actor=None)
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 0)


def test_a_success_resets_the_count_of_failures(
    receiver, clock, county_integration, tree, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    receiver.default = (500, 0.0)
    issued = subscribe(county_integration, receiver.url)
    case = new_case(tree.group_a1)
    at = _give_up(capture, clock, case, T0)
    at = _give_up(capture, clock, case, at + dt.timedelta(hours=1))
    assert Subscription.objects.get(pk=issued.subscription.pk).consecutive_failures == 2
    receiver.default = (204, 0.0)
    clock(at + dt.timedelta(hours=1))
    assert _event(capture, case).state == "delivered"
    assert Subscription.objects.get(pk=issued.subscription.pk).consecutive_failures == 0
