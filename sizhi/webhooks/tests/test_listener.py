"""The action that causes an event is never slowed or broken by webhooks: the listener only
records deliveries (a fixed number of queries, whatever the number of subscriptions) and
enqueues them; the POST happens in the task worker; a failing listener is logged and the
action still succeeds."""

import logging
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sizhi.cases.actions import accept_case
from sizhi.cases.models import Case, CaseEvent
from sizhi.deliberation.actions import transition_motion
from sizhi.deliberation.models import Motion
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.webhooks import sender, tasks
from sizhi.webhooks.listeners import on_event
from sizhi.webhooks.models import Delivery
from sizhi.webhooks.tests.conftest import make_integration, new_case, subscribe

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class Boom(Exception):
    pass


def broken_listener(**event: object) -> None:
    raise Boom(str(event))


@pytest.fixture
def worker_stopped(settings):
    """Tasks are recorded, not run: what the request sees in production, where the worker is
    another process."""
    settings.TASKS = DUMMY_TASKS


@pytest.fixture
def posts(monkeypatch):
    """Every call of the HTTP client, wherever it happens."""
    calls: list[str] = []
    real = sender.post

    def spy(url, body, headers):
        calls.append(url)
        return real(url, body, headers)

    monkeypatch.setattr(sender, "post", spy)
    return calls


def test_a_slow_endpoint_does_not_slow_the_action(
    receiver, settings, worker_stopped, posts, tree, django_capture_on_commit_callbacks
):
    settings.SIZHI_WEBHOOK_TIMEOUT = 5.0
    receiver.default = (200, 2.0)  # the endpoint takes two seconds to answer
    subscribe(make_integration(tree.county), receiver.url)
    case = new_case(tree.group_a1)
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        accept_case(case_id=case.pk, actor=None)
    took = time.perf_counter() - started
    assert took < 0.5, took
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_attempt_at) == ("queued", 0, None)
    assert posts == []
    assert receiver.received == []
    # The worker posts it, and waits the two seconds there
    started = time.perf_counter()
    assert tasks.deliver_webhook.call(delivery.pk) == "delivered"
    assert time.perf_counter() - started >= 2.0
    assert len(posts) == 1


def test_the_listener_records_and_enqueues_but_never_posts(
    receiver, worker_stopped, posts, tree, django_capture_on_commit_callbacks
):
    owner = make_integration(tree.county)
    subscribe(owner, receiver.url)
    case = new_case(tree.group_a1)
    with django_capture_on_commit_callbacks(execute=False):
        accept_case(case_id=case.pk, actor=None)
    event = CaseEvent.objects.get(case=case)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = on_event(
            kind="case", event_id=event.pk, transition="accept", region_code=case.region_code
        )
    assert queued == 1
    assert len(callbacks) == 1  # the enqueue of the one delivery
    assert posts == []


def _listener_queries(case: Case, capture) -> int:
    event = CaseEvent.objects.filter(case=case).latest("pk")
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        on_event(kind="case", event_id=event.pk, transition="accept", region_code=case.region_code)
    return len(queries)


def test_the_listener_costs_one_query_without_subscribers_and_a_fixed_number_with(
    receiver, worker_stopped, tree, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    case = new_case(tree.group_a1)
    with capture(execute=False):
        accept_case(case_id=case.pk, actor=None)
    assert _listener_queries(case, capture) == 1
    owner = make_integration(tree.county)
    subscribe(owner, receiver.url)
    Delivery.objects.all().delete()
    with_one = _listener_queries(case, capture)
    for n in range(9):
        subscribe(owner, f"{receiver.url}&n={n}")
    Delivery.objects.all().delete()
    assert _listener_queries(case, capture) == with_one
    assert Delivery.objects.count() == 10


def test_a_failing_listener_does_not_break_the_case_action(
    receiver, settings, tree, django_capture_on_commit_callbacks, caplog
):
    settings.SIZHI_EVENT_LISTENERS = [
        "sizhi.webhooks.tests.test_listener.broken_listener",
        "sizhi.webhooks.tests.test_listener.no_such_listener",
        "sizhi.webhooks.listeners.on_event",
    ]
    subscribe(make_integration(tree.county), receiver.url)
    case = new_case(tree.group_a1)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        accept_case(case_id=case.pk, actor=None)
    assert Case.objects.get(pk=case.pk).state == "accepted"
    assert CaseEvent.objects.filter(case=case, transition="accept").exists()
    assert "Boom" in caplog.text
    assert "no_such_listener" in caplog.text
    # The listeners after the failing ones still ran
    assert Delivery.objects.get().state == "delivered"


def test_a_failing_listener_does_not_break_the_motion_action(
    settings, tree, django_capture_on_commit_callbacks, caplog
):
    settings.SIZHI_EVENT_LISTENERS = ["sizhi.webhooks.tests.test_listener.broken_listener"]
    motion = MotionFactory.create(council=tree.council_a1)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        event = transition_motion(motion=motion, name="admit", actor=None)
    assert Motion.objects.get(pk=motion.pk).state == "appraising"
    assert event.pk is not None
    assert "Boom" in caplog.text
