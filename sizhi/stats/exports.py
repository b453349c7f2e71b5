"""Exports of the case list and of the KPI table, as CSV and XLSX, in constant memory.

Rows come from ``values_list(...).iterator(chunk_size=2000)`` and go out one by one: CSV is
streamed in batches, XLSX is written by openpyxl's write-only workbook (rows go to a temporary
file as they come) into a spooled file that moves to disk past a few megabytes. Nothing holds
the whole list. Contacts are masked, and left out for anonymous and confidential cases.
"""

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from sizhi.cases.models import Case, Channel, Kind, Urgency
from sizhi.cases.workflow import CaseState
from sizhi.core.pii import mask_name, mask_phone
from sizhi.stats.queries import KPIS, Table

CHUNK_ROWS = 2000
CSV_BATCH_ROWS = 500
# Spreadsheet programs run a cell that starts like a formula; such text gets a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CASE_FIELDS = (
    "number",
    "received_at",
    "kind",
    "channel",
    "urgency",
    "category__parent__name",
    "category__name",
    "title",
    "region_code",
    "region__name",
    "state",
    "receiving_unit__name",
    "handling_unit__name",
    "transfer_count",
    "reopen_count",
    "extension_count",
    "replied_at",
    "closed_at",
    "is_solved",
    "satisfaction",
    "is_anonymous",
    "is_confidential",
    "petition_class",
    "contact_name",
    "contact_phone",
)


def case_header() -> list[str]:
    return [
        _("编号"),
        _("登记时间"),
        _("诉求类型"),
        _("渠道"),
        _("紧急程度"),
        _("一级分类"),
        _("二级分类"),
        _("标题"),
        _("区划代码"),
        _("事发地"),
        _("状态"),
        _("受理单位"),
        _("承办单位"),
        _("转派次数"),
        _("重办次数"),
        _("延期次数"),
        _("答复时间"),
        _("办结时间"),
        _("是否解决"),
        _("满意度"),
        _("联系人"),
        _("联系电话"),
    ]


def safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def case_rows(cases: QuerySet[Case]) -> Iterator[list[Any]]:
    """One row per case, newest first, streamed from the database in chunks."""
    labels: dict[str, str] = {
        str(value): str(label)
        for choices in (Kind, Channel, Urgency, CaseState)
        for value, label in choices.choices
    }
    yes, no = _("是"), _("否")
    anonymous, confidential = _("匿名"), _("保密")
    values = cases.order_by("-received_at", "-id").values_list(*CASE_FIELDS)
    for row in values.iterator(chunk_size=CHUNK_ROWS):
        data = dict(zip(CASE_FIELDS, row, strict=True))
        if data["is_anonymous"]:
            name, phone = anonymous, ""
        elif data["is_confidential"] or data["petition_class"] == "accusation":
            name, phone = confidential, ""
        else:
            name, phone = mask_name(data["contact_name"]), mask_phone(data["contact_phone"])
        solved = data["is_solved"]
        yield [
            data["number"],
            _when(data["received_at"]),
            labels.get(data["kind"], data["kind"]),
            labels.get(data["channel"], data["channel"]),
            labels.get(data["urgency"], data["urgency"]),
            safe_text(data["category__parent__name"] or ""),
            safe_text(data["category__name"] or ""),
            safe_text(data["title"]),
            data["region_code"],
            safe_text(data["region__name"] or ""),
            labels.get(data["state"], data["state"]),
            safe_text(data["receiving_unit__name"] or ""),
            safe_text(data["handling_unit__name"] or ""),
            data["transfer_count"],
            data["reopen_count"],
            data["extension_count"],
            _when(data["replied_at"]),
            _when(data["closed_at"]),
            "" if solved is None else (yes if solved else no),
            data["satisfaction"] if data["satisfaction"] is not None else "",
            safe_text(name),
            phone,
        ]


def kpi_header(table: Table) -> list[str]:
    by = {"township": _("乡镇"), "unit": _("承办单位"), "category": _("分类"), "month": _("月份")}
    header = [by[table.by], _("受理量"), _("办结量")]
    numerator, denominator = _("分子"), _("分母")
    for kpi in KPIS:
        label = str(kpi.label)
        header += [
            f"{label}(%)" if kpi.is_rate else label,
            f"{label}·{numerator}",
            f"{label}·{denominator}",
        ]
    return header


def kpi_rows(table: Table) -> Iterator[list[Any]]:
    for row in [*table.rows, table.total]:
        line: list[Any] = [safe_text(row.label), row.counts.received, row.counts.closed]
        for cell in row.cells:
            value = cell.ratio.value
            if value is not None:
                value = round(value * 100, 1) if cell.kpi.is_rate else round(value, 1)
            line += [
                "" if value is None else value,
                round(cell.ratio.numerator, 2),
                cell.ratio.denominator,
            ]
        yield line


class _Echo:
    """A write target for csv.writer that hands back what was written."""

    def write(self, value: str) -> str:
        return value


def iter_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte order mark (so that Excel reads the Chinese), in batches."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(header)).encode()
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow(row))
        if len(batch) >= CSV_BATCH_ROWS:
            yield "".join(batch).encode()
            batch.clear()
    if batch:
        yield "".join(batch).encode()


def write_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[bytes], title: str
) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(out)
