"""Region tree files: reading CSV/XLSX rows, checking them all, and writing exports.

Reading never writes: ``read_bytes`` turns a file into rows or file-level problems, and
``plan_import`` checks every row against the file itself, the existing tree (one query) and
the importer's scope. ``actions.import_regions`` carries a clean plan out.
"""

import csv
import io
import os
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sizhi.core import regioncode
from sizhi.core.errors import Invalid, NotAllowed
from sizhi.orgs.models import Level, Region, RegionKind, can, scope_prefixes
from sizhi.orgs.regionkinds import LEVEL_KINDS
from sizhi.orgs.regionpoint import check_point

MAX_ROWS = 100_000
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_NAME_LENGTH = Region._meta.get_field("name").max_length or 60
EXTENSIONS = (".csv", ".xlsx")
PERM = "orgs.change_region"

# Column key → accepted header texts (English, Chinese). Only the first three are required.
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "区划代码"),
    "name": ("name", "名称"),
    "kind": ("kind", "类型"),
    "parent_code": ("parent_code", "上级代码"),
    "latitude": ("latitude", "纬度"),
    "longitude": ("longitude", "经度"),
}
REQUIRED_COLUMNS = ("code", "name", "kind")
COLUMN_LABELS = {
    "code": gettext_lazy("区划代码"),
    "name": gettext_lazy("名称"),
    "kind": gettext_lazy("类型"),
    "parent_code": gettext_lazy("上级代码"),
    "latitude": gettext_lazy("纬度"),
    "longitude": gettext_lazy("经度"),
}
EXPORT_COLUMNS = ("code", "name", "kind", "level", "parent_code", "pinyin")

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
class Problem:
    """One entry of the report. ``row`` is the row number as a spreadsheet shows it (the
    header is usually row 1; blank rows count), None for the file as a whole; ``column`` is
    a key of COLUMNS, or "" for the file."""

    row: int | None
    column: str
    message: str

    @property
    def column_label(self) -> str:
        label = COLUMN_LABELS.get(self.column)
        return str(label) if label is not None else ""

    def __str__(self) -> str:
        where = _("第%(row)d行") % {"row": self.row} if self.row is not None else _("文件")
        if self.column:
            where = _("%(where)s（%(column)s）") % {"where": where, "column": self.column_label}
        return _("%(where)s：%(message)s") % {"where": where, "message": self.message}


@dataclass(frozen=True)
class RegionRow:
    """A row as read from a file: stripped strings, not yet checked."""

    row: int
    code: str
    name: str
    kind: str
    parent_code: str = ""
    latitude: str = ""  # the reference point: both or neither (blank keeps the existing one)
    longitude: str = ""


@dataclass(frozen=True)
class PlannedRegion:
    row: int
    code: str
    name: str
    kind: str
    level: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None


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


class Existing(NamedTuple):
    pk: int
    name: str
    kind: str
    latitude: Decimal | None
    longitude: Decimal | None


@dataclass
class ParsedFile:
    rows: list[RegionRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


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


# Reading -------------------------------------------------------------------------------------


def read_upload(upload: UploadedFile) -> ParsedFile:
    size = upload.size or 0
    if size > MAX_FILE_BYTES:
        return _file_problem(_too_large())
    upload.seek(0)
    return read_bytes(upload.read(MAX_FILE_BYTES + 1), upload.name or "")


def read_path(path: Path) -> ParsedFile:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return _file_problem(_too_large())
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return _file_problem(_("无法读取文件 %(path)s。") % {"path": path})
    return read_bytes(data, path.name)


def read_bytes(data: bytes, filename: str) -> ParsedFile:
    """Rows of a CSV or XLSX file, or the file-level problems that stop it being read."""
    extension = os.path.splitext(filename.lower())[1]
    if extension not in EXTENSIONS:
        return _file_problem(_("不支持的文件类型，请上传 CSV 或 XLSX 文件。"))
    if len(data) > MAX_FILE_BYTES:
        return _file_problem(_too_large())
    if not data.strip():
        return _file_problem(_("文件为空。"))
    is_zip = data.startswith(b"PK\x03\x04")
    if extension == ".xlsx":
        if not is_zip:
            return _file_problem(_("文件内容不是有效的 XLSX 工作簿。"))
        return _parse_table(_xlsx_cells(data))
    if is_zip or b"\x00" in data:
        return _file_problem(_("文件内容不是 CSV 文本，请另存为 CSV 后再上传。"))
    text = _decode(data)
    if text is None:
        return _file_problem(_("无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV。"))
    return _parse_table(_csv_cells(text))


def _too_large() -> str:
    return _("文件过大，上限为%(size)dMB。") % {"size": MAX_FILE_BYTES // (1024 * 1024)}


def _file_problem(message: str) -> ParsedFile:
    return ParsedFile(problems=[Problem(row=None, column="", message=message)])


def _decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM) first; then GB18030, what Excel on Chinese Windows writes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


class _Unreadable(Exception):
    pass


def _csv_cells(text: str) -> Iterator[list[str]]:
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise _Unreadable from exc


def _xlsx_cells(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook  # openpyxl is slow to import; only files need it

    # openpyxl reports a broken workbook with many kinds of error (zip, XML, key, value).
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise _Unreadable from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    except Exception as exc:
        raise _Unreadable from exc
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """Excel keeps codes typed as numbers as numbers: 520327101 or 520327101.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _header_keys(number: int, header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    lookup = {text: key for key, texts in COLUMNS.items() for text in texts}
    for index, cell in enumerate(header):
        key = lookup.get(cell.strip().lower())
        if key is None:
            continue  # level, pinyin and anything else are ignored
        if key in positions:
            problems.append(
                Problem(row=number, column=key, message=_("表头中该列出现了不止一次。"))
            )
            continue
        positions[key] = index
    for key in REQUIRED_COLUMNS:
        if key not in positions:
            problems.append(
                Problem(
                    row=number,
                    column=key,
                    message=_("缺少必需的列“%(english)s”或“%(chinese)s”。")
                    % {"english": COLUMNS[key][0], "chinese": COLUMNS[key][1]},
                )
            )
    return positions, problems


def _parse_table(cells: Iterable[list[str]]) -> ParsedFile:
    parsed = ParsedFile()
    positions: dict[str, int] | None = None
    try:
        for number, raw in enumerate(cells, start=1):
            values = [value.strip() for value in raw]
            if not any(values):
                continue
            if positions is None:
                positions, parsed.problems = _header_keys(number, values)
                if parsed.problems:
                    return parsed
                continue
            if len(parsed.rows) >= MAX_ROWS:
                return _file_problem(_too_many_rows())
            parsed.rows.append(_region_row(number, values, positions))
    except _Unreadable:
        return _file_problem(_("无法读取文件内容，请检查文件是否损坏。"))
    if positions is None:
        return _file_problem(_("文件为空。"))
    if not parsed.rows:
        return _file_problem(_no_rows())
    return parsed


def _region_row(number: int, values: list[str], positions: dict[str, int]) -> RegionRow:
    def cell(key: str) -> str:
        index = positions.get(key)
        return values[index] if index is not None and index < len(values) else ""

    return RegionRow(
        row=number,
        code=cell("code"),
        name=cell("name"),
        kind=cell("kind"),
        parent_code=cell("parent_code"),
        latitude=cell("latitude"),
        longitude=cell("longitude"),
    )


def _too_many_rows() -> str:
    return _("数据行数超过上限%(limit)d行，请拆分后分批导入。") % {"limit": MAX_ROWS}


def _no_rows() -> str:
    return _("文件只有表头，没有数据行。")


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
        plan.problems.append(Problem(row=None, column="", message=_no_rows()))
        return plan
    if len(rows) > MAX_ROWS:
        plan.problems.append(Problem(row=None, column="", message=_too_many_rows()))
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
        if latitude is None or longitude is None:  # no point in the row: keep the one we have
            latitude, longitude = current.latitude, current.longitude
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
    point, point_problems = check_point(row.latitude, row.longitude)
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
    )


def _level_label(code: str) -> str:
    return str(Level(regioncode.level_of(code)).label)
