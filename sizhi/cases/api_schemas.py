"""Schemas of the case endpoints of the JSON API: what comes in (strict: unknown fields are
refused) and what goes out (contacts masked as on the desk)."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import TextChoices
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from sizhi.cases.models import Case, CaseEvent, Category, Channel, Kind, PetitionClass, Urgency
from sizhi.cases.queries import Contact
from sizhi.cases.workflow import CaseState
from sizhi.core.api.types import IsoDateTime
from sizhi.orgs.models import Region, Unit

# A row id as the database stores it: a larger number would overflow the column, not just miss.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50

# The steps the API takes by name (the resident's own steps, reopening and repeats are not
# taken through it: they come with a tracking code, a follow-up or an intake).
TransitionName = Literal[
    "accept", "decline", "dispatch", "sign_for", "object", "uphold", "reassign", "transfer",
    "contact", "reply", "follow_up", "close", "merge", "request_extension", "approve_extension",
    "reject_extension", "pause_clock", "resume_clock", "escalate", "add_note", "issue_review",
    "issue_recheck", "terminate",
]  # fmt: skip


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


def _one_of(choices: type[TextChoices], *extra: str) -> Callable[[Any], Any]:
    allowed = frozenset([*extra, *choices.values])

    def check(value: Any) -> Any:
        if isinstance(value, str) and value in allowed:
            return value
        # pydantic's own error type for a bad choice, so the message is the same.
        raise PydanticCustomError("enum", "Input should be one of the listed values")

    return check


def _listed(choices: type[TextChoices], *extra: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": [*extra, *choices.values]})


# One of the choices or "" (none, or no filter), checked in one step: a union with
# ``Literal[""]`` would report a bad value once per branch, under names such as
# ``petition_class.str-enum[PetitionClass]``; the document lists what is accepted.
PetitionClassChoice = Annotated[
    str, BeforeValidator(_one_of(PetitionClass, "")), _listed(PetitionClass, "")
]
StateChoice = Annotated[
    str, BeforeValidator(_one_of(CaseState, "", "open")), _listed(CaseState, "", "open")
]
UrgencyChoice = Annotated[str, BeforeValidator(_one_of(Urgency, "")), _listed(Urgency, "")]
ChannelChoice = Annotated[str, BeforeValidator(_one_of(Channel, "")), _listed(Channel, "")]


# -- In --------------------------------------------------------------------------------------------


class CaseIn(Strict):
    """A new case. Public channels (app, web, mailbox) take anyone; the staff channels
    (hotline, visit, letter, grid) need the intake permission at the place."""

    channel: Channel = Channel.APP
    kind: Kind
    category_id: RowId = Field(description="A second-level category (see GET /categories).")
    title: str
    description: str
    region_code: str = Field(
        "",
        description="The township, village or group where it happened. May be left out when "
        "latitude and longitude are given: the place whose reference point is nearest (within "
        "SIZHI_POINT_RADIUS_M) is taken.",
    )
    urgency: Urgency = Urgency.NORMAL
    petition_class: PetitionClassChoice = Field(
        "", description="Required for a petition (kind petition), empty for any other kind."
    )
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    contact_name: str = ""
    contact_phone: str = ""
    is_anonymous: bool = False
    is_confidential: bool | None = Field(
        None, description="Unset: accusations, reports and petitions are confidential."
    )
    is_public: bool = False
    representatives: list[str] = Field(default_factory=list, max_length=20)
    visitors: int = 1
    complained_unit_id: RowId | None = None


class TransitionIn(Strict):
    """One step of the workflow. ``note`` carries the text the step needs: the reason of a
    decline, objection, transfer, extension or escalation, the reply, the note, the opinion of
    a petition review."""

    name: TransitionName
    note: str = ""
    unit_id: RowId | None = Field(None, description="dispatch, reassign, transfer")
    redirect_to: str = Field("", description="decline: where the resident should turn")
    contacted: bool = Field(True, description="follow_up")
    solved: bool | None = Field(None, description="follow_up")
    satisfaction: int | None = Field(None, description="follow_up: 1 (worst) to 5")
    numbers: list[str] = Field(
        default_factory=list, max_length=50, description="merge: cases merged into this one"
    )
    pause_reason: str = Field("", description="pause_clock: waiting_resident, hearing, appraisal")


class CaseQuery(Schema):
    state: StateChoice = Field("", description='A state, or "open" for every open state.')
    category_id: RowId | None = Field(None, description="A category or a first-level group.")
    urgency: UrgencyChoice = ""
    region: str = Field("", description="A region code: the cases in its subtree.")
    channel: ChannelChoice = ""
    updated_since: IsoDateTime | None = None
    cursor: str = ""
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


# -- Out -------------------------------------------------------------------------------------------


class CategoryRef(Schema):
    id: int
    code: str
    name: str


class UnitRef(Schema):
    id: int
    name: str


class ContactOut(Schema):
    name: str = Field(description="Masked.")
    phone: str = Field(description="Masked.")
    hidden: bool = Field(description="Confidential: not shown to the unit complained about.")


class CaseSummaryOut(Schema):
    number: str
    kind: str
    channel: str
    category: CategoryRef
    urgency: str
    title: str
    state: str
    region_code: str
    handling_unit: UnitRef | None
    received_at: dt.datetime
    updated_at: dt.datetime


class CaseOut(CaseSummaryOut):
    petition_class: str
    description: str
    address: str
    contact: ContactOut
    is_anonymous: bool
    is_confidential: bool
    is_public: bool
    is_escalated: bool
    receiving_unit: UnitRef | None
    merged_into: str | None
    transfer_count: int
    reopen_count: int
    extension_count: int
    repeat_count: int
    assigned_at: dt.datetime | None
    first_contact_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    reply: str
    satisfaction: int | None
    is_solved: bool | None
    allowed_transitions: list[str] = Field(description="Steps the caller may take now.")


class CasePage(Schema):
    items: list[CaseSummaryOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class IntakeOut(Schema):
    number: str
    tracking_code: str = Field(
        description="Shown once, to give to the resident (empty when the case existed)."
    )
    created: bool
    repeat: bool = Field(description="Counted as a repeat of an open case of the same caller.")
    case: CaseOut | None = Field(description="The case, when the caller may see it.")


class TransitionOut(Schema):
    transition: str
    state: str
    case: CaseOut | None = Field(description="The case, when the caller may still see it.")


class EventOut(Schema):
    at: dt.datetime
    transition: str
    from_state: str
    to_state: str
    note: str
    unit: UnitRef | None
    is_public: bool = Field(description="Shown on the resident's tracking page.")


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_code: str | None
    owner_level: str
    selectable: bool = Field(description="A second-level category, for intake.")


class RegionOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    region_code: str


# -- Shaping ---------------------------------------------------------------------------------------


def unit_ref(unit: Unit | None) -> UnitRef | None:
    return UnitRef(id=unit.pk, name=unit.name) if unit is not None else None


def case_summary(case: Case) -> dict[str, Any]:
    category = case.category
    return {
        "number": case.number,
        "kind": case.kind,
        "channel": case.channel,
        "category": CategoryRef(id=category.pk, code=category.code, name=category.name),
        "urgency": case.urgency,
        "title": case.title,
        "state": case.state,
        "region_code": case.region_code,
        "handling_unit": unit_ref(case.handling_unit),
        "received_at": case.received_at,
        "updated_at": case.updated_at,
    }


def case_out(case: Case, contact: Contact, allowed: list[str]) -> CaseOut:
    return CaseOut(
        **case_summary(case),
        petition_class=case.petition_class,
        description=case.description,
        address=case.address,
        contact=ContactOut(name=contact.name, phone=contact.phone, hidden=contact.hidden),
        is_anonymous=case.is_anonymous,
        is_confidential=case.is_confidential,
        is_public=case.is_public,
        is_escalated=case.is_escalated,
        receiving_unit=unit_ref(case.receiving_unit),
        merged_into=case.merged_into.number if case.merged_into is not None else None,
        transfer_count=case.transfer_count,
        reopen_count=case.reopen_count,
        extension_count=case.extension_count,
        repeat_count=case.repeat_count,
        assigned_at=case.assigned_at,
        first_contact_at=case.first_contact_at,
        replied_at=case.replied_at,
        closed_at=case.closed_at,
        reply=case.reply,
        satisfaction=case.satisfaction,
        is_solved=case.is_solved,
        allowed_transitions=allowed,
    )


def event_out(event: CaseEvent) -> EventOut:
    return EventOut(
        at=event.at,
        transition=event.transition,
        from_state=event.from_state,
        to_state=event.to_state,
        note=event.note,
        unit=unit_ref(event.unit),
        is_public=event.is_public,
    )


def category_out(category: Category) -> CategoryOut:
    parent = category.parent
    return CategoryOut(
        id=category.pk,
        code=category.code,
        name=category.name,
        parent_code=parent.code if parent is not None else None,
        owner_level=category.owner_level,
        selectable=parent is not None,
    )


def region_out(region: Region) -> RegionOut:
    code = region.code
    return RegionOut(
        code=code,
        name=region.name,
        level=region.level,
        kind=region.kind,
        parent_code=code[:-3] if len(code) > 6 else None,
    )


def unit_out(unit: Unit) -> UnitOut:
    return UnitOut(id=unit.pk, name=unit.name, kind=unit.kind, region_code=unit.region_code)
