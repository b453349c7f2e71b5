import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import resolve, reverse

from sizhi.accounts.tests.factories import UserFactory
from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import (
    RegionFactory,
    RoleGrantFactory,
    ServicePointFactory,
    UnitFactory,
)
from sizhi.residents.tests.factories import HouseholdFactory, MembershipFactory, PersonFactory
from sizhi.web.navigation import DIRECTS

pytestmark = pytest.mark.django_db

# The codes of the conftest tree.
COUNTY = "520327"
TOWNSHIP_A = "520327101"
TOWNSHIP_B = "520327102"
VILLAGE_A = "520327101201"
VILLAGE_B = "520327101202"
GROUP_A1 = "520327101201001"
GROUP_B1 = "520327101202001"

LOGGED_IN = (
    "county_admin",
    "supervisor",
    "township_cadre",
    "village_cadre",
    "other_village_cadre",
    "convener",
    "resident",
)


def client_for(user: Any) -> Client:
    client = Client()
    if getattr(user, "is_authenticated", False):
        client.force_login(user)
    return client


def region_url(code: str) -> str:
    return reverse("web:region", kwargs={"code": code})


def text_of(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def seats(tree: Any) -> None:
    """One current council seat in each of the two sibling groups."""
    MembershipFactory(person=tree.person_a1, unit=tree.council_a1)
    MembershipFactory(person=tree.person_b1, unit=tree.council_b1)


def row_cells(html: str, code: str) -> dict[str, str]:
    """The count cells of the child row of ``code``: a number, a number with * (partial) or
    "—" (no scope)."""
    row = re.search(rf'<tr data-code="{code}">(.*?)</tr>', html, re.S)
    assert row is not None, code
    cells = {}
    for column, body in re.findall(r'data-col="(\w+)">(.*?)</td>', row.group(1), re.S):
        if "无权查看" in body:
            cells[column] = "—"
        else:
            number = re.sub(r"<[^>]+>|（仅含您可查看的部分）", "", body).strip()
            cells[column] = number
    return cells


def tiles_of(html: str) -> list[str]:
    return re.findall(r'data-tile="(\w+)"', html)


# Access


def test_anonymous_is_sent_to_login_from_the_region_browser(tree: Any) -> None:
    client = Client()
    for url in (reverse("web:region-index"), region_url(GROUP_A1)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_anonymous_home_is_the_public_landing_page(tree: Any) -> None:
    html = text_of(Client().get("/"))
    for name in ("党群直议", "干群直通", "县乡直达", "民生直办"):
        assert html.count(name) >= 2  # in the navigation and on a card
    assert f'href="{reverse("accounts:login")}"' in html
    assert "data-tile" not in html
    assert "<title>" in html


def test_header_shows_site_and_county_name(tree: Any) -> None:
    html = text_of(Client().get("/"))
    assert str(settings.SIZHI_SITE_NAME) == "四直为民"
    assert re.search(r'<span class="brand-name">\s*四直为民\s*<span class="brand-sep"', html)
    assert "</span> 凤冈" in html


def test_header_shows_the_users_roles_and_a_post_logout_form(village_cadre: Any) -> None:
    html = text_of(client_for(village_cadre).get("/"))
    assert '<li class="tag">联系干部</li>' in html
    assert re.search(
        rf'<form method="post" action="{reverse("accounts:logout")}">\s*'
        r'<input type="hidden" name="csrfmiddlewaretoken"',
        html,
    )


# Home page per role

EXPECTED_TILES = {
    "county_admin": ["regions", "region_import", "work_orders", "stats", "notices", "reach"],
    "supervisor": ["regions", "work_orders", "stats", "reach"],
    "township_cadre": ["regions", "work_orders", "pairings", "notices"],
    "village_cadre": ["regions", "work_orders", "pairings", "notices"],
    "other_village_cadre": ["regions", "work_orders", "pairings", "notices"],
    "convener": ["regions", "motions_desk", "notices"],
    "resident": ["regions", "appeal", "motions", "notices"],
}


@pytest.mark.parametrize("persona", LOGGED_IN, indirect=True)
def test_each_persona_sees_its_tiles(persona: Any, request: pytest.FixtureRequest) -> None:
    name = request.node.callspec.params["persona"]
    html = text_of(client_for(persona).get("/"))
    assert tiles_of(html) == EXPECTED_TILES[name]


def test_only_county_admins_get_the_region_import_link(
    county_admin: Any, supervisor: Any, village_cadre: Any
) -> None:
    assert 'href="/regions/import/"' in text_of(client_for(county_admin).get("/"))
    for user in (supervisor, village_cadre):
        assert "/regions/import/" not in text_of(client_for(user).get("/"))


def test_staff_users_get_the_admin_tile(tree: Any) -> None:
    staff = UserFactory(is_staff=True)
    html = text_of(client_for(staff).get("/"))
    assert tiles_of(html) == ["regions", "admin"]
    assert f'href="{reverse("admin:index")}"' in html
    assert "您还没有任何区域的授权" in html


def test_coming_tiles_say_so(convener: Any) -> None:
    html = text_of(client_for(convener).get("/"))
    assert html.count('<p class="badge">即将上线</p>') == 1  # notices
    assert f'href="{reverse("web:coming", kwargs={"slug": "outreach"})}"' in html


def test_deliberation_tiles_are_live(convener: Any, resident: Any) -> None:
    html = text_of(client_for(convener).get("/"))
    assert f'<a href="{reverse("deliberation:desk")}">议事工作台</a>' in html
    html = text_of(client_for(resident).get("/"))
    assert f'<a href="{reverse("deliberation:home")}">议题与议事</a>' in html


def test_the_deliberation_direct_has_a_live_entry(tree: Any) -> None:
    features = {feature.slug: feature for feature in DIRECTS}
    assert features["deliberation"].url == reverse("deliberation:home")
    assert features["cases"].url == reverse("appeals:index")
    assert features["outreach"].url == reverse("web:coming", kwargs={"slug": "outreach"})


def test_dashboard_lists_grants_and_links_their_regions(tree: Any, convener: Any) -> None:
    RoleGrantFactory(user=convener, role="resident", region=tree.group_a1)
    html = text_of(client_for(convener).get("/"))
    grants = re.findall(
        r'<td data-label="角色">(.*?)</td>\s*<td data-label="范围">(.*?)</td>', html
    )
    assert sorted(grants) == [("召集人", "一组议事会"), ("群众", "临江村一组")]
    assert html.count(f'class="button button-secondary" href="{region_url(GROUP_A1)}"') == 1


def test_each_direct_has_a_coming_page(tree: Any) -> None:
    for slug, name in (
        ("deliberation", "党群直议"),
        ("outreach", "干群直通"),
        ("reach", "县乡直达"),
        ("cases", "民生直办"),
    ):
        html = text_of(Client().get(reverse("web:coming", kwargs={"slug": slug})))
        assert f"<h1>{name}</h1>" in html
        assert f"“{name}”功能正在建设中，即将上线。" in html
        assert re.search(rf'aria-current="page">{name}</a>', html)


def test_unknown_feature_is_404(tree: Any) -> None:
    assert Client().get(reverse("web:coming", kwargs={"slug": "nope"})).status_code == 404


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


# Search


def test_search_finds_regions_by_name_pinyin_and_initials(village_cadre: Any) -> None:
    client = client_for(village_cadre)

    def found(text: str) -> list[str]:
        html = text_of(client.get(reverse("web:region-index"), {"q": text}))
        return re.findall(r'<a href="/regions/(\d+)/">', html)

    assert found("临江") == [VILLAGE_A, GROUP_A1]
    assert found("linjiang") == [VILLAGE_A, GROUP_A1]
    assert found("LJC") == [VILLAGE_A, GROUP_A1]
    assert found("yachuan") == [TOWNSHIP_B]
    assert found("不存在的地方") == []


def test_search_is_bounded(village_cadre: Any, tree: Any) -> None:
    for i in range(1, 26):
        RegionFactory(code=f"520327101201{i + 100:03d}", name=f"临江村{i}号组")
    html = text_of(client_for(village_cadre).get(reverse("web:region-index"), {"q": "临江村"}))
    assert len(re.findall(r'<a href="/regions/(\d+)/">', html)) == 20
    assert "只显示前 20 个结果" in html


# Languages


def test_language_switch_sets_english(tree: Any) -> None:
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = text_of(client.get("/"))
    assert '<html lang="en">' in html
    assert re.search(r'value="en"\s+lang="en"\s+aria-pressed="true"', html)


def test_chinese_is_the_default_language(tree: Any) -> None:
    html = text_of(Client().get("/"))
    assert '<html lang="zh-hans">' in html
    assert re.search(r'value="zh-hans"\s+lang="zh-hans"\s+aria-pressed="true"', html)


# Error pages


@pytest.mark.urls("sizhi.web.tests.urls")
def test_permission_denied_renders_the_403_page(tree: Any) -> None:
    response = Client().get("/test/forbidden/")
    assert response.status_code == 403
    assert "<h1>没有权限</h1>" in text_of(response)


def test_page_not_found_renders_the_404_page(tree: Any) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = text_of(response)
    assert "<h1>页面不存在</h1>" in html
    assert '<nav class="site-nav"' in html


def test_region_urls_leave_room_for_the_import_page() -> None:
    assert resolve("/regions/import/").view_name == "orgs:region-import"
    assert resolve("/regions/520327101201001/").view_name == "web:region"
    assert resolve("/regions/").view_name == "web:region-index"


def test_expired_form_renders_the_csrf_page(tree: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "<h1>页面已过期</h1>" in text_of(response)
