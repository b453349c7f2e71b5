"""Queueing messages. Delivery happens after commit, in the task worker; failed deliveries are
enqueued again by ``requeue_due_messages`` (see sizhi.messaging.tasks)."""

import datetime as dt
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from sizhi.messaging.models import Message, MessageChannel, MessageState
from sizhi.messaging.tasks import LEASE, MAX_ATTEMPTS, deliver_message

REQUEUE_BATCH = 1000


def queue_message(
    *,
    channel: str,
    body: str,
    address: str = "",
    user: Any = None,
    subject: str = "",
    region_code: str = "",
    reference: str = "",
) -> Message:
    """Record a message and deliver it once the surrounding transaction commits (should that
    delivery task be lost, the retry pass enqueues it again when the lease ends)."""
    now = timezone.now()
    inapp = channel == MessageChannel.INAPP
    message = Message.objects.create(
        channel=channel,
        address=address,
        user=user,
        subject=subject[:120],
        body=body[:2000],
        region_code=region_code,
        reference=reference,
        state=MessageState.SENT if inapp else MessageState.QUEUED,
        sent_at=now if inapp else None,
        next_attempt_at=None if inapp else now + LEASE,
    )
    if not inapp:
        message_id = message.pk
        transaction.on_commit(lambda: deliver_message.enqueue(message_id))
    return message


def mark_read(*, message_id: int, user: Any) -> int:
    return Message.objects.filter(pk=message_id, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def requeue_due_messages(*, now: dt.datetime, limit: int = REQUEUE_BATCH) -> int:
    """Enqueue delivery of the messages due for another attempt at ``now``: queued ones whose
    retry delay has passed, and ones whose attempt outlived its lease (the worker stopped; the
    last allowed attempt is then given up). At most ``limit``, the longest waiting first, each
    enqueued after its own compare-and-set commits, which moves its next attempt a lease ahead.
    Returns how many were enqueued."""
    due = (
        Message.objects.filter(
            state__in=[MessageState.QUEUED, MessageState.SENDING], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "state", "attempts", "next_attempt_at")[:limit]
    )
    enqueued = 0
    for message_id, state, attempts, next_attempt_at in list(due):
        unchanged = Message.objects.filter(
            pk=message_id, state=state, next_attempt_at=next_attempt_at
        )
        if state == MessageState.SENDING and attempts >= MAX_ATTEMPTS:
            unchanged.update(
                state=MessageState.FAILED, next_attempt_at=None, error="attempt interrupted"
            )
            continue
        with transaction.atomic():
            if unchanged.update(state=MessageState.QUEUED, next_attempt_at=now + LEASE):
                transaction.on_commit(partial(deliver_message.enqueue, message_id))
                enqueued += 1
    return enqueued
