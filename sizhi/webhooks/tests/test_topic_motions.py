"""The motions of a topic sent to many councils reach webhook subscribers like any motion
event: one delivery per event a subscription takes, within its region, never for a motion its
owner cannot see; the listener reads the subscriptions and the owners' sight once per batch, so
its number of queries does not grow with the number of councils."""

import logging
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sizhi.core.listeners import takes_batches
from sizhi.deliberation.actions import create_topic, send_topic
from sizhi.deliberation.models import Motion, MotionEvent, Topic
from sizhi.orgs.models import Region, UnitKind
from sizhi.orgs.tests.factories import RegionFactory, UnitFactory
from sizhi.webhooks.listeners import on_events
from sizhi.webhooks.models import Delivery
from sizhi.webhooks.tests.conftest import make_integration, subscribe

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def township_b_village(tree: Any) -> Region:
    """A village of township B (the shared tree has councils in township A only)."""
    return RegionFactory.create(code=f"{tree.township_b.code}201", name="琊川村")


def _councils(village: Region, count: int) -> None:
    for n in range(2, count + 2):
        group = RegionFactory.create(code=f"{village.code}{n:03d}", name=f"{village.name}{n}组")
        UnitFactory.create(region=group, kind=UnitKind.COUNCIL, name=f"{n}组议事会")


def _sent(actor: Any, region_code: str, capture: Any, execute: bool = True) -> Topic:
    topic = create_topic(
        region_code=region_code,
        title="移风易俗·红白喜事简办",
        body="请各组议事会商议本组红白喜事简办的标准，纳入村规民约。",
        area="customs",
        actor=actor,
    )
    with capture(execute=execute):
        send_topic(topic_id=topic.pk, actor=actor)
    return topic


def _motion_ids(topic: Topic, prefix: str) -> list[int]:
    rows = Motion.objects.filter(topic=topic, region_code__startswith=prefix).order_by("pk")
    return list(rows.values_list("pk", flat=True))


def test_a_township_subscription_gets_one_delivery_per_topic_motion_in_its_township(
    receiver, tree, county_admin, township_b_village, django_capture_on_commit_callbacks
):
    _councils(tree.village_a, 3)
    _councils(township_b_village, 2)
    owner = make_integration(tree.county)
    subscribe(owner, receiver.url, events=["motion.propose"], region_prefix=tree.township_a.code)
    topic = _sent(county_admin, tree.county.code, django_capture_on_commit_callbacks)
    inside = _motion_ids(topic, tree.township_a.code)
    assert len(inside) == 5  # A1, B1 and three more in village A
    assert len(_motion_ids(topic, tree.township_b.code)) == 2
    deliveries = Delivery.objects.order_by("object_id")
    assert list(deliveries.values_list("object_id", flat=True)) == inside
    assert set(deliveries.values_list("event_kind", "state")) == {("motion", "delivered")}
    propose = MotionEvent.objects.filter(motion_id__in=inside, transition="propose")
    assert sorted(deliveries.values_list("event_id", flat=True)) == sorted(
        propose.values_list("pk", flat=True)
    )
    received = sorted(receiver.received, key=lambda r: r.json["motion"]["id"])
    assert [r.json["motion"]["id"] for r in received] == inside
    steps = {(r.headers["Sizhi-Event"], r.json["from_state"], r.json["to_state"]) for r in received}
    assert steps == {("motion.propose", "draft", "proposed")}


def test_a_motion_subscription_hears_a_topic_motion_created_then_proposed(
    receiver, tree, county_admin, django_capture_on_commit_callbacks
):
    owner = make_integration(tree.county)
    subscribe(owner, receiver.url, events=["motion"], region_prefix=tree.village_b.code)
    topic = _sent(county_admin, tree.county.code, django_capture_on_commit_callbacks)
    (motion_id,) = _motion_ids(topic, tree.village_b.code)
    rows = Delivery.objects.order_by("event_id").values_list("object_id", "payload__transition")
    assert list(rows) == [(motion_id, "create"), (motion_id, "propose")]
    assert sorted(r.headers["Sizhi-Event"] for r in receiver.received) == [
        "motion.create",
        "motion.propose",
    ]


def test_an_owner_who_cannot_see_a_region_gets_nothing_for_it(
    receiver, tree, county_admin, township_b_village, django_capture_on_commit_callbacks
):
    _councils(township_b_village, 3)
    # Neither the key nor the subscription has a region; the owner's grant covers village B
    owner = make_integration(tree.village_b)
    subscribe(owner, receiver.url, events=["motion.propose"])
    topic = _sent(county_admin, tree.county.code, django_capture_on_commit_callbacks)
    assert Motion.objects.filter(topic=topic).count() == 5
    seen = _motion_ids(topic, tree.village_b.code)
    assert len(seen) == 1
    # Not even a withheld delivery for the four motions out of the owner's sight
    assert list(Delivery.objects.values_list("object_id", "state")) == [(seen[0], "delivered")]
    assert [r.json["motion"]["id"] for r in receiver.received] == seen


def test_a_key_without_the_motion_scope_hears_of_no_topic_motion(
    receiver, tree, county_admin, django_capture_on_commit_callbacks
):
    owner = make_integration(tree.county, scopes=("cases:read",))
    subscribe(owner, receiver.url)
    _sent(county_admin, tree.county.code, django_capture_on_commit_callbacks)
    assert Delivery.objects.count() == 0
    assert receiver.received == []


def _batch(topic: Topic) -> list[dict[str, Any]]:
    """The batch send_topic announces: every event of the topic's motions."""
    return [
        {"kind": "motion", "event_id": pk, "transition": step, "region_code": code}
        for pk, step, code in MotionEvent.objects.filter(motion__topic=topic)
        .order_by("pk")
        .values_list("pk", "transition", "region_code")
    ]


def _queries_of(topic: Topic, capture: Any) -> tuple[list[str], int, int]:
    """(SQL of each query, after-commit callbacks, deliveries queued) of the listener over the
    batch."""
    batch = _batch(topic)
    with CaptureQueriesContext(connection) as queries, capture(execute=False) as callbacks:
        queued = on_events(batch)
    return [query["sql"] for query in queries.captured_queries], len(callbacks), queued


def test_the_listener_costs_one_query_for_a_batch_nobody_subscribes_to(
    tree, county_admin, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    _councils(tree.village_a, 30)
    topic = _sent(county_admin, tree.county.code, capture, execute=False)
    queries, callbacks, queued = _queries_of(topic, capture)
    assert (len(queries), callbacks, queued) == (1, 0, 0)


@pytest.mark.parametrize("extra", [3, 30])
def test_the_listener_runs_the_same_number_of_queries_for_3_and_30_councils(
    receiver,
    settings,
    tree,
    county_admin,
    township_b_village,
    django_capture_on_commit_callbacks,
    extra,
):
    settings.TASKS = DUMMY_TASKS
    capture = django_capture_on_commit_callbacks
    _councils(tree.village_a, extra)
    _councils(township_b_village, extra)
    # Two owners: the county's key takes the proposals in township B, a village B cadre's key
    # without a region every motion event it sees (one group's)
    county = make_integration(tree.county)
    subscribe(county, receiver.url, events=["motion.propose"], region_prefix=tree.township_b.code)
    subscribe(make_integration(tree.village_b), f"{receiver.url}&n=2", events=["motion"])
    topic = _sent(county_admin, tree.county.code, capture, execute=False)
    assert Motion.objects.filter(topic=topic).count() == 2 * extra + 2
    queries, callbacks, queued = _queries_of(topic, capture)
    # subscriptions; savepoint, events, owners, each owner's grants and sight, the insert,
    # the read-back, release
    assert (len(queries), callbacks) == (11, 1)
    assert queued == extra + 2
    assert Delivery.objects.count() == queued
    # Told twice (a retried batch) it records nothing more and enqueues nothing again
    Delivery.objects.update(attempts=1)
    again, callbacks, queued_again = _queries_of(topic, capture)
    assert (len(again), callbacks, queued_again) == (11, 0, 0)
    assert Delivery.objects.count() == queued


def test_only_the_bulk_insert_grows_with_the_deliveries_recorded(
    receiver, settings, tree, county_admin, township_b_village, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    capture = django_capture_on_commit_callbacks
    _councils(tree.village_a, 40)
    _councils(township_b_village, 40)
    county = make_integration(tree.county)
    subscribe(county, receiver.url, events=["motion"])
    subscribe(county, f"{receiver.url}&n=2", region_prefix=tree.township_b.code)
    subscribe(make_integration(tree.village_b), f"{receiver.url}&n=3", events=["motion"])
    topic = _sent(county_admin, tree.county.code, capture, execute=False)
    queries, callbacks, queued = _queries_of(topic, capture)
    # Create and propose of each of the 82 motions, of township B's 40, of village B's one
    assert queued == 2 * 82 + 2 * 40 + 2
    inserts = [sql for sql in queries if "INSERT" in sql]
    # The backend splits an insert by its limit on parameters (SQLite: 999), as for any
    # bulk_create; every read stays one per CHUNK events and per owner.
    fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key]
    per_insert = connection.ops.bulk_batch_size(fields, [None] * queued) or queued
    assert len(inserts) == -(-queued // per_insert)
    assert (len(queries) - len(inserts), callbacks) == (10, 1)


def fail_batch(events: list[dict[str, Any]]) -> None:
    raise RuntimeError(f"batch of {len(events)} refused")


@takes_batches(fail_batch)
def broken_batch_listener(**event: Any) -> None:
    raise RuntimeError("one event refused")


def test_a_failing_listener_does_not_break_send_topic(
    receiver, settings, tree, county_admin, django_capture_on_commit_callbacks, caplog
):
    settings.SIZHI_EVENT_LISTENERS = [
        "sizhi.webhooks.tests.test_topic_motions.broken_batch_listener",
        "sizhi.webhooks.tests.test_listener.broken_listener",  # takes no batches
        "sizhi.webhooks.tests.test_topic_motions.no_such_listener",
        "sizhi.webhooks.listeners.on_event",
    ]
    subscribe(make_integration(tree.county), receiver.url, events=["motion.propose"])
    with caplog.at_level(logging.ERROR):
        topic = _sent(county_admin, tree.county.code, django_capture_on_commit_callbacks)
    assert Motion.objects.filter(topic=topic).count() == 2
    assert "batch of 4 refused" in caplog.text
    assert "one event refused" not in caplog.text
    assert "Boom" in caplog.text
    assert "no_such_listener" in caplog.text
    # The webhooks listener, after the failing ones, still recorded and posted
    assert list(Delivery.objects.values_list("state", flat=True)) == ["delivered"] * 2
    assert len(receiver.received) == 2
