"""Delivering queued messages (idempotent: a sent message is not sent again)."""

from django.utils import timezone
from django_tasks import task

from sizhi.messaging.backends import DeliveryError, backend_for
from sizhi.messaging.models import Message, MessageState

MAX_ATTEMPTS = 5


@task()
def deliver_message(message_id: int) -> str:
    message = Message.objects.filter(pk=message_id).first()
    if message is None or message.state == MessageState.SENT:
        return "skipped"
    attempts = message.attempts + 1
    try:
        backend_for(message.channel).deliver(message)
    except DeliveryError as exc:
        state = MessageState.FAILED if attempts >= MAX_ATTEMPTS else MessageState.QUEUED
        Message.objects.filter(pk=message_id).update(
            attempts=attempts, state=state, error=str(exc)[:200]
        )
        return "failed"
    Message.objects.filter(pk=message_id).update(
        attempts=attempts, state=MessageState.SENT, sent_at=timezone.now(), error=""
    )
    return "sent"
