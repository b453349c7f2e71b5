"""Every change to households, persons and memberships, and every unmasked read."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sizhi.core import audit
from sizhi.core.actions import snapshot, validated
from sizhi.core.errors import Invalid, NotAllowed, NotFound
from sizhi.core.pii import (
    hash_id_number,
    is_id_number,
    is_mobile,
    normalise_id_number,
    normalise_mobile,
)
from sizhi.core.text import name_pinyin_of
from sizhi.orgs.models import Region, Unit, can
from sizhi.residents.models import Household, Membership, Person

PERSON_FIELDS = ["name", "gender", "birth_year", "phone", "is_party_member", "relation"]
REVEALABLE = ("name", "phone", "address")


def _require(actor: Any, perm: str, region_code: str) -> None:
    if actor is not None and not can(actor, perm, region_code):
        raise NotAllowed


def _clean_phone(raw: str) -> str:
    phone = normalise_mobile(raw)
    if phone and not is_mobile(phone):
        raise Invalid(fields={"phone": [_("请输入有效的11位手机号码，例如 13812345678。")]})
    return phone


def _id_fields(raw: str) -> tuple[str, str]:
    if not raw:
        return "", ""
    value = normalise_id_number(raw)
    if not is_id_number(value):
        raise Invalid(fields={"id_number": [_("身份证号码格式或校验位不正确。")]})
    id_hash = hash_id_number(value)
    if Person.objects.filter(id_hash=id_hash).exists():
        raise Invalid(fields={"id_number": [_("该身份证号码已登记。")]})
    return id_hash, value[-4:]


@transaction.atomic
def create_household(*, region: Region, number: str, address: str, actor: Any) -> Household:
    if region.level != "group":
        raise Invalid(fields={"region": [_("户须登记在村民小组。")]})
    _require(actor, "residents.change_household", region.code)
    household = Household(
        region=region, region_code=region.code, number=number.strip(), address=address.strip()
    )
    validated(household)
    household.save()
    audit.record(actor=actor, action="household.create", obj=household, changes={"number": number})
    return household


@transaction.atomic
def update_household(*, household_id: int, address: str, actor: Any) -> Household:
    household = Household.objects.select_for_update().filter(pk=household_id).first()
    if household is None:
        raise NotFound
    _require(actor, "residents.change_household", household.region_code)
    changed = household.address != address.strip()
    household.address = address.strip()
    validated(household)
    household.save(update_fields=["address", "updated_at"])
    # Personal data never goes into the audit row itself: the field name is enough.
    audit.record(
        actor=actor,
        action="household.update",
        obj=household,
        changes={"fields": ["address"] if changed else []},
    )
    return household


@transaction.atomic
def create_person(
    *,
    household: Household,
    name: str,
    relation: str,
    gender: str = "",
    birth_year: int | None = None,
    phone: str = "",
    id_number: str = "",
    is_party_member: bool = False,
    actor: Any,
) -> Person:
    _require(actor, "residents.change_person", household.region_code)
    id_hash, id_last4 = _id_fields(id_number)
    person = Person(
        region_id=household.region_id,
        region_code=household.region_code,
        household=household,
        relation=relation,
        name=name.strip(),
        name_pinyin=name_pinyin_of(name.strip()),
        gender=gender,
        birth_year=birth_year,
        phone=_clean_phone(phone),
        id_hash=id_hash,
        id_last4=id_last4,
        is_party_member=is_party_member,
    )
    validated(person, exclude=["id_hash"])
    person.save()
    Household.objects.filter(pk=household.pk).update(size=household.members.count())
    audit.record(
        actor=actor,
        action="person.create",
        obj=person,
        changes={"fields": [f for f in PERSON_FIELDS if getattr(person, f)]},
    )
    return person


@transaction.atomic
def update_person(*, person_id: int, actor: Any, **changes: Any) -> Person:
    """Change the given fields of a person; unknown fields are refused."""
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise Invalid(fields={name: [_("不能修改此字段。")] for name in sorted(unknown)})
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        raise NotFound
    _require(actor, "residents.change_person", person.region_code)
    before = snapshot(person, PERSON_FIELDS)
    if "phone" in changes:
        changes["phone"] = _clean_phone(changes["phone"])
    for field, value in changes.items():
        setattr(person, field, value.strip() if isinstance(value, str) else value)
    person.name_pinyin = name_pinyin_of(person.name)
    validated(person)
    person.save()
    changed = sorted(audit.diff(before, snapshot(person, PERSON_FIELDS)))
    audit.record(actor=actor, action="person.update", obj=person, changes={"fields": changed})
    return person


@transaction.atomic
def reveal_person(*, person_id: int, fields: list[str], reason: str, actor: Any) -> dict[str, str]:
    """Return personal fields in clear, for a stated reason; the read is logged."""
    if not reason.strip():
        raise Invalid(fields={"reason": [_("查看完整信息须填写理由。")]})
    if not fields or set(fields) - set(REVEALABLE):
        raise Invalid(fields={"fields": [_("只能查看姓名、手机号和住址。")]})
    person = Person.objects.select_related("household").filter(pk=person_id).first()
    if person is None or (
        actor is not None and not can(actor, "residents.view_person", person.region_code)
    ):
        raise NotFound
    _require(actor, "residents.reveal_person", person.region_code)
    values = {
        "name": person.name,
        "phone": person.phone,
        "address": person.household.address if person.household else "",
    }
    audit.record(
        actor=actor,
        action="person.reveal",
        obj=person,
        changes={"fields": sorted(fields)},
        reason=reason.strip()[:200],
    )
    return {name: values[name] for name in fields}


@transaction.atomic
def add_membership(
    *,
    person: Person,
    unit: Unit,
    role: str,
    selection: str,
    started_on: date,
    term_ends_on: date | None = None,
    actor: Any,
) -> Membership:
    _require(actor, "residents.change_membership", unit.region_code)
    if not person.region_code.startswith(unit.region_code[:12]):
        raise Invalid(fields={"person": [_("成员须为本村（社区）居民。")]})
    if Membership.objects.current().filter(person=person, unit=unit, role=role).exists():
        raise Invalid(fields={"person": [_("此人已在该单位担任此职务。")]})
    membership = Membership(
        person=person,
        unit=unit,
        region_code=unit.region_code,
        role=role,
        selection=selection,
        started_on=started_on,
        term_ends_on=term_ends_on,
    )
    validated(membership)
    membership.save()
    audit.record(
        actor=actor,
        action="membership.create",
        obj=membership,
        changes={"unit": unit.pk, "role": role, "selection": selection},
    )
    return membership


@transaction.atomic
def end_membership(*, membership_id: int, ended_on: date, actor: Any) -> Membership:
    membership = Membership.objects.select_for_update().filter(pk=membership_id).first()
    if membership is None or membership.ended_on is not None:
        raise NotFound
    _require(actor, "residents.change_membership", membership.region_code)
    if ended_on < membership.started_on:
        raise Invalid(fields={"ended_on": [_("离任日期不能早于任期开始。")]})
    membership.ended_on = ended_on
    membership.save(update_fields=["ended_on", "updated_at"])
    audit.record(
        actor=actor, action="membership.end", obj=membership, changes={"ended_on": ended_on}
    )
    return membership
