"""Receiving a case from any channel: one validation, one numbering, one set of protections."""

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.cases.actions.base import (
    load_for_update,
    tell_listeners,
    tracking_hash,
    transition_case,
)
from sizhi.cases.actions.clocks import start_clocks
from sizhi.cases.actions.files import file_problems, store_files
from sizhi.cases.models import (
    Case,
    CaseEvent,
    CaseNumber,
    Category,
    Channel,
    Kind,
    PetitionClass,
    Urgency,
)
from sizhi.cases.tasks import notify_case_event
from sizhi.cases.workflow import OPEN_STATES
from sizhi.core import audit
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, Throttled
from sizhi.core.pii import is_mobile, keyed_hash, normalise_mobile
from sizhi.core.text import search_terms
from sizhi.orgs.models import Region, Unit, can, granted_unit_ids
from sizhi.residents.models import Person

PUBLIC_CHANNELS = frozenset({Channel.WEB, Channel.APP, Channel.OPEN311, Channel.MAILBOX})
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_REPRESENTATIVES = 5
DUPLICATE_WINDOW = dt.timedelta(minutes=10)
RATE_WINDOW = dt.timedelta(hours=1)
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Submitted:
    case: Case
    tracking_code: str = ""  # shown once to the submitter; "" when an existing case came back
    created: bool = True
    repeat: bool = False
    problems: list[str] = field(default_factory=list)


def _next_in_counter(county_code: str, year: int) -> int | None:
    """Add one to the county's counter of the year and read it back, in one statement where
    the database can return what it updated (PostgreSQL, SQLite 3.35+); None when the
    counter does not exist yet."""
    if connection.features.can_return_rows_from_bulk_insert:
        table, last, county, year_column = (
            connection.ops.quote_name(name)
            for name in (CaseNumber._meta.db_table, "last", "county_code", "year")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                # The model's own table and columns, quoted; the values are parameters.
                f"UPDATE {table} SET {last} = {last} + 1 "  # noqa: S608
                f"WHERE {county} = %s AND {year_column} = %s RETURNING {last}",
                [county_code, year],
            )
            row = cursor.fetchone()
        return int(row[0]) if row else None
    counter = CaseNumber.objects.filter(county_code=county_code, year=year)
    if counter.update(last=F("last") + 1):
        return int(counter.values_list("last", flat=True).get())
    return None


def allocate_number(county_code: str, year: int) -> str:
    """The next case number of the county and year, e.g. 520327-2026-000123. The counter row is
    updated in place, which locks it until the transaction ends: numbers are never reused and
    never collide, on SQLite (one writer at a time) and on PostgreSQL (row lock)."""
    for _attempt in range(3):
        last = _next_in_counter(county_code, year)
        if last is not None:
            return f"{county_code}-{year}-{last:06d}"
        try:
            with transaction.atomic():
                CaseNumber.objects.create(county_code=county_code, year=year, last=0)
        except IntegrityError:
            continue  # another transaction created it first; take the next number from it
    raise RuntimeError("could not allocate a case number")


def _clean_phone(raw: str, errors: dict[str, list[str]]) -> str:
    phone = normalise_mobile(raw)
    if phone and not (is_mobile(phone) or LANDLINE.match(phone)):
        errors["contact_phone"] = [_("请输入有效的手机号码或带区号的固定电话。")]
    return phone


def _choice(value: str, choices: Any, name: str, errors: dict[str, list[str]]) -> str:
    if value not in choices.values:
        errors[name] = [_("请选择有效的选项。")]
    return value


def _coordinate(
    value: Any, low: int, high: int, name: str, errors: dict[str, list[str]]
) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite():
            raise InvalidOperation
        number = number.quantize(Decimal("0.000001"))
    except ArithmeticError:
        errors[name] = [_("坐标格式不正确。")]
        return None
    if not low <= number <= high:
        errors[name] = [_("坐标超出范围。")]
        return None
    return number


def _row(model: type[M], value: Any, **filters: Any) -> M | None:
    """The row with primary key ``value`` (a number, or digits), or None."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return model._default_manager.filter(pk=pk, **filters).first()


def _text(value: Any) -> str:
    return str(value or "").strip()


@transaction.atomic
def submit_case(
    *,
    channel: str,
    kind: str,
    category_id: int | None,
    title: str,
    description: str,
    region_code: str,
    actor: Any,
    urgency: str = Urgency.NORMAL,
    petition_class: str = "",
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    person_id: int | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    is_anonymous: bool = False,
    is_confidential: bool | None = None,
    is_public: bool = False,
    representatives: Sequence[str] = (),
    visitors: int = 1,
    receiving_unit_id: int | None = None,
    complained_unit_id: int | None = None,
    idempotency_key: str = "",
    repeat_of_id: int | None = None,
    attachments: Sequence[UploadedFile] = (),
    attributes: dict[str, Any] | None = None,
    media_url: str = "",
    client_ip: str | None = None,
    now: dt.datetime | None = None,
) -> Submitted:
    """Register a case. A double submit (same idempotency key, or the same text from the same
    phone within ten minutes) returns the case already made; a request about a matter still
    open for the same caller, category and group is counted as a repeat of it.

    Public channels (web, app, Open311, mailbox) take anyone, signed in or not; the staff
    channels (hotline, visit, letter, grid) need an actor with ``cases.intake`` at the place.
    An anonymous case keeps no contact: no name, phone or person. Accusations, reports (举报)
    and petitions are confidential unless said otherwise."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    title, description, address = _text(title), _text(description), _text(address)
    contact_name, idempotency_key = _text(contact_name), _text(idempotency_key)
    _choice(channel, Channel, "channel", errors)
    _choice(kind, Kind, "kind", errors)
    _choice(urgency, Urgency, "urgency", errors)
    if not title:
        errors["title"] = [_("请填写标题。")]
    elif len(title) > 100:
        errors["title"] = [_("标题不能超过100个字。")]
    if not description:
        errors["description"] = [_("请填写诉求内容。")]
    elif len(description) > 5000:
        errors["description"] = [_("诉求内容不能超过5000个字。")]
    if len(address) > 200:
        errors["address"] = [_("地址不能超过200个字。")]
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region is None or region.level == "county":
        errors["region_code"] = [_("请选择事发的乡镇、村或村民小组。")]
    category = _row(Category, category_id, is_active=True, parent__isnull=False)
    if category is None:
        errors["category_id"] = [_("请选择诉求分类。")]
    if kind == Kind.PETITION:
        if not petition_class:
            errors["petition_class"] = [_("请选择信访类别。")]
        else:
            _choice(petition_class, PetitionClass, "petition_class", errors)
    elif petition_class:
        errors["petition_class"] = [_("只有信访事项才有信访类别。")]
    person = None
    if person_id not in (None, ""):
        person = _row(Person, person_id)
        if person is None:
            errors["person_id"] = [_("未找到该居民。")]
    phone = "" if is_anonymous else _clean_phone(contact_phone, errors)
    if person is not None and not is_anonymous:
        phone = phone or person.phone
        contact_name = contact_name or person.name
    if not is_anonymous and not phone and "person_id" not in errors:
        errors["contact_phone"] = [_("请留下联系电话，或选择匿名反映。")]
    if len(contact_name) > 50:
        errors["contact_name"] = [_("姓名不能超过50个字。")]
    if isinstance(representatives, str):
        representatives = [representatives]
    reps = [_text(name) for name in representatives if _text(name)]
    if len(reps) > MAX_REPRESENTATIVES:
        errors["representatives"] = [_("集体访最多推选5名代表。")]
    elif any(len(name) > 50 for name in reps):
        errors["representatives"] = [_("姓名不能超过50个字。")]
    try:
        visitors = int(visitors)
    except (TypeError, ValueError):
        visitors = 0
    if not 1 <= visitors <= 10000:
        errors["visitors"] = [_("来访人数不正确。")]
    lat = _coordinate(latitude, -90, 90, "latitude", errors)
    lng = _coordinate(longitude, -180, 180, "longitude", errors)
    if (lat is None) != (lng is None) and not {"latitude", "longitude"} & errors.keys():
        errors["longitude" if lng is None else "latitude"] = [_("请同时填写经度和纬度。")]
    if len(idempotency_key) > 64:
        errors["idempotency_key"] = [_("幂等键不能超过64个字符。")]
    receiving_unit = complained_unit = None
    if receiving_unit_id not in (None, ""):
        receiving_unit = _row(Unit, receiving_unit_id, is_active=True)
        if receiving_unit is None:
            errors["receiving_unit_id"] = [_("请选择有效的单位。")]
    if complained_unit_id not in (None, ""):
        complained_unit = _row(Unit, complained_unit_id)
        if complained_unit is None:
            errors["complained_unit_id"] = [_("请选择有效的单位。")]
    problems = file_problems(None, attachments, required=False)
    if problems:
        errors["attachments"] = problems
    if errors:
        raise Invalid(fields=errors)
    assert region is not None
    assert category is not None

    staff = bool(getattr(actor, "is_authenticated", False)) and can(
        actor, "cases.intake", region.code
    )
    if channel not in PUBLIC_CHANNELS and not staff:
        raise NotAllowed
    # The receiving unit counts towards the terminal-station rate: only the system, or staff
    # who hold a grant on that unit (or dispatch over its place), may name it.
    if (
        receiving_unit is not None
        and actor is not None
        and not (
            receiving_unit.pk in granted_unit_ids(actor)
            or can(actor, "cases.dispatch", receiving_unit.region_code)
        )
    ):
        raise Invalid(fields={"receiving_unit_id": [_("只能以本人所在单位作为受理单位。")]})
    county = region.code[:6]

    # Double submits come back as the case already made.
    if idempotency_key:
        existing = Case.objects.filter(county_code=county, idempotency_key=idempotency_key).first()
        if existing is not None:
            return Submitted(existing, created=False)
    if phone:
        same = Case.objects.filter(
            contact_phone=phone, description=description, received_at__gte=now - DUPLICATE_WINDOW
        ).first()
        if same is not None:
            return Submitted(same, created=False)
        if (
            not staff
            and Case.objects.filter(contact_phone=phone, received_at__gte=now - RATE_WINDOW).count()
            >= settings.SIZHI_INTAKE_PER_PHONE_PER_HOUR
        ):
            raise Throttled(_("该号码提交过于频繁，请稍后再试或拨打12343热线。"))
    ip_hash = keyed_hash(client_ip, "intake-ip") if client_ip else ""
    if (
        ip_hash
        and not staff
        and Case.objects.filter(ip_hash=ip_hash, received_at__gte=now - RATE_WINDOW).count()
        >= settings.SIZHI_INTAKE_PER_IP_PER_HOUR
    ):
        raise Throttled(_("提交过于频繁，请稍后再试或拨打12343热线。"))

    # A request about a matter already open is a repeat of it, not a new case.
    open_matter = None
    if repeat_of_id is not None:
        open_matter = _repeated_case(repeat_of_id, actor if staff else None, phone)
    elif phone and not staff:
        # Staff see the duplicate suggestions and decide themselves (repeat_of_id); for the
        # public, the same caller, category and group while open is a repeat.
        open_matter = Case.objects.filter(
            contact_phone=phone, category=category, region_code=region.code, state__in=OPEN_STATES
        ).first()
    if open_matter is not None:
        return _record_repeat(open_matter, description, phone, actor if staff else None, now)

    if is_confidential is None:
        is_confidential = (
            kind in {Kind.PETITION, Kind.REPORT} or petition_class == PetitionClass.ACCUSATION
        )
    code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
    try:
        with transaction.atomic():
            number = allocate_number(county, timezone.localtime(now).year)
            case = Case.objects.create(
                number=number,
                county_code=county,
                kind=kind,
                petition_class=petition_class,
                channel=channel,
                category=category,
                urgency=urgency,
                title=title,
                description=description,
                region=region,
                region_code=region.code,
                address=address,
                latitude=lat,
                longitude=lng,
                person=None if is_anonymous else person,
                contact_name="" if is_anonymous else contact_name,
                contact_phone="" if is_anonymous else phone,
                is_anonymous=is_anonymous,
                is_confidential=is_confidential,
                is_public=is_public and not is_confidential,
                representatives=reps,
                visitors=visitors,
                receiving_unit=receiving_unit,
                complained_unit=complained_unit,
                idempotency_key=idempotency_key,
                tracking_hash=tracking_hash(number, code),
                ip_hash=ip_hash,
                received_at=now,
                search_text=" ".join(search_terms(f"{title} {description}")),
                # Answers to the category's service attributes and a photo link, as an
                # Open311 client sends them (checked by the adapter against the definition).
                attributes=dict(attributes or {}),
                media_url=media_url[:500],
            )
    except IntegrityError:
        # The same idempotency key committed by a concurrent request while this one waited.
        existing = (
            Case.objects.filter(county_code=county, idempotency_key=idempotency_key).first()
            if idempotency_key
            else None
        )
        if existing is None:
            raise
        return Submitted(existing, created=False)
    start_clocks(case, "received", now)
    event = CaseEvent.objects.create(
        case=case,
        region_code=case.region_code,
        at=now,
        # A resident's own account is not shown on the timeline (the unit may be the one
        # complained about); the audit row keeps who it was.
        actor=actor if staff else None,
        unit=receiving_unit,
        transition="receive",
        from_state="",
        to_state=case.state,
        data={"channel": channel},
        is_public=True,
    )
    store_files(case, attachments, event=event, public=True)
    audit.record(actor=actor, action="case.receive", obj=case, changes={"channel": channel})
    event_id = event.pk
    transaction.on_commit(lambda: notify_case_event.enqueue(event_id))
    tell_listeners(event)
    return Submitted(case, tracking_code=code)


def _repeated_case(repeat_of_id: Any, staff_actor: Any, phone: str) -> Case:
    """The open case named as the one this request repeats: staff may name any case they can
    see, the public only a case filed from the same phone."""
    if staff_actor is not None:
        cases = Case.objects.visible_to(staff_actor)
    elif phone:
        cases = Case.objects.filter(contact_phone=phone)
    else:
        cases = Case.objects.none()
    case = _row_in(cases, repeat_of_id)
    if case is None:
        raise Invalid(fields={"repeat_of_id": [_("所关联的诉求不存在。")]})
    if case.state not in OPEN_STATES:
        raise InvalidState(_("所关联的诉求已办结，请作为新诉求登记。"))
    return case


def _row_in(cases: QuerySet[Case], value: Any) -> Case | None:
    try:
        return cases.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def _record_repeat(
    case: Case, description: str, phone: str, actor: Any, now: dt.datetime
) -> Submitted:
    """Count a repeat on ``case``; its submitter sees it on their timeline only when it came
    from them (another caller's words stay internal)."""
    locked = load_for_update(case.pk)
    transition_case(
        case=locked,
        name="repeat",
        actor=actor,
        note=description[:2000],
        changes={"repeat_count": locked.repeat_count + 1},
        now=now,
        public=bool(phone) and phone == locked.contact_phone,
    )
    return Submitted(locked, created=False, repeat=True)
