"""Retrying failed deliveries: the backoff schedule, a message that gets through on a later
attempt, one given up after the last, the retry pass run twice, and a stopped worker's attempt
taken up again."""

import datetime as dt
from collections.abc import Callable
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from sizhi.messaging import tasks
from sizhi.messaging.actions import queue_message, requeue_due_messages
from sizhi.messaging.backends import DeliveryError
from sizhi.messaging.models import Message

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 5, 11, 9, 0, tzinfo=TZ)
PHONE = "13812345678"


class FlakyGateway:
    """A delivery backend that fails its first ``failures`` calls, then delivers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[tuple[int, int]] = []  # (message id, attempt) per call
        self.delivered: list[int] = []
        self.meanwhile: Callable[[Message], None] | None = None  # runs during each call

    def deliver(self, message: Message) -> None:
        attempt = Message.objects.get(pk=message.pk).attempts
        self.calls.append((message.pk, attempt))
        if self.meanwhile is not None:
            self.meanwhile(message)
        if len(self.calls) <= self.failures:
            raise DeliveryError(f"gateway down ({len(self.calls)})")
        self.delivered.append(message.pk)


@pytest.fixture
def gateway(monkeypatch):
    """gateway(failures): the backend every channel is delivered through from now on."""

    def install(failures: int) -> FlakyGateway:
        fake = FlakyGateway(failures)
        monkeypatch.setattr(tasks, "backend_for", lambda channel: fake)
        return fake

    return install


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller.move_to


def _queue(capture) -> Message:
    with capture(execute=True):
        message = queue_message(channel="sms", address=PHONE, body="您的诉求已办结。")
    message.refresh_from_db()
    return message


def _pass(capture, now) -> int:
    """One retry pass at ``now``, its delivery tasks run after the commit."""
    with capture(execute=True):
        return requeue_due_messages(now=now)


def _record(message: Message) -> tuple:
    message.refresh_from_db()
    return (
        message.state,
        message.attempts,
        message.error,
        message.last_attempt_at,
        message.next_attempt_at,
    )


def test_failures_back_off_one_five_thirty_minutes_then_two_hours_then_give_up(
    gateway, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    fake = gateway(failures=99)
    message = _queue(capture)
    assert _record(message) == ("queued", 1, "gateway down (1)", T0, T0 + dt.timedelta(minutes=1))
    attempt_at = T0
    for attempt, delay in enumerate(tasks.RETRY_DELAYS, start=2):
        due = attempt_at + delay
        # Not yet due: the pass leaves it alone
        clock(due - dt.timedelta(seconds=1))
        assert _pass(capture, due - dt.timedelta(seconds=1)) == 0
        assert Message.objects.get(pk=message.pk).attempts == attempt - 1
        # Due: enqueued once, tried once more
        clock(due)
        assert _pass(capture, due) == 1
        attempt_at = due
        state, attempts, error, last, upcoming = _record(message)
        assert (attempts, error, last) == (attempt, f"gateway down ({attempt})", due)
        if attempt < tasks.MAX_ATTEMPTS:
            assert (state, upcoming) == ("queued", due + tasks.RETRY_DELAYS[attempt - 1])
    # The fifth failure is the last: failed, nothing more planned or sent
    assert _record(message) == (
        "failed",
        5,
        "gateway down (5)",
        T0 + dt.timedelta(minutes=1 + 5 + 30 + 120),
        None,
    )
    assert message.sent_at is None
    clock(T0 + dt.timedelta(days=1))
    assert _pass(capture, T0 + dt.timedelta(days=1)) == 0
    assert fake.calls == [(message.pk, n) for n in range(1, 6)]
    assert fake.delivered == []


def test_a_message_that_fails_twice_goes_out_on_the_third_attempt(
    gateway, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    fake = gateway(failures=2)
    message = _queue(capture)
    second = T0 + dt.timedelta(minutes=1)
    clock(second)
    assert _pass(capture, second) == 1
    assert _record(message)[:2] == ("queued", 2)
    third = second + dt.timedelta(minutes=5)
    clock(third)
    assert _pass(capture, third) == 1
    assert _record(message) == ("sent", 3, "", third, None)
    assert message.sent_at == third
    # Sent is final: later passes and a stray task change nothing
    clock(third + dt.timedelta(hours=3))
    assert _pass(capture, third + dt.timedelta(hours=3)) == 0
    assert tasks.deliver_message.call(message.pk) == "skipped"
    assert _record(message) == ("sent", 3, "", third, None)
    assert fake.delivered == [message.pk]
    assert len(fake.calls) == 3


def test_the_retry_pass_enqueues_a_due_message_once(
    gateway, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    fake = gateway(failures=1)
    message = _queue(capture)
    due = T0 + dt.timedelta(minutes=1)
    clock(due)
    # Two passes before any worker ran: the second finds nothing due
    with capture(execute=False) as first_callbacks:
        assert requeue_due_messages(now=due) == 1
    with capture(execute=False) as second_callbacks:
        assert requeue_due_messages(now=due) == 0
    assert (len(first_callbacks), len(second_callbacks)) == (1, 0)
    assert _record(message) == ("queued", 1, "gateway down (1)", T0, due + tasks.LEASE)
    first_callbacks[0]()
    assert _record(message) == ("sent", 2, "", due, None)
    assert len(fake.calls) == 2


def test_a_message_being_sent_is_not_sent_by_a_second_task(
    gateway, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    fake = gateway(failures=0)
    inner: list[str] = []
    fake.meanwhile = lambda message: inner.append(tasks.deliver_message.call(message.pk))
    message = _queue(capture)
    assert inner == ["skipped"]
    assert _record(message) == ("sent", 1, "", T0, None)
    assert fake.delivered == [message.pk]


def test_an_attempt_whose_worker_stopped_is_taken_up_after_the_lease(
    gateway, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    fake = gateway(failures=0)
    # A worker claimed the message and stopped before recording anything
    message = Message.objects.create(
        channel="sms",
        address=PHONE,
        body="您的诉求已办结。",
        state="sending",
        attempts=1,
        last_attempt_at=T0,
        next_attempt_at=T0 + tasks.LEASE,
    )
    assert _pass(capture, T0 + tasks.LEASE - dt.timedelta(seconds=1)) == 0
    clock(T0 + tasks.LEASE)
    assert _pass(capture, T0 + tasks.LEASE) == 1
    assert _record(message) == ("sent", 2, "", T0 + tasks.LEASE, None)
    assert fake.delivered == [message.pk]


def test_the_last_attempt_is_given_up_when_its_worker_stopped(
    gateway, django_capture_on_commit_callbacks
):
    fake = gateway(failures=0)
    message = Message.objects.create(
        channel="sms",
        address=PHONE,
        body="您的诉求已办结。",
        state="sending",
        attempts=tasks.MAX_ATTEMPTS,
        last_attempt_at=T0,
        next_attempt_at=T0 + tasks.LEASE,
    )
    assert _pass(django_capture_on_commit_callbacks, T0 + tasks.LEASE) == 0
    assert _record(message) == ("failed", 5, "attempt interrupted", T0, None)
    assert fake.calls == []


def test_a_lost_first_delivery_task_is_enqueued_after_the_lease(
    gateway, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    fake = gateway(failures=0)
    with capture(execute=False):  # the delivery task never runs
        message = queue_message(channel="sms", address=PHONE, body="您的诉求已办结。")
    assert _record(message) == ("queued", 0, "", None, T0 + tasks.LEASE)
    assert _pass(capture, T0 + tasks.LEASE - dt.timedelta(seconds=1)) == 0
    clock(T0 + tasks.LEASE)
    assert _pass(capture, T0 + tasks.LEASE) == 1
    assert _record(message) == ("sent", 1, "", T0 + tasks.LEASE, None)
    assert fake.delivered == [message.pk]


def test_in_app_messages_are_never_retried(django_user_model, django_capture_on_commit_callbacks):
    user = django_user_model.objects.create_user("13900000009")
    message = queue_message(channel="inapp", user=user, body="督办")
    assert (message.state, message.next_attempt_at) == ("sent", None)
    assert _pass(django_capture_on_commit_callbacks, T0 + dt.timedelta(days=1)) == 0


def test_the_command_runs_the_pass(gateway, clock, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    gateway(failures=1)
    message = _queue(capture)
    clock(T0 + dt.timedelta(minutes=1))
    out = StringIO()
    with capture(execute=True):
        call_command("retry_messages", stdout=out)
    assert out.getvalue().strip() == "重新发送 1 条消息。"
    assert _record(message)[:2] == ("sent", 2)
    out = StringIO()
    call_command("retry_messages", stdout=out)
    assert out.getvalue().strip() == "重新发送 0 条消息。"
