"""Region codes: the national division code extended by three digits for village groups.

A code is its own materialised path: 6 digits county, +3 township, +3 village, +3 group.
Every table that holds residents' data carries a denormalised ``region_code`` so that
"everything under X" is one indexed range condition ``code >= X AND code < next(X)``.
Codes are digit strings, so the range compares the same way under any collation.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr

LEVEL_LENGTHS: dict[str, int] = {"county": 6, "township": 9, "village": 12, "group": 15}
LENGTH_LEVELS: dict[int, str] = {length: level for level, length in LEVEL_LENGTHS.items()}
LEVEL_ORDER: tuple[str, ...] = ("county", "township", "village", "group")


class RegionCodeError(ValueError):
    """A code that is not a well-formed region code."""


def level_of(code: str) -> str:
    """Return the level of a well-formed code, or raise RegionCodeError."""
    if not code.isascii() or not code.isdigit():
        raise RegionCodeError(code)
    try:
        return LENGTH_LEVELS[len(code)]
    except KeyError as exc:
        raise RegionCodeError(code) from exc


def is_valid(code: str) -> bool:
    try:
        level_of(code)
    except RegionCodeError:
        return False
    # The segment below the county is never all zeros: 000 would mean "the level above".
    return all(code[i : i + 3] != "000" for i in range(6, len(code), 3))


def parent_of(code: str) -> str | None:
    """The code one level up, or None for a county."""
    level = level_of(code)
    if level == "county":
        return None
    return code[:-3]


def child_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


def upper_bound(prefix: str) -> str | None:
    """The smallest digit string of the same length greater than every code under prefix."""
    if not prefix:
        return None
    digits = list(prefix)
    for i in range(len(digits) - 1, -1, -1):
        if digits[i] != "9":
            digits[i] = str(int(digits[i]) + 1)
            return "".join(digits[: i + 1]) + "0" * (len(digits) - i - 1)
        digits[i] = "0"
    return None


def collapse(prefixes: Iterable[str]) -> list[str]:
    """Drop every prefix already covered by a shorter one; keep the result sorted."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes)):
        if kept and prefix.startswith(kept[-1]):
            continue
        kept.append(prefix)
    return kept


def within_q(prefixes: Iterable[str], field: str = "region_code") -> Q:
    """A Q matching rows whose ``field`` lies under any of the prefixes (none: matches none)."""
    condition = Q(pk__in=[])
    for prefix in collapse(prefixes):
        bound = upper_bound(prefix)
        part = Q(**{f"{field}__gte": prefix})
        if bound is not None:
            part &= Q(**{f"{field}__lt": bound})
        condition |= part
    return condition


def covers(prefixes: Iterable[str], code: str) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


def count_by_prefix(queryset: Any, parent_code: str, length: int) -> dict[str, int]:
    """Rows of ``queryset`` under ``parent_code`` counted per code prefix of ``length`` digits
    (one grouped query). Rows sited above that level are not counted."""
    rows = (
        queryset.filter(within_q([parent_code]))
        .annotate(_prefix=Substr("region_code", 1, length))
        .values("_prefix")
        .annotate(_n=Count("pk"))
        .order_by()
    )
    return {row["_prefix"]: row["_n"] for row in rows if len(row["_prefix"]) == length}
