"""Getting a case to the unit that handles it: accept or decline, dispatch (the terminal
station), objection and arbitration, transfer, and escalation."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.cases import routing
from sizhi.cases.actions import clocks
from sizhi.cases.actions.base import check_visible, load_for_update, transition_case
from sizhi.cases.actions.common import (
    active_unit,
    check_competence,
    county_office,
    escalate,
    required_text,
)
from sizhi.cases.models import (
    Case,
    RoutingRule,
    Supervision,
)
from sizhi.cases.tasks import copy_to_unit
from sizhi.core.calendar import deadline
from sizhi.core.errors import Invalid, InvalidState
from sizhi.orgs.models import Unit


def suggest_unit(case: Case) -> routing.Route:
    """The terminal station for ``case`` by the routing rules and the default."""
    category = case.category
    info = routing.CategoryInfo(
        category.pk, category.parent_id, category.owner_level, category.owner_department_id
    )
    rules = [
        (
            rule.category_id,
            rule.region_code,
            routing.UnitInfo(rule.unit_id, rule.unit.kind, rule.unit.region_code),
        )
        for rule in RoutingRule.objects.filter(
            category_id__in=[category.pk, category.parent_id], unit__is_active=True
        ).select_related("unit")
        if case.region_code.startswith(rule.region_code)
    ]
    path = [case.region_code[:n] for n in (6, 9, 12, 15) if n <= len(case.region_code)]
    units = [
        routing.UnitInfo(u.pk, u.kind, u.region_code)
        for u in Unit.objects.filter(region_code__in=path, is_active=True)
    ]
    return routing.route(
        category=info, region_code=case.region_code, rules=rules, units_on_path=units
    )


@transaction.atomic
def accept_case(*, case_id: int, actor: Any, note: str = "") -> Case:
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    transition_case(case=case, name="accept", actor=actor, note=note)
    return case


@transaction.atomic
def decline_case(*, case_id: int, reason: str, redirect_to: str, actor: Any) -> Case:
    """不予受理, with the lawful reason and where the resident should go instead."""
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    reason = required_text(reason, "reason", _("请说明不予受理的理由。"), 500)
    redirect_to = required_text(redirect_to, "redirect_to", _("请告知群众应向何处反映。"), 200)
    now = timezone.now()
    transition_case(
        case=case,
        name="decline",
        actor=actor,
        note=_("%(reason)s 请向%(where)s反映。") % {"reason": reason, "where": redirect_to},
        data={"reason": reason, "redirect_to": redirect_to},
        changes={"closed_at": now},
        now=now,
    )
    return case


@transaction.atomic
def dispatch_case(*, case_id: int, unit_id: int | None, actor: Any, note: str = "") -> Case:
    """Send the case to a handling unit (the suggested terminal station when none is given).
    Dispatch to a township copies the county office."""
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    if unit_id is None:
        unit_id = suggest_unit(case).unit_id
    unit = active_unit(unit_id)
    check_competence(case, unit)
    now = timezone.now()
    objection = clocks.limits().objection_window(case.kind)
    transition_case(
        case=case,
        name="dispatch",
        actor=actor,
        note=note,
        unit_id=unit.pk,
        changes={
            "handling_unit": unit,
            "receiving_unit": case.receiving_unit or unit,
            "assigned_at": now,
        },
        data={"unit": unit.pk, "object_until": deadline(now, *objection).due_at.isoformat()},
        now=now,
    )
    if len(unit.region_code) == 9:
        _copy_county_office(case, unit)
    return case


def _copy_county_office(case: Case, unit: Unit) -> None:
    office = county_office(case)
    if office is not None:
        case_id, office_id = case.pk, office.pk
        transaction.on_commit(lambda: copy_to_unit.enqueue(case_id, office_id))


def _object_until(case: Case) -> dt.datetime | None:
    event = case.events.filter(transition__in=["dispatch", "transfer", "reassign"]).last()
    if event is None or "object_until" not in event.data:
        return None
    return dt.datetime.fromisoformat(event.data["object_until"])


@transaction.atomic
def object_to_case(*, case_id: int, reason: str, actor: Any) -> Case:
    """The handling unit says the case is not theirs (退单), within the window, with a reason."""
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    reason = required_text(reason, "reason", _("请说明退单理由。"), 500)
    if case.is_designated:
        raise InvalidState(_("创建办已指定承办单位，不能退回。"))
    until = _object_until(case)
    if until is not None and timezone.now() > until:
        raise InvalidState(_("已超过退单时限。"))
    transition_case(
        case=case, name="object", actor=actor, note=reason, unit_id=case.handling_unit_id
    )
    return case


@transaction.atomic
def decide_objection(*, case_id: int, unit_id: int | None, note: str, actor: Any) -> Case:
    """The county office arbitrates: the same unit (uphold) or another (reassign, counted as a
    transfer). Either way the unit is designated and cannot return it again."""
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    note = required_text(note, "note", _("请填写裁定意见。"), 500)
    if unit_id is None or unit_id == case.handling_unit_id:
        transition_case(
            case=case,
            name="uphold",
            actor=actor,
            note=note,
            changes={"is_designated": True},
            unit_id=case.handling_unit_id,
        )
        return case
    unit = active_unit(unit_id)
    check_competence(case, unit)
    now = timezone.now()
    count = case.transfer_count + 1
    transition_case(
        case=case,
        name="reassign",
        actor=actor,
        note=note,
        unit_id=unit.pk,
        changes={
            "handling_unit": unit,
            "is_designated": True,
            "transfer_count": count,
            "assigned_at": now,
        },
        data={"from_unit": case.handling_unit_id, "unit": unit.pk},
        now=now,
    )
    _escalate_if_handed_around(case, count, now)
    return case


def _escalate_if_handed_around(case: Case, transfers: int, now: dt.datetime) -> None:
    """A case handed around more than the allowed number of times goes to the county office."""
    if transfers > clocks.limits().max_transfers and not case.is_escalated:
        escalate(case, _("多次转派，由创建办督办。"), None, now)


@transaction.atomic
def transfer_case(*, case_id: int, unit_id: int, reason: str, actor: Any) -> Case:
    """Re-route a case; every transfer is justified and counted, and a case handed around more
    than the allowed number of times is escalated to the county office."""
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    reason = required_text(reason, "reason", _("请说明转派理由。"), 500)
    unit = active_unit(unit_id)
    if unit.pk == case.handling_unit_id:
        raise Invalid(fields={"unit_id": [_("不能转派给当前承办单位。")]})
    check_competence(case, unit)
    now = timezone.now()
    count = case.transfer_count + 1
    objection = clocks.limits().objection_window(case.kind)
    transition_case(
        case=case,
        name="transfer",
        actor=actor,
        note=reason,
        unit_id=unit.pk,
        changes={"handling_unit": unit, "transfer_count": count, "assigned_at": now},
        data={
            "from_unit": case.handling_unit_id,
            "unit": unit.pk,
            "object_until": deadline(now, *objection).due_at.isoformat(),
        },
        now=now,
    )
    _escalate_if_handed_around(case, count, now)
    return case


@transaction.atomic
def escalate_case(*, case_id: int, reason: str, actor: Any) -> Supervision:
    """督办, with the county office as owner and a deadline."""
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    reason = required_text(reason, "reason", _("请填写督办事由。"), 200)
    return escalate(case, reason, actor, timezone.now())
