"""Region tree files read into rows: CSV (UTF-8 or GB18030) or XLSX, the header's columns
found by their English or Chinese names, every row kept as text. Reading never writes and
never checks a row against the tree: that is regionio.plan_import's work.
"""

import csv
import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_ROWS = 100_000
MAX_FILE_BYTES = 16 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")

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


@dataclass
class ParsedFile:
    rows: list[RegionRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


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
                return _file_problem(too_many_rows())
            parsed.rows.append(_region_row(number, values, positions))
    except _Unreadable:
        return _file_problem(_("无法读取文件内容，请检查文件是否损坏。"))
    if positions is None:
        return _file_problem(_("文件为空。"))
    if not parsed.rows:
        return _file_problem(no_rows())
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


def too_many_rows() -> str:
    return _("数据行数超过上限%(limit)d行，请拆分后分批导入。") % {"limit": MAX_ROWS}


def no_rows() -> str:
    return _("文件只有表头，没有数据行。")
