"""Top-down topics: one bulk operation creates a motion per council; progress is counted in a
fixed number of queries; the sweep flags overdue implementation once."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.core.models import AuditLog
from sizhi.deliberation import actions
from sizhi.deliberation.actions.sweep import sweep_motions
from sizhi.deliberation.models import Motion, MotionEvent, Topic
from sizhi.deliberation.queries import topic_progress
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import RegionFactory, UnitFactory


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


def test_a_county_topic_reaches_every_council_below_it_once(tree: Any, county_admin: Any) -> None:
    _councils(tree, 3)
    topic = _topic(county_admin, tree.county.code)
    created = actions.send_topic(topic_id=topic.pk, actor=county_admin)
    assert created == 5  # A1 + three more in village A + B1
    motions = Motion.objects.filter(topic=topic)
    assert set(motions.values_list("state", "origin", "area")) == {
        (MotionState.PROPOSED, "county_topic", "customs")
    }
    assert MotionEvent.objects.filter(motion__topic=topic, transition="propose").count() == 5
    topic.refresh_from_db()
    assert topic.target_count == 5


def test_sending_again_creates_nothing_new(tree: Any, county_admin: Any) -> None:
    topic = _topic(county_admin, tree.county.code)
    actions.send_topic(topic_id=topic.pk, actor=county_admin)
    with pytest.raises(InvalidState):
        actions.send_topic(topic_id=topic.pk, actor=county_admin)
    assert Motion.objects.filter(topic=topic).count() == 2


def test_a_township_topic_goes_only_to_its_township(tree: Any, township_cadre: Any) -> None:
    topic = _topic(township_cadre, tree.township_a.code)
    assert topic.level == "township"
    actions.send_topic(topic_id=topic.pk, actor=township_cadre, council_ids=[tree.council_a1.pk])
    assert list(Motion.objects.values_list("council_id", "origin")) == [
        (tree.council_a1.pk, "township_topic")
    ]
    with pytest.raises(Invalid):
        actions.send_topic(topic_id=topic.pk, actor=township_cadre, within=tree.county.code)


def test_a_village_cadre_cannot_issue_a_topic_and_nothing_is_stored(
    tree: Any, village_cadre: Any, convener: Any
) -> None:
    with pytest.raises(Invalid) as error:
        _topic(village_cadre, tree.village_a.code)
    assert error.value.fields == {"region_code": ["议题应由县或乡镇下发。"]}
    with pytest.raises(NotAllowed):
        _topic(convener, tree.county.code)
    assert Topic.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_a_topic_of_another_township_is_not_found(
    tree: Any, township_cadre: Any, county_admin: Any
) -> None:
    topic = _topic(county_admin, tree.township_b.code)
    with pytest.raises(NotFound):
        actions.send_topic(topic_id=topic.pk, actor=township_cadre)
    with pytest.raises(NotFound):
        topic_progress(township_cadre, topic.pk)
    assert Motion.objects.count() == 0


def test_bad_topic_input_names_each_field_and_stores_nothing(tree: Any, county_admin: Any) -> None:
    with pytest.raises(Invalid) as error:
        actions.create_topic(
            region_code=tree.county.code, title="", body="x" * 5001, area="sports",
            due_on="2020-01-01", actor=county_admin,
        )  # fmt: skip
    assert error.value.fields == {
        "title": ["此项为必填项。"],
        "body": ["内容不能超过5000个字。"],
        "area": ["请选择有效的选项。"],
        "due_on": ["完成期限不能早于今天。"],
    }
    assert Topic.objects.count() == 0


@pytest.mark.parametrize("extra", [3, 30])
def test_topic_progress_runs_a_fixed_number_of_queries(
    tree: Any, county_admin: Any, extra: int
) -> None:
    _councils(tree, extra)
    topic = _topic(county_admin, tree.county.code)
    actions.send_topic(topic_id=topic.pk, actor=county_admin)
    first = Motion.objects.filter(topic=topic).order_by("id").first()
    assert first is not None
    actions.admit_motion(motion_id=first.pk, actor=county_admin)
    fresh = type(county_admin).objects.get(pk=county_admin.pk)
    with CaptureQueriesContext(connection) as queries:
        progress = topic_progress(fresh, topic.pk)
    assert len(queries) == 4  # grants, topic, grouped counts, township names
    assert progress.total == extra + 2
    assert progress.by_state == {"proposed": extra + 1, "appraising": 1}
    # Villages A and B both lie in township A.
    assert [(r.code, total) for r, _s, total in progress.by_township] == [
        (tree.township_a.code, extra + 2)
    ]


def test_the_sweep_flags_overdue_implementation_once(tree: Any) -> None:
    today = timezone.localdate()
    late = MotionFactory.create(
        council=tree.council_a1, state=MotionState.IMPLEMENTING,
        implementation_due_on=today - dt.timedelta(days=1),
    )  # fmt: skip
    on_time = MotionFactory.create(
        council=tree.council_a1, state=MotionState.IMPLEMENTING, implementation_due_on=today
    )
    assert sweep_motions().overdue_flagged == 1
    assert sweep_motions().overdue_flagged == 0
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert (late.implementation_overdue, on_time.implementation_overdue) == (True, False)
    assert MotionEvent.objects.filter(transition="flag_overdue").count() == 1


def test_the_sweep_command_prints_its_counts(tree: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    MotionFactory.create(
        council=tree.council_a1, state=MotionState.IMPLEMENTING,
        implementation_due_on=timezone.localdate() - dt.timedelta(days=3),
    )  # fmt: skip
    out = StringIO()
    call_command("sweep_motions", stdout=out)
    assert out.getvalue() == "已标记实施逾期 1 项；逾期未答复的异议 0 项。\n"
