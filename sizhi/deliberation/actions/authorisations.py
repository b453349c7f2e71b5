"""The villagers' assembly authorises its representatives' assembly (授权)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sizhi.core import audit
from sizhi.core.errors import Invalid, NotAllowed
from sizhi.deliberation.models import Authorisation, Meeting, StatutoryMatter
from sizhi.orgs.models import Unit, UnitKind, can


def _date(value: Any, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[name] = [_("请输入有效的日期。")]
        return None


@dataclass
class Checked:
    errors: dict[str, list[str]]
    assembly: Unit | None
    matters: list[str]
    start: dt.date | None
    end: dt.date | None
    meeting: Meeting | None


def check_authorisation(
    *, assembly_id: Any, matters: Iterable[str], valid_from: Any, valid_to: Any, meeting_id: Any
) -> Checked:
    """The input checked: problems by field, and the values found (no permission check)."""
    errors: dict[str, list[str]] = {}
    try:
        key = int(assembly_id)
    except (TypeError, ValueError):
        key = 0
    assembly = Unit.objects.filter(
        pk=key, kind=UnitKind.REPRESENTATIVES_ASSEMBLY, is_active=True
    ).first()
    if assembly is None:
        errors["assembly_id"] = [_("请选择村民代表会议。")]
    chosen = sorted(set(matters))
    if not chosen or any(m not in StatutoryMatter.values for m in chosen):
        errors["matters"] = [_("请选择授权事项。")]
    start = _date(valid_from, "valid_from", errors)
    end = _date(valid_to, "valid_to", errors)
    if start and end and end < start:
        errors["valid_to"] = [_("有效期止不能早于有效期起。")]
    meeting = None
    if meeting_id not in (None, ""):
        meeting = Meeting.objects.filter(
            pk=meeting_id, body__kind=UnitKind.VILLAGERS_ASSEMBLY, held=True
        ).first()
        if meeting is None or assembly is None or meeting.region_code != assembly.region_code:
            errors["meeting_id"] = [_("授权应由本村已召开的村民会议作出。")]
    return Checked(errors, assembly, chosen, start, end, meeting)


@transaction.atomic
def grant_authorisation(
    *,
    assembly_id: Any,
    matters: Iterable[str],
    valid_from: Any,
    valid_to: Any,
    actor: Any,
    meeting_id: Any = None,
    note: str = "",
) -> Authorisation:
    """Record that the villagers' assembly let the representatives' assembly decide
    ``matters`` between the two dates (at ``meeting_id``, one of its own meetings)."""
    checked = check_authorisation(
        assembly_id=assembly_id,
        matters=matters,
        valid_from=valid_from,
        valid_to=valid_to,
        meeting_id=meeting_id,
    )
    assembly = checked.assembly
    if assembly is not None and not can(actor, "deliberation.manage", assembly.region_code):
        raise NotAllowed
    errors = checked.errors
    if len(note) > 200:
        errors["note"] = [_("内容不能超过%(limit)d个字。") % {"limit": 200}]
    if errors:
        raise Invalid(fields=errors)
    assert assembly is not None
    assert checked.start is not None
    assert checked.end is not None
    authorisation = Authorisation.objects.create(
        assembly=assembly,
        region_code=assembly.region_code,
        matters=checked.matters,
        valid_from=checked.start,
        valid_to=checked.end,
        granted_at_meeting=checked.meeting,
        note=note.strip(),
    )
    audit.record(
        actor=actor,
        action="authorisation.grant",
        obj=authorisation,
        changes={"matters": checked.matters, "valid_from": checked.start, "valid_to": checked.end},
    )
    return authorisation
