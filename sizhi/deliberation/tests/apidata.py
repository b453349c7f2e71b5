"""Helpers for the tests of the deliberation endpoints of the JSON API: tokens with the
deliberation scopes, motions in a given state, and the "nothing changed" snapshot."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from sizhi.accounts.tests.apiclient import issue
from sizhi.deliberation.models import Motion
from sizhi.deliberation.tests.factories import MotionFactory

SCOPES = ("motions:read", "motions:write")
MOTIONS = "/api/v1/motions"
MEETINGS = "/api/v1/meetings"
BALLOTS = "/api/v1/ballots"
TOPICS = "/api/v1/topics"

# Every deliberation table an action writes to.
SNAPSHOT_MODELS = (
    "Topic",
    "Motion",
    "MotionEvent",
    "Cosign",
    "Opinion",
    "Meeting",
    "AgendaItem",
    "Ballot",
    "Vote",
    "Publication",
    "Objection",
    "ProgressReport",
)


@pytest.fixture(autouse=True)
def fresh_rate_counters() -> Iterator[None]:
    """The per-token rate counters live in the cache, keyed by the token's id, which the next
    test may be given again: start and leave every test with none. (Import it into a test
    module to use it there.)"""
    cache.clear()
    yield
    cache.clear()


def token(user: Any, scopes: tuple[str, ...] = SCOPES, region_code: str = "") -> str:
    return issue(user, scopes=scopes, region_code=region_code)


def snapshot() -> dict[str, Any]:
    """Every deliberation row (the tests hold a handful), and how many audit rows and
    messages there are."""
    from sizhi.core.models import AuditLog
    from sizhi.deliberation import models
    from sizhi.messaging.models import Message

    rows: dict[str, Any] = {
        name: list(getattr(models, name).objects.order_by("pk").values())
        for name in SNAPSHOT_MODELS
    }
    rows["AuditLog"] = AuditLog.objects.count()
    rows["Message"] = Message.objects.count()
    return rows


def motion(council: Any, state: str = "proposed", **fields: Any) -> Motion:
    return MotionFactory.create(council=council, state=state, **fields)


def motions(council: Any, count: int, **fields: Any) -> list[Motion]:
    """``count`` motions of the council, created an hour apart, oldest first."""
    start = timezone.now() - dt.timedelta(hours=count)
    return [
        MotionFactory.create(council=council, created_at=start + dt.timedelta(hours=n), **fields)
        for n in range(count)
    ]


def new_motion(council: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "council_id": council.pk,
        "title": "修缮组内便道",
        "body": "组内便道年久失修，提议筹资筹劳修缮。",
        "area": "development",
    }
    body.update(overrides)
    return body
