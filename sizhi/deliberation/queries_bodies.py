"""A deliberative body as its members and its record: who sits on it, for how long, whether its
make-up meets the law, and its recent meetings."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from sizhi.core.errors import NotFound
from sizhi.deliberation import config, rules
from sizhi.deliberation.models import Meeting
from sizhi.orgs.models import Unit
from sizhi.residents.models import Membership


@dataclass
class BodyPage:
    unit: Unit
    members: list[Membership]
    warnings: list[str]
    rule: str
    meetings: list[Meeting]


def body_page(user: Any, unit_id: Any, today: dt.date | None = None) -> BodyPage:
    """Four queries: the unit, its current members with their persons, its meetings (plus the
    viewer's grants once)."""
    today = today or timezone.localdate()
    try:
        key = int(unit_id)
    except (TypeError, ValueError):
        raise NotFound from None
    unit = (
        Unit.objects.visible_to(user)
        .filter(pk=key, kind__in=rules.BODY_KINDS)
        .select_related("region")
        .first()
    )
    if unit is None:
        raise NotFound
    members = list(
        Membership.objects.current()
        .filter(unit=unit)
        .select_related("person")
        .order_by("role", "started_on", "id")
    )
    seats = [rules.Seat(m.role, m.person.gender, m.term_ends_on) for m in members]
    meetings = list(Meeting.objects.filter(body=unit).order_by("-starts_at", "-id")[:20])
    return BodyPage(
        unit=unit,
        members=members,
        warnings=rules.composition_warnings(unit.kind, seats, today),
        rule=rules.describe(config.body_rule(unit.kind)),
        meetings=meetings,
    )
