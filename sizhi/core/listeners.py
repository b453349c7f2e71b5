"""Telling other apps of an event without importing them (docs/adr/0009-domains-meet-above.md).

A domain names no listener itself: a setting lists dotted paths, and ``announce`` calls each
with the event's keywords after the surrounding transaction commits. The calls are robust: a
failing listener is logged and cannot turn a committed change into an error.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


def _call(path: str, event: dict[str, Any]) -> Callable[[], None]:
    # A named function rather than a partial: the robust on_commit logs a failure by the
    # callback's __qualname__, which a partial lacks.
    def listener() -> None:
        import_string(path)(**event)

    return listener


def announce(setting: str, **event: Any) -> None:
    """After commit, call every dotted path in ``settings.<setting>`` with ``event``."""
    for path in getattr(settings, setting, []):
        transaction.on_commit(_call(path, dict(event)), robust=True)
