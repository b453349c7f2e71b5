"""Which kinds of region belong to which level of the tree."""

from sizhi.orgs.models import RegionKind

LEVEL_KINDS: dict[str, set[str]] = {
    "county": {RegionKind.COUNTY},
    "township": {RegionKind.TOWN, RegionKind.TOWNSHIP, RegionKind.SUBDISTRICT},
    "village": {RegionKind.VILLAGE, RegionKind.COMMUNITY},
    "group": {RegionKind.GROUP, RegionKind.NEIGHBOURHOOD},
}
