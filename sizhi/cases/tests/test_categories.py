"""The default category tree: its shape, and loading it (idempotent, departments by name)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from sizhi.cases.actions import suggest_unit
from sizhi.cases.categories import DEFAULT_TREE, iter_tree, load_default_categories
from sizhi.cases.models import Category, RoutingRule
from sizhi.cases.tests.factories import CaseFactory
from sizhi.core.errors import NotAllowed
from sizhi.core.models import AuditLog
from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import RegionFactory, UnitFactory

# The county departments the demo builds (sizhi/demo/fenggang.py), by short name.
DEPARTMENTS = (
    "民政局", "农业农村局", "水务局", "交通运输局", "住房和城乡建设局", "卫生健康局", "教育局",
    "自然资源局", "人力资源和社会保障局", "市场监督管理局", "公安局", "信访局", "司法局",
)  # fmt: skip
TOTAL = len(DEFAULT_TREE) + sum(len(top.children) for top in DEFAULT_TREE)


def test_the_tree_has_two_levels_of_coded_categories():
    assert 10 <= len(DEFAULT_TREE) <= 15
    children = [child for top in DEFAULT_TREE for child in top.children]
    assert 50 <= len(children) <= 70
    codes = [item.code for item in iter_tree()]
    assert len(codes) == len(set(codes)) == TOTAL
    names = [item.name for item in iter_tree()]
    assert len(names) == len(set(names))
    for top in DEFAULT_TREE:
        assert re.fullmatch(r"\d{2}", top.code)
        assert top.children
        for child in top.children:
            assert re.fullmatch(r"\d{4}", child.code)
            assert child.code.startswith(top.code)
            assert not child.children


def test_county_matters_name_a_department_and_only_they_do():
    for item in iter_tree():
        assert item.owner_level in {"village", "township", "county"}
        assert bool(item.department) == (item.owner_level == "county"), item.code
    used = {item.department for item in iter_tree() if item.department}
    assert used == set(DEPARTMENTS)


def test_the_tree_covers_rural_livelihood_matters():
    names = {item.name for item in iter_tree()}
    assert {"路灯照明", "乡村道路", "桥梁", "茶叶产业", "病虫害防治", "最低生活保障"} <= names
    assert {"养老保险", "医疗保险", "土地承包经营", "宅基地", "林权林地", "垃圾清运"} <= names


@pytest.fixture
def departments(tree):
    return {
        name: UnitFactory.create(
            region=tree.county, kind=UnitKind.COUNTY_DEPARTMENT, name=f"凤冈县{name}"
        )
        for name in DEPARTMENTS
    }


def test_loading_creates_the_tree_with_departments_and_one_audit_row(departments):
    result = load_default_categories("520327", actor=None)
    assert (result.created, result.updated, result.unchanged) == (TOTAL, 0, 0)
    assert result.missing_departments == []
    assert Category.objects.count() == TOTAL
    assert Category.objects.filter(parent__isnull=True).count() == len(DEFAULT_TREE)
    lamps = Category.objects.select_related("parent").get(code="0101")
    assert lamps.parent is not None
    assert (lamps.name, lamps.parent.code, lamps.owner_level, lamps.owner_department) == (
        "路灯照明",
        "01",
        "village",
        None,
    )
    pension = Category.objects.get(code="0403")
    assert pension.owner_department == departments["人力资源和社会保障局"]
    assert not Category.objects.filter(owner_level="county", owner_department__isnull=True).exists()
    row = AuditLog.objects.get(action="category.load_defaults")
    assert (row.actor, row.region_code, row.changes["created"]) == (None, "520327", TOTAL)


def test_loading_again_changes_nothing(departments):
    load_default_categories("520327", actor=None)
    before = list(Category.objects.order_by("pk").values())
    result = load_default_categories("520327", actor=None)
    assert (result.created, result.updated, result.unchanged) == (0, 0, TOTAL)
    assert list(Category.objects.order_by("pk").values()) == before


def test_loading_updates_by_code_and_keeps_a_category_switched_off(departments):
    load_default_categories("520327", actor=None)
    Category.objects.filter(code="0101").update(name="路灯", owner_level="township")
    Category.objects.filter(code="0305").update(is_active=False)
    result = load_default_categories("520327", actor=None)
    assert (result.created, result.updated) == (0, 1)
    lamps = Category.objects.get(code="0101")
    assert (lamps.name, lamps.owner_level) == ("路灯照明", "village")
    assert Category.objects.get(code="0305").is_active is False


def test_a_missing_department_is_reported_and_left_empty(tree):
    UnitFactory.create(region=tree.county, kind=UnitKind.COUNTY_DEPARTMENT, name="凤冈县水务局")
    result = load_default_categories("520327", actor=None)
    assert "水务局" not in result.missing_departments
    assert {"民政局", "教育局"} <= set(result.missing_departments)
    water = Category.objects.get(code="0202").owner_department
    assert water is not None
    assert water.name == "凤冈县水务局"
    assert Category.objects.get(code="0801").owner_department is None


def test_a_second_county_routes_to_its_own_department(departments, tree):
    load_default_categories("520327", actor=None)
    other = RegionFactory.create(code="520328", name="湄潭县")
    water = UnitFactory.create(region=other, kind=UnitKind.COUNTY_DEPARTMENT, name="湄潭县水务局")
    result = load_default_categories("520328", actor=None)
    category = Category.objects.get(code="0202")
    assert category.owner_department == departments["水务局"]
    rule = RoutingRule.objects.get(category=category, region_code="520328")
    assert rule.unit == water
    # 水务局 owns 0202, 0204 and 0205; the departments 湄潭县 lacks stay as they were.
    assert result.rules == 3
    assert Category.objects.get(code="0801").owner_department == departments["教育局"]
    assert load_default_categories("520328", actor=None).rules == 0
    assert RoutingRule.objects.count() == 3


def test_loading_needs_the_configure_permission(departments, county_admin, village_cadre):
    with pytest.raises(NotAllowed):
        load_default_categories("520327", actor=village_cadre)
    assert not Category.objects.exists()
    load_default_categories("520327", actor=county_admin)
    assert AuditLog.objects.get(action="category.load_defaults").actor == county_admin


def test_loaded_categories_route_to_the_terminal_station(departments, tree):
    load_default_categories("520327", actor=None)
    centre = UnitFactory.create(region=tree.village_a, kind=UnitKind.SERVICE_CENTRE)
    township = UnitFactory.create(region=tree.township_a, kind=UnitKind.TOWNSHIP_OFFICE)
    expected = {"0101": centre, "0102": township, "0202": departments["水务局"]}
    for code, unit in expected.items():
        case = CaseFactory.create(category=Category.objects.get(code=code), region=tree.group_a1)
        assert suggest_unit(case).unit_id == unit.pk, code


def test_command_loads_and_reports(departments):
    out, err = StringIO(), StringIO()
    call_command("load_categories", "--county", "520327", stdout=out, stderr=err)
    assert f"新增 {TOTAL} 个" in out.getvalue()
    assert err.getvalue() == ""
    out = StringIO()
    call_command("load_categories", stdout=out)
    assert f"未变 {TOTAL} 个" in out.getvalue()


def test_command_warns_of_missing_departments(tree):
    err = StringIO()
    call_command("load_categories", stdout=StringIO(), stderr=err)
    assert "民政局" in err.getvalue()
