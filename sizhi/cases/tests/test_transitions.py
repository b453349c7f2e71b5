"""Every (transition, state) pair through the real actions: allowed pairs move the case and write
one event and one audit row; the others are refused with InvalidState (409) and change nothing.
A denied actor in a valid state gets NotAllowed (403), also changing nothing."""

from functools import partial

import pytest
from django.db import transaction

from sizhi.cases import actions
from sizhi.cases.models import Case, CaseEvent
from sizhi.cases.tests.factories import ACTOR_OF, perform, scenario_for
from sizhi.cases.workflow import TRANSITIONS, CaseState
from sizhi.core.errors import InvalidState, NotAllowed, NotFound
from sizhi.core.models import AuditLog

pytestmark = pytest.mark.django_db

# What each action leaves behind when it may run, where that is more than the table's step.
# follow_up_case rates and then closes (or reopens): two events.
EVENTS = {"follow_up": ["follow_up", "close"]}
FINAL = {"follow_up": CaseState.CLOSED}
# Who can see a village A case but may not take the transition.
DENIED_ACTOR = {
    "dispatcher": "village_cadre",
    "handler": "dispatcher",
    "county_admin": "dispatcher",
    "operator": "village_cadre",
    "supervisor": "operator",
    "submitter": "village_cadre",
}


def _actor(request, name):
    who = ACTOR_OF[name]
    return who if who == "submitter" else request.getfixturevalue(who)


def _taken(name, state, scenario, actor, desk):
    """Take ``name`` from ``state`` and check it moved the case along the table, with one
    event and one audit row for the step."""
    case = scenario.case
    events_before = CaseEvent.objects.count()
    audit_before = AuditLog.objects.count()
    perform(name, scenario, actor, desk)
    case.refresh_from_db()
    target = TRANSITIONS[name].target or state
    assert case.state == FINAL.get(name, target), state
    expected = EVENTS.get(name, [name])
    new_events = list(CaseEvent.objects.order_by("id")[events_before:])
    assert [(e.case_id, e.transition) for e in new_events] == [(case.pk, n) for n in expected]
    assert (new_events[0].from_state, new_events[0].to_state) == (state, target)
    assert new_events[0].actor == (None if actor == "submitter" else actor)
    audits = AuditLog.objects.filter(object_type="cases.case", object_id=str(case.pk))
    assert AuditLog.objects.count() - audit_before == len(expected), state
    assert sorted(audits.values_list("action", flat=True)) == sorted(f"case.{n}" for n in expected)


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_every_transition_in_every_state(request, desk, refused, name):
    actor = _actor(request, name)
    for state in CaseState.values:
        # Given a case in ``state`` with what the transition needs, and someone allowed to it
        scenario = scenario_for(name, state, desk)
        if state in TRANSITIONS[name].sources:
            # When it is taken, then the case moves, with one event and one audit row
            _taken(name, state, scenario, actor, desk)
        else:
            # When it is tried, then it is not now (409), and nothing changed
            error = refused(InvalidState, partial(perform, name, scenario, actor, desk))
            assert isinstance(error, InvalidState), state


# Everyone who can see a case may add a note; additions come only with the tracking code.
# Whoever sees the case may add a note or a file.
DENIABLE = [name for name in TRANSITIONS if name not in {"add_note", "attach", "add_information"}]


@pytest.mark.parametrize("name", DENIABLE)
def test_a_denied_actor_in_a_valid_state_is_not_allowed(request, desk, refused, name):
    # Given a case where the transition may start, and someone who sees it but may not take it
    state = sorted(TRANSITIONS[name].sources)[0]
    scenario = scenario_for(name, state, desk)
    denied = request.getfixturevalue(DENIED_ACTOR[ACTOR_OF[name]])
    assert Case.objects.visible_to(denied).filter(pk=scenario.case.pk).exists()
    # When they try, then it is not theirs to do (403), and nothing changed
    refused(NotAllowed, lambda: perform(name, scenario, denied, desk))


def test_adding_information_with_a_wrong_code_is_not_found(desk, refused):
    scenario = scenario_for("add_information", CaseState.IN_PROGRESS, desk)
    refused(
        NotFound,
        lambda: actions.add_information(
            case_id=scenario.case.pk, tracking_code="WRONG234", text="补充"
        ),
    )


@pytest.mark.parametrize("state", [CaseState.RECEIVED, CaseState.IN_PROGRESS])
def test_someone_who_cannot_see_the_case_gets_not_found_not_forbidden(
    desk, sibling_handler, other_village_cadre, refused, state
):
    # Given a village A case, and a handler and a cadre of village B
    scenario = scenario_for("add_note", state, desk)
    # When they try anything on it, then it does not exist for them
    for actor in (sibling_handler, other_village_cadre):
        refused(NotFound, lambda actor=actor: perform("add_note", scenario, actor, desk))
        refused(NotFound, lambda actor=actor: perform("escalate", scenario, actor, desk))


def test_a_case_moved_by_someone_else_meanwhile_is_an_invalid_state(desk, handler, refused):
    # Given a handler holding a stale copy of an assigned case that was signed for meanwhile
    scenario = scenario_for("sign_for", CaseState.ASSIGNED, desk)
    stale = Case.objects.get(pk=scenario.case.pk)
    Case.objects.filter(pk=stale.pk).update(state=CaseState.IN_PROGRESS)

    # When the table step runs on the stale copy, then the compare-and-set refuses it
    def move():
        with transaction.atomic():
            actions.transition_case(case=stale, name="sign_for", actor=handler)

    refused(InvalidState, move)
