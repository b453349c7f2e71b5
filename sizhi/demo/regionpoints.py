"""Synthetic reference points of the demo's townships, villages and groups.

These are NOT surveyed locations: Fenggang's real township seats, villages and groups are
not in the seed data, so each place gets a made-up point, drawn from a generator seeded by its
region code (the same place gets the same point whatever the demo's seed or profile). They
exist so that the demo can answer Open311 requests that send only lat/long
(``orgs.queries.nearest_region``):

- the county-seat town (龙泉镇) sits at the county seat, about 27.955 N, 107.716 E; the other
  townships lie within ±0.3° of it;
- villages lie within about 4 km of their township's point;
- groups lie within about 800 m of their village's point.
"""

import math
import random
from decimal import Decimal

from sizhi.orgs.queries import METRES_PER_DEGREE

COUNTY_SEAT = (27.955, 107.716)
SEAT_TOWNSHIP = "520327100"  # 龙泉镇, the town the county seat is in
TOWNSHIP_SPREAD_DEGREES = 0.3
VILLAGE_RADIUS_M = 4000
GROUP_RADIUS_M = 800
SIX_PLACES = Decimal("0.000001")

Point = tuple[Decimal, Decimal]


def _rng(code: str) -> random.Random:
    # A str seed is hashed with SHA-512 by random.seed, so it does not depend on PYTHONHASHSEED.
    return random.Random(f"sizhi-demo-point:{code}")


def _point(latitude: float, longitude: float) -> Point:
    return (
        Decimal(repr(latitude)).quantize(SIX_PLACES),
        Decimal(repr(longitude)).quantize(SIX_PLACES),
    )


def township_point(code: str) -> Point:
    if code == SEAT_TOWNSHIP:
        return _point(*COUNTY_SEAT)
    rng = _rng(code)
    return _point(
        COUNTY_SEAT[0] + rng.uniform(-TOWNSHIP_SPREAD_DEGREES, TOWNSHIP_SPREAD_DEGREES),
        COUNTY_SEAT[1] + rng.uniform(-TOWNSHIP_SPREAD_DEGREES, TOWNSHIP_SPREAD_DEGREES),
    )


def point_near(code: str, centre: Point, radius_m: float) -> Point:
    """A point at most ``radius_m`` from ``centre``, spread evenly over the disc."""
    rng = _rng(code)
    distance = radius_m * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    lat, lng = float(centre[0]), float(centre[1])
    dlat = distance * math.cos(bearing) / METRES_PER_DEGREE
    dlng = distance * math.sin(bearing) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return _point(lat + dlat, lng + dlng)
