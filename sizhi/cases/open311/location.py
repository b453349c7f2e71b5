"""Where a posted request happened: the township, village or group a case is filed under.

In this order:

- ``address_id``, a region code of the county (township, village or group);
  FixMyStreet's ``#NOTPINPOINTED#`` counts as none;
- otherwise the names in ``address_string``: the township, then the village, then the group
  named there, each below the one before (``进化镇临江村一组``, or ``临江村三组`` when the
  village's name is unique in the county);
- otherwise the point ``lat``/``long``: the township, village or group of the county whose
  reference point is nearest, within ``SIZHI_POINT_RADIUS_M`` metres (regions carry a
  reference point, not a boundary, so this is the nearest known place, not the one the point
  lies in);
- otherwise the key's own region scope, when it is below the county (a township's app).

``lat``/``long`` are kept with the case whichever of these placed it. Whether the place lies
in the key's region scope is for the caller (intake._place) to check.
"""

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from sizhi.cases.open311.params import jurisdiction
from sizhi.cases.queries import region_near
from sizhi.core.regioncode import LEVEL_LENGTHS, is_valid, within_q
from sizhi.orgs.models import Region

NOT_PINPOINTED = "#NOTPINPOINTED#"
NAME_ENDINGS = frozenset("镇乡道村区组会")  # 镇 乡 街道 村 社区 组 居委会
LONGEST_NAME = 12
LEVELS = ("township", "village", "group")


class PlaceProblem(Exception):
    def __init__(self, field: str, message: object) -> None:
        self.field = field
        self.message = message
        super().__init__(str(message))


def _below_county(code: str) -> bool:
    return len(code) > LEVEL_LENGTHS["county"] and code.startswith(jurisdiction())


def by_code(code: str) -> Region:
    if not (is_valid(code) and _below_county(code)):
        region = None
    else:
        region = Region.objects.filter(code=code).first()
    if region is None:
        raise PlaceProblem(
            "address_id", _("未找到该地点：address_id 须为本县乡镇、村或村民小组的区划代码。")
        )
    return region


def candidate_names(text: str) -> set[str]:
    """Pieces of ``text`` that end like a place name does (at most LONGEST_NAME long)."""
    names = set()
    for end, char in enumerate(text, start=1):
        if char in NAME_ENDINGS:
            for start in range(max(0, end - LONGEST_NAME), end - 1):
                names.add(text[start:end])
    return names


def _walk(found: Iterable[Region]) -> Region | None:
    """The deepest place of a chain of named places, each below the one chosen before; a level
    with several candidates (or none) ends the walk."""
    found = list(found)
    chosen: Region | None = None
    for level in LEVELS:
        below = [
            region
            for region in found
            if region.level == level and (chosen is None or region.code.startswith(chosen.code))
        ]
        if len(below) > 1:
            break
        if below:
            chosen = below[0]
    return chosen


def by_names(text: str) -> Region | None:
    names = candidate_names(text.strip())
    if not names:
        return None
    found = Region.objects.filter(
        within_q([jurisdiction()], field="code"), name__in=sorted(names)
    ).exclude(level="county")
    return _walk(found.only("code", "name", "level"))


def _coordinates(point: tuple[str, str] | None) -> tuple[Decimal, Decimal] | None:
    """The point as numbers in range, or None. A malformed point is not an error here: the
    intake reports it under ``lat``/``long`` when it stores the case."""
    if point is None:
        return None
    try:
        lat, lng = (Decimal(value.strip()) for value in point)
    except InvalidOperation:
        return None
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return lat, lng


def by_point(point: tuple[str, str] | None) -> Region | None:
    coordinates = _coordinates(point)
    if coordinates is None:
        return None
    return region_near(*coordinates)


def _unplaced(coordinates: tuple[Decimal, Decimal] | None) -> PlaceProblem:
    county = jurisdiction()
    has_points = Region.objects.filter(
        within_q([county], field="code"), latitude__isnull=False
    ).exists()
    if coordinates is not None and has_points:
        return PlaceProblem(
            "lat",
            _(
                "该坐标附近%(metres)d米内没有本县已知的乡镇、村或村民小组：请核对 lat 和 long，"
                "或在 address_id 中填写乡镇、村或村民小组的区划代码。"
            )
            % {"metres": settings.SIZHI_POINT_RADIUS_M},
        )
    # Without reference points in the county a point can place nothing: ask for a name or code.
    return PlaceProblem(
        "address_id",
        _(
            "无法确定事发地点：请在 address_id 中填写乡镇、村或村民小组的区划代码，"
            "或在 address_string 中写明乡镇、村的名称。"
        ),
    )


def resolve(
    *,
    address_id: str,
    address_string: str,
    key_region: str,
    point: tuple[str, str] | None = None,
) -> Region:
    """The place of a request, by the order in the module's docstring; ``point`` is the
    (lat, long) as sent, or None."""
    address_id = address_id.strip()
    if address_id and address_id != NOT_PINPOINTED:
        return by_code(address_id)
    region = by_names(address_string) if address_string.strip() else None
    if region is None:
        region = by_point(point)
    if region is None and _below_county(key_region):
        region = Region.objects.filter(code=key_region).first()
    if region is None:
        raise _unplaced(_coordinates(point))
    return region
