"""The persona matrix: who sees which case, and who may take which step on it."""

from functools import partial

import pytest

from sizhi.cases import actions
from sizhi.cases.models import Case, CaseEvent
from sizhi.cases.queries import access_case, contact_for, timeline
from sizhi.cases.tests.factories import ACTOR_OF, CaseFactory, perform, scenario_for
from sizhi.cases.workflow import TRANSITIONS
from sizhi.core.errors import Invalid, NotAllowed, NotFound
from sizhi.core.models import AuditLog

pytestmark = pytest.mark.django_db

PERSONAS = (
    "county_admin",
    "supervisor",
    "township_cadre",
    "village_cadre",
    "other_village_cadre",
    "convener",
    "resident",
    "anonymous",
    "operator",
    "dispatcher",
    "handler",
    "sibling_handler",
    "township_handler",
)

# Which of four cases each persona sees: village A (handled by its centre), village B (by its
# centre), township A itself (by the township office), township B (not yet dispatched).
SEES: dict[str, set[str]] = {
    "county_admin": {"a", "b", "t", "x"},
    "supervisor": {"a", "b", "t", "x"},
    "township_cadre": {"a", "b", "t"},
    "village_cadre": {"a"},
    "other_village_cadre": {"b"},
    "convener": set(),
    "resident": set(),
    "anonymous": set(),
    "operator": {"a", "b", "t", "x"},
    "dispatcher": {"a", "b", "t", "x"},
    "handler": {"a"},
    "sibling_handler": {"b"},
    "township_handler": {"t"},
}


@pytest.fixture
def four_cases(tree, desk):
    return {
        "a": CaseFactory.create(region=tree.group_a1, handling_unit=desk.village_centre),
        "b": CaseFactory.create(region=tree.group_b1, handling_unit=desk.sibling_centre),
        "t": CaseFactory.create(region=tree.township_a, handling_unit=desk.township_office),
        "x": CaseFactory.create(region=tree.township_b),
    }


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_each_persona_sees_exactly_its_cases(request, persona, four_cases):
    name = request.node.callspec.params["persona"]
    # When the persona lists cases, then they get exactly theirs
    visible = set(Case.objects.visible_to(persona).values_list("pk", flat=True))
    assert visible == {four_cases[key].pk for key in SEES[name]}
    # And opening any other one is the same as opening a missing one
    for key, case in four_cases.items():
        if key in SEES[name]:
            assert access_case(persona, case.pk) == case
        else:
            with pytest.raises(NotFound):
                access_case(persona, case.pk)
    with pytest.raises(NotFound):
        access_case(persona, 999_999)


def test_a_handler_stops_seeing_a_case_transferred_away(desk, dispatcher, handler):
    case = CaseFactory.create(
        state="assigned", handling_unit=desk.village_centre, category=desk.village_matter
    )
    assert access_case(handler, case.pk) == case
    actions.transfer_case(
        case_id=case.pk, unit_id=desk.township_office.pk, reason="属乡镇职责", actor=dispatcher
    )
    handler.__dict__.pop("_sizhi_units", None)
    with pytest.raises(NotFound):
        access_case(handler, case.pk)


# ---------------------------------------------------------------------------------------------
# Each action × each persona, on a village A case handled by the village A centre.

VISIBLE_A = {p for p, keys in SEES.items() if "a" in keys}
MAY: dict[str, set[str]] = {
    "cases.dispatch": {"county_admin", "operator", "dispatcher"},
    "cases.handle": {"handler"},
    "cases.arbitrate": {"county_admin"},
    "cases.follow_up": {"county_admin", "operator", "dispatcher"},
    "cases.supervise": {"county_admin", "supervisor"},
    "cases.review": {"county_admin", "supervisor"},
    "cases.view": VISIBLE_A,
    # Staff acting for the resident (who uses the tracking code) need the dispatcher's power.
    "cases.submitter": {"county_admin", "operator", "dispatcher"},
}
# A repeat comes in through intake, where the question is first whether the persona takes
# calls there at all (403), then whether they can see the case it repeats (a field error).
REPEAT = {
    **dict.fromkeys(PERSONAS, NotAllowed),
    "county_admin": None,
    "operator": None,
    "dispatcher": None,
    "handler": None,
    "township_handler": Invalid,
}
# reopen is a step inside follow_up_case; add_information takes the tracking code, no actor.
ACTIONS = [name for name in TRANSITIONS if name not in {"reopen", "add_information"}]


def expected_outcome(action: str, persona: str) -> type[Exception] | None:
    if action == "repeat":
        return REPEAT[persona]
    if persona not in VISIBLE_A:
        return NotFound
    return None if persona in MAY[TRANSITIONS[action].permission] else NotAllowed


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_for_each_persona(request, desk, refused, action):
    state = sorted(TRANSITIONS[action].sources)[0]
    for name in PERSONAS:
        persona = request.getfixturevalue(name)
        # Given a village A case where the action may start
        scenario = scenario_for(action, state, desk)
        expected = expected_outcome(action, name)
        if expected is not None:
            # When a persona without the power tries it, then it is refused, nothing changed
            attempt = partial(perform, action, scenario, persona, desk)
            refused(expected, attempt)
            continue
        # When a persona with the power takes it, then the step is recorded with them as actor
        perform(action, scenario, persona, desk)
        event = CaseEvent.objects.filter(case=scenario.case, transition=action).get()
        assert event.actor == persona, name


def test_the_matrix_matches_who_the_transition_tests_use():
    for action in ACTIONS:
        who = ACTOR_OF[action]
        if who != "submitter":
            assert expected_outcome(action, who) is None, action


# ---------------------------------------------------------------------------------------------
# The reporter of a confidential case or an accusation is never shown to the unit complained
# about, though that unit may be handling the case.


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "petition", "petition_class": "accusation", "is_confidential": False},
        {"kind": "complaint", "is_confidential": True},
        {"kind": "report", "is_confidential": True},
    ],
)
def test_the_complained_about_unit_never_sees_the_reporter(
    desk, handler, county_admin, township_handler, fields
):
    # Given a confidential case about the village A centre, handled by that centre
    case = CaseFactory.create(
        handling_unit=desk.village_centre,
        complained_unit=desk.village_centre,
        contact_name="张三",
        contact_phone="13812345678",
        **fields,
    )
    # When its handler opens it, then they see the case but not who reported it
    assert access_case(handler, case.pk) == case
    contact = contact_for(handler, case)
    assert (contact.name, contact.phone, contact.hidden) == ("", "", True)
    # And the county office sees the masked contact
    contact = contact_for(county_admin, case)
    assert (contact.name, contact.phone, contact.hidden) == ("张*", "138****5678", False)
    # And a handler of another unit, had it been dispatched there, would see it masked
    assert contact_for(township_handler, case).hidden is False


def test_an_open_case_about_a_unit_shows_its_handler_the_masked_contact(desk, handler):
    case = CaseFactory.create(
        handling_unit=desk.village_centre,
        complained_unit=desk.village_centre,
        contact_name="张三",
        contact_phone="13812345678",
    )
    contact = contact_for(handler, case)
    assert (contact.name, contact.phone, contact.hidden) == ("张*", "138****5678", False)


def test_a_resident_filing_while_signed_in_is_not_named_on_the_timeline(
    desk, dispatcher, handler, resident
):
    # Given a resident, signed in, who files an accusation against the village centre
    submitted = actions.submit_case(
        channel="web",
        kind="petition",
        petition_class="accusation",
        category_id=desk.village_matter.pk,
        title="村干部优亲厚友",
        description="低保评定不公开。",
        region_code="520327101201001",
        contact_phone="13812345678",
        complained_unit_id=desk.village_centre.pk,
        actor=resident,
    )
    case = submitted.case
    actions.dispatch_case(case_id=case.pk, unit_id=desk.village_centre.pk, actor=dispatcher)
    # When the centre's handler reads the timeline and the contact
    events = timeline(access_case(handler, case.pk), public=False)
    # Then nothing names the resident: no actor, no contact
    assert case.is_confidential is True
    assert [(e.transition, e.actor) for e in events] == [
        ("receive", None),
        ("dispatch", dispatcher),
    ]
    assert contact_for(handler, case).hidden is True
    # While the audit log (read by supervisors) keeps who filed it
    audit = AuditLog.objects.for_object(case).get(action="case.receive")
    assert audit.actor_id == resident.pk
