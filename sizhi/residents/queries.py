"""Reads of households, persons and memberships: scoped, and masked by default."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from sizhi.core.errors import NotFound
from sizhi.core.pii import mask_address, mask_id_last4, mask_name, mask_phone
from sizhi.core.regioncode import count_by_prefix
from sizhi.residents.models import Household, Membership, Person


@dataclass(frozen=True)
class MaskedPerson:
    """What a list or a detail page shows of a person unless it was revealed."""

    id: int
    name: str
    phone: str
    id_number: str
    gender: str
    birth_year: int | None
    is_party_member: bool
    region_code: str


def masked(person: Person) -> MaskedPerson:
    return MaskedPerson(
        id=person.pk,
        name=mask_name(person.name),
        phone=mask_phone(person.phone),
        id_number=mask_id_last4(person.id_last4),
        gender=person.get_gender_display(),
        birth_year=person.birth_year,
        is_party_member=person.is_party_member,
        region_code=person.region_code,
    )


def masked_address(household: Household) -> str:
    return mask_address(household.address)


def access_household(user: Any, household_id: int) -> Household:
    household = Household.objects.visible_to(user).filter(pk=household_id).first()
    if household is None:
        raise NotFound
    return household


def access_person(user: Any, person_id: int) -> Person:
    person = Person.objects.visible_to(user).filter(pk=person_id).first()
    if person is None:
        raise NotFound
    return person


def list_households_for(user: Any, region_code: str) -> QuerySet[Household]:
    return Household.objects.visible_to(user).within(region_code).order_by("region_code", "number")


def list_members_of_household(user: Any, household: Household) -> list[MaskedPerson]:
    people = Person.objects.visible_to(user).filter(household=household).order_by("id")
    return [masked(p) for p in people]


def list_memberships_for(user: Any, region_code: str) -> QuerySet[Membership]:
    """Current seats in units sited exactly at ``region_code``."""
    return (
        Membership.objects.visible_to(user)
        .current()
        .filter(region_code=region_code)
        .select_related("person", "unit")
        .order_by("unit__kind", "unit_id", "role", "id")
    )


def count_households_by_child(user: Any, region_code: str, length: int) -> dict[str, int]:
    return count_by_prefix(Household.objects.visible_to(user), region_code, length)


def count_persons_by_child(user: Any, region_code: str, length: int) -> dict[str, int]:
    return count_by_prefix(Person.objects.visible_to(user), region_code, length)


def count_members_by_child(user: Any, region_code: str, length: int) -> dict[str, int]:
    return count_by_prefix(Membership.objects.visible_to(user).current(), region_code, length)
