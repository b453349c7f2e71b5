"""Reads of places and units, always scoped."""

from typing import Any

from django.db.models import QuerySet

from sizhi.core.errors import NotFound
from sizhi.core.models import AuditLog
from sizhi.core.regioncode import LEVEL_LENGTHS, child_level, count_by_prefix, within_q
from sizhi.orgs.models import Region, RoleGrant, ServicePoint, Unit, can, scope_prefixes

__all__ = [
    "access_region",
    "access_unit",
    "can",
    "count_units_by_child",
    "list_audit_for",
    "list_children",
    "list_grants_for",
    "list_units_for",
    "region_path",
    "scope_prefixes",
    "service_points_by_code",
]


def access_region(code: str) -> Region:
    """Regions are public reference data: anyone may see the tree itself."""
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound
    return region


def region_path(region: Region) -> list[Region]:
    """The region and its ancestors, county first, in one query."""
    codes = [
        region.code[:length] for length in LEVEL_LENGTHS.values() if length <= len(region.code)
    ]
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def list_children(region: Region) -> list[Region]:
    return list(Region.objects.filter(parent=region).order_by("code"))


def access_unit(user: Any, unit_id: int) -> Unit:
    unit = Unit.objects.visible_to(user).select_related("region").filter(pk=unit_id).first()
    if unit is None:
        raise NotFound
    return unit


def list_units_for(user: Any, region: Region) -> QuerySet[Unit]:
    """Units sited exactly at this region, if the user may see units there."""
    return Unit.objects.visible_to(user).filter(region=region).order_by("kind", "name")


def count_units_by_child(user: Any, region: Region) -> dict[str, int]:
    """Number of visible units in each child's subtree, keyed by child code: one query."""
    level = child_level(region.level)
    if level is None:
        return {}
    return count_by_prefix(Unit.objects.visible_to(user), region.code, LEVEL_LENGTHS[level])


def service_points_by_code(codes: list[str]) -> dict[str, ServicePoint]:
    return {p.region_code: p for p in ServicePoint.objects.filter(region_code__in=codes)}


def list_grants_for(user: Any) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.active().filter(user_id=user.pk).select_related("region", "unit")


def list_audit_for(user: Any) -> QuerySet[AuditLog]:
    """Audit rows about the places the user supervises (county admins and supervisors)."""
    return AuditLog.objects.filter(within_q(scope_prefixes(user, "core.view_audit")))
