"""The prune of old deliveries: those done (delivered, failed, withheld) whose last attempt is
more than SIZHI_WEBHOOK_KEEP_DAYS old go, in batches by id; a queued or sending one stays,
however old; one exactly at the cut-off stays."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sizhi.webhooks.actions import prune_deliveries
from sizhi.webhooks.models import Delivery, Subscription
from sizhi.webhooks.tests.conftest import Integration, make_integration, subscribe
from sizhi.webhooks.tests.factories import DeliveryFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CUTOFF = NOW - dt.timedelta(days=30)
TICK = dt.timedelta(microseconds=1)


@pytest.fixture
def subscription(tree: Any) -> Subscription:
    owner: Integration = make_integration(tree.township_a)
    return subscribe(owner, "https://hooks.example.com/in").subscription


def _delivery(subscription: Subscription, name: str, state: str, last: Any, **fields: Any) -> Any:
    created = fields.pop("created_at", last if last is not None else CUTOFF)
    return DeliveryFactory.create(
        subscription=subscription,
        state=state,
        last_attempt_at=last,
        created_at=created,
        last_error=name,
        **fields,
    )


def _left() -> list[str]:
    return sorted(Delivery.objects.values_list("last_error", flat=True))


def test_finished_deliveries_older_than_the_keep_days_go_and_the_others_stay(subscription):
    long_ago = NOW - dt.timedelta(days=400)
    for state in ("delivered", "failed", "withheld"):
        _delivery(subscription, f"{state} a tick before", state, CUTOFF - TICK)
        _delivery(subscription, f"{state} at the cut-off", state, CUTOFF)
        _delivery(subscription, f"{state} a year ago", state, long_ago)
    _delivery(subscription, "queued for long", "queued", long_ago, attempts=0)
    _delivery(subscription, "sending for long", "sending", long_ago)
    _delivery(subscription, "never tried, old", "withheld", None, created_at=CUTOFF - TICK)
    _delivery(subscription, "never tried, at the cut-off", "withheld", None, created_at=CUTOFF)
    # Recorded long ago, sent again by hand and delivered yesterday: its last attempt counts
    _delivery(
        subscription, "sent again lately", "delivered", NOW - dt.timedelta(days=1),
        created_at=long_ago,
    )  # fmt: skip
    assert prune_deliveries(now=NOW) == 7
    assert _left() == [
        "delivered at the cut-off",
        "failed at the cut-off",
        "never tried, at the cut-off",
        "queued for long",
        "sending for long",
        "sent again lately",
        "withheld at the cut-off",
    ]
    assert prune_deliveries(now=NOW) == 0
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_the_keep_days_come_from_the_setting(subscription, settings):
    settings.SIZHI_WEBHOOK_KEEP_DAYS = 7
    _delivery(subscription, "eight days", "delivered", NOW - dt.timedelta(days=8))
    _delivery(subscription, "seven days", "delivered", NOW - dt.timedelta(days=7))
    _delivery(subscription, "six days", "failed", NOW - dt.timedelta(days=6))
    assert prune_deliveries(now=NOW) == 1
    assert _left() == ["seven days", "six days"]
    assert prune_deliveries(now=NOW, keep_days=0) == 2
    assert _left() == []


def test_nothing_to_prune_is_zero(subscription):
    assert prune_deliveries(now=NOW) == 0
    _delivery(subscription, "recent", "delivered", NOW - dt.timedelta(days=1))
    assert prune_deliveries(now=NOW) == 0
    assert _left() == ["recent"]


@pytest.mark.parametrize(
    ("old", "batch", "statements"),
    [(10, 3, 4), (9, 3, 4), (10, 10, 2), (10, 11, 1), (1, 1, 2)],
)
def test_a_backlog_larger_than_a_batch_goes_in_several(subscription, old, batch, statements):
    for minutes in range(1, old + 1):
        _delivery(
            subscription, f"old {minutes}", "delivered", CUTOFF - dt.timedelta(minutes=minutes)
        )
    for minutes in range(1, 6):
        _delivery(
            subscription, f"new {minutes}", "delivered", CUTOFF + dt.timedelta(minutes=minutes)
        )
    with CaptureQueriesContext(connection) as queries:
        assert prune_deliveries(now=NOW, batch=batch) == old
    # One bounded DELETE per batch, and one more that finds nothing when the last was full.
    deletes = [query["sql"] for query in queries.captured_queries]
    assert len(deletes) == statements
    assert all(sql.startswith("DELETE") for sql in deletes)
    assert Delivery.objects.count() == 5


def test_each_batch_takes_the_lowest_ids(subscription):
    for n in range(1, 5):
        _delivery(subscription, f"old {n}", "failed", CUTOFF - dt.timedelta(days=n))
    with CaptureQueriesContext(connection) as queries:
        assert prune_deliveries(now=NOW, batch=2) == 4
    first = queries.captured_queries[0]["sql"]
    assert 'SELECT U0."id" AS "pk"' in first
    assert "ORDER BY 1 ASC LIMIT 2" in first
    assert Delivery.objects.count() == 0


def test_bad_arguments_are_refused(subscription):
    _delivery(subscription, "old", "delivered", CUTOFF - dt.timedelta(days=1))
    with pytest.raises(ValueError, match="batch"):
        prune_deliveries(now=NOW, batch=0)
    with pytest.raises(ValueError, match="keep_days"):
        prune_deliveries(now=NOW, keep_days=-1)
    assert _left() == ["old"]


def test_the_command_prunes_and_prints_the_count(subscription):
    now = dt.datetime.now(tz=dt.UTC)
    _delivery(subscription, "old", "delivered", now - dt.timedelta(days=31))
    _delivery(subscription, "old too", "withheld", now - dt.timedelta(days=45))
    _delivery(subscription, "waiting", "queued", now - dt.timedelta(days=45))
    _delivery(subscription, "recent", "failed", now - dt.timedelta(days=29))
    out = StringIO()
    call_command("prune_webhook_deliveries", stdout=out)
    assert out.getvalue() == "删除 2 条过期的事件推送记录。\n"
    assert _left() == ["recent", "waiting"]
    out = StringIO()
    call_command("prune_webhook_deliveries", stdout=out)
    assert out.getvalue() == "删除 0 条过期的事件推送记录。\n"
