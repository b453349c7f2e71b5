"""The case workflow table, pure: every transition against every state, without a database."""

import pytest
from django.utils import translation

from sizhi.cases.management.commands.case_diagram import DOC, render
from sizhi.cases.models import Supervision
from sizhi.cases.workflow import (
    PETITION_ONLY,
    STAYING,
    TRANSITIONS,
    CaseState,
    target_of,
    transition_of,
)
from sizhi.core.errors import InvalidState
from sizhi.core.workflow import mermaid

S = CaseState
OPEN: set[str] = {
    S.RECEIVED,
    S.ACCEPTED,
    S.ASSIGNED,
    S.OBJECTED,
    S.IN_PROGRESS,
    S.REPLIED,
    S.FOLLOWED_UP,
}

# Written out by hand, so that a change to the table has to change this too.
EXPECTED: dict[str, tuple[set[str], str]] = {
    "accept": ({S.RECEIVED}, S.ACCEPTED),
    "decline": ({S.RECEIVED}, S.DECLINED),
    "dispatch": ({S.RECEIVED, S.ACCEPTED}, S.ASSIGNED),
    "sign_for": ({S.ASSIGNED}, S.IN_PROGRESS),
    "object": ({S.ASSIGNED}, S.OBJECTED),
    "uphold": ({S.OBJECTED}, S.ASSIGNED),
    "reassign": ({S.OBJECTED}, S.ASSIGNED),
    "transfer": ({S.ASSIGNED, S.IN_PROGRESS}, S.ASSIGNED),
    "contact": ({S.IN_PROGRESS}, ""),
    "reply": ({S.IN_PROGRESS}, S.REPLIED),
    "follow_up": ({S.REPLIED}, S.FOLLOWED_UP),
    "close": ({S.REPLIED, S.FOLLOWED_UP}, S.CLOSED),
    "reopen": ({S.FOLLOWED_UP}, S.IN_PROGRESS),
    "merge": ({S.RECEIVED, S.ACCEPTED, S.ASSIGNED, S.OBJECTED, S.IN_PROGRESS}, S.MERGED),
    "request_extension": ({S.IN_PROGRESS}, ""),
    "approve_extension": ({S.IN_PROGRESS}, ""),
    "reject_extension": ({S.IN_PROGRESS}, ""),
    "pause_clock": ({S.IN_PROGRESS}, ""),
    "resume_clock": ({S.IN_PROGRESS}, ""),
    "escalate": (OPEN, ""),
    "repeat": (OPEN, ""),
    "add_note": (OPEN, ""),
    "add_information": (OPEN, ""),
    "attach": (OPEN | {S.REVIEW_REQUESTED, S.RECHECK_REQUESTED}, ""),
    "request_review": ({S.CLOSED}, S.REVIEW_REQUESTED),
    "issue_review": ({S.REVIEW_REQUESTED}, S.REVIEWED),
    "request_recheck": ({S.REVIEWED}, S.RECHECK_REQUESTED),
    "issue_recheck": ({S.RECHECK_REQUESTED}, S.TERMINATED),
    "terminate": ({S.CLOSED, S.REVIEWED}, S.TERMINATED),
}
PAIRS = [(name, state) for name in EXPECTED for state in CaseState.values]


def _kind_for(name: str) -> str:
    return "petition" if name in PETITION_ONLY else "complaint"


def test_the_table_has_exactly_the_expected_transitions():
    assert set(TRANSITIONS) == set(EXPECTED)
    assert {name: (set(t.sources), t.target) for name, t in TRANSITIONS.items()} == EXPECTED


def test_the_petition_only_and_staying_sets_are_the_expected_ones():
    assert {"request_review", "issue_review", "request_recheck", "issue_recheck"} | {
        "terminate"
    } == PETITION_ONLY
    assert {name for name, (_, target) in EXPECTED.items() if target == ""} == STAYING


@pytest.mark.parametrize(("name", "state"), PAIRS)
def test_a_transition_leaves_only_its_source_states(name, state):
    # Given a case of the right kind in ``state``
    sources, target = EXPECTED[name]
    if state in sources:
        # When the transition is looked up, then it is the table's, and leads to its target
        transition = transition_of(name, state, _kind_for(name))
        assert transition is TRANSITIONS[name]
        assert target_of(name, state) == (target or state)
    else:
        # When it cannot leave that state, then the answer is InvalidState (409)
        with pytest.raises(InvalidState):
            transition_of(name, state, _kind_for(name))


@pytest.mark.parametrize("name", sorted(PETITION_ONLY))
@pytest.mark.parametrize("kind", ["consultation", "help", "complaint", "report", "suggestion"])
def test_petition_steps_refuse_every_other_kind(name, kind):
    for state in EXPECTED[name][0]:
        with pytest.raises(InvalidState):
            transition_of(name, state, kind)
        assert transition_of(name, state, "petition") is TRANSITIONS[name]


def test_a_petition_being_handled_is_not_merged_but_one_before_handling_is():
    with pytest.raises(InvalidState):
        transition_of("merge", S.IN_PROGRESS, "petition")
    assert transition_of("merge", S.RECEIVED, "petition").target == S.MERGED
    assert transition_of("merge", S.IN_PROGRESS, "complaint").target == S.MERGED


def test_an_unknown_transition_is_an_invalid_state():
    with pytest.raises(InvalidState):
        transition_of("teleport", S.RECEIVED, "complaint")


@pytest.mark.parametrize("name", sorted(STAYING))
def test_a_staying_transition_keeps_every_source_state(name):
    for state in TRANSITIONS[name].sources:
        assert target_of(name, state) == state


def test_every_state_is_reachable_from_received():
    reached, frontier = {S.RECEIVED.value}, [S.RECEIVED.value]
    while frontier:
        state = frontier.pop()
        for name, transition in TRANSITIONS.items():
            if state in transition.sources:
                target = target_of(name, state)
                if target not in reached:
                    reached.add(target)
                    frontier.append(target)
    assert reached == set(CaseState.values)


def test_final_states_have_no_way_out_but_the_petition_chain():
    leaving = {
        state: sorted(name for name, t in TRANSITIONS.items() if state in t.sources)
        for state in (S.DECLINED, S.MERGED, S.TERMINATED, S.CLOSED)
    }
    assert leaving == {
        S.DECLINED: [],
        S.MERGED: [],
        S.TERMINATED: [],
        S.CLOSED: ["request_review", "terminate"],
    }


def test_a_mermaid_diagram_is_drawn_from_the_table():
    labels = {state.value: str(state.label) for state in CaseState}
    diagram = mermaid(TRANSITIONS, labels)
    lines = diagram.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    received : 已登记" in lines
    assert "    received --> accepted : accept" in lines
    assert "    in_progress --> in_progress : add_note" in lines
    edges = [line for line in lines if "-->" in line]
    assert len(edges) == sum(len(t.sources) for t in TRANSITIONS.values())


def test_the_committed_workflow_page_is_generated_from_the_table():
    # Regenerate with: manage.py case_diagram
    assert DOC.read_text(encoding="utf-8") == render()
    assert "    objected --> assigned : reassign" in render()


def test_a_step_and_a_state_named_by_the_same_words_are_translated_apart():
    with translation.override("en"):
        assert str(TRANSITIONS["decline"].label) == "Decline"
        assert str(CaseState.DECLINED.label) == "Declined"
        assert str(TRANSITIONS["escalate"].label) == "Escalate"
        assert str(Supervision._meta.verbose_name) == "Escalation"
    assert str(TRANSITIONS["decline"].label) == str(CaseState.DECLINED.label) == "不予受理"
