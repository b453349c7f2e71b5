"""What the domains call after an event commits (``SIZHI_EVENT_LISTENERS``, see
docs/adr/0009-domains-meet-above.md): record the deliveries and enqueue them. Never posts.

The setting names ``on_event``; a batch of events written in bulk (``announce_many``) reaches
``on_events`` instead, which does its look-ups once for the whole batch."""

from typing import Any

from sizhi.core.listeners import takes_batches
from sizhi.webhooks.actions import queue_batch_deliveries, queue_deliveries


def on_events(events: list[dict[str, Any]]) -> int:
    return queue_batch_deliveries(events)


@takes_batches(on_events)
def on_event(*, kind: str, event_id: int, transition: str, region_code: str) -> int:
    return queue_deliveries(
        kind=kind, event_id=event_id, transition=transition, region_code=region_code
    )
