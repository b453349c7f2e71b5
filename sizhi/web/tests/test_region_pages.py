"""The region browser: a region's path, facts, counts and lists as each persona may see them,
with a fixed number of queries whatever the size."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import (
    RegionFactory,
    ServicePointFactory,
    UnitFactory,
)
from sizhi.residents.tests.factories import HouseholdFactory, MembershipFactory, PersonFactory
from sizhi.web.tests.pages import (
    COUNTY,
    GROUP_A1,
    GROUP_B1,
    LOGGED_IN,
    TOWNSHIP_A,
    TOWNSHIP_B,
    VILLAGE_A,
    VILLAGE_B,
    client_for,
    region_url,
    row_cells,
    text_of,
)

pytestmark = pytest.mark.django_db

# Region browser


def test_region_index_redirects_to_the_county(village_cadre: Any) -> None:
    response = client_for(village_cadre).get(reverse("web:region-index"))
    assert response.status_code == 302
    assert response["Location"] == region_url(COUNTY)


def test_region_index_without_a_county_says_so(county_admin: Any, settings: Any) -> None:
    settings.SIZHI_COUNTY_CODE = "520399"
    html = text_of(client_for(county_admin).get(reverse("web:region-index")))
    assert "尚未导入本县的区域数据。" in html
    assert 'href="/regions/import/"' in html


def test_unknown_region_code_is_404(village_cadre: Any) -> None:
    client = client_for(village_cadre)
    response = client.get(region_url("520327999999"))
    assert response.status_code == 404
    assert "页面不存在" in text_of(response)
    assert client.get("/regions/5203271/").status_code == 404
    assert client.get("/regions/import-not/").status_code == 404


def test_region_page_shows_path_and_facts(village_cadre: Any) -> None:
    html = text_of(client_for(village_cadre).get(region_url(GROUP_A1)))
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', html, re.S)
    assert crumbs is not None
    names = re.findall(r">([^<>\s][^<>]*)</(?:a|span)>", crumbs.group(0))
    assert names == ["凤冈县", "进化镇", "临江村", "临江村一组"]
    assert '<span aria-current="page">临江村一组</span>' in crumbs.group(0)
    assert "<h1>临江村一组</h1>" in html
    assert f"<code>{GROUP_A1}</code>" in html
    assert "linjiangcunyizu" in html
    assert "村民小组" in html


GROUP_A1_HOUSEHOLDS = {
    "county_admin": True,
    "supervisor": True,
    "township_cadre": True,
    "village_cadre": True,
    "other_village_cadre": False,
    "convener": True,
    "resident": True,  # their own household only
}
GROUP_A1_MEMBERS = {
    "county_admin": True,
    "supervisor": True,
    "township_cadre": True,
    "village_cadre": True,
    "other_village_cadre": False,
    "convener": True,
    "resident": True,
}


@pytest.mark.parametrize("persona", LOGGED_IN, indirect=True)
def test_group_page_shows_only_what_the_persona_may_see(
    persona: Any, tree: Any, seats: None, request: pytest.FixtureRequest
) -> None:
    name = request.node.callspec.params["persona"]
    response = client_for(persona).get(region_url(GROUP_A1))
    assert response.status_code == 200
    html = text_of(response)
    assert (tree.household_a1.number in html) is GROUP_A1_HOUSEHOLDS[name]
    assert ("张*" in html) is GROUP_A1_MEMBERS[name]
    # Never the sibling village, never a name or an address in clear.
    for leak in (tree.household_b1.number, "李*", "张三", "李四", "进化镇临江村一组1号"):
        assert leak not in html
    if GROUP_A1_HOUSEHOLDS[name]:
        assert "进化镇临江村****" in html
    else:
        assert "您无权查看本组的户。" in html
        assert "您无权查看本区域的成员。" in html


def test_group_page_of_anonymous_redirects(tree: Any, seats: None) -> None:
    response = Client().get(region_url(GROUP_A1))
    assert response.status_code == 302
    assert tree.household_a1.number not in text_of(response)


def test_resident_is_told_they_see_only_their_own_household(resident: Any) -> None:
    html = text_of(client_for(resident).get(region_url(GROUP_A1)))
    assert "仅显示您本人所在的户。" in html


def test_group_page_of_the_sibling_village_shows_nothing_to_a_village_cadre(
    village_cadre: Any, tree: Any, seats: None
) -> None:
    html = text_of(client_for(village_cadre).get(region_url(GROUP_B1)))
    for leak in (tree.household_b1.number, "李*", "李四", tree.household_a1.number, "张*"):
        assert leak not in html
    assert "您无权查看本组的户。" in html
    assert "您无权查看本区域的成员。" in html
    assert "您无权查看本区域的单位。" in html
    assert "您无权查看本区域的服务阵地。" in html


ALL = {"units": "1", "members": "1", "households": "1", "persons": "1"}
NONE = {"units": "—", "members": "—", "households": "—", "persons": "—"}
VILLAGE_A_GROUP_A1_COUNTS = {
    "county_admin": ALL,
    "supervisor": ALL,
    "township_cadre": ALL,
    "village_cadre": ALL,
    "other_village_cadre": NONE,
    "convener": ALL,
    "resident": {"units": "1", "members": "1", "households": "—", "persons": "—"},
}


@pytest.mark.parametrize("persona", LOGGED_IN, indirect=True)
def test_village_page_counts_per_persona(
    persona: Any, tree: Any, seats: None, request: pytest.FixtureRequest
) -> None:
    name = request.node.callspec.params["persona"]
    html = text_of(client_for(persona).get(region_url(VILLAGE_A)))
    assert row_cells(html, GROUP_A1) == VILLAGE_A_GROUP_A1_COUNTS[name]
    for leak in (tree.household_a1.number, tree.household_b1.number, "张*", "李*", "张三"):
        assert leak not in html
    assert "下级区域（1）" in html


def test_village_page_of_anonymous_redirects(tree: Any) -> None:
    assert Client().get(region_url(VILLAGE_A)).status_code == 302


def test_counts_are_dashes_outside_and_marked_partial_across_the_scope(
    village_cadre: Any, tree: Any, seats: None
) -> None:
    client = client_for(village_cadre)
    county = text_of(client.get(region_url(COUNTY)))
    assert row_cells(county, TOWNSHIP_A) == {
        "units": "1*",
        "members": "1*",
        "households": "1*",
        "persons": "1*",
    }
    assert row_cells(county, TOWNSHIP_B) == NONE
    assert "带 * 的数字只统计您有权查看的部分。" in county
    township = text_of(client.get(region_url(TOWNSHIP_A)))
    assert row_cells(township, VILLAGE_A) == ALL
    assert row_cells(township, VILLAGE_B) == NONE
    assert "带 * 的数字" not in township


def test_county_admin_sees_whole_counts_everywhere(county_admin: Any, tree: Any) -> None:
    PersonFactory(household=tree.household_b1, name="王五")
    html = text_of(client_for(county_admin).get(region_url(TOWNSHIP_A)))
    assert row_cells(html, VILLAGE_A) == {
        "units": "1",
        "members": "0",
        "households": "1",
        "persons": "1",
    }
    assert row_cells(html, VILLAGE_B) == {
        "units": "1",
        "members": "0",
        "households": "1",
        "persons": "2",
    }


def test_units_of_a_region_are_listed(township_cadre: Any, tree: Any) -> None:
    UnitFactory(region=tree.village_a, kind=UnitKind.PARTY_BRANCH, name="临平党支部")
    html = text_of(client_for(township_cadre).get(region_url(VILLAGE_A)))
    assert '<span class="unit-name">临平党支部</span>' in html
    assert '<span class="tag">党支部</span>' in html


def test_members_show_role_selection_and_term(village_cadre: Any, tree: Any) -> None:
    import datetime

    MembershipFactory(
        person=tree.person_a1,
        unit=tree.council_a1,
        role="convener",
        selection="elected",
        started_on=datetime.date(2024, 1, 1),
        term_ends_on=datetime.date(2027, 1, 1),
    )
    html = text_of(client_for(village_cadre).get(region_url(GROUP_A1)))
    assert re.search(
        r'<th scope="row" data-label="姓名">张\*</th>\s*'
        r'<td data-label="单位">一组议事会</td>\s*'
        r'<td data-label="职务">召集人</td>\s*'
        r'<td data-label="产生方式">选举产生</td>\s*'
        r'<td data-label="任期">\s*2024-01-01 至 2027-01-01\s*</td>',
        html,
    )


def test_service_point_compliance_is_shown(county_admin: Any, tree: Any) -> None:
    ServicePointFactory(
        region=tree.group_a1,
        name="临江村一组群众工作点",
        facilities=["mass_work_point", "group_council", "clinic"],
    )
    ServicePointFactory(
        region=tree.village_a,
        name="临江村服务中心",
        facilities=[
            "affairs_service_centre",
            "mass_work_room",
            "village_utility_service",
            "orderlies_team",
            "moral_lecture_hall",
        ],
    )
    client = client_for(county_admin)
    group = text_of(client.get(region_url(GROUP_A1)))
    assert "<h3>临江村一组群众工作点</h3>" in group
    assert "未达到示范标准：缺少 1 项必备设施。" in group
    assert '<li class="tag tag-warn">茶乡便民室</li>' in group
    assert '<li class="tag">卫生室</li>' in group
    village = text_of(client.get(region_url(VILLAGE_A)))
    assert "必备设施齐全，达到示范标准。" in village
    assert re.search(r'<span class="status status-warn">\s*缺 1 项\s*</span>', village)
    township = text_of(client.get(region_url(TOWNSHIP_A)))
    assert '<span class="status status-ok">达标</span>' in township
    assert '<span class="status status-none">未登记</span>' in township


def test_service_points_outside_the_scope_are_not_shown(village_cadre: Any, tree: Any) -> None:
    ServicePointFactory(region=tree.group_b1, name="沙坝村一组群众工作点", facilities=[])
    client = client_for(village_cadre)
    assert "沙坝村一组群众工作点" not in text_of(client.get(region_url(GROUP_B1)))
    village = text_of(client.get(region_url(VILLAGE_B)))
    assert "缺 3 项" not in village
    assert "未登记" not in village


def test_households_are_paginated_by_number(village_cadre: Any, tree: Any) -> None:
    group = RegionFactory(code="520327101201009", name="临江村九组")
    numbers = [f"N{i:04d}" for i in range(1, 121)]
    for number in numbers:
        HouseholdFactory(region=group, number=number)
    client = client_for(village_cadre)
    url = region_url(group.code)

    def shown(html: str) -> list[str]:
        return re.findall(r'<th scope="row" data-label="户编号">\s*<a [^>]*>(N\d{4})</a>', html)

    first = text_of(client.get(url))
    assert shown(first) == numbers[:50]
    assert 'href="?after=N0050#households-title"' in first
    assert 'href="?before=' not in first
    second = text_of(client.get(url, {"after": "N0050"}))
    assert shown(second) == numbers[50:100]
    assert 'href="?before=N0051#households-title"' in second
    assert 'href="?after=N0100#households-title"' in second
    third = text_of(client.get(url, {"after": "N0100"}))
    assert shown(third) == numbers[100:]
    assert 'href="?after=' not in third
    back = text_of(client.get(url, {"before": "N0051"}))
    assert shown(back) == numbers[:50]
    assert 'href="?before=' not in back
    assert 'href="?after=N0050#households-title"' in back


# Constant queries


def _village_with_groups(count: int) -> Any:
    village = RegionFactory(code="520327101203", name="测试村")
    for i in range(1, count + 1):
        group = RegionFactory(code=f"520327101203{i:03d}", name=f"测试村{i}组")
        unit = UnitFactory(region=group, kind=UnitKind.COUNCIL, name="议事会")
        household = HouseholdFactory(region=group)
        MembershipFactory(person=PersonFactory(household=household), unit=unit)
        ServicePointFactory(region=group, facilities=["mass_work_point"])
    return village


def _group_with_households(count: int) -> Any:
    group = RegionFactory(code="520327101201002", name="临江村二组")
    unit = UnitFactory(region=group, kind=UnitKind.COUNCIL, name="二组议事会")
    ServicePointFactory(region=group, facilities=["mass_work_point"])
    for _ in range(count):
        household = HouseholdFactory(region=group)
        MembershipFactory(person=PersonFactory(household=household), unit=unit)
    return group


# session, user, region, children, service points, the viewer's grants, one grouped count each
# of units, members, households and persons, the viewer's own person (households and persons
# include it), path, units at the region, county name (header), the viewer's roles (header)
REGION_LIST_QUERIES = 15
# session, user, region, service points, grants, path, units, members, own person, the page of
# households, county name, roles: a group has no children to count
GROUP_PAGE_QUERIES = 12


@pytest.mark.parametrize("children", [3, 30])
def test_region_list_page_runs_a_constant_number_of_queries(
    county_admin: Any, children: int, django_assert_num_queries: Any
) -> None:
    village = _village_with_groups(children)
    client = client_for(county_admin)
    with django_assert_num_queries(REGION_LIST_QUERIES):
        response = client.get(region_url(village.code))
    assert text_of(response).count('<tr data-code="520327101203') == children


@pytest.mark.parametrize("households", [3, 30])
def test_group_page_runs_a_constant_number_of_queries(
    county_admin: Any, households: int, django_assert_num_queries: Any
) -> None:
    group = _group_with_households(households)
    client = client_for(county_admin)
    with django_assert_num_queries(GROUP_PAGE_QUERIES):
        response = client.get(region_url(group.code))
    html = text_of(response)
    assert html.count('data-label="户编号"') == households
    assert html.count('<td data-label="单位">二组议事会</td>') == households
