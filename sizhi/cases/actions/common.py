"""Checks and helpers shared by the case actions."""

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from sizhi.cases.actions import clocks
from sizhi.cases.actions.base import transition_case
from sizhi.cases.models import (
    Case,
    Supervision,
)
from sizhi.core.calendar import deadline
from sizhi.core.errors import Invalid, InvalidState
from sizhi.orgs.models import Unit, UnitKind


def required_text(value: str, field: str, message: str, limit: int = 2000) -> str:
    value = value.strip()
    if not value:
        raise Invalid(fields={field: [message]})
    if len(value) > limit:
        raise Invalid(fields={field: [_("内容不能超过%(limit)d个字。") % {"limit": limit}]})
    return value


def active_unit(unit_id: int | None) -> Unit:
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first() if unit_id else None
    if unit is None:
        raise Invalid(fields={"unit_id": [_("请选择有效的承办单位。")]})
    return unit


def check_competence(case: Case, unit: Unit) -> None:
    """Never push a county department's matter down to a township or village."""
    category = case.category
    if category.owner_level == "county" and len(unit.region_code) > 6:
        raise Invalid(fields={"unit_id": [_("该分类属县直部门职责，不能派给乡镇或村。")]})
    if not (len(unit.region_code) <= 6 or case.region_code.startswith(unit.region_code)):
        raise Invalid(fields={"unit_id": [_("承办单位不在事发地所属区域。")]})


def county_office(case: Case) -> Unit | None:
    return Unit.objects.filter(region_code=case.county_code, kind=UnitKind.COUNTY_OFFICE).first()


def escalate(case: Case, reason: str, actor: Any, now: dt.datetime) -> Supervision:
    office = county_office(case)
    owner = office or case.handling_unit
    if owner is None:
        raise InvalidState(_("没有可督办的单位。"))
    due = deadline(now, *clocks.limits().named("supervision")).due_at
    supervision = Supervision.objects.create(
        case=case,
        reason=reason[:200],
        owner_unit=owner,
        due_at=due,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    transition_case(
        case=case,
        name="escalate",
        actor=actor,
        note=reason,
        changes={"is_escalated": True},
        data={"supervision": supervision.pk, "owner_unit": owner.pk},
        now=now,
    )
    return supervision
