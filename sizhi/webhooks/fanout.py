"""Recording the deliveries of an event: what the listener calls after a case or motion
event commits (sizhi.webhooks.listeners). One delivery per subscription that takes the event,
each enqueued after commit for the task worker; no HTTP here. The functions are also reachable
as ``sizhi.webhooks.actions.queue_deliveries`` and ``queue_batch_deliveries``.

See docs/adr/0010-webhooks.md.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from sizhi.webhooks.models import Delivery, DeliveryState, EventKind
from sizhi.webhooks.queries import (
    chunks,
    event_facts,
    events_facts,
    matching_subscriptions,
    usable_subscribers,
    visible_object_ids,
)
from sizhi.webhooks.tasks import LEASE, deliver_webhook


def queue_deliveries(
    *, kind: str, event_id: int, transition: str, region_code: str, now: dt.datetime | None = None
) -> int:
    """Record one delivery of the event for every subscription that takes it, and enqueue each
    after commit. One query when nobody subscribes; otherwise one to read the event, one
    insert (a second call for the same event inserts nothing) and one to read the ids back.
    No HTTP here. Returns how many were enqueued."""
    now = now or timezone.now()
    kind = EventKind(kind)
    subscription_ids = matching_subscriptions(kind, transition, region_code, now)
    if not subscription_ids:
        return 0
    facts = event_facts(kind, event_id)
    if facts is None:
        return 0
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    subscription_id=subscription_id,
                    event_kind=kind,
                    event_id=event_id,
                    object_id=facts.object_id,
                    region_code=facts.region_code,
                    payload=facts.payload,
                    created_at=now,
                    next_attempt_at=now + LEASE,
                )
                for subscription_id in subscription_ids
            ],
            ignore_conflicts=True,
        )
        queued = list(
            Delivery.objects.filter(
                event_kind=kind,
                event_id=event_id,
                subscription_id__in=subscription_ids,
                state=DeliveryState.QUEUED,
                attempts=0,
            ).values_list("pk", flat=True)
        )
        for delivery_id in queued:
            transaction.on_commit(partial(deliver_webhook.enqueue, delivery_id))
    return len(queued)


def queue_batch_deliveries(
    events: Sequence[Mapping[str, Any]], *, now: dt.datetime | None = None
) -> int:
    """``queue_deliveries`` for many events at once (a topic sent to every council), at a
    cost that does not grow with subscriptions times events: one query reads the usable
    subscriptions, matched to each event in memory; if none takes any, that is all. Then, per
    kind of event, one query per CHUNK events reads their facts; the owners' sight is read
    once per owner (``visible_object_ids``); the deliveries are inserted in bulk and read
    back per CHUNK events; and all are enqueued after commit in one transaction.

    Unlike a single event, a batch records nothing for an event its owner cannot see at the
    time: a subscription without a region would otherwise record a withheld delivery, and a
    task, for each of thousands of motions. The owner's sight is checked again before each
    attempt all the same. Returns how many were enqueued."""
    now = now or timezone.now()
    subscribers = usable_subscribers(now)
    wanted: dict[EventKind, list[tuple[int, int]]] = {}  # kind: (subscription, event) pairs
    for event in events:
        kind = EventKind(event["kind"])
        for subscriber in subscribers:
            if subscriber.takes(kind, event["transition"], event["region_code"]):
                wanted.setdefault(kind, []).append((subscriber.pk, int(event["event_id"])))
    if not wanted:
        return 0
    owner_of = {subscriber.pk: subscriber.owner_id for subscriber in subscribers}
    queued: list[int] = []
    with transaction.atomic():
        for kind, pairs in wanted.items():
            queued += _queue_visible(kind, pairs, owner_of, now)
        if queued:
            transaction.on_commit(_enqueue_all(queued), robust=True)
    return len(queued)


def _queue_visible(
    kind: str, pairs: list[tuple[int, int]], owner_of: dict[int, int], now: dt.datetime
) -> list[int]:
    """Record the deliveries of ``pairs`` (subscription, event) whose owner sees the object;
    the ids of those queued, not yet attempted."""
    facts = events_facts(kind, [event_id for _sub, event_id in pairs])
    objects_of: dict[int, set[int]] = {}
    for subscription_id, event_id in pairs:
        if event_id in facts:
            objects_of.setdefault(owner_of[subscription_id], set()).add(facts[event_id].object_id)
    seen = visible_object_ids(objects_of, kind)
    rows = [
        (subscription_id, event_id)
        for subscription_id, event_id in pairs
        if event_id in facts
        and facts[event_id].object_id in seen.get(owner_of[subscription_id], set())
    ]
    if not rows:
        return []
    Delivery.objects.bulk_create(
        [
            Delivery(
                subscription_id=subscription_id,
                event_kind=kind,
                event_id=event_id,
                object_id=facts[event_id].object_id,
                region_code=facts[event_id].region_code,
                payload=facts[event_id].payload,
                created_at=now,
                next_attempt_at=now + LEASE,
            )
            for subscription_id, event_id in rows
        ],
        ignore_conflicts=True,
    )
    # As for one event, those already recorded and attempted (the batch told twice) are not
    # enqueued again.
    subscription_ids = sorted({subscription_id for subscription_id, _event in rows})
    recorded = set(rows)
    queued: list[int] = []
    for chunk in chunks([event_id for _sub, event_id in rows]):
        found = Delivery.objects.filter(
            event_kind=kind,
            event_id__in=chunk,
            subscription_id__in=subscription_ids,
            state=DeliveryState.QUEUED,
            attempts=0,
        ).values_list("pk", "subscription_id", "event_id")
        queued += [pk for pk, sub, event in found if (sub, event) in recorded]
    return queued


def _enqueue_all(delivery_ids: list[int]) -> Callable[[], None]:
    # One transaction for all the task rows rather than one commit each. Should it fail,
    # the deliveries stay queued and the retry pass enqueues them when their lease ends.
    def enqueue_deliveries() -> None:
        with transaction.atomic():
            for delivery_id in delivery_ids:
                deliver_webhook.enqueue(delivery_id)

    return enqueue_deliveries
