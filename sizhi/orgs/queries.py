"""Reads of places and units, always scoped."""

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from django.db.models import QuerySet

from sizhi.core.errors import NotFound
from sizhi.core.models import AuditLog
from sizhi.core.regioncode import (
    LEVEL_LENGTHS,
    LEVEL_ORDER,
    child_level,
    count_by_prefix,
    within_q,
)
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
    "nearest_region",
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


# The mean Earth radius (IUGG), and so the length of one degree of latitude.
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
POINT_LEVELS = ("township", "village", "group")
MICRO_DEGREE = Decimal("0.000001")


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The haversine distance in metres (good to ~0.5% anywhere, far better at county scale)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _degrees(value: float, rounding: str) -> Decimal:
    """A bound as the column stores it (six decimals), rounded outwards so the box never
    loses a row that lies exactly on its edge."""
    return Decimal(repr(value)).quantize(MICRO_DEGREE, rounding=rounding)


def _box(latitude: float, longitude: float, radius_m: int) -> dict[str, Decimal]:
    """Lookups of a latitude/longitude box holding every point within ``radius_m``."""
    dlat = radius_m / METRES_PER_DEGREE
    south, north = max(-90.0, latitude - dlat), min(90.0, latitude + dlat)
    box = {
        "latitude__gte": _degrees(south, ROUND_FLOOR),
        "latitude__lte": _degrees(north, ROUND_CEILING),
    }
    # A degree of longitude shrinks with the cosine of the latitude, most at the box's edge
    # nearest a pole. Near a pole, or across the antimeridian, latitude alone bounds the box.
    widest = math.cos(math.radians(max(abs(south), abs(north))))
    if widest > 1e-6:
        dlon = dlat / widest
        west, east = longitude - dlon, longitude + dlon
        if west >= -180 and east <= 180:
            box["longitude__gte"] = _degrees(west, ROUND_FLOOR)
            box["longitude__lte"] = _degrees(east, ROUND_CEILING)
    return box


def nearest_region(
    latitude: float | Decimal | str, longitude: float | Decimal | str, *, within: str, radius_m: int
) -> Region | None:
    """The township, village or group under ``within`` whose reference point is nearest to
    the point, at most ``radius_m`` metres away (great-circle); on equal distance the deeper
    level wins (a group sharing its village's point is the more precise answer). One query:
    the box prefilter runs in the database, the distances here."""
    lat, lon = float(latitude), float(longitude)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or radius_m < 0:
        return None
    candidates = Region.objects.filter(
        within_q([within], field="code"),
        level__in=POINT_LEVELS,
        **_box(lat, lon, radius_m),
    )
    best: tuple[float, int, str] | None = None
    chosen: Region | None = None
    for region in candidates:
        if region.latitude is None or region.longitude is None:
            continue
        distance = great_circle_m(lat, lon, float(region.latitude), float(region.longitude))
        if distance > radius_m:
            continue
        key = (distance, -LEVEL_ORDER.index(region.level), region.code)
        if best is None or key < best:
            best, chosen = key, region
    return chosen
