"""Persona matrices for reading and writing households, persons and memberships.

The tree (see conftest.py): village A and its sibling village B both lie in township A; group A1
is in village A, group B1 in village B.
"""

import datetime

import pytest

from sizhi.core.errors import Invalid, NotAllowed, NotFound
from sizhi.core.models import AuditLog
from sizhi.residents import actions, queries
from sizhi.residents.models import Household, Membership, Person
from sizhi.residents.tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db

ALL = ("county_admin", "supervisor", "township_cadre", "village_cadre",
       "other_village_cadre", "convener", "resident", "anonymous")  # fmt: skip

SEES_HOUSEHOLDS = {
    "county_admin": {"A1", "B1"},
    "supervisor": {"A1", "B1"},
    "township_cadre": {"A1", "B1"},
    "village_cadre": {"A1"},
    "other_village_cadre": {"B1"},
    "convener": {"A1"},
    "resident": {"A1"},
    "anonymous": set(),
}


def _label(tree, code):
    return {tree.group_a1.code: "A1", tree.group_b1.code: "B1"}[code]


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_households_visible_to_each_persona(persona, tree, request):
    name = request.node.callspec.params["persona"]
    seen = {_label(tree, h.region_code) for h in Household.objects.visible_to(persona)}
    assert seen == SEES_HOUSEHOLDS[name]


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_persons_visible_to_each_persona(persona, tree, request):
    name = request.node.callspec.params["persona"]
    seen = {_label(tree, p.region_code) for p in Person.objects.visible_to(persona)}
    assert seen == SEES_HOUSEHOLDS[name]


def test_a_resident_sees_only_their_own_person_record(tree, resident):
    PersonFactory(household=tree.household_a1, name="张小明", relation="child")
    assert list(Person.objects.visible_to(resident)) == [tree.person_a1]


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("county_admin", True),
        ("township_cadre", True),
        ("village_cadre", True),
        ("other_village_cadre", False),
        ("resident", True),
        ("anonymous", False),
    ],
    indirect=["persona"],
)
def test_access_household_gives_not_found_outside_scope(persona, visible, tree):
    if visible:
        assert queries.access_household(persona, tree.household_a1.pk) == tree.household_a1
    else:
        with pytest.raises(NotFound):
            queries.access_household(persona, tree.household_a1.pk)


def test_access_household_of_a_missing_id_is_not_found(county_admin):
    with pytest.raises(NotFound):
        queries.access_household(county_admin, 987654)


MAY_CHANGE_PEOPLE = {
    "county_admin": True,
    "supervisor": False,
    "township_cadre": True,
    "village_cadre": True,
    "other_village_cadre": False,
    "convener": False,
    "resident": False,
    "anonymous": False,
}


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_update_household_permission(persona, tree, request):
    name = request.node.callspec.params["persona"]
    audit_before = AuditLog.objects.count()
    if MAY_CHANGE_PEOPLE[name]:
        actions.update_household(
            household_id=tree.household_a1.pk, address="进化镇临江村一组8号", actor=persona
        )
        assert Household.objects.get(pk=tree.household_a1.pk).address == "进化镇临江村一组8号"
        assert AuditLog.objects.count() == audit_before + 1
    else:
        with pytest.raises(NotAllowed):
            actions.update_household(
                household_id=tree.household_a1.pk, address="进化镇临江村一组8号", actor=persona
            )
        assert Household.objects.get(pk=tree.household_a1.pk).address == "进化镇临江村一组1号"
        assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_update_person_permission(persona, tree, request):
    name = request.node.callspec.params["persona"]
    audit_before = AuditLog.objects.count()
    if MAY_CHANGE_PEOPLE[name]:
        actions.update_person(person_id=tree.person_a1.pk, phone="13900001111", actor=persona)
        assert Person.objects.get(pk=tree.person_a1.pk).phone == "13900001111"
        assert AuditLog.objects.get(action="person.update").changes == {"fields": ["phone"]}
    else:
        with pytest.raises(NotAllowed):
            actions.update_person(person_id=tree.person_a1.pk, phone="13900001111", actor=persona)
        assert Person.objects.get(pk=tree.person_a1.pk).phone == "13812345678"
        assert AuditLog.objects.count() == audit_before


REVEAL: dict[str, type[NotAllowed] | type[NotFound] | None] = {
    "county_admin": None,
    "supervisor": None,
    "township_cadre": None,
    "village_cadre": None,
    "other_village_cadre": NotFound,
    "convener": NotAllowed,
    "resident": NotFound,
    "anonymous": NotFound,
}


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_reveal_person_permission(persona, tree, request):
    name = request.node.callspec.params["persona"]
    audit_before = AuditLog.objects.count()
    call = {
        "person_id": tree.person_a1.pk,
        "fields": ["phone", "name"],
        "reason": "电话回访",
        "actor": persona,
    }
    if REVEAL[name] is None:
        assert actions.reveal_person(**call) == {"phone": "13812345678", "name": "张三"}
        row = AuditLog.objects.get(action="person.reveal")
        assert (row.reason, row.changes, row.actor) == (
            "电话回访",
            {"fields": ["name", "phone"]},
            persona,
        )
    else:
        expected = REVEAL[name]
        assert expected is not None
        with pytest.raises(expected):
            actions.reveal_person(**call)
        assert AuditLog.objects.count() == audit_before


def test_reveal_needs_a_reason(tree, county_admin):
    with pytest.raises(Invalid) as error:
        actions.reveal_person(
            person_id=tree.person_a1.pk, fields=["phone"], reason=" ", actor=county_admin
        )
    assert list(error.value.fields) == ["reason"]
    assert AuditLog.objects.count() == 0


MAY_CHANGE_MEMBERSHIP = {
    "county_admin": True,
    "supervisor": False,
    "township_cadre": False,
    "village_cadre": False,
    "other_village_cadre": False,
    "convener": True,
    "resident": False,
    "anonymous": False,
}


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_add_membership_permission(persona, tree, request):
    name = request.node.callspec.params["persona"]
    call = {
        "person": tree.person_a1,
        "unit": tree.council_a1,
        "role": "member",
        "selection": "elected",
        "started_on": datetime.date(2026, 1, 5),
        "actor": persona,
    }
    if MAY_CHANGE_MEMBERSHIP[name]:
        membership = actions.add_membership(**call)
        assert (membership.region_code, membership.role) == ("520327101201001", "member")
        assert AuditLog.objects.filter(action="membership.create").count() == 1
    else:
        with pytest.raises(NotAllowed):
            actions.add_membership(**call)
        assert Membership.objects.count() == 0
        assert AuditLog.objects.count() == 0


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_memberships_visible_to_each_persona(persona, tree, request):
    MembershipFactory(person=tree.person_a1, unit=tree.council_a1)
    MembershipFactory(person=tree.person_b1, unit=tree.council_b1)
    name = request.node.callspec.params["persona"]
    seen = {_label(tree, m.region_code) for m in Membership.objects.visible_to(persona)}
    expected = SEES_HOUSEHOLDS[name]
    assert seen == expected
