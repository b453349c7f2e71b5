"""Every (transition, state) pair of the motion table, run through transition_motion()."""

from typing import Any

import pytest

from sizhi.core.errors import InvalidState, NotAllowed
from sizhi.core.models import AuditLog
from sizhi.deliberation import workflow
from sizhi.deliberation.actions import transition_motion
from sizhi.deliberation.models import Motion, MotionEvent
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import TRANSITIONS, MotionState

PAIRS = [(name, state) for name in TRANSITIONS for state in MotionState.values]


@pytest.mark.parametrize(("name", "state"), PAIRS)
def test_transition_from_state_moves_or_is_refused(tree: Any, name: str, state: str) -> None:
    motion = MotionFactory.create(council=tree.council_a1, state=state)
    transition = TRANSITIONS[name]
    if state in transition.sources:
        event = transition_motion(motion=motion, name=name, actor=None, note="记录")
        motion.refresh_from_db()
        assert motion.state == (transition.target or state)
        assert (event.transition, event.from_state, event.to_state) == (
            name,
            state,
            transition.target or state,
        )
        assert AuditLog.objects.filter(action=f"motion.{name}").count() == 1
    else:
        with pytest.raises(InvalidState):
            transition_motion(motion=motion, name=name, actor=None)
        motion.refresh_from_db()
        assert motion.state == state
        assert MotionEvent.objects.count() == 0
        assert AuditLog.objects.count() == 0


def test_every_state_is_reachable_and_every_open_state_can_move_on() -> None:
    targets = {t.target for t in TRANSITIONS.values() if t.target}
    assert targets | {MotionState.DRAFT} == set(MotionState.values)
    for state in workflow.OPEN_STATES | {MotionState.DRAFT}:
        assert any(state in t.sources and t.target for t in TRANSITIONS.values()), state
    for state in workflow.FINAL_STATES:
        assert not any(state in t.sources for t in TRANSITIONS.values()), state


def test_a_stale_state_is_refused_by_the_compare_and_set(tree: Any) -> None:
    motion = MotionFactory.create(council=tree.council_a1, state=MotionState.PROPOSED)
    Motion.objects.filter(pk=motion.pk).update(state=MotionState.WITHDRAWN)
    with pytest.raises(InvalidState):
        transition_motion(motion=motion, name="admit", actor=None)
    assert MotionEvent.objects.count() == 0


def test_system_steps_are_not_open_to_people(tree: Any, convener: Any) -> None:
    motion = MotionFactory.create(council=tree.council_a1, state=MotionState.VOTING)
    with pytest.raises(NotAllowed):
        transition_motion(motion=motion, name="resolve", actor=convener)
    motion.refresh_from_db()
    assert motion.state == MotionState.VOTING


def test_the_generated_diagram_in_the_docs_is_current() -> None:
    from pathlib import Path

    from sizhi.deliberation.diagram import document

    path = Path(__file__).resolve().parents[3] / "docs" / "domain" / "motion-workflow.md"
    assert path.read_text(encoding="utf-8") == document()
