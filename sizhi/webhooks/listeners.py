"""What the domains call after an event commits (``SIZHI_EVENT_LISTENERS``, see
docs/adr/0009-domains-meet-above.md): record the deliveries and enqueue them. Never posts."""

from sizhi.webhooks.actions import queue_deliveries


def on_event(*, kind: str, event_id: int, transition: str, region_code: str) -> int:
    return queue_deliveries(
        kind=kind, event_id=event_id, transition=transition, region_code=region_code
    )
