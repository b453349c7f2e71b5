"""A topic's motions, made in bulk, have the history of a written motion ("create", then
"propose") and are announced to the event listeners like every other motion event: after
commit, as one batch to a listener that takes batches, one by one to one that does not, and a
failing listener never breaks the sending. The sweep's overdue flags, also written in
bulk, are announced the same way."""

import datetime as dt
import logging
from typing import Any

import pytest
from django.utils import timezone

from sizhi.core.listeners import takes_batches
from sizhi.deliberation import actions
from sizhi.deliberation.actions.sweep import sweep_motions
from sizhi.deliberation.models import Motion, MotionEvent, Topic
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import RegionFactory, UnitFactory

S = MotionState
HERE = "sizhi.deliberation.tests.test_topic_events"

heard: list[dict[str, Any]] = []
batches: list[list[dict[str, Any]]] = []


class Boom(Exception):
    pass


def one_by_one(**event: Any) -> None:
    heard.append(event)


def by_batch(events: list[dict[str, Any]]) -> None:
    batches.append(events)


@takes_batches(by_batch)
def batch_taker(**event: Any) -> None:
    heard.append(event)


def fails_on_creates(**event: Any) -> None:
    if event["transition"] == "create":
        raise Boom(str(event["event_id"]))
    heard.append(event)


def fail_batch(events: list[dict[str, Any]]) -> None:
    raise Boom(f"batch of {len(events)}")


@takes_batches(fail_batch)
def failing_batch_taker(**event: Any) -> None:
    raise Boom(str(event))


@pytest.fixture(autouse=True)
def clean_ears() -> None:
    heard.clear()
    batches.clear()


def _councils(tree: Any, count: int) -> None:
    """``count`` more group councils under village A (group A1 already has one)."""
    for n in range(2, count + 2):
        group = RegionFactory.create(code=f"{tree.village_a.code}{n:03d}", name=f"临江村{n}组")
        UnitFactory.create(region=group, kind=UnitKind.COUNCIL, name=f"{n}组议事会")


def _topic(actor: Any, region_code: str) -> Topic:
    return actions.create_topic(
        region_code=region_code,
        title="移风易俗·红白喜事简办",
        body="请各组议事会商议本组红白喜事简办的标准，纳入村规民约。",
        area="customs",
        actor=actor,
    )


def _told(topic: Topic) -> list[dict[str, Any]]:
    """What the listeners should hear: every event of the topic's motions, in order."""
    return [
        {"kind": "motion", "event_id": pk, "transition": step, "region_code": code}
        for pk, step, code in MotionEvent.objects.filter(motion__topic=topic)
        .order_by("pk")
        .values_list("pk", "transition", "region_code")
    ]


def test_a_topic_motion_starts_its_history_like_a_written_one(tree: Any, county_admin: Any) -> None:
    written = actions.create_motion(
        council_id=tree.council_a1.pk, title="修缮组内便道", body="提议筹资筹劳修缮。",
        area="development", actor=county_admin,
    )  # fmt: skip
    topic = _topic(county_admin, tree.county.code)
    actions.send_topic(topic_id=topic.pk, actor=county_admin)
    sent = Motion.objects.get(topic=topic, council=tree.council_a1)

    def history(motion: Motion) -> list[tuple[str, str, str, int | None]]:
        return list(
            MotionEvent.objects.filter(motion=motion)
            .order_by("at", "pk")
            .values_list("transition", "from_state", "to_state", "actor_id")
        )

    expected = [
        ("create", "", S.DRAFT, county_admin.pk),
        ("propose", S.DRAFT, S.PROPOSED, county_admin.pk),
    ]
    assert history(written) == expected
    assert history(sent) == expected
    events = MotionEvent.objects.filter(motion=sent)
    assert set(events.values_list("at", flat=True)) == {sent.created_at}
    assert list(events.values_list("data", flat=True)) == [{"topic": topic.pk}] * 2


def test_sending_a_topic_announces_every_event_once_after_commit(
    tree: Any, county_admin: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SIZHI_EVENT_LISTENERS = [f"{HERE}.one_by_one", f"{HERE}.batch_taker"]
    _councils(tree, 3)
    topic = _topic(county_admin, tree.county.code)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert actions.send_topic(topic_id=topic.pk, actor=county_admin) == 5
    assert len(callbacks) == 2  # one per listener, not one per event
    assert (heard, batches) == ([], [])  # nothing before commit
    for callback in callbacks:
        callback()
    told = _told(topic)
    assert len(told) == 10  # create and propose of five motions
    assert heard == told  # the plain listener, one call per event
    assert batches == [told]  # the batch listener, one call for all


def test_a_listener_failing_on_some_events_still_hears_the_others(
    tree: Any,
    county_admin: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: Any,
) -> None:
    settings.SIZHI_EVENT_LISTENERS = [f"{HERE}.fails_on_creates"]
    topic = _topic(county_admin, tree.county.code)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        actions.send_topic(topic_id=topic.pk, actor=county_admin)
    told = _told(topic)
    assert heard == [event for event in told if event["transition"] == "propose"]
    failures = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert [str(exc) for exc in failures] == [
        str(event["event_id"]) for event in told if event["transition"] == "create"
    ]
    assert {type(exc) for exc in failures} == {Boom}


def test_a_failing_listener_does_not_break_send_topic(
    tree: Any,
    county_admin: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: Any,
) -> None:
    settings.SIZHI_EVENT_LISTENERS = [
        f"{HERE}.failing_batch_taker",
        f"{HERE}.no_such_listener",
        "sizhi.no_such_module.listener",
        f"{HERE}.batch_taker",
    ]
    topic = _topic(county_admin, tree.county.code)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        created = actions.send_topic(topic_id=topic.pk, actor=county_admin)
    assert created == 2
    assert Motion.objects.filter(topic=topic, state=S.PROPOSED).count() == 2
    assert Topic.objects.get(pk=topic.pk).target_count == 2
    assert "Boom: batch of 4" in caplog.text
    assert "no_such_listener" in caplog.text
    assert "no_such_module" in caplog.text
    # The listener after the failing ones still heard the whole batch
    assert batches == [_told(topic)]


def test_the_sweeps_overdue_flags_are_announced_as_one_batch(
    tree: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SIZHI_EVENT_LISTENERS = [f"{HERE}.batch_taker"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for _ in range(3):
        MotionFactory.create(
            council=tree.council_a1, state=S.IMPLEMENTING, implementation_due_on=yesterday
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sweep_motions().overdue_flagged == 3
    assert len(callbacks) == 1
    flagged = MotionEvent.objects.filter(transition="flag_overdue").order_by("pk")
    assert batches == [
        [
            {"kind": "motion", "event_id": pk, "transition": "flag_overdue", "region_code": code}
            for pk, code in flagged.values_list("pk", "region_code")
        ]
    ]
    assert heard == []
