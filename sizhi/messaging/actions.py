"""Queueing messages. Delivery happens after commit, in the task worker."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from sizhi.messaging.models import Message, MessageChannel, MessageState
from sizhi.messaging.tasks import deliver_message


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
    """Record a message and deliver it once the surrounding transaction commits."""
    message = Message.objects.create(
        channel=channel,
        address=address,
        user=user,
        subject=subject[:120],
        body=body[:2000],
        region_code=region_code,
        reference=reference,
        state=MessageState.SENT if channel == MessageChannel.INAPP else MessageState.QUEUED,
        sent_at=timezone.now() if channel == MessageChannel.INAPP else None,
    )
    if channel != MessageChannel.INAPP:
        message_id = message.pk
        transaction.on_commit(lambda: deliver_message.enqueue(message_id))
    return message


def mark_read(*, message_id: int, user: Any) -> int:
    return Message.objects.filter(pk=message_id, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
