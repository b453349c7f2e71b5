"""The person endpoints of the JSON API (mounted under /api/v1/): residents as keyset pages and
one by one, always masked (name, phone), never with the ID number, and only for callers whose
grants let them see persons somewhere (``residents.view_person``). What is visible is
``Person.objects.visible_to``, narrowed by a token's region scope."""

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from sizhi.accounts.apiauth import Principal, principal_of
from sizhi.core.api.cursor import MAX_YEAR, MIN_YEAR, decode_cursor, encode_cursor
from sizhi.core.api.messages import DATETIME
from sizhi.core.api.types import IsoDateTime, RowId
from sizhi.core.errors import Invalid, NotAllowed, NotFound
from sizhi.core.pii import mask_name, mask_phone
from sizhi.core.regioncode import is_valid, within_q
from sizhi.orgs.models import scope_prefixes
from sizhi.residents import queries
from sizhi.residents.models import Membership, Person

READ = "persons:read"
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50

router = Router(tags=["persons"])


class PersonQuery(Schema):
    region: str = Field("", description="A region code: the persons in its subtree.")
    updated_since: IsoDateTime | None = None
    cursor: str = ""
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class PersonOut(Schema):
    id: int
    name: str = Field(description="Masked: the first character only.")
    phone: str = Field(description="Masked: 139****5678.")
    gender: str = Field(description='m, f or "".')
    birth_year: int | None
    relation: str = Field(description="To the head of the household.")
    is_party_member: bool
    household_id: int | None
    region_code: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SeatOut(Schema):
    unit_id: int
    unit_name: str
    unit_kind: str
    role: str


class PersonDetailOut(PersonOut):
    seats: list[SeatOut] = Field(description="Current seats in units the caller may see.")


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


def _reader(request: HttpRequest) -> Principal:
    """A caller with the scope whose user may see persons somewhere (403 otherwise: the list
    is not for residents, who see only their own record on their pages)."""
    principal = principal_of(request)
    principal.require(READ)
    if not scope_prefixes(principal.user, "residents.view_person"):
        raise NotAllowed
    return principal


def _person_out(person: Person) -> PersonOut:
    return PersonOut(
        id=person.pk,
        name=mask_name(person.name),
        phone=mask_phone(person.phone),
        gender=person.gender,
        birth_year=person.birth_year,
        relation=person.relation,
        is_party_member=person.is_party_member,
        household_id=person.household_id,
        region_code=person.region_code,
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


@router.get("/persons", response=PersonPage, summary="List persons")
def list_persons(request: HttpRequest, filters: Query[PersonQuery]) -> PersonPage:
    """The persons the caller may see, masked, newest first, a page at a time (keyset: pass
    ``next_cursor`` back as ``cursor``). A fixed number of queries whatever the page size."""
    principal = _reader(request)
    cursor = decode_cursor(filters.cursor)
    wanted = filters.region.strip()
    if wanted and not is_valid(wanted):
        raise Invalid(fields={"region": [_("请输入有效的区划代码，如 520327101。")]})
    region = principal.narrow(wanted)
    if region is None:
        return PersonPage(items=[], next_cursor=None)
    rows = Person.objects.visible_to(principal.user)
    if region:
        rows = rows.filter(within_q([region]))
    since = filters.updated_since
    if since is not None:
        if not MIN_YEAR <= since.year <= MAX_YEAR:
            raise Invalid(fields={"updated_since": [str(DATETIME)]})
        rows = rows.filter(
            updated_at__gte=timezone.make_aware(since) if timezone.is_naive(since) else since
        )
    if cursor is not None:
        at, pk = cursor
        rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    found = list(rows.order_by("-created_at", "-id")[: filters.limit + 1])
    page = found[: filters.limit]
    last = page[-1] if len(found) > filters.limit else None
    return PersonPage(
        items=[_person_out(person) for person in page],
        next_cursor=encode_cursor(last.created_at, last.pk) if last is not None else None,
    )


@router.get("/persons/{person_id}", response=PersonDetailOut, summary="Get a person")
def get_person(request: HttpRequest, person_id: RowId) -> PersonDetailOut:
    """One person, masked, with their current seats (council member, representative, …)."""
    principal = _reader(request)
    person = queries.access_person(principal.user, person_id)
    if not principal.covers(person.region_code):
        raise NotFound
    seats = (
        Membership.objects.visible_to(principal.user)
        .current()
        .filter(person=person)
        .select_related("unit")
        .order_by("unit_id", "role", "id")
    )
    return PersonDetailOut(
        **_person_out(person).model_dump(),
        seats=[
            SeatOut(
                unit_id=seat.unit_id,
                unit_name=seat.unit.name,
                unit_kind=seat.unit.kind,
                role=seat.role,
            )
            for seat in seats
        ],
    )
