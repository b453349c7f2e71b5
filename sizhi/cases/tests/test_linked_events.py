"""The note written on every case linked to a published motion is written in bulk, and
announced to the event listeners as one batch after commit, like every other case event."""

from typing import Any

import pytest

from sizhi.cases.actions import tell_submitters_of_motion
from sizhi.cases.models import CaseEvent
from sizhi.cases.tests.factories import CaseFactory
from sizhi.core.listeners import takes_batches

pytestmark = pytest.mark.django_db

HERE = "sizhi.cases.tests.test_linked_events"
heard: list[dict[str, Any]] = []
batches: list[list[dict[str, Any]]] = []


def by_batch(events: list[dict[str, Any]]) -> None:
    batches.append(events)


@takes_batches(by_batch)
def batch_taker(**event: Any) -> None:
    heard.append(event)


@pytest.fixture(autouse=True)
def clean_ears() -> None:
    heard.clear()
    batches.clear()


def test_telling_linked_cases_of_a_publication_is_announced_as_one_batch(
    tree: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SIZHI_EVENT_LISTENERS = [f"{HERE}.batch_taker"]
    cases = [CaseFactory.create(region=tree.group_a1) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tell_submitters_of_motion(case_ids=[case.pk for case in cases], text="决议已公开。")
    assert batches == []  # nothing before commit
    for callback in callbacks:
        callback()
    told = CaseEvent.objects.filter(transition="motion_published").order_by("pk")
    assert batches == [
        [
            {"kind": "case", "event_id": pk, "transition": "motion_published", "region_code": code}
            for pk, code in told.values_list("pk", "region_code")
        ]
    ]
    assert len(batches[0]) == 2
    assert heard == []
