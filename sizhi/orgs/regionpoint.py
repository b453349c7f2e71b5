"""Checking a region's reference point (latitude, longitude), as typed in a file or a form.

Shared by the region file import (regionio) and the actions, so that both accept and refuse
the same input with the same words. A file has one more spelling, for the cells only
(check_point_cells): "-" in both columns clears the point, where blank cells keep it.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

MICRO_DEGREE = Decimal("0.000001")  # the column keeps six decimals (about 0.1 m)
RANGES = {"latitude": (-90, 90), "longitude": (-180, 180)}
CLEAR = "-"  # in both cells of a file row: remove the region's point

Point = tuple[Decimal, Decimal]


def _number(value: Any) -> Decimal | None:
    """The value as a Decimal rounded to the column's six places; None when blank.
    Raises ValueError when it is not a finite number."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not number.is_finite():
        raise ValueError(text)
    return number.quantize(MICRO_DEGREE)


def check_point(latitude: Any, longitude: Any) -> tuple[Point | None, dict[str, str]]:
    """(the point or None when both are blank, problems keyed by "latitude"/"longitude").
    Both or neither must be given, each a number in its range."""
    problems: dict[str, str] = {}
    values: dict[str, Decimal | None] = {}
    for name, value in (("latitude", latitude), ("longitude", longitude)):
        try:
            number = _number(value)
        except ValueError:
            problems[name] = _("坐标格式不正确。")
            continue
        low, high = RANGES[name]
        if number is not None and not low <= number <= high:
            problems[name] = (
                _("纬度须在-90到90之间。") if name == "latitude" else _("经度须在-180到180之间。")
            )
            continue
        values[name] = number
    if problems:
        return None, problems
    lat, lng = values["latitude"], values["longitude"]
    if (lat is None) != (lng is None):
        return None, {"longitude" if lng is None else "latitude": _("请同时填写经度和纬度。")}
    if lat is None or lng is None:
        return None, {}
    return (lat, lng), {}


def check_point_cells(latitude: str, longitude: str) -> tuple[Point | None, bool, dict[str, str]]:
    """The point of a file row: (point, clear, problems). Both cells blank give (None, False):
    keep the region's point; both "-" give (None, True): clear it; a "-" beside anything else
    is refused on the other cell, as a half-filled point is."""
    marks = {"latitude": latitude.strip() == CLEAR, "longitude": longitude.strip() == CLEAR}
    if all(marks.values()):
        return None, True, {}
    if any(marks.values()):
        other = "longitude" if marks["latitude"] else "latitude"
        return None, False, {other: _("清除参考点须在纬度和经度两列都填写“-”。")}
    point, problems = check_point(latitude, longitude)
    return point, False, problems
