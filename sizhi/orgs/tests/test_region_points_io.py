"""Reference points in the region file and the admin: exported as two columns that import back
unchanged, cleared by "-" in both cells (blank keeps them), cleared in the admin by emptying
both fields; half a point is refused everywhere and changes nothing."""

import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sizhi.accounts.tests.factories import UserFactory
from sizhi.core.models import AuditLog
from sizhi.orgs import regionexport, regionio
from sizhi.orgs.actions import import_regions
from sizhi.orgs.models import Region
from sizhi.orgs.regionio import ImportRejected
from sizhi.orgs.tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

POINTS = {
    "520327": ("27.955000", "107.716000"),
    "520327101": ("27.900000", "107.700000"),
    "520327101201": ("-27.912346", "-107.000001"),
}
HEADER = ["code", "name", "kind", "level", "parent_code", "pinyin", "latitude", "longitude"]


@pytest.fixture
def places() -> None:
    for code, name, kind in [
        ("520327", "凤冈县", "county"),
        ("520327101", "进化镇", "town"),
        ("520327101201", "临江村", "village"),
        ("520327101201001", "临江村一组", "group"),
    ]:
        lat, lng = POINTS.get(code, (None, None))
        RegionFactory(
            code=code,
            name=name,
            kind=kind,
            latitude=Decimal(lat) if lat else None,
            longitude=Decimal(lng) if lng else None,
        )


def state() -> list[tuple[Any, ...]]:
    return list(
        Region.objects.order_by("code").values_list(
            "code",
            "name",
            "kind",
            "level",
            "parent__code",
            "pinyin",
            "initials",
            "latitude",
            "longitude",
        )
    )


def points() -> dict[str, tuple[str | None, str | None]]:
    rows = Region.objects.values_list("code", "latitude", "longitude")
    return {
        code: (None if lat is None else str(lat), None if lng is None else str(lng))
        for code, lat, lng in rows
    }


def exported(fmt: str) -> bytes:
    out = io.BytesIO()
    writer = regionexport.write_xlsx if fmt == "xlsx" else regionexport.write_csv
    writer(regionexport.export_rows(), out)
    return out.getvalue()


def import_file(data: bytes, filename: str = "regions.csv") -> regionio.ImportResult:
    parsed = regionio.read_bytes(data, filename)
    assert parsed.problems == []
    return import_regions(rows=parsed.rows, update_existing=True, actor=None)


def refused(data: bytes) -> list[tuple[int | None, str, str]]:
    parsed = regionio.read_bytes(data, "regions.csv")
    assert parsed.problems == []
    with pytest.raises(ImportRejected) as raised:
        import_regions(rows=parsed.rows, update_existing=True, actor=None)
    return [(p.row, p.column, p.message) for p in raised.value.problems]


# Export --------------------------------------------------------------------------------------


def test_export_columns_are_the_documented_ones_ending_with_the_point():
    assert list(regionio.EXPORT_COLUMNS) == HEADER


def test_csv_export_writes_the_points_and_leaves_missing_ones_empty(places):
    text = exported("csv").decode("utf-8-sig")
    assert text.splitlines() == [
        ",".join(HEADER),
        "520327,凤冈县,county,county,,fenggangxian,27.955000,107.716000",
        "520327101,进化镇,town,township,520327,jinhuazhen,27.900000,107.700000",
        "520327101201,临江村,village,village,520327101,linjiangcun,-27.912346,-107.000001",
        "520327101201001,临江村一组,group,group,520327101201,linjiangcunyizu,,",
    ]


def test_xlsx_export_writes_the_points_as_text_and_leaves_missing_ones_empty(places):
    sheet = load_workbook(io.BytesIO(exported("xlsx")), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        HEADER,
        ["520327", "凤冈县", "county", "county", None, "fenggangxian", "27.955000", "107.716000"],
        [
            "520327101",
            "进化镇",
            "town",
            "township",
            "520327",
            "jinhuazhen",
            "27.900000",
            "107.700000",
        ],
        [
            "520327101201",
            "临江村",
            "village",
            "village",
            "520327101",
            "linjiangcun",
            "-27.912346",
            "-107.000001",
        ],
        [
            "520327101201001",
            "临江村一组",
            "group",
            "group",
            "520327101201",
            "linjiangcunyizu",
            None,
            None,
        ],
    ]


def test_a_point_of_zero_is_written_as_fixed_point_text():
    RegionFactory(code="520327", latitude=Decimal("0"), longitude=Decimal("0.000001"))
    rows = list(regionexport.export_rows())
    assert rows[0][-2:] == ("0.000000", "0.000001")


# Round trip ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imported_into_the_same_tree_changes_nothing(places, fmt):
    before = state()
    result = import_file(exported(fmt), f"regions.{fmt}")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert state() == before
    assert AuditLog.objects.get(action="region.import").changes == {
        "created": 0,
        "updated": 0,
        "unchanged": 4,
        "updates": [],
        "points": [],
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imported_into_an_empty_database_reproduces_rows_and_points(places, fmt):
    before = state()
    data = exported(fmt)
    for level in ("group", "village", "township", "county"):
        Region.objects.filter(level=level).delete()
    assert Region.objects.count() == 0
    result = import_file(data, f"regions.{fmt}")
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert state() == before
    assert points()["520327101201"] == ("-27.912346", "-107.000001")


# "-" clears, blank keeps ---------------------------------------------------------------------


def test_blank_cells_keep_the_point(places):
    data = "code,name,kind,latitude,longitude\n520327101,进化镇,town,,\n".encode()
    result = import_file(data)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert points()["520327101"] == ("27.900000", "107.700000")


def test_a_hyphen_in_both_cells_clears_the_point_and_the_audit_row_keeps_the_old_one(places):
    data = (
        "区划代码,名称,类型,纬度,经度\n"
        "520327101,进化镇,镇, - ,-\n"  # cells are read stripped
        "520327101201001,临江村一组,村民组,-,-\n"  # no point to clear: unchanged
        "520327101202,沙坝村,村,-,-\n"  # a new region without a point
    ).encode()
    result = import_file(data)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert points() == {
        "520327": ("27.955000", "107.716000"),
        "520327101": (None, None),
        "520327101201": ("-27.912346", "-107.000001"),
        "520327101201001": (None, None),
        "520327101202": (None, None),
    }
    row = AuditLog.objects.get(action="region.import")
    assert (row.actor, row.region_code, row.changes) == (
        None,
        "520327101",
        {
            "created": 1,
            "updated": 1,
            "unchanged": 1,
            "updates": [["520327101", "进化镇", "进化镇", "town", "town"]],
            "points": [["520327101", "27.900000", "107.700000", None, None]],
        },
    )


def test_a_hyphen_in_both_cells_of_an_xlsx_sheet_clears_the_point(places):
    data = exported("xlsx")
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    sheet["G3"], sheet["H3"] = "-", "-"  # row 3 is 520327101
    out = io.BytesIO()
    workbook.save(out)
    result = import_file(out.getvalue(), "regions.xlsx")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert points()["520327101"] == (None, None)


@pytest.mark.parametrize(
    ("latitude", "longitude", "column"),
    [
        ("-", "", "longitude"),
        ("", "-", "latitude"),
        ("-", "107.7", "longitude"),
        ("27.9", "-", "latitude"),
    ],
)
def test_a_hyphen_in_one_cell_only_is_refused_and_nothing_changes(
    places, latitude, longitude, column
):
    before, audits = state(), AuditLog.objects.count()
    data = (
        "code,name,kind,latitude,longitude\n"
        f"520327101,进化新镇,town,{latitude},{longitude}\n"
        "520327101202,沙坝村,village,,\n"
    ).encode()
    assert refused(data) == [(2, column, "清除参考点须在纬度和经度两列都填写“-”。")]
    assert (state(), AuditLog.objects.count()) == (before, audits)


# Admin ---------------------------------------------------------------------------------------


@pytest.fixture
def admin_user(client, places):
    user = UserFactory.create(phone="13900000001", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_emptying_both_fields_in_the_admin_clears_the_point_through_the_action(client, admin_user):
    region = Region.objects.get(code="520327101")
    url = reverse("admin:orgs_region_change", args=[region.pk])
    response = client.post(url, {"name": "进化镇", "kind": "town", "latitude": "", "longitude": ""})
    assert response.status_code == 302
    assert points()["520327101"] == (None, None)
    row = AuditLog.objects.get()
    assert (row.actor, row.action, row.region_code, row.changes) == (
        admin_user,
        "region.update",
        "520327101",
        {"latitude": ["27.900000", None], "longitude": ["107.700000", None]},
    )


@pytest.mark.parametrize(
    ("latitude", "longitude", "errors"),
    [
        ("", "107.7", {"latitude": ["请同时填写经度和纬度。"]}),
        ("27.9", "", {"longitude": ["请同时填写经度和纬度。"]}),
    ],
)
def test_half_a_point_in_the_admin_is_refused_and_nothing_changes(
    client, admin_user, latitude, longitude, errors
):
    region = Region.objects.get(code="520327101")
    url = reverse("admin:orgs_region_change", args=[region.pk])
    before = state()
    data = {"name": "进化新镇", "kind": "town", "latitude": latitude, "longitude": longitude}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == errors
    assert (state(), AuditLog.objects.count()) == (before, 0)
