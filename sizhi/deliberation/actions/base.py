"""The one path that moves a motion: transition_motion()."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone

from sizhi.core import audit
from sizhi.core.errors import InvalidState, NotAllowed, NotFound
from sizhi.core.listeners import announce, announce_many
from sizhi.core.workflow import transition_for
from sizhi.deliberation import workflow
from sizhi.deliberation.access import may
from sizhi.deliberation.models import Motion, MotionEvent


def load_for_update(motion_id: Any) -> Motion:
    try:
        key = int(motion_id)
    except (TypeError, ValueError):
        raise NotFound from None
    motion = Motion.objects.select_for_update().filter(pk=key).first()
    if motion is None:
        raise NotFound
    return motion


def check_visible(motion: Motion, actor: Any) -> None:
    """Missing and not visible are the same answer."""
    if actor is None:
        return
    if not Motion.objects.visible_to(actor).filter(pk=motion.pk).exists():
        raise NotFound


def _told(event: MotionEvent) -> dict[str, Any]:
    return {
        "kind": "motion",
        "event_id": event.pk,
        "transition": event.transition,
        "region_code": event.region_code,
    }


def tell_listeners(event: MotionEvent) -> None:
    """Other apps hear of every motion event through ``SIZHI_EVENT_LISTENERS``, after commit."""
    announce("SIZHI_EVENT_LISTENERS", **_told(event))


def tell_listeners_of_many(events: Iterable[MotionEvent]) -> None:
    """The same for events written in bulk, told as one batch so that a listener can do its
    look-ups once for all of them."""
    announce_many("SIZHI_EVENT_LISTENERS", [_told(event) for event in events])


def transition_motion(
    *,
    motion: Motion,
    name: str,
    actor: Any,
    note: str = "",
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
    as_system: bool = False,
) -> MotionEvent:
    """Move ``motion`` (locked by the caller) along ``name``: state (409) and permission (403)
    checks, a compare-and-set update with ``changes``, the event and the audit row. ``actor``
    None is the system; ``as_system`` records the actor of a step the action itself decided
    (a ballot's result, the co-sign threshold)."""
    transition = transition_for(workflow.TRANSITIONS, name, motion.state)
    if not as_system and actor is not None and not may(actor, transition.permission, motion):
        raise NotAllowed
    now = now or timezone.now()
    source = motion.state
    target = transition.target or source
    fields = {"state": target, "updated_at": now, **(changes or {})}
    if not Motion.objects.filter(pk=motion.pk, state=source).update(**fields):
        raise InvalidState
    for key, value in fields.items():
        setattr(motion, key, value)
    expressions = [k for k, v in fields.items() if hasattr(v, "resolve_expression")]
    if expressions:
        motion.refresh_from_db(fields=expressions)
    event = MotionEvent.objects.create(
        motion=motion,
        region_code=motion.region_code,
        at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        transition=name,
        from_state=source,
        to_state=target,
        note=note,
        data=dict(data or {}),
    )
    audit.record(
        actor=actor,
        action=f"motion.{name}",
        obj=motion,
        # Expressions (F("cosign_count") + 1) are recorded as the values they produced.
        changes={
            "state": [source, target],
            **{
                k: getattr(motion, k) if hasattr(v, "resolve_expression") else v
                for k, v in (changes or {}).items()
            },
        },
        reason=note[:500],
    )
    tell_listeners(event)
    return event
