"""Writing the demo's places, units and service points.

The unit tree (``Unit.parent``), chosen to follow the lines of command of the mechanism:

- county: the 创建办 (county office) is the root; the 12343 hotline centre, the county
  departments, the county mass-work centre and the county service centre sit under it;
- township: the township party committee sits under the county office (the county–township
  direct line runs through it); the township office, service centre and mass-work station sit
  under the township party committee;
- village: the village party branch sits under the township party committee; the villagers'
  committee, assembly, representatives' assembly, service centre and mass-work room sit under
  the village party branch (party leadership of village self-government);
- group: the group party branch and the group council sit under the village party branch; the
  group's mass-work point sits under the village mass-work room.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from sizhi.core.text import initials_of, pinyin_of
from sizhi.demo.fenggang import COUNTY_CODE, COUNTY_DEPARTMENTS, COUNTY_NAME, TOWNSHIPS
from sizhi.demo.plan import VillagePlace, township_places
from sizhi.demo.regionpoints import (
    GROUP_RADIUS_M,
    VILLAGE_RADIUS_M,
    Point,
    point_near,
    township_point,
)
from sizhi.orgs.models import Level, Region, RegionKind, ServicePoint, Unit, UnitKind

BATCH_SIZE = 3000


@dataclass
class OrgIndex:
    """Primary keys of what was written, for the rows that refer to it."""

    regions: dict[str, int] = field(default_factory=dict)
    region_names: dict[str, str] = field(default_factory=dict)
    # (region code, unit kind) → unit pk, for every kind that has one unit per region
    units: dict[tuple[str, str], int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)


def ensure_pks(objs: Sequence[models.Model], model: type[models.Model], key: str) -> None:
    """Set primary keys that bulk_create could not return (SQLite < 3.35) by a lookup."""
    missing = [obj for obj in objs if obj.pk is None]
    if not missing:
        return
    wanted = [getattr(obj, key) for obj in missing]
    found: dict[Any, int] = {}
    for start in range(0, len(wanted), 500):
        rows = model._default_manager.filter(**{f"{key}__in": wanted[start : start + 500]})
        found.update(rows.values_list(key, "pk"))
    for obj in missing:
        obj.pk = found[getattr(obj, key)]


def _region(
    code: str,
    name: str,
    level: str,
    kind: str,
    parent: int | None,
    point: Point | None = None,
) -> Region:
    # The (synthetic, see demo.regionpoints) reference point goes in with the row itself.
    latitude, longitude = point if point is not None else (None, None)
    return Region(
        code=code,
        name=name,
        pinyin=pinyin_of(name),
        initials=initials_of(name),
        level=level,
        kind=kind,
        parent_id=parent,
        latitude=latitude,
        longitude=longitude,
    )


def _save_regions(index: OrgIndex, regions: list[Region]) -> None:
    Region.objects.bulk_create(regions, batch_size=BATCH_SIZE)
    ensure_pks(regions, Region, "code")
    for region in regions:
        index.regions[region.code] = region.pk
        index.region_names[region.code] = region.name


def write_regions(index: OrgIndex, built: Iterable[str]) -> dict[str, list[VillagePlace]]:
    """The county, all its townships, and the villages and groups of the ``built`` townships.
    Returns the village places of each built township."""
    built = set(built)
    _save_regions(index, [_region(COUNTY_CODE, COUNTY_NAME, Level.COUNTY, RegionKind.COUNTY, None)])
    county = index.regions[COUNTY_CODE]
    points = {t.code: township_point(t.code) for t in TOWNSHIPS}
    _save_regions(
        index,
        [
            _region(t.code, t.name, Level.TOWNSHIP, t.kind, county, points[t.code])
            for t in TOWNSHIPS
        ],
    )
    places = {t.code: township_places(t) for t in TOWNSHIPS if t.code in built}
    for code, township_villages in places.items():
        for v in township_villages:
            points[v.code] = point_near(v.code, points[code], VILLAGE_RADIUS_M)
    villages = [
        _region(v.code, v.name, Level.VILLAGE, v.kind, index.regions[code], points[v.code])
        for code, township_villages in places.items()
        for v in township_villages
    ]
    _save_regions(index, villages)
    groups = [
        _region(
            g.code,
            g.name,
            Level.GROUP,
            g.kind,
            index.regions[v.code],
            point_near(g.code, points[v.code], GROUP_RADIUS_M),
        )
        for township_villages in places.values()
        for v in township_villages
        for g in v.groups
    ]
    _save_regions(index, groups)
    return places


class _UnitBatch:
    def __init__(self, index: OrgIndex) -> None:
        self.index = index
        self.units: list[Unit] = []

    def add(self, code: str, kind: str, name: str, parent: tuple[str, str] | None) -> None:
        self.units.append(
            Unit(
                name=name,
                kind=kind,
                region_id=self.index.regions[code],
                region_code=code,
                parent_id=self.index.units[parent] if parent else None,
            )
        )

    def save(self) -> None:
        Unit.objects.bulk_create(self.units, batch_size=BATCH_SIZE)
        if any(unit.pk is None for unit in self.units):
            lookup = {
                (region, kind, name): pk
                for region, kind, name, pk in Unit.objects.filter(
                    region_code__in={unit.region_code for unit in self.units}
                ).values_list("region_code", "kind", "name", "pk")
            }
            for unit in self.units:
                unit.pk = lookup[(unit.region_code, unit.kind, unit.name)]
        for unit in self.units:
            if unit.kind == UnitKind.COUNTY_DEPARTMENT:
                self.index.departments[unit.name] = unit.pk
            else:
                self.index.units[(unit.region_code, unit.kind)] = unit.pk
        self.units = []


def write_units(index: OrgIndex, places: dict[str, list[VillagePlace]]) -> None:
    """Units level by level, so that each level's parents already have primary keys."""
    batch = _UnitBatch(index)
    county = COUNTY_CODE
    batch.add(county, UnitKind.COUNTY_OFFICE, f"{COUNTY_NAME}四直为民创建办", None)
    batch.save()
    office = (county, UnitKind.COUNTY_OFFICE)
    batch.add(county, UnitKind.HOTLINE_CENTRE, f"{COUNTY_NAME}12343民生服务热线中心", office)
    batch.add(county, UnitKind.MASS_WORK_CENTRE, f"{COUNTY_NAME}群众工作中心", office)
    batch.add(county, UnitKind.SERVICE_CENTRE, f"{COUNTY_NAME}政务服务中心", office)
    for department in COUNTY_DEPARTMENTS:
        batch.add(county, UnitKind.COUNTY_DEPARTMENT, f"{COUNTY_NAME}{department}", office)
    for t in TOWNSHIPS:
        batch.add(t.code, UnitKind.PARTY_COMMITTEE, f"中共{t.name}委员会", office)
    batch.save()
    for t in TOWNSHIPS:
        committee = (t.code, UnitKind.PARTY_COMMITTEE)
        batch.add(t.code, UnitKind.TOWNSHIP_OFFICE, f"{t.name}党政办公室", committee)
        batch.add(t.code, UnitKind.SERVICE_CENTRE, f"{t.name}政务服务中心", committee)
        batch.add(t.code, UnitKind.MASS_WORK_STATION, f"{t.name}群众工作站", committee)
    villages = [(code, v) for code, vs in places.items() for v in vs]
    for township, v in villages:
        batch.add(v.code, UnitKind.PARTY_BRANCH, f"{v.name}党支部", (township, "party_committee"))
    batch.save()
    for _township, v in villages:
        branch = (v.code, UnitKind.PARTY_BRANCH)
        people = "居民" if v.kind == RegionKind.COMMUNITY else "村民"
        batch.add(v.code, UnitKind.VILLAGERS_COMMITTEE, f"{v.name}{people}委员会", branch)
        batch.add(v.code, UnitKind.VILLAGERS_ASSEMBLY, f"{v.name}{people}会议", branch)
        batch.add(v.code, UnitKind.REPRESENTATIVES_ASSEMBLY, f"{v.name}{people}代表会议", branch)
        batch.add(v.code, UnitKind.SERVICE_CENTRE, f"{v.name}便民服务中心", branch)
        batch.add(v.code, UnitKind.MASS_WORK_ROOM, f"{v.name}群众工作室", branch)
    batch.save()


def write_group_units(index: OrgIndex, villages: list[VillagePlace], branches: set[str]) -> None:
    batch = _UnitBatch(index)
    for v in villages:
        branch = (v.code, UnitKind.PARTY_BRANCH)
        room = (v.code, UnitKind.MASS_WORK_ROOM)
        for g in v.groups:
            prefix = f"{v.name}{g.name}"
            if g.code in branches:
                batch.add(g.code, UnitKind.GROUP_PARTY_BRANCH, f"{prefix}党支部", branch)
            batch.add(g.code, UnitKind.COUNCIL, f"{prefix}群众议事会", branch)
            batch.add(g.code, UnitKind.MASS_WORK_POINT, f"{prefix}群众工作点", room)
    batch.save()


def service_point(index: OrgIndex, code: str, name: str, facilities: list[str]) -> ServicePoint:
    return ServicePoint(
        region_id=index.regions[code], region_code=code, name=name, facilities=facilities
    )


def write_service_points(points: list[ServicePoint]) -> None:
    ServicePoint.objects.bulk_create(points, batch_size=BATCH_SIZE)


def county_service_points(index: OrgIndex, facilities: dict[str, list[str]]) -> None:
    points = [service_point(index, COUNTY_CODE, f"{COUNTY_NAME}为民服务中心", facilities["county"])]
    points += [
        service_point(index, t.code, f"{t.name}为民服务中心", facilities[t.code]) for t in TOWNSHIPS
    ]
    write_service_points(points)


def village_service_points(
    index: OrgIndex, villages: list[VillagePlace], facilities: dict[str, list[str]]
) -> None:
    points = []
    for v in villages:
        points.append(service_point(index, v.code, f"{v.name}为民服务站", facilities[v.code]))
        points += [
            service_point(index, g.code, f"{v.name}{g.name}为民服务点", facilities[g.code])
            for g in v.groups
        ]
    write_service_points(points)
