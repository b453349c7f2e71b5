import datetime

import pytest

from sizhi.core.errors import Invalid, NotFound
from sizhi.core.models import AuditLog
from sizhi.core.pii import hash_id_number, id_check_char
from sizhi.residents import actions
from sizhi.residents.models import Household, Person

pytestmark = pytest.mark.django_db

FIRST17 = "52032719800101001"
ID_NUMBER = FIRST17 + id_check_char(FIRST17)


def test_create_person_stores_only_the_hash_and_last_four_of_the_id_number(tree, village_cadre):
    person = actions.create_person(
        household=tree.household_a1,
        name="王五",
        relation="spouse",
        phone="+86 139 0000 2222",
        id_number=ID_NUMBER.lower(),
        actor=village_cadre,
    )
    person.refresh_from_db()
    assert (person.phone, person.id_last4, person.id_hash) == (
        "13900002222",
        ID_NUMBER[-4:],
        hash_id_number(ID_NUMBER),
    )
    assert person.name_pinyin == "wangwu"
    assert Household.objects.get(pk=tree.household_a1.pk).size == 2
    stored = [str(v) for v in Person.objects.filter(pk=person.pk).values().get().values()]
    assert ID_NUMBER not in stored
    audit_row = AuditLog.objects.get(action="person.create")
    assert ID_NUMBER not in str(audit_row.changes)
    assert "13900002222" not in str(audit_row.changes)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12345"),
        ("id_number", FIRST17 + ("0" if ID_NUMBER[-1] != "0" else "1")),
        ("id_number", "52032719800101"),
    ],
)
def test_create_person_refuses_bad_input_and_stores_nothing(tree, village_cadre, field, value):
    before = Person.objects.count()
    with pytest.raises(Invalid) as error:
        actions.create_person(
            household=tree.household_a1,
            name="王五",
            relation="spouse",
            actor=village_cadre,
            **{field: value},
        )
    assert list(error.value.fields) == [field]
    assert Person.objects.count() == before
    assert AuditLog.objects.count() == 0


def test_the_same_id_number_cannot_be_registered_twice(tree, village_cadre):
    actions.create_person(
        household=tree.household_a1,
        name="王五",
        relation="spouse",
        id_number=ID_NUMBER,
        actor=village_cadre,
    )
    with pytest.raises(Invalid) as error:
        actions.create_person(
            household=tree.household_a1,
            name="王六",
            relation="child",
            id_number=ID_NUMBER,
            actor=village_cadre,
        )
    assert error.value.fields == {"id_number": ["该身份证号码已登记。"]}
    assert Person.objects.filter(name="王六").count() == 0


def test_update_person_refuses_fields_it_does_not_know(tree, county_admin):
    with pytest.raises(Invalid) as error:
        actions.update_person(person_id=tree.person_a1.pk, id_hash="x", actor=county_admin)
    assert list(error.value.fields) == ["id_hash"]
    assert Person.objects.get(pk=tree.person_a1.pk).id_hash == ""


def test_households_live_in_groups_only(tree, county_admin):
    with pytest.raises(Invalid) as error:
        actions.create_household(
            region=tree.village_a, number="X1", address="临江村", actor=county_admin
        )
    assert list(error.value.fields) == ["region"]
    assert Household.objects.count() == 2


def test_a_membership_cannot_end_before_it_started(tree, county_admin):
    membership = actions.add_membership(
        person=tree.person_a1,
        unit=tree.council_a1,
        role="convener",
        selection="elected",
        started_on=datetime.date(2026, 3, 1),
        actor=county_admin,
    )
    with pytest.raises(Invalid):
        actions.end_membership(
            membership_id=membership.pk, ended_on=datetime.date(2026, 2, 1), actor=county_admin
        )
    membership.refresh_from_db()
    assert membership.ended_on is None
    actions.end_membership(
        membership_id=membership.pk, ended_on=datetime.date(2026, 4, 1), actor=county_admin
    )
    with pytest.raises(NotFound):
        actions.end_membership(
            membership_id=membership.pk, ended_on=datetime.date(2026, 5, 1), actor=county_admin
        )


def test_a_member_must_live_in_the_village_of_the_unit(tree, county_admin):
    with pytest.raises(Invalid) as error:
        actions.add_membership(
            person=tree.person_b1,
            unit=tree.council_a1,
            role="member",
            selection="elected",
            started_on=datetime.date(2026, 3, 1),
            actor=county_admin,
        )
    assert list(error.value.fields) == ["person"]
