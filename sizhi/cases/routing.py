"""Which unit handles a case (pure): the terminal station.

The default is the lowest competent unit in the case's own region: the village (community)
service centre, then the township office, then the county department that owns the category.
A category owned by a county department is never pushed down to a township or a village.
Routing rules (category × region subtree → unit) override the default; the longest region
prefix wins, and a rule for a parent category applies to its children.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sizhi.core import regioncode

VILLAGE_HANDLERS = ("service_centre", "villagers_committee")
TOWNSHIP_HANDLERS = ("township_office", "service_centre")


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    parent_id: int | None
    owner_level: str  # village, township or county
    owner_department_id: int | None


@dataclass(frozen=True)
class UnitInfo:
    id: int
    kind: str
    region_code: str


@dataclass(frozen=True)
class Route:
    unit_id: int | None
    basis: str  # "rule", "default" or "none"


def level_rank(region_code: str) -> int:
    return regioncode.LEVEL_ORDER.index(regioncode.level_of(region_code))


def rule_allowed(category: CategoryInfo, unit: UnitInfo) -> bool:
    """A county-owned category may only go to a unit at the county."""
    return category.owner_level != "county" or len(unit.region_code) == 6


def route(
    *,
    category: CategoryInfo,
    region_code: str,
    rules: Sequence[tuple[int, str, UnitInfo]],
    units_on_path: Sequence[UnitInfo],
) -> Route:
    """``rules``: (category id, region prefix, unit); ``units_on_path``: the active units sited
    at the case's region and its ancestors."""
    categories = {category.id, category.parent_id} - {None}
    matching = [
        (len(prefix), cat_id == category.id, unit)
        for cat_id, prefix, unit in rules
        if cat_id in categories and region_code.startswith(prefix) and rule_allowed(category, unit)
    ]
    if matching:
        _, _, unit = max(matching, key=lambda item: (item[0], item[1]))
        return Route(unit.id, "rule")
    by_place: Mapping[tuple[str, str], UnitInfo] = {
        (u.region_code, u.kind): u for u in sorted(units_on_path, key=lambda u: u.id, reverse=True)
    }
    village = region_code[:12] if len(region_code) >= 12 else None
    township = region_code[:9] if len(region_code) >= 9 else None
    if category.owner_level == "village" and village:
        for kind in VILLAGE_HANDLERS:
            if (village, kind) in by_place:
                return Route(by_place[(village, kind)].id, "default")
    if category.owner_level in {"village", "township"} and township:
        for kind in TOWNSHIP_HANDLERS:
            if (township, kind) in by_place:
                return Route(by_place[(township, kind)].id, "default")
    if category.owner_department_id is not None:
        return Route(category.owner_department_id, "default")
    return Route(None, "none")
