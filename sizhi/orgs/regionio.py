"""Region tree files: checking the rows read from a file (regionfile), all of them, before
anything is written; and the columns of an export.

Reading never writes: ``read_bytes`` turns a file into rows or file-level problems, and
``plan_import`` checks every row against the file itself, the existing tree (one query) and
the importer's scope. ``actions.import_regions`` carries a clean plan out.
"""

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from sizhi.core import regioncode
from sizhi.core.errors import Invalid, NotAllowed
from sizhi.orgs import regionfile
from sizhi.orgs.models import Level, Region, RegionKind, can, scope_prefixes
from sizhi.orgs.regionfile import (
    ParsedFile,
    Problem,
    RegionRow,
    no_rows,
    read_bytes,
    read_path,
    read_upload,
    too_many_rows,
)
from sizhi.orgs.regionkinds import LEVEL_KINDS
from sizhi.orgs.regionpoint import check_point_cells

# Reading lives in regionfile; its names are part of this module's surface for the callers.
__all__ = [
    "EXPORT_COLUMNS",
    "ImportRejected",
    "ImportResult",
    "ParsedFile",
    "Problem",
    "RegionRow",
    "common_root",
    "plan_import",
    "read_bytes",
    "read_path",
    "read_upload",
]

MAX_NAME_LENGTH = Region._meta.get_field("name").max_length or 60
PERM = "orgs.change_region"
# The import reads code, name, kind, parent_code and the point; level and pinyin are for readers.
EXPORT_COLUMNS = (
    "code",
    "name",
    "kind",
    "level",
    "parent_code",
    "pinyin",
    "latitude",
    "longitude",
)

# The Chinese labels of RegionKind, fixed here so that they are accepted whatever the active
# language, plus the one common alternative spelling (村民小组).
KIND_LABELS: dict[str, str] = {
    "县": RegionKind.COUNTY,
    "镇": RegionKind.TOWN,
    "乡": RegionKind.TOWNSHIP,
    "街道": RegionKind.SUBDISTRICT,
    "村": RegionKind.VILLAGE,
    "社区": RegionKind.COMMUNITY,
    "村民组": RegionKind.GROUP,
    "村民小组": RegionKind.GROUP,
    "居民小区": RegionKind.NEIGHBOURHOOD,
}


@dataclass(frozen=True)
class PlannedRegion:
    row: int
    code: str
    name: str
    kind: str
    level: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    clear_point: bool = False  # "-" in both cells: no point, whatever the region had


@dataclass(frozen=True)
class PlannedUpdate:
    row: int
    code: str
    name: str
    kind: str
    old_name: str
    old_kind: str
    latitude: Decimal | None = None  # the point after the update (the old one if none given)
    longitude: Decimal | None = None
    old_latitude: Decimal | None = None
    old_longitude: Decimal | None = None


class Existing(NamedTuple):
    pk: int
    name: str
    kind: str
    latitude: Decimal | None
    longitude: Decimal | None


@dataclass
class ImportPlan:
    to_create: list[PlannedRegion] = field(default_factory=list)
    to_update: list[PlannedUpdate] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    existing_ids: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


class ImportRejected(Invalid):
    """The rows had problems; nothing was written. ``problems`` holds the whole report."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(
            _("导入未执行：发现%(count)d处错误。") % {"count": len(self.problems)},
            fields={"file": [str(problem) for problem in self.problems]},
        )


# Checking ------------------------------------------------------------------------------------


def normalise_kind(raw: str) -> str | None:
    """The RegionKind value for an English value or a Chinese (or current-language) label."""
    text = raw.strip()
    if text.lower() in RegionKind.values:
        return text.lower()
    if text in KIND_LABELS:
        return KIND_LABELS[text]
    for value, label in RegionKind.choices:
        if text == str(label):
            return str(value)
    return None


def _normalise_code(raw: str) -> str:
    # Full-width digits (５２０３２７) are common in hand-typed sheets.
    return unicodedata.normalize("NFKC", raw).strip()


def require_import_scope(actor: Any) -> None:
    """Anyone importing needs the power to change regions somewhere (None: the system)."""
    if actor is not None and not scope_prefixes(actor, PERM):
        raise NotAllowed


def _existing(codes: Iterable[str]) -> dict[str, Existing]:
    """code → (pk, name, kind, point) of every region in the counties the codes belong to."""
    counties = {code[:6] for code in codes if len(code) >= 6}
    if not counties:
        return {}
    rows = Region.objects.filter(regioncode.within_q(counties, field="code")).values_list(
        "code", "pk", "name", "kind", "latitude", "longitude"
    )
    return {
        code: Existing(pk, name, kind, latitude, longitude)
        for code, pk, name, kind, latitude, longitude in rows
    }


def plan_import(rows: Sequence[RegionRow], *, update_existing: bool, actor: Any) -> ImportPlan:
    """Check every row and sort it into create, update or unchanged. Reads the tree, writes
    nothing. Raises NotAllowed when the actor may change regions nowhere at all."""
    require_import_scope(actor)
    plan = ImportPlan()
    if not rows:
        plan.problems.append(Problem(row=None, column="", message=no_rows()))
        return plan
    if len(rows) > regionfile.MAX_ROWS:
        plan.problems.append(Problem(row=None, column="", message=too_many_rows()))
        return plan

    first_row: dict[str, int] = {}
    for row in rows:
        first_row.setdefault(_normalise_code(row.code), row.row)
    existing = _existing(first_row)
    plan.existing_ids = {code: row.pk for code, row in existing.items()}

    for row in rows:
        problems, planned = _check_row(row, first_row, existing)
        plan.problems.extend(problems)
        if problems or planned is None:
            continue
        current = existing.get(planned.code)
        if current is None:
            parent = regioncode.parent_of(planned.code) or planned.code
            if not _may_change(actor, parent):
                plan.problems.append(_forbidden(row.row, parent))
                continue
            plan.to_create.append(planned)
            continue
        old_name, old_kind = current.name, current.kind
        latitude, longitude = planned.latitude, planned.longitude
        if not planned.clear_point and (latitude is None or longitude is None):
            latitude, longitude = current.latitude, current.longitude  # blank: keep the point
        if (old_name, old_kind, current.latitude, current.longitude) == (
            planned.name,
            planned.kind,
            latitude,
            longitude,
        ):
            plan.unchanged += 1
            continue
        if not update_existing:
            plan.problems.append(_conflict(row.row, old_name, old_kind))
            continue
        if not _may_change(actor, planned.code):
            plan.problems.append(_forbidden(row.row, planned.code))
            continue
        plan.to_update.append(
            PlannedUpdate(
                row=row.row,
                code=planned.code,
                name=planned.name,
                kind=planned.kind,
                old_name=old_name,
                old_kind=old_kind,
                latitude=latitude,
                longitude=longitude,
                old_latitude=current.latitude,
                old_longitude=current.longitude,
            )
        )
    return plan


def common_root(codes: Iterable[str]) -> str:
    """The deepest region containing every code (the audit row's scope); "" if none."""
    codes = sorted(codes)
    if not codes:
        return ""
    first, last = codes[0], codes[-1]  # the common prefix of all is theirs
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    prefix = first[:size]
    lengths = [n for n in regioncode.LEVEL_LENGTHS.values() if n <= len(prefix)]
    return prefix[: max(lengths)] if lengths else ""


def _may_change(actor: Any, code: str) -> bool:
    return actor is None or can(actor, PERM, code)


def _forbidden(row: int, code: str) -> Problem:
    return Problem(
        row=row,
        column="code",
        message=_("您无权在区域 %(code)s 下导入或修改区域。") % {"code": code},
    )


def _conflict(row: int, old_name: str, old_kind: str) -> Problem:
    return Problem(
        row=row,
        column="name",
        message=_(
            "该区划代码已存在（名称“%(name)s”，类型“%(kind)s”）；"
            "如需按文件修改，请选择“更新已有区域”。"
        )
        % {"name": old_name, "kind": RegionKind(old_kind).label},
    )


def _check_row(
    row: RegionRow, first_row: dict[str, int], existing: dict[str, Existing]
) -> tuple[list[Problem], PlannedRegion | None]:
    """The problems of one row on its own and against the file and the tree."""
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(row=row.row, column=column, message=message))

    code = _normalise_code(row.code)
    name = row.name.strip()
    kind = normalise_kind(row.kind)
    parent_code = _normalise_code(row.parent_code)
    valid_code = regioncode.is_valid(code)

    if not code:
        problem("code", _("区划代码不能为空。"))
    elif not valid_code:
        problem(
            "code",
            _("区划代码“%(code)s”格式错误：须为6、9、12或15位数字，且下级段不能为000。")
            % {"code": code},
        )
    elif first_row[code] != row.row:
        problem("code", _("区划代码与第%(row)d行重复。") % {"row": first_row[code]})
        return problems, None
    if not name:
        problem("name", _("名称不能为空。"))
    elif len(name) > MAX_NAME_LENGTH:
        problem("name", _("名称不能超过%(limit)d个字。") % {"limit": MAX_NAME_LENGTH})
    if kind is None:
        if row.kind.strip():
            problem("kind", _("类型“%(kind)s”无效。") % {"kind": row.kind.strip()})
        else:
            problem("kind", _("类型不能为空。"))
    elif valid_code and kind not in LEVEL_KINDS[regioncode.level_of(code)]:
        problem(
            "kind",
            _("类型“%(kind)s”与区划代码的层级（%(level)s）不符。")
            % {"kind": RegionKind(kind).label, "level": _level_label(code)},
        )
    if valid_code:
        expected = regioncode.parent_of(code)
        if parent_code and expected is None:
            problem("parent_code", _("县级区域不应填写上级代码。"))
        elif parent_code and parent_code != expected:
            problem(
                "parent_code",
                _("上级代码应为“%(expected)s”（由区划代码决定），文件中为“%(given)s”。")
                % {"expected": expected, "given": parent_code},
            )
        elif expected is not None and expected not in existing and expected not in first_row:
            problem(
                "code",
                _("上级区域 %(parent)s 既不在系统中，也不在文件中。") % {"parent": expected},
            )
    point, clear_point, point_problems = check_point_cells(row.latitude, row.longitude)
    for column, message in point_problems.items():
        problem(column, message)
    if problems or kind is None:
        return problems, None
    return problems, PlannedRegion(
        row=row.row,
        code=code,
        name=name,
        kind=kind,
        level=regioncode.level_of(code),
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        clear_point=clear_point,
    )


def _level_label(code: str) -> str:
    return str(Level(regioncode.level_of(code)).label)
