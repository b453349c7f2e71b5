"""Demo accounts, one per persona, with their grants and (for residents' roles) their person."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sizhi.accounts.models import User
from sizhi.demo.fenggang import (
    COUNTY_CODE,
    HOME_GROUP,
    HOME_VILLAGE,
    SIBLING_VILLAGE,
    SMALL_TOWNSHIP,
)
from sizhi.orgs.models import Region, RoleGrant, Unit, UnitKind
from sizhi.orgs.roles import Role
from sizhi.residents.models import Membership, MembershipRole, Person, Relation

DEMO_PASSWORD = "fenggang2026"


@dataclass(frozen=True)
class Persona:
    key: str
    label: Promise
    phone: str
    role: str
    region: str  # the grant's region code, or the region of its unit
    unit_kind: str = ""  # set: the grant is on the unit of this kind at ``region``
    name: str = ""  # for staff; personas linked to a person take the person's name
    staff: bool = False


PERSONAS: tuple[Persona, ...] = (
    Persona("county_admin", _("县级管理员"), "13900000001", Role.COUNTY_ADMIN, COUNTY_CODE,
            name="罗建平", staff=True),
    Persona("supervisor", _("督查员"), "13900000002", Role.SUPERVISOR, COUNTY_CODE,
            name="冉晓燕"),
    Persona("operator", _("12343话务员"), "13900000003", Role.OPERATOR, COUNTY_CODE,
            name="任小芳"),
    Persona("dispatcher", _("派单员"), "13900000004", Role.DISPATCHER, COUNTY_CODE,
            name="田志强"),
    Persona("township_cadre", _("乡镇联系干部"), "13900000005", Role.CADRE, SMALL_TOWNSHIP,
            name="陈光明"),
    Persona("village_cadre", _("村联系干部"), "13900000006", Role.CADRE, HOME_VILLAGE,
            name="杨红梅"),
    Persona("sibling_village_cadre", _("邻村联系干部"), "13900000007", Role.CADRE,
            SIBLING_VILLAGE, name="王德勇"),
    Persona("handler", _("乡镇承办人"), "13900000008", Role.HANDLER, SMALL_TOWNSHIP,
            unit_kind=UnitKind.SERVICE_CENTRE, name="张丽"),
    Persona("convener", _("议事会召集人"), "13900000009", Role.CONVENER, HOME_GROUP,
            unit_kind=UnitKind.COUNCIL),
    Persona("branch_secretary", _("村党支部书记"), "13900000010", Role.BRANCH_SECRETARY,
            HOME_VILLAGE, unit_kind=UnitKind.PARTY_BRANCH),
    Persona("council_member", _("议事会成员"), "13900000011", Role.COUNCIL_MEMBER, HOME_GROUP),
    Persona("resident", _("群众"), "13900000012", Role.RESIDENT, HOME_GROUP),
)  # fmt: skip

PERSONA_PHONES = tuple(persona.phone for persona in PERSONAS)


def _linked_person(persona: Persona) -> Person | None:
    """The resident a persona is: the convener of the home group's council, the secretary of
    the home village's party branch, an ordinary member of the home group's council, and a
    household head of the home group who holds no seat."""
    seats = Membership.objects.current()
    if persona.key == "convener":
        seat = seats.filter(
            unit__region_code=HOME_GROUP, unit__kind=UnitKind.COUNCIL, role=MembershipRole.CONVENER
        ).order_by("pk")
    elif persona.key == "branch_secretary":
        seat = seats.filter(
            unit__region_code=HOME_VILLAGE,
            unit__kind=UnitKind.PARTY_BRANCH,
            role=MembershipRole.SECRETARY,
        ).order_by("pk")
    elif persona.key == "council_member":
        seat = seats.filter(
            unit__region_code=HOME_GROUP, unit__kind=UnitKind.COUNCIL, role=MembershipRole.MEMBER
        ).order_by("pk")
    elif persona.key == "resident":
        return (
            Person.objects.filter(region_code=HOME_GROUP, relation=Relation.HEAD)
            .exclude(memberships__isnull=False)
            .order_by("pk")
            .first()
        )
    else:
        return None
    first = seat.select_related("person").first()
    return first.person if first else None


def place_name(code: str) -> str:
    """进化镇临江村临平组 for a group; the county's name for the county."""
    if len(code) == len(COUNTY_CODE):
        return Region.objects.get(code=code).name
    prefixes = [code[:length] for length in (9, 12, 15) if length <= len(code)]
    return "".join(
        Region.objects.filter(code__in=prefixes).order_by("code").values_list("name", flat=True)
    )


def _user(persona: Persona, name: str, password_hash: str) -> User:
    """The persona's account, reused when an earlier demo (since reset) left it behind."""
    user = User.objects.filter(phone=persona.phone).first()
    if user is None:
        user = User.objects.create_user(persona.phone, None, name=name)
    user.name = name
    user.is_active = True
    user.is_staff = persona.staff
    user.is_superuser = False
    # One hash of the shared password for all accounts: hashing is slow by design.
    user.password = password_hash
    user.save()
    return user


def create_personas(password: str = DEMO_PASSWORD) -> list[tuple[Persona, User, str]]:
    """Accounts, grants and links for every persona whose place was built. Returns
    (persona, user, scope) where scope names the region or unit of the grant."""
    password_hash = make_password(password)
    created = []
    for persona in PERSONAS:
        region = Region.objects.filter(code=persona.region).first()
        if region is None:
            continue
        unit = None
        if persona.unit_kind:
            unit = Unit.objects.filter(region=region, kind=persona.unit_kind).first()
            if unit is None:
                continue
        person = _linked_person(persona)
        user = _user(persona, person.name if person else persona.name, password_hash)
        if person is not None:
            Person.objects.filter(pk=person.pk).update(user=user, phone=persona.phone)
        RoleGrant.objects.get_or_create(
            user=user,
            role=persona.role,
            region=None if unit else region,
            unit=unit,
            revoked_at=None,
            defaults={"region_code": unit.region_code if unit else region.code},
        )
        scope = f"{unit.name if unit else place_name(region.code)} ({region.code})"
        created.append((persona, user, scope))
    return created


def persona_grants_q() -> Q:
    return Q(user__phone__in=PERSONA_PHONES)


def existing_personas() -> list[tuple[Persona, str]]:
    """(persona, scope) of the persona accounts an earlier build made and that are active."""
    found = []
    for persona in PERSONAS:
        grant = (
            RoleGrant.objects.active()
            .filter(user__phone=persona.phone, user__is_active=True, role=persona.role)
            .select_related("region", "unit")
            .first()
        )
        if grant is None:
            continue
        name = grant.unit.name if grant.unit else place_name(grant.region_code)
        found.append((persona, f"{name} ({grant.region_code})"))
    return found
