"""Writing the audit log. Every action calls record() inside its transaction."""

from collections.abc import Mapping
from typing import Any

from django.db import models

from sizhi.core.models import AuditLog
from sizhi.core.requestmeta import current_ip


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose values differ."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(after.get(key))]
        for key in after
        if before.get(key) != after.get(key)
    }


REASON_LENGTH = AuditLog._meta.get_field("reason").max_length or 200


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    region_code: str = "",
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditLog:
    """Append one audit row. ``actor`` None means the system (imports, sweeps, the demo).
    A long ``reason`` is cut to the column (the full text stays on the object's own event)."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        region_code=region_code or getattr(obj, "region_code", "") or "",
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
        reason=reason[:REASON_LENGTH],
        ip=current_ip(),
    )
