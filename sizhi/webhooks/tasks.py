"""Posting deliveries, with retries that back off (the same scheme as sizhi.messaging.tasks).

``deliver_webhook`` makes one attempt. It claims the delivery first, moving it from queued to
sending with a compare-and-set, so two copies of the task never post it at once and a delivery
done is never tried again; the claim counts the attempt and sets ``next_attempt_at`` a lease
ahead, in case the worker stops mid-way. Before posting it checks that the owner may still see
the case or motion (``queries.withheld_reason``); if not, the delivery is withheld, never sent.

A non-2xx answer, a timeout or a network error puts the delivery back in the queue with the
status, the error and the time of the next attempt, RETRY_DELAYS after this one (1 min, 5 min,
30 min, 2 h, 12 h); the attempt after the last delay is the last, and its failure marks the
delivery failed. A subscription whose deliveries fail for good DISABLE_AFTER times in a row is
disabled (with an audit row); any success resets the count. ``sizhi retry_webhooks`` (on a
timer) enqueues the deliveries whose next attempt is due
(``sizhi.webhooks.actions.requeue_due_deliveries``).

Delivery is at least once per attempt window: a worker that stops after the receiver accepted
a POST, before recording it, leaves it to be posted again when the lease ends. Receivers
de-duplicate on ``Sizhi-Event-Id``.
"""

import datetime as dt
import json
import time
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from sizhi.core import audit
from sizhi.webhooks import sender
from sizhi.webhooks.models import Delivery, DeliveryState, DisabledReason, Subscription
from sizhi.webhooks.queries import withheld_reason
from sizhi.webhooks.signing import secret_of, signature_header

RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# How long an enqueued or started attempt may take before the retry pass tries again.
LEASE = dt.timedelta(minutes=15)
# Deliveries given up in a row after which the subscription is disabled.
DISABLE_AFTER = 5


def retry_delay(attempts: int) -> dt.timedelta | None:
    """How long to wait after failed attempt number ``attempts`` (1, 2, ...); None after the
    last one."""
    return RETRY_DELAYS[attempts - 1] if attempts < MAX_ATTEMPTS else None


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes posted and signed: compact UTF-8 JSON with sorted keys."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def headers_for(delivery: Delivery, body: bytes, timestamp: int) -> dict[str, str]:
    secret = secret_of(delivery.subscription.secret_salt)
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Sizhi-Event-Id": f"{delivery.event_kind}-{delivery.event_id}",
        "Sizhi-Event": f"{delivery.event_kind}.{delivery.payload.get('transition', '')}",
        "Sizhi-Delivery-Id": str(delivery.pk),
        "Sizhi-Delivery-Attempt": str(delivery.attempts),
        "Sizhi-Timestamp": str(timestamp),
        "Sizhi-Signature": signature_header(secret, timestamp, body),
    }


@task()
def deliver_webhook(delivery_id: int) -> str:
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, state=DeliveryState.QUEUED).update(
        state=DeliveryState.SENDING,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        next_attempt_at=now + LEASE,
    )
    if not claimed:
        return "skipped"  # gone, done, or being posted by another copy of this task
    delivery = Delivery.objects.select_related(
        "subscription__token__user", "subscription__user"
    ).get(pk=delivery_id)
    this_attempt = Delivery.objects.filter(
        pk=delivery_id, state=DeliveryState.SENDING, attempts=delivery.attempts
    )
    reason = withheld_reason(delivery, now)
    if reason:
        this_attempt.update(state=DeliveryState.WITHHELD, next_attempt_at=None, last_error=reason)
        return "withheld"
    body = encode(delivery.payload)
    outcome = sender.post(
        delivery.subscription.url, body, headers_for(delivery, body, int(time.time()))
    )
    if outcome.ok:
        done = timezone.now()
        this_attempt.update(
            state=DeliveryState.DELIVERED,
            last_status=outcome.status,
            last_error="",
            delivered_at=done,
            next_attempt_at=None,
        )
        Subscription.objects.filter(pk=delivery.subscription_id).update(
            consecutive_failures=0, last_delivered_at=done
        )
        return "delivered"
    delay = retry_delay(delivery.attempts)
    this_attempt.update(
        state=DeliveryState.QUEUED if delay else DeliveryState.FAILED,
        next_attempt_at=timezone.now() + delay if delay else None,
        last_status=outcome.status,
        last_error=outcome.error,
    )
    if delay:
        return "failed"
    _count_give_up(delivery.subscription, timezone.now())
    return "given up"


def _count_give_up(subscription: Subscription, now: dt.datetime) -> None:
    """One more delivery failed for good; at DISABLE_AFTER in a row the subscription stops.
    Bookkeeping of the delivery's outcome, like a message marked failed: the task records it,
    with an audit row by the system."""
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        stopped = Subscription.objects.filter(
            pk=subscription.pk, is_active=True, consecutive_failures__gte=DISABLE_AFTER
        ).update(is_active=False, disabled_at=now, disabled_reason=DisabledReason.FAILURES)
        if stopped:
            audit.record(
                actor=None,
                action="webhook.auto_disable",
                obj=subscription,
                region_code=subscription.region_prefix,
                changes={"is_active": [True, False]},
                reason=f"{DISABLE_AFTER} deliveries failed in a row",
            )
