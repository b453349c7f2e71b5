"""Writing the region tree (or a subtree) as CSV or XLSX, streamed, parents first. The file
imports back unchanged: the same columns the import reads, the point with its six decimals."""

import csv
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from sizhi.core import regioncode
from sizhi.orgs.models import Region
from sizhi.orgs.regionio import EXPORT_COLUMNS


def export_queryset(root: str | None = None) -> QuerySet[Region]:
    regions = Region.objects.order_by("code")
    if root:
        regions = regions.filter(regioncode.within_q([root], field="code"))
    return regions


ExportRow = tuple[str, str, str, str, str, str, str, str]


def _coordinate(value: Decimal | None) -> str:
    """Fixed-point text ("27.900000", never "2.79E+1"); empty when the region has no point."""
    return "" if value is None else format(value, "f")


def export_rows(root: str | None = None) -> Iterator[ExportRow]:
    """(code, name, kind, level, parent_code, pinyin, latitude, longitude) as text, parents
    before children."""
    values = export_queryset(root).values_list(
        "code", "name", "kind", "level", "pinyin", "latitude", "longitude"
    )
    for code, name, kind, level, pinyin, latitude, longitude in values.iterator(chunk_size=2000):
        parent_code = regioncode.parent_of(code) or ""
        yield (
            code,
            name,
            kind,
            level,
            parent_code,
            pinyin,
            _coordinate(latitude),
            _coordinate(longitude),
        )


class _Line:
    """A write target for csv.writer that hands back what was written."""

    def write(self, value: str) -> str:
        return value


def iter_csv(rows: Iterable[Sequence[str]]) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM, so that Excel opens the Chinese names correctly; streamable."""
    writer = csv.writer(_Line())
    yield "\ufeff".encode() + writer.writerow(EXPORT_COLUMNS).encode()
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow(row))
        if len(batch) >= 1000:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def write_csv(rows: Iterable[Sequence[str]], out: IO[bytes]) -> None:
    for chunk in iter_csv(rows):
        out.write(chunk)


def write_xlsx(rows: Iterable[Sequence[str]], out: IO[bytes]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("行政区域"))
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        sheet.append(list(row))
    workbook.save(out)
