"""Inserting the planned cases (``sizhi.demo.casewalk.CasePlan``) with their events, clocks,
follow-ups, extensions and supervisions: cases through bulk_create (their keys are needed), the
three largest tables as plain rows."""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain
from typing import Any

from django.db import connection, models
from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext as _

from sizhi.cases.actions.base import tracking_hash
from sizhi.cases.actions.sweep import FLAG_ACTION, unflagged_bad_ratings
from sizhi.cases.models import (
    Case,
    CaseClock,
    CaseEvent,
    CaseNumber,
    Extension,
    FollowUp,
    Supervision,
)
from sizhi.core.models import AuditLog
from sizhi.core.text import search_terms
from sizhi.demo.caseplan import last_numbers
from sizhi.demo.casewalk import CasePlan
from sizhi.demo.fenggang import COUNTY_CODE
from sizhi.demo.orgwriter import BATCH_SIZE
from sizhi.orgs.models import Region

EVENT_COLUMNS = (
    "case", "region_code", "at", "actor", "unit", "transition", "from_state", "to_state", "note",
    "data", "is_public",
)  # fmt: skip
CLOCK_COLUMNS = (
    "case", "region_code", "kind", "value", "unit", "started_at", "due_at", "provisional", "state",
    "paused_at", "pause_reason", "stopped_at", "due_soon_at", "overdue_at",
)  # fmt: skip
FOLLOW_UP_COLUMNS = (
    "case", "region_code", "at", "by", "by_resident", "contacted", "solved", "satisfaction",
    "note", "needs_contact_by",
)  # fmt: skip
INSERT_BATCH = 5000


@dataclass(frozen=True)
class Written:
    cases: int
    events: int
    flagged: int  # bad ratings not contacted in time, flagged as the sweep would have


class SearchWords:
    """Search words of a case from its parts; each part is cut into search terms once (the
    parts repeat: a few hundred texts and a few thousand place names)."""

    def __init__(self) -> None:
        self.cache: dict[str, list[str]] = {}

    def terms(self, part: str) -> list[str]:
        found = self.cache.get(part)
        if found is None:
            found = self.cache[part] = search_terms(part)
        return found

    def text(self, parts: Iterable[str]) -> str:
        return " ".join(dict.fromkeys(chain.from_iterable(self.terms(p) for p in parts)))


def _actor(key: str, actors: dict[str, int], handler_unit: tuple[int, int] | None) -> int | None:
    if key.startswith("handler@"):
        if handler_unit is not None and key == f"handler@{handler_unit[1]}":
            return handler_unit[0]
        return None
    return actors.get(key)


def write_plans(
    plans: list[CasePlan],
    *,
    codes: dict[int, str],
    as_of: dt.datetime,
    actors: dict[str, int],
    handler_unit: tuple[int, int] | None,
) -> Written:
    """Insert the planned cases and everything that hangs on them. ``codes``: tracking codes
    of the featured cases by index; ``actors``: persona key → user id; ``handler_unit``:
    (user id, unit id) of the handler persona."""
    words = SearchWords()
    cases = [
        Case(
            number=p.number,
            county_code=COUNTY_CODE,
            kind=p.kind,
            petition_class=p.petition_class,
            channel=p.channel,
            category_id=p.category_id,
            urgency=p.urgency,
            title=p.title,
            description=p.description,
            region_code=p.region_code,
            address=p.address,
            person_id=p.person_id,
            contact_name=p.contact_name,
            contact_phone=p.contact_phone,
            is_anonymous=p.is_anonymous,
            is_confidential=p.is_confidential,
            is_public=p.is_public,
            representatives=p.representatives,
            visitors=p.visitors,
            state=p.state,
            receiving_unit_id=p.receiving_unit_id,
            handling_unit_id=p.handling_unit_id,
            complained_unit_id=p.complained_unit_id,
            is_designated=p.is_designated,
            transfer_count=p.transfer_count,
            reopen_count=p.reopen_count,
            extension_count=p.extension_count,
            repeat_count=p.repeat_count,
            is_escalated=p.is_escalated,
            tracking_hash=tracking_hash(p.number, codes[p.index]) if p.index in codes else "",
            received_at=p.received_at,
            assigned_at=p.assigned_at,
            first_contact_at=p.first_contact_at,
            replied_at=p.replied_at,
            closed_at=p.closed_at,
            reply=p.reply,
            satisfaction=p.satisfaction,
            is_solved=p.is_solved,
            search_text=words.text(p.search_parts),
        )
        for p in plans
    ]
    _set_regions(cases)
    Case.objects.bulk_create(cases, batch_size=BATCH_SIZE)
    if any(case.pk is None for case in cases):
        found = dict(
            Case.objects.filter(county_code=COUNTY_CODE).values_list("number", "pk").iterator()
        )
        for case in cases:
            case.pk = found[case.number]
    children = []
    for plan, case in zip(plans, cases, strict=True):
        if plan.merged_into is not None:
            case.merged_into_id = cases[plan.merged_into].pk
            children.append(case)
    Case.objects.bulk_update(children, ["merged_into"], batch_size=500)
    extension_pks, supervision_pks = _write_extensions(plans, cases, actors, handler_unit)
    events = [
        (
            case.pk,
            plan.region_code,
            e.at,
            _actor(e.actor, actors, handler_unit),
            e.unit_id,
            e.transition,
            e.from_state,
            e.to_state,
            e.note,
            _data(e.data, e.refs, plan.index, cases, extension_pks, supervision_pks),
            e.is_public,
        )
        for plan, case in zip(plans, cases, strict=True)
        for e in plan.events
    ]
    insert_rows(CaseEvent, EVENT_COLUMNS, events)
    insert_rows(
        CaseClock,
        CLOCK_COLUMNS,
        (
            (
                case.pk,
                plan.region_code,
                c.kind,
                c.value,
                c.unit,
                c.started_at,
                c.due_at,
                c.provisional,
                c.state,
                c.paused_at,
                c.pause_reason,
                c.stopped_at,
                c.due_soon_at,
                c.overdue_at,
            )
            for plan, case in zip(plans, cases, strict=True)
            for c in plan.clocks
        ),
    )
    insert_rows(
        FollowUp,
        FOLLOW_UP_COLUMNS,
        (
            (
                case.pk,
                plan.region_code,
                f.at,
                _actor(f.by, actors, handler_unit),
                f.by_resident,
                f.contacted,
                f.solved,
                f.satisfaction,
                f.note,
                f.needs_contact_by,
            )
            for plan, case in zip(plans, cases, strict=True)
            for f in plan.follow_ups
        ),
    )
    flagged = _flag_bad_ratings(as_of)
    # created_at and updated_at are stamped by Django on insert; the demo's history has its own.
    last_event = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-at", "-id").values("at")
    Case.objects.filter(county_code=COUNTY_CODE).update(
        created_at=F("received_at"), updated_at=Subquery(last_event[:1])
    )
    for year, last in last_numbers(plans).items():
        CaseNumber.objects.update_or_create(
            county_code=COUNTY_CODE, year=year, defaults={"last": last}
        )
    return Written(cases=len(cases), events=len(events), flagged=flagged)


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT plain rows (values in ``columns`` order, foreign keys as ids) without building
    model instances: for the demo's largest tables (events, clocks, follow-ups), where
    bulk_create's per-value preparation is most of the build's time. Only date-times and JSON
    need adapting to the database; the rows get no primary keys back."""
    fields: list[models.Field[Any, Any]] = []
    for name in columns:
        found = model._meta.get_field(name)
        assert isinstance(found, models.Field)
        fields.append(found)
    ops = connection.ops
    adapters: list[Callable[[Any], Any] | None] = []
    for column in fields:
        if isinstance(column, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(column, models.JSONField):
            adapters.append(partial(column.get_db_prep_save, connection=connection))
        else:
            adapters.append(None)
    quote = ops.quote_name
    names = ", ".join(quote(column.column) for column in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
    count = 0
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(
                tuple(
                    value if adapt is None or value is None else adapt(value)
                    for adapt, value in zip(adapters, row, strict=True)
                )
            )
            if len(batch) == INSERT_BATCH:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _data(
    data: dict[str, Any],
    refs: dict[str, tuple[str, int]],
    index: int,
    cases: list[Case],
    extension_pks: dict[tuple[int, int], int],
    supervision_pks: dict[tuple[int, int], int],
) -> dict[str, Any]:
    """An event's data with the rows it names (the parent case, the extension, the
    supervision) given by their primary keys."""
    if not refs:
        return data
    data = dict(data)
    for key, (table, position) in refs.items():
        if table == "case":
            data[key] = cases[position].pk
        elif table == "extension":
            data[key] = extension_pks[(index, position)]
        else:
            data[key] = supervision_pks[(index, position)]
    return data


def _flag_bad_ratings(as_of: dt.datetime) -> int:
    """The audit rows the sweep writes when a bad rating was not contacted in time (the final
    rating of a reopened case: it is closed, nobody calls back), so that the first sweep after
    the build does not flag a year of them at once. Stamped with the build time."""
    pending = unflagged_bad_ratings(as_of, None).filter(case__county_code=COUNTY_CODE)
    rows = [
        AuditLog(
            action=FLAG_ACTION,
            object_type=FollowUp._meta.label_lower,
            object_id=str(pk),
            object_repr=f"{case_id} {satisfaction}",
            region_code=region_code,
            changes={"case": case_id, "needs_contact_by": due.isoformat() if due else None},
            reason=_("示范数据：按巡检规则补记"),
        )
        for pk, case_id, satisfaction, region_code, due in pending.order_by("pk").values_list(
            "pk", "case_id", "satisfaction", "region_code", "needs_contact_by"
        )
    ]
    AuditLog.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _set_regions(cases: list[Case]) -> None:
    """Region keys from the codes, a few hundred at a time."""
    codes = {case.region_code for case in cases}
    regions: dict[str, int] = {}
    code_list = sorted(codes)
    for start in range(0, len(code_list), 500):
        regions.update(
            Region.objects.filter(code__in=code_list[start : start + 500]).values_list("code", "pk")
        )
    for case in cases:
        case.region_id = regions[case.region_code]


def _write_extensions(
    plans: list[CasePlan],
    cases: list[Case],
    actors: dict[str, int],
    handler_unit: tuple[int, int] | None,
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    extensions, extension_keys = [], []
    supervisions, supervision_keys, created = [], [], []
    for plan, case in zip(plans, cases, strict=True):
        for position, x in enumerate(plan.extensions):
            extensions.append(
                Extension(
                    case_id=case.pk,
                    value=x.value,
                    unit=x.unit,
                    reason=x.reason,
                    state=x.state,
                    requested_by_id=_actor(x.requested_by, actors, handler_unit),
                    requested_at=x.requested_at,
                    decided_by_id=_actor(x.decided_by, actors, handler_unit),
                    decided_at=x.decided_at,
                )
            )
            extension_keys.append((plan.index, position))
        for position, s in enumerate(plan.supervisions):
            supervisions.append(
                Supervision(
                    case_id=case.pk, reason=s.reason, owner_unit_id=s.owner_unit_id, due_at=s.due_at
                )
            )
            supervision_keys.append((plan.index, position))
            created.append(s.created_at)
    Extension.objects.bulk_create(extensions, batch_size=BATCH_SIZE)
    Supervision.objects.bulk_create(supervisions, batch_size=BATCH_SIZE)
    _ensure_pks(extensions, Extension)
    _ensure_pks(supervisions, Supervision)
    for supervision, at in zip(supervisions, created, strict=True):
        supervision.created_at = at  # auto_now_add stamped the build time
    Supervision.objects.bulk_update(supervisions, ["created_at"], batch_size=500)
    return (
        {key: x.pk for key, x in zip(extension_keys, extensions, strict=True)},
        {key: s.pk for key, s in zip(supervision_keys, supervisions, strict=True)},
    )


def _ensure_pks(rows: list[Any], model: Any) -> None:
    """Primary keys bulk_create could not return (SQLite before 3.35): each case's rows were
    inserted in order, so the n-th row of a case is its n-th row by key."""
    if not rows or rows[0].pk is not None:
        return
    found: dict[int, list[int]] = {}
    case_ids = sorted({row.case_id for row in rows})
    for start in range(0, len(case_ids), 500):
        for case_id, pk in (
            model.objects.filter(case_id__in=case_ids[start : start + 500])
            .order_by("case_id", "pk")
            .values_list("case_id", "pk")
        ):
            found.setdefault(case_id, []).append(pk)
    seen: dict[int, int] = {}
    for row in rows:
        position = seen.get(row.case_id, 0)
        row.pk = found[row.case_id][position]
        seen[row.case_id] = position + 1
