"""Delivering queued messages, with retries that back off.

``deliver_message`` makes one attempt. It claims the message first, moving it from queued to
sending with a compare-and-set, so two copies of the task never send it at once and a message
sent or failed is never tried again; the claim counts the attempt and sets ``next_attempt_at``
a lease ahead, in case the worker stops mid-way. A failure puts the message back in the queue
with the error and the time of the next attempt, RETRY_DELAYS after this one (1 min, 5 min,
30 min, 2 h); the attempt after the last delay is the last, and its failure marks the message
failed. Success marks it sent.

``sizhi.messaging.actions.requeue_due_messages`` (``sizhi retry_messages``, on a timer) enqueues
the queued messages whose next attempt is due, and the attempts whose lease ran out, each with
a compare-and-set on ``next_attempt_at``, so that a pass run twice, or two at once, enqueues
each once. The same lease brings back a message whose first delivery task was lost.

Delivery is at least once: a worker that stops after the gateway accepted a message, before
recording it, leaves it to be sent again when the lease ends. A delivery task that waited in
the queue longer than the lease may have a twin enqueued by the pass; the twins take turns,
so a retry may then come before its delay.
"""

import datetime as dt

from django.db.models import F
from django.utils import timezone
from django_tasks import task

from sizhi.messaging.backends import DeliveryError, backend_for
from sizhi.messaging.models import Message, MessageState

RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# How long an enqueued or started attempt may take before the retry pass tries again.
LEASE = dt.timedelta(minutes=15)


def retry_delay(attempts: int) -> dt.timedelta | None:
    """How long to wait after failed attempt number ``attempts`` (1, 2, ...); None after the
    last one."""
    return RETRY_DELAYS[attempts - 1] if attempts < MAX_ATTEMPTS else None


@task()
def deliver_message(message_id: int) -> str:
    now = timezone.now()
    claimed = Message.objects.filter(pk=message_id, state=MessageState.QUEUED).update(
        state=MessageState.SENDING,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        next_attempt_at=now + LEASE,
    )
    if not claimed:
        return "skipped"  # gone, sent, failed, or being sent by another copy of this task
    message = Message.objects.get(pk=message_id)
    this_attempt = Message.objects.filter(
        pk=message_id, state=MessageState.SENDING, attempts=message.attempts
    )
    try:
        backend_for(message.channel).deliver(message)
    except DeliveryError as exc:
        delay = retry_delay(message.attempts)
        this_attempt.update(
            state=MessageState.QUEUED if delay else MessageState.FAILED,
            next_attempt_at=timezone.now() + delay if delay else None,
            error=str(exc)[:200],
        )
        return "failed" if delay else "given up"
    this_attempt.update(
        state=MessageState.SENT, sent_at=timezone.now(), next_attempt_at=None, error=""
    )
    return "sent"
