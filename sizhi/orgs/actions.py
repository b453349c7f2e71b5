"""Every change to places, units, service points and grants."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.core import audit, regioncode
from sizhi.core.actions import snapshot, validated
from sizhi.core.calendar import forget_calendar, official_schedule, package_years
from sizhi.core.errors import Invalid, NotAllowed, NotFound
from sizhi.core.models import CalendarDay, CalendarYear
from sizhi.core.text import initials_of, pinyin_of
from sizhi.orgs import regionio
from sizhi.orgs.models import Region, RoleGrant, ServicePoint, Unit, can
from sizhi.orgs.regionkinds import LEVEL_KINDS
from sizhi.orgs.regionpoint import check_point
from sizhi.orgs.roles import Role
from sizhi.orgs.standards import standard_for


def _require(actor: Any, perm: str, region_code: str) -> None:
    if actor is not None and not can(actor, perm, region_code):
        raise NotAllowed


def _check_region_fields(code: str, name: str, kind: str) -> None:
    errors: dict[str, list[str]] = {}
    if not regioncode.is_valid(code):
        errors["code"] = [_("区划代码须为6、9、12或15位数字，且下级段不能为000。")]
    elif kind not in LEVEL_KINDS[regioncode.level_of(code)]:
        errors["kind"] = [_("类型与区划代码的层级不符。")]
    if not name.strip():
        errors["name"] = [_("名称不能为空。")]
    if errors:
        raise Invalid(fields=errors)


def _checked_point(latitude: Any, longitude: Any) -> tuple[Any, Any]:
    point, problems = check_point(latitude, longitude)
    if problems:
        raise Invalid(fields={name: [message] for name, message in problems.items()})
    return point if point is not None else (None, None)


@transaction.atomic
def create_region(
    *,
    code: str,
    name: str,
    kind: str,
    latitude: Any = None,
    longitude: Any = None,
    actor: Any,
) -> Region:
    """Add a region under its existing parent; the code fixes both level and parent. The
    reference point (latitude, longitude) is optional: both or neither."""
    code, name = code.strip(), name.strip()
    _check_region_fields(code, name, kind)
    latitude, longitude = _checked_point(latitude, longitude)
    parent_code = regioncode.parent_of(code)
    _require(actor, "orgs.change_region", parent_code or code)
    parent = None
    if parent_code is not None:
        parent = Region.objects.filter(code=parent_code).first()
        if parent is None:
            raise Invalid(
                fields={"code": [_("上级区域 %(code)s 不存在。") % {"code": parent_code}]}
            )
    if Region.objects.filter(code=code).exists():
        raise Invalid(fields={"code": [_("区划代码 %(code)s 已存在。") % {"code": code}]})
    region = Region.objects.create(
        code=code,
        name=name,
        kind=kind,
        level=regioncode.level_of(code),
        parent=parent,
        pinyin=pinyin_of(name),
        initials=initials_of(name),
        latitude=latitude,
        longitude=longitude,
    )
    audit.record(
        actor=actor, action="region.create", obj=region, changes={"code": code, "name": name}
    )
    return region


@transaction.atomic
def set_region_point(*, code: str, latitude: Any, longitude: Any, actor: Any) -> Region:
    """Set (or, with both blank, clear) a region's reference point, which places Open311
    requests that send only lat/long (queries.nearest_region)."""
    region = Region.objects.select_for_update().filter(code=code).first()
    if region is None:
        raise NotFound
    _require(actor, "orgs.change_region", region.code)
    point = _checked_point(latitude, longitude)
    before = snapshot(region, ["latitude", "longitude"])
    region.latitude, region.longitude = point
    region.save(update_fields=["latitude", "longitude"])
    audit.record(
        actor=actor,
        action="region.update",
        obj=region,
        changes=audit.diff(before, snapshot(region, ["latitude", "longitude"])),
    )
    return region


@transaction.atomic
def rename_region(*, code: str, name: str, kind: str | None = None, actor: Any) -> Region:
    region = Region.objects.select_for_update().filter(code=code).first()
    if region is None:
        raise NotFound
    _require(actor, "orgs.change_region", region.code)
    kind = kind or region.kind
    _check_region_fields(region.code, name.strip(), kind)
    before = snapshot(region, ["name", "kind"])
    region.name, region.kind = name.strip(), kind
    region.pinyin, region.initials = pinyin_of(region.name), initials_of(region.name)
    region.save(update_fields=["name", "kind", "pinyin", "initials"])
    audit.record(
        actor=actor,
        action="region.update",
        obj=region,
        changes=audit.diff(before, snapshot(region, ["name", "kind"])),
    )
    return region


@transaction.atomic
def create_unit(
    *, region: Region, kind: str, name: str, parent: Unit | None = None, actor: Any
) -> Unit:
    _require(actor, "orgs.change_unit", region.code)
    unit = Unit(region=region, region_code=region.code, kind=kind, name=name.strip(), parent=parent)
    validated(unit)
    unit.save()
    audit.record(
        actor=actor, action="unit.create", obj=unit, changes={"kind": kind, "name": unit.name}
    )
    return unit


@transaction.atomic
def update_unit(*, unit_id: int, name: str, is_active: bool, actor: Any) -> Unit:
    unit = Unit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None:
        raise NotFound
    _require(actor, "orgs.change_unit", unit.region_code)
    before = snapshot(unit, ["name", "is_active"])
    unit.name, unit.is_active = name.strip(), is_active
    validated(unit)
    unit.save(update_fields=["name", "is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="unit.update",
        obj=unit,
        changes=audit.diff(before, snapshot(unit, ["name", "is_active"])),
    )
    return unit


@transaction.atomic
def set_service_point(
    *, region: Region, name: str, facilities: list[str], actor: Any
) -> ServicePoint:
    _require(actor, "orgs.change_service_point", region.code)
    allowed = set(standard_for(region.level).required) | set(standard_for(region.level).optional)
    unknown = sorted(set(facilities) - allowed)
    if unknown:
        raise Invalid(
            fields={
                "facilities": [
                    _("此层级的服务阵地没有这些设施：%(codes)s") % {"codes": "、".join(unknown)}
                ]
            }
        )
    if not name.strip():
        raise Invalid(fields={"name": [_("名称不能为空。")]})
    point, created = ServicePoint.objects.select_for_update().get_or_create(
        region=region, defaults={"region_code": region.code, "name": name}
    )
    before = snapshot(point, ["name", "facilities"])
    point.name, point.facilities = name, sorted(set(facilities))
    point.save(update_fields=["name", "facilities", "updated_at"])
    audit.record(
        actor=actor,
        action="service_point.create" if created else "service_point.update",
        obj=point,
        changes=audit.diff({} if created else before, snapshot(point, ["name", "facilities"])),
    )
    return point


@transaction.atomic
def grant_role(
    *,
    user: Any,
    role: str,
    region: Region | None = None,
    unit: Unit | None = None,
    actor: Any,
) -> RoleGrant:
    """Give ``user`` a role over a region subtree or over one unit."""
    if (region is None) == (unit is None):
        raise Invalid(fields={"region": [_("须指定区域或单位之一。")]})
    if role not in Role.values:
        raise Invalid(fields={"role": [_("未知角色。")]})
    code = region.code if region is not None else unit.region_code  # type: ignore[union-attr]
    _require(actor, "orgs.manage_grants", code)
    if RoleGrant.objects.active().filter(user=user, role=role, region=region, unit=unit).exists():
        raise Invalid(fields={"role": [_("该用户已拥有此授权。")]})
    grant = RoleGrant.objects.create(
        user=user, role=role, region=region, unit=unit, region_code=code
    )
    audit.record(
        actor=actor,
        action="grant.create",
        obj=grant,
        changes={"user": user.pk, "role": role, "region_code": code},
    )
    return grant


@transaction.atomic
def revoke_role(*, grant_id: int, actor: Any) -> RoleGrant:
    grant = RoleGrant.objects.select_for_update().active().filter(pk=grant_id).first()
    if grant is None:
        raise NotFound
    _require(actor, "orgs.manage_grants", grant.region_code)
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="grant.revoke", obj=grant, changes={"role": grant.role})
    return grant


@transaction.atomic
def load_official_calendar(*, actor: Any) -> int:
    """Store the holiday schedules the chinese-calendar package knows; years the county office
    has edited by hand (source "manual") are left alone. Returns the number of days stored."""
    _require(actor, "orgs.change_calendar", settings.SIZHI_COUNTY_CODE)
    manual = set(CalendarYear.objects.filter(source="manual").values_list("year", flat=True))
    years = [year for year in package_years() if year not in manual]
    rows = [
        row for row in official_schedule(range(min(years), max(years) + 1)) if row[0].year in years
    ]
    CalendarDay.objects.filter(day__year__in=years).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(day=day, is_working_day=working, name=name) for day, working, name in rows
    )
    for year in years:
        CalendarYear.objects.update_or_create(year=year, defaults={"source": "chinese-calendar"})
    transaction.on_commit(forget_calendar)
    audit.record(
        actor=actor,
        action="calendar.load",
        region_code=settings.SIZHI_COUNTY_CODE,
        changes={"years": years, "days": len(rows)},
    )
    return len(rows)


@transaction.atomic
def set_calendar_day(*, day: date, is_working_day: bool, name: str, actor: Any) -> CalendarDay:
    """Record a holiday or make-up working day by hand (e.g. next year's schedule, published
    in the autumn); the year then counts as loaded and is kept on later package loads."""
    _require(actor, "orgs.change_calendar", settings.SIZHI_COUNTY_CODE)
    if not name.strip():
        raise Invalid(fields={"name": [_("请填写节日或调休名称。")]})
    entry, _created = CalendarDay.objects.update_or_create(
        day=day, defaults={"is_working_day": is_working_day, "name": name.strip()}
    )
    CalendarYear.objects.update_or_create(year=day.year, defaults={"source": "manual"})
    transaction.on_commit(forget_calendar)
    audit.record(
        actor=actor,
        action="calendar.set_day",
        obj=entry,
        region_code=settings.SIZHI_COUNTY_CODE,
        changes={"day": day.isoformat(), "is_working_day": is_working_day, "name": name},
    )
    return entry


@transaction.atomic
def remove_calendar_day(*, day: date, actor: Any) -> None:
    _require(actor, "orgs.change_calendar", settings.SIZHI_COUNTY_CODE)
    deleted, _count = CalendarDay.objects.filter(day=day).delete()
    if not deleted:
        raise NotFound
    CalendarYear.objects.update_or_create(year=day.year, defaults={"source": "manual"})
    transaction.on_commit(forget_calendar)
    audit.record(
        actor=actor,
        action="calendar.remove_day",
        region_code=settings.SIZHI_COUNTY_CODE,
        changes={"day": day.isoformat()},
    )


@transaction.atomic
def import_regions(
    *, rows: Sequence[regionio.RegionRow], update_existing: bool = False, actor: Any
) -> regionio.ImportResult:
    """Import rows of a region tree file, all or nothing. Every row is checked first
    (regionio.plan_import); any problem raises ImportRejected carrying the whole report.
    Parents go in before children, one bulk insert per level."""
    plan = regionio.plan_import(rows, update_existing=update_existing, actor=actor)
    if plan.problems:
        raise regionio.ImportRejected(plan.problems)
    ids = dict(plan.existing_ids)
    for level in regioncode.LEVEL_ORDER:
        batch = [
            Region(
                code=item.code,
                name=item.name,
                kind=item.kind,
                level=item.level,
                parent_id=ids[parent] if (parent := regioncode.parent_of(item.code)) else None,
                pinyin=pinyin_of(item.name),
                initials=initials_of(item.name),
                latitude=item.latitude,
                longitude=item.longitude,
            )
            for item in plan.to_create
            if item.level == level
        ]
        Region.objects.bulk_create(batch, batch_size=1000)
        ids.update((region.code, region.pk) for region in batch if region.pk is not None)
        missing = [region.code for region in batch if region.pk is None]
        for start in range(0, len(missing), 500):  # backends that return no ids
            chunk = missing[start : start + 500]
            ids.update(Region.objects.filter(code__in=chunk).values_list("code", "pk"))
    changed = [
        Region(
            pk=ids[item.code],
            name=item.name,
            kind=item.kind,
            pinyin=pinyin_of(item.name),
            initials=initials_of(item.name),
            latitude=item.latitude,
            longitude=item.longitude,
        )
        for item in plan.to_update
    ]
    Region.objects.bulk_update(
        changed,
        ["name", "kind", "pinyin", "initials", "latitude", "longitude"],
        batch_size=500,
    )
    result = regionio.ImportResult(
        created=len(plan.to_create), updated=len(plan.to_update), unchanged=plan.unchanged
    )
    written = [item.code for item in plan.to_create] + [item.code for item in plan.to_update]
    audit.record(
        actor=actor,
        action="region.import",
        region_code=regionio.common_root(written),
        changes={
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "updates": [
                [item.code, item.old_name, item.name, item.old_kind, item.kind]
                for item in plan.to_update
            ],
            "points": [_point_change(item) for item in plan.to_update if _point_moved(item)],
        },
    )
    return result


def _point_moved(item: regionio.PlannedUpdate) -> bool:
    return (item.old_latitude, item.old_longitude) != (item.latitude, item.longitude)


def _point_change(item: regionio.PlannedUpdate) -> list[str | None]:
    """[code, old latitude, old longitude, new latitude, new longitude]; None: no point."""
    points = (item.old_latitude, item.old_longitude, item.latitude, item.longitude)
    return [item.code, *(None if value is None else str(value) for value in points)]
