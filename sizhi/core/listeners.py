"""Telling other apps of an event without importing them (docs/adr/0009-domains-meet-above.md).

A domain names no listener itself: a setting lists dotted paths, and ``announce`` calls each
with the event's keywords after the surrounding transaction commits. The calls are robust: a
failing listener is logged and cannot turn a committed change into an error.

An action that writes many events at once (a topic sent to every council of a county) uses
``announce_many``: each listener is called once for the whole batch if it takes batches
(``takes_batches``), so it can look up what it needs once rather than once per event; a
listener that does not is called once per event, each call robust on its own.
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

Event = dict[str, Any]
Listener = TypeVar("Listener", bound=Callable[..., Any])
BATCH_ATTRIBUTE = "sizhi_batch"


def takes_batches(many: Callable[[list[Event]], Any]) -> Callable[[Listener], Listener]:
    """Mark a listener (called with one event's keywords) as also taking a whole batch through
    ``many`` (called with the list of events). The setting still names the single listener,
    so one entry serves both paths."""

    def mark(single: Listener) -> Listener:
        setattr(single, BATCH_ATTRIBUTE, many)
        return single

    return mark


def _call(path: str, event: Event) -> Callable[[], None]:
    # A named function rather than a partial: the robust on_commit logs a failure by the
    # callback's __qualname__, which a partial lacks.
    def listener() -> None:
        import_string(path)(**event)

    return listener


def _call_many(path: str, events: list[Event]) -> Callable[[], None]:
    def batch_listener() -> None:
        target = import_string(path)
        many = getattr(target, BATCH_ATTRIBUTE, None)
        if many is not None:
            many(events)
            return
        # One failing event must not keep the others from the listener, as when each event
        # is announced on its own.
        for event in events:
            try:
                target(**event)
            except Exception:
                logger.exception("Listener %s failed on event %r", path, event)

    return batch_listener


def announce(setting: str, **event: Any) -> None:
    """After commit, call every dotted path in ``settings.<setting>`` with ``event``."""
    for path in getattr(settings, setting, []):
        transaction.on_commit(_call(path, dict(event)), robust=True)


def announce_many(setting: str, events: Iterable[Mapping[str, Any]]) -> None:
    """After commit, tell every dotted path in ``settings.<setting>`` of all ``events``: once
    with the list if the listener takes batches, else once per event."""
    batch = [dict(event) for event in events]
    if not batch:
        return
    for path in getattr(settings, setting, []):
        transaction.on_commit(_call_many(path, batch), robust=True)
