"""Read models of the web pages, built from the apps' query functions.

Every figure here is of what the viewer may see. A count is shown only where the viewer's scope
covers the whole subtree it counts; where the scope covers part of it the count is marked as
partial, and where it covers none of it there is no count at all.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django.db.models import Q

from sizhi.core.pii import mask_name
from sizhi.core.regioncode import LEVEL_LENGTHS, child_level
from sizhi.orgs import standards
from sizhi.orgs.models import Region, ServicePoint, Unit
from sizhi.orgs.queries import (
    can,
    count_units_by_child,
    list_children,
    list_grants_for,
    list_units_for,
    region_path,
    scope_prefixes,
    service_points_by_code,
)
from sizhi.orgs.roles import Role
from sizhi.residents.queries import (
    count_households_by_child,
    count_members_by_child,
    count_persons_by_child,
    list_households_for,
    list_memberships_for,
    masked_address,
)

HOUSEHOLDS_PER_PAGE = 50
SEARCH_LIMIT = 20
SEARCH_MAX_LENGTH = 30

Coverage = Literal["full", "partial", "none"]


def coverage(prefixes: list[str], code: str) -> Coverage:
    """How much of the subtree at ``code`` the scope ``prefixes`` covers."""
    if any(code.startswith(prefix) for prefix in prefixes):
        return "full"
    if any(prefix.startswith(code) for prefix in prefixes):
        return "partial"
    return "none"


@dataclass(frozen=True)
class Cell:
    """A count as shown: ``value`` None means the viewer has no scope there."""

    value: int | None
    partial: bool = False


def _cell(scope: Coverage, counts: dict[str, int], code: str) -> Cell:
    if scope == "none":
        return Cell(None)
    return Cell(counts.get(code, 0), partial=scope == "partial")


@dataclass(frozen=True)
class ServicePointInfo:
    name: str
    facilities: list[str]
    missing: list[str]
    optional: list[str]
    compliant: bool


def service_point_info(point: ServicePoint, level: str) -> ServicePointInfo:
    missing, optional = standards.compliance(level, point.facilities)
    return ServicePointInfo(
        name=point.name,
        facilities=[standards.label(code) for code in point.facilities],
        missing=[standards.label(code) for code in missing],
        optional=[standards.label(code) for code in optional],
        compliant=not missing,
    )


@dataclass(frozen=True)
class ChildRow:
    region: Region
    units: Cell
    members: Cell
    households: Cell
    persons: Cell
    service_point: ServicePointInfo | None
    service_point_visible: bool


@dataclass(frozen=True)
class MemberRow:
    name: str
    unit: str
    role: str
    selection: str
    started_on: date
    term_ends_on: date | None


@dataclass(frozen=True)
class HouseholdRow:
    id: int
    number: str
    address: str
    size: int


@dataclass(frozen=True)
class HouseholdPage:
    rows: list[HouseholdRow]
    in_scope: bool
    next_after: str | None
    previous_before: str | None


@dataclass(frozen=True)
class RegionPage:
    region: Region
    path: list[Region]
    child_level: str | None
    children: list[ChildRow]
    any_partial: bool
    any_hidden: bool
    units: list[Unit] | None
    service_point: ServicePointInfo | None
    service_point_visible: bool
    members: list[MemberRow] | None
    households: HouseholdPage | None


_COUNTED = {
    "units": "orgs.view_unit",
    "members": "residents.view_membership",
    "households": "residents.view_household",
    "persons": "residents.view_person",
}


def _child_rows(
    user: Any, region: Region, children: list[Region], points: dict[str, ServicePoint]
) -> list[ChildRow]:
    level = child_level(region.level)
    if level is None or not children:
        return []
    length = LEVEL_LENGTHS[level]
    scopes = {
        column: {c.code: coverage(scope_prefixes(user, perm), c.code) for c in children}
        for column, perm in _COUNTED.items()
    }
    counters = {
        "units": lambda: count_units_by_child(user, region),
        "members": lambda: count_members_by_child(user, region.code, length),
        "households": lambda: count_households_by_child(user, region.code, length),
        "persons": lambda: count_persons_by_child(user, region.code, length),
    }
    # A column nobody in the table may see costs no query.
    counts = {
        column: counters[column]() if any(s != "none" for s in scopes[column].values()) else {}
        for column in _COUNTED
    }
    point_scope = scope_prefixes(user, "orgs.view_service_point")
    rows = []
    for child in children:
        cells = {
            column: _cell(scopes[column][child.code], counts[column], child.code)
            for column in _COUNTED
        }
        visible = coverage(point_scope, child.code) == "full"
        point = points.get(child.code) if visible else None
        rows.append(
            ChildRow(
                region=child,
                service_point=service_point_info(point, level) if point else None,
                service_point_visible=visible,
                **cells,
            )
        )
    return rows


def _cells(row: ChildRow) -> tuple[Cell, ...]:
    return (row.units, row.members, row.households, row.persons)


def _members(user: Any, region: Region) -> list[MemberRow] | None:
    if not can(user, "residents.view_membership", region.code):
        return None
    return [
        MemberRow(
            name=mask_name(m.person.name),
            unit=m.unit.name,
            role=m.get_role_display(),
            selection=m.get_selection_display(),
            started_on=m.started_on,
            term_ends_on=m.term_ends_on,
        )
        for m in list_memberships_for(user, region.code)
    ]


def _households(user: Any, region: Region, *, after: str, before: str) -> HouseholdPage:
    """One page of the group's households, keyset-paginated on the household number."""
    households = list_households_for(user, region.code)
    size = HOUSEHOLDS_PER_PAGE
    if before:
        found = list(households.filter(number__lt=before).order_by("-number")[: size + 1])
        more_before = len(found) > size
        found = found[:size][::-1]
        more_after = True
    else:
        if after:
            households = households.filter(number__gt=after)
        found = list(households.order_by("number")[: size + 1])
        more_after = len(found) > size
        found = found[:size]
        more_before = bool(after)
    rows = [HouseholdRow(h.pk, h.number, masked_address(h), h.size) for h in found]
    return HouseholdPage(
        rows=rows,
        in_scope=can(user, "residents.view_household", region.code),
        next_after=rows[-1].number if rows and more_after else None,
        previous_before=rows[0].number if rows and more_before else None,
    )


def region_page(user: Any, region: Region, *, after: str = "", before: str = "") -> RegionPage:
    """Everything the region browser shows of ``region`` to ``user``, in a fixed number of
    queries whatever the number of children or households."""
    children = list_children(region) if child_level(region.level) else []
    points = service_points_by_code([region.code, *(c.code for c in children)])
    rows = _child_rows(user, region, children, points)
    point_visible = can(user, "orgs.view_service_point", region.code)
    point = points.get(region.code) if point_visible else None
    is_group = region.level == "group"
    return RegionPage(
        region=region,
        path=region_path(region),
        child_level=child_level(region.level),
        children=rows,
        any_partial=any(cell.partial for row in rows for cell in _cells(row)),
        any_hidden=any(
            cell.value is None or not row.service_point_visible
            for row in rows
            for cell in _cells(row)
        ),
        units=(
            list(list_units_for(user, region)) if can(user, "orgs.view_unit", region.code) else None
        ),
        service_point=service_point_info(point, region.level) if point else None,
        service_point_visible=point_visible,
        members=_members(user, region) if is_group else None,
        households=_households(user, region, after=after, before=before) if is_group else None,
    )


def search_regions(text: str) -> list[Region]:
    """Regions whose name contains ``text`` or whose pinyin or initials match it; the tree is
    public reference data. At most SEARCH_LIMIT, county first."""
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return []
    latin = "".join(text.lower().split())
    condition = Q(name__icontains=text)
    if latin.isascii() and latin.isalnum():
        condition |= Q(pinyin__startswith=latin) | Q(initials__startswith=latin)
        condition |= Q(pinyin__contains=latin)
    found = Region.objects.filter(condition).select_related("parent").order_by("code")
    return list(found[:SEARCH_LIMIT])


@dataclass(frozen=True)
class GrantRow:
    role: str
    role_label: str
    scope: str
    region_code: str
    region_name: str


def role_labels(user: Any) -> list[str]:
    """The names of the user's roles, each once, in the order of Role."""
    if not getattr(user, "is_authenticated", False):
        return []
    held = set(list_grants_for(user).values_list("role", flat=True))
    return [str(role.label) for role in Role if role.value in held]


def grant_rows(user: Any) -> list[GrantRow]:
    rows = []
    for grant in list_grants_for(user).select_related("unit__region"):
        region = grant.region if grant.region is not None else grant.unit.region  # type: ignore[union-attr]
        scope = grant.unit.name if grant.unit is not None else region.name
        rows.append(
            GrantRow(
                role=grant.role,
                role_label=grant.get_role_display(),
                scope=scope,
                region_code=region.code,
                region_name=region.name,
            )
        )
    # Widest scope first: a county grant before a township grant before a village grant.
    rows.sort(key=lambda row: (len(row.region_code), row.region_code, row.role))
    return rows
