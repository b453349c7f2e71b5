"""nearest_region: the township, village or group of a county whose reference point is
nearest to a point, within a radius, in one query; and reference points in the region file."""

import math
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from sizhi.accounts.tests.factories import UserFactory
from sizhi.core.models import AuditLog
from sizhi.orgs.actions import import_regions
from sizhi.orgs.models import Region
from sizhi.orgs.queries import great_circle_m, nearest_region
from sizhi.orgs.regionio import ImportRejected, read_bytes
from sizhi.orgs.tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

SEAT = (Decimal("27.955000"), Decimal("107.716000"))


def text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def place(code: str, lat: str, lng: str) -> Region:
    RegionFactory(code=code, latitude=Decimal(lat), longitude=Decimal(lng))
    return Region.objects.get(code=code)


@pytest.fixture
def county() -> Region:
    RegionFactory(code="520327", name="凤冈县")
    return Region.objects.get(code="520327")


def test_the_nearest_of_several_places_is_chosen(county: Region) -> None:
    place("520327101", "27.900000", "107.700000")
    place("520327101201", "27.950000", "107.710000")
    place("520327101202", "27.960000", "107.720000")
    place("520327101201001", "27.954000", "107.714000")
    found = nearest_region(*SEAT, within="520327", radius_m=3000)
    assert found is not None
    assert found.code == "520327101201001"


def test_a_place_just_inside_the_radius_is_found_and_just_outside_is_not(
    county: Region,
) -> None:
    place("520327101", "27.964000", "107.716000")  # due north of the point
    distance = great_circle_m(27.955, 107.716, 27.964, 107.716)
    assert round(distance, 1) == 1000.8
    inside = nearest_region(*SEAT, within="520327", radius_m=math.ceil(distance))
    outside = nearest_region(*SEAT, within="520327", radius_m=math.floor(distance))
    assert (inside.code if inside else None, outside) == ("520327101", None)


def test_places_without_reference_points_find_nothing(county: Region) -> None:
    RegionFactory(code="520327101")
    RegionFactory(code="520327101201")
    assert nearest_region(*SEAT, within="520327", radius_m=50_000) is None


def test_places_outside_the_within_prefix_and_the_county_itself_are_ignored(
    county: Region,
) -> None:
    Region.objects.filter(pk=county.pk).update(latitude=SEAT[0], longitude=SEAT[1])
    RegionFactory(code="520328", name="湄潭县")
    place("520328101", "27.955000", "107.716000")  # exactly on the point, other county
    place("520327102", "27.960000", "107.716000")
    found = nearest_region(*SEAT, within="520327", radius_m=3000)
    assert found is not None
    assert found.code == "520327102"
    township = nearest_region(*SEAT, within="520327101", radius_m=3000)
    assert township is None


def test_on_equal_distance_the_deeper_level_wins(county: Region) -> None:
    place("520327101", "27.956000", "107.716000")
    place("520327101201", "27.956000", "107.716000")
    place("520327101201001", "27.956000", "107.716000")
    found = nearest_region(*SEAT, within="520327", radius_m=3000)
    assert found is not None
    assert found.code == "520327101201001"


def test_strings_floats_and_decimals_give_the_same_answer(county: Region) -> None:
    place("520327101", "27.956000", "107.717000")
    answers = {
        nearest_region(lat, lng, within="520327", radius_m=500).code  # type: ignore[union-attr]
        for lat, lng in (SEAT, (27.955, 107.716), ("27.955", "107.716"))
    }
    assert answers == {"520327101"}


def test_a_point_out_of_range_finds_nothing(county: Region) -> None:
    place("520327101", "27.955000", "107.716000")
    assert nearest_region(91, 107.716, within="520327", radius_m=3000) is None
    assert nearest_region("nan", 107.716, within="520327", radius_m=3000) is None


@pytest.mark.parametrize("groups", [3, 300])
def test_one_query_whatever_the_number_of_places(
    county: Region, groups: int, django_assert_num_queries: Any
) -> None:
    RegionFactory(code="520327101")
    village = place("520327101201", "27.900000", "107.700000")
    Region.objects.bulk_create(
        Region(
            code=f"520327101201{n:03d}",
            name=f"{n}组",
            level="group",
            kind="group",
            parent=village,
            latitude=SEAT[0] + Decimal(n) / 100_000,
            longitude=SEAT[1],
        )
        for n in range(1, groups + 1)
    )
    with django_assert_num_queries(1):
        found = nearest_region(*SEAT, within="520327", radius_m=3000)
    assert found is not None
    assert found.code == "520327101201001"


# Reference points in the region file ---------------------------------------------------------


def test_the_region_file_sets_reference_points(county: Region) -> None:
    RegionFactory(code="520327101")
    data = (
        "区划代码,名称,类型,纬度,经度\n"
        "520327101,进化镇,镇,27.9,107.7\n"
        "520327101201,临江村,村,27.912345678,107.712345\n"
        "520327101202,沙坝村,村,,\n"
    ).encode()
    rows = read_bytes(data, "regions.csv").rows
    result = import_regions(rows=rows, update_existing=True, actor=None)
    stored = Region.objects.filter(code__startswith="520327101").values_list(
        "code", "latitude", "longitude"
    )
    points = {code: (text(lat), text(lng)) for code, lat, lng in stored}
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    assert points == {
        "520327101": ("27.900000", "107.700000"),
        "520327101201": ("27.912346", "107.712345"),
        "520327101202": (None, None),
    }


def test_bad_reference_points_in_the_file_are_reported_and_nothing_changes(
    county: Region,
) -> None:
    RegionFactory(code="520327101")
    before = list(Region.objects.order_by("code").values())
    audits = AuditLog.objects.count()
    data = (
        "code,name,kind,latitude,longitude\n"
        "520327101,进化镇,镇,27.9,\n"
        "520327101201,临江村,村,north,107.7\n"
        "520327101202,沙坝村,村,27.9,181\n"
    ).encode()
    rows = read_bytes(data, "regions.csv").rows
    with pytest.raises(ImportRejected) as raised:
        import_regions(rows=rows, update_existing=True, actor=None)
    assert [(p.row, p.column, p.message) for p in raised.value.problems] == [
        (2, "longitude", "请同时填写经度和纬度。"),
        (3, "latitude", "坐标格式不正确。"),
        (4, "longitude", "经度须在-180到180之间。"),
    ]
    assert list(Region.objects.order_by("code").values()) == before
    assert AuditLog.objects.count() == audits


# Reference points in the admin ---------------------------------------------------------------


def test_the_admin_sets_a_reference_point_through_the_action(client: Any, tree: Any) -> None:
    user = UserFactory.create(phone="13900000001", is_staff=True, is_superuser=True)
    client.force_login(user)
    url = reverse("admin:orgs_region_change", args=[tree.village_a.pk])
    half = {"name": "临江村", "kind": "village", "latitude": "27.91"}
    assert client.post(url, half).status_code == 200  # the form again, with the error
    whole = {**half, "longitude": "107.71"}
    assert client.post(url, whole).status_code == 302
    village = Region.objects.get(pk=tree.village_a.pk)
    row = AuditLog.objects.get(action="region.update")
    assert (str(village.latitude), str(village.longitude), village.name) == (
        "27.910000",
        "107.710000",
        "临江村",
    )
    assert (row.actor, row.changes) == (
        user,
        {"latitude": [None, "27.910000"], "longitude": [None, "107.710000"]},
    )
