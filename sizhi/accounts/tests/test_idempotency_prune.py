"""The prune of the answers kept for Idempotency-Key: expired rows go, in batches, whatever
the backlog; rows still within their time stay and are still replayed."""

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sizhi.accounts.actions import prune_idempotency_keys
from sizhi.accounts.apiauth import Principal
from sizhi.accounts.idempotency import REPLAYED_HEADER, idempotent
from sizhi.accounts.models import IdempotencyKey
from sizhi.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _keys(principal: str, expires: list[dt.datetime]) -> None:
    IdempotencyKey.objects.bulk_create(
        IdempotencyKey(
            principal=principal,
            key=f"key-{index}",
            fingerprint="0" * 64,
            status=201,
            body="{}",
            created_at=expires_at - dt.timedelta(hours=24),
            expires_at=expires_at,
        )
        for index, expires_at in enumerate(expires)
    )


def _left() -> list[tuple[str, str]]:
    return sorted(IdempotencyKey.objects.values_list("principal", "key"))


def test_expired_rows_are_deleted_and_the_others_kept() -> None:
    second = dt.timedelta(seconds=1)
    # Due at NOW is expired (as a request at NOW would find it); a second later it is not.
    _keys("token:1", [NOW - dt.timedelta(days=30), NOW - second, NOW])
    _keys("token:2", [NOW + second, NOW + dt.timedelta(hours=23)])
    _keys("user:7", [NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1)])
    assert prune_idempotency_keys(now=NOW) == 4
    assert _left() == [("token:2", "key-0"), ("token:2", "key-1"), ("user:7", "key-1")]
    assert prune_idempotency_keys(now=NOW) == 0
    assert IdempotencyKey.objects.count() == 3


def test_nothing_to_prune_is_zero() -> None:
    assert prune_idempotency_keys(now=NOW) == 0
    _keys("token:1", [NOW + dt.timedelta(minutes=1)])
    assert prune_idempotency_keys(now=NOW) == 0
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.parametrize(
    ("expired", "batch", "statements"),
    [(10, 3, 4), (9, 3, 4), (10, 10, 2), (10, 11, 1), (1, 1, 2)],
)
def test_a_backlog_larger_than_a_batch_goes_in_several(
    expired: int, batch: int, statements: int
) -> None:
    _keys("token:1", [NOW - dt.timedelta(minutes=minutes) for minutes in range(1, expired + 1)])
    _keys("token:2", [NOW + dt.timedelta(minutes=minutes) for minutes in range(1, 6)])
    with CaptureQueriesContext(connection) as queries:
        assert prune_idempotency_keys(now=NOW, batch=batch) == expired
    # One bounded DELETE per batch, and one more that finds nothing when the last was full.
    deletes = [query["sql"] for query in queries.captured_queries]
    assert len(deletes) == statements
    assert all(sql.lstrip().upper().startswith("DELETE") for sql in deletes)
    assert IdempotencyKey.objects.filter(principal="token:1").count() == 0
    assert IdempotencyKey.objects.filter(principal="token:2").count() == 5


def test_the_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch"):
        prune_idempotency_keys(now=NOW, batch=0)


def test_the_command_prints_the_count() -> None:
    _keys("token:1", [NOW - dt.timedelta(hours=hours) for hours in (1, 2, 3)])
    _keys("token:2", [NOW + dt.timedelta(hours=1)])
    with time_machine.travel(NOW, tick=False):
        out = StringIO()
        call_command("prune_idempotency_keys", stdout=out)
        assert out.getvalue().strip() == "删除 3 个过期的幂等键。"
        out = StringIO()
        call_command("prune_idempotency_keys", stdout=out)
        assert out.getvalue().strip() == "删除 0 个过期的幂等键。"
    assert _left() == [("token:2", "key-0")]


# -- Replays after a prune -------------------------------------------------------------------------


@pytest.fixture
def endpoint() -> Any:
    """An operation wrapped as the API wraps every one, counting how often it acts."""
    calls: list[int] = []

    @idempotent
    def create(request: HttpRequest) -> HttpResponse:
        calls.append(1)
        return HttpResponse(json.dumps({"n": len(calls)}), status=201)

    create.calls = calls  # type: ignore[attr-defined]
    return create


def _post(endpoint: Any, user: Any, key: str) -> Any:
    request = RequestFactory().post(
        "/api/v1/things", {"name": "路灯"}, "application/json", headers={"Idempotency-Key": key}
    )
    request.auth = Principal(  # type: ignore[attr-defined]
        user=user, token=None, scopes=frozenset({"cases:write"})
    )
    return endpoint(request)


def test_a_kept_key_is_still_replayed_after_a_prune(endpoint: Any) -> None:
    user = UserFactory.create()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = _post(endpoint, user, "old")
    with time_machine.travel(start + dt.timedelta(hours=20), tick=False):
        kept = _post(endpoint, user, "kept")
    later = start + dt.timedelta(hours=25)  # "old" has expired, "kept" has not
    assert prune_idempotency_keys(now=later) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["kept"]
    with time_machine.travel(later, tick=False):
        again = _post(endpoint, user, "kept")
        fresh = _post(endpoint, user, "old")
    assert (again.status_code, again[REPLAYED_HEADER]) == (201, "true")
    assert again.content == kept.content == b'{"n": 2}'
    # The pruned key is forgotten: the same request acts again, as a new one.
    assert fresh.status_code == 201
    assert REPLAYED_HEADER not in fresh
    assert fresh.content == b'{"n": 3}' != first.content
    assert len(endpoint.calls) == 3
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["kept", "old"]
