"""Idempotency-Key: a retried POST gets the first answer without acting again; the same key with
another request is refused; keys are per token and forgotten after a day."""

import datetime as dt
import json
import threading
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from sizhi.accounts.models import IdempotencyKey
from sizhi.accounts.tests.apiclient import error_of, issue, post
from sizhi.cases.models import Case, CaseEvent
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import CaseFactory
from sizhi.cases.tests.test_numbers import _in_threads, needs_postgresql, purge_audit  # noqa: F401
from sizhi.core.models import AuditLog

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


def _intake(desk: Any, tree: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯坏了",
        "description": "村口路灯不亮。",
        "region_code": tree.group_a1.code,
        "contact_phone": "13900001234",
    }
    body.update(overrides)
    return body


def test_a_retry_gets_the_first_answer_and_acts_once(desk: Any, tree: Any, operator: Any) -> None:
    secret = issue(operator)
    first = post(CASES, _intake(desk, tree), secret, key="intake-0001")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    before = snapshot()
    # The same request with its keys in another order and other spacing is the same request.
    again = post(CASES, _reordered(desk, tree), secret, key="intake-0001")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert snapshot() == before
    assert Case.objects.count() == 1
    assert AuditLog.objects.filter(action="case.receive").count() == 1


def _reordered(desk: Any, tree: Any) -> str:
    body = _intake(desk, tree)
    return json.dumps(dict(reversed(list(body.items()))), indent=2)


def test_the_same_key_with_another_request_is_422(desk: Any, tree: Any, operator: Any) -> None:
    secret = issue(operator)
    assert post(CASES, _intake(desk, tree), secret, key="k-1").status_code == 201
    before = snapshot()
    response = post(CASES, _intake(desk, tree, title="路灯还是不亮"), secret, key="k-1")
    status, code, fields = error_of(response)
    assert (status, code) == (422, "idempotency_key_reused")
    assert "Idempotency-Key" in fields
    case = Case.objects.get()
    response = post(f"{CASES}/{case.number}/transitions", {"name": "accept"}, secret, key="k-1")
    assert error_of(response)[:2] == (422, "idempotency_key_reused")
    assert snapshot() == before


def test_keys_belong_to_one_token(desk: Any, tree: Any, operator: Any) -> None:
    first, second = issue(operator), issue(operator)
    a = post(CASES, _intake(desk, tree), first, key="shared")
    b = post(CASES, _intake(desk, tree, description="另一件事。"), second, key="shared")
    assert (a.status_code, b.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in b
    assert Case.objects.count() == 2
    assert IdempotencyKey.objects.count() == 2


def test_an_error_is_not_kept_so_the_key_can_be_sent_again(
    desk: Any, tree: Any, operator: Any
) -> None:
    secret = issue(operator)
    bad = post(CASES, _intake(desk, tree, category_id=999999), secret, key="retry-me")
    assert error_of(bad)[:2] == (400, "invalid")
    assert IdempotencyKey.objects.count() == 0
    good = post(CASES, _intake(desk, tree), secret, key="retry-me")
    assert good.status_code == 201


def test_a_key_is_forgotten_after_a_day(desk: Any, tree: Any, operator: Any) -> None:
    secret = issue(operator, days=5)
    first = post(CASES, _intake(desk, tree), secret, key="daily")
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(state="closed")  # not a repeat of an open case
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        later = post(CASES, _intake(desk, tree), secret, key="daily")
    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later
    assert later.json()["number"] != first.json()["number"]
    assert IdempotencyKey.objects.count() == 1


def test_a_retried_step_is_taken_once(desk: Any, tree: Any, dispatcher: Any) -> None:
    case = CaseFactory.create(region=tree.group_a1, category=desk.village_matter)
    secret = issue(dispatcher)
    path = f"{CASES}/{case.number}/transitions"
    first = post(path, {"name": "accept", "note": "属实"}, secret, key="accept-1")
    again = post(path, {"name": "accept", "note": "属实"}, secret, key="accept-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert CaseEvent.objects.filter(case=case, transition="accept").count() == 1
    # Without a key the same request is a new one, refused by the workflow.
    assert error_of(post(path, {"name": "accept"}, secret))[:2] == (409, "invalid_state")


@pytest.mark.parametrize("key", ["", "  ", "x" * 129, "键"])
def test_a_malformed_key_is_400(desk: Any, tree: Any, operator: Any, key: str) -> None:
    secret = issue(operator)
    status, code, fields = error_of(post(CASES, _intake(desk, tree), secret, key=key))
    assert (status, code) == (400, "invalid")
    assert "Idempotency-Key" in fields
    assert Case.objects.count() == 0


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("purge_audit")
def test_requests_racing_with_one_key_act_once(desk: Any, operator: Any) -> None:
    secret = issue(operator)
    body = {
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯坏了",
        "description": "村口路灯不亮。",
        "region_code": "520327101201001",
        "contact_phone": "13900001234",
    }
    answers: list[Any] = []
    lock = threading.Lock()

    def send(_index: int) -> None:
        response = post(CASES, body, secret, key="race-1")
        with lock:
            answers.append(response)

    _in_threads(4, send)
    assert {response.status_code for response in answers} == {201}
    assert len({response.content for response in answers}) == 1
    assert sum(response.has_header("Idempotent-Replayed") for response in answers) == 3
    assert Case.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
