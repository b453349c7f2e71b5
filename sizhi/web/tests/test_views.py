"""The site's own pages: who gets in, the home page of each role, search, languages and the
error pages."""

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import resolve, reverse

from sizhi.accounts.tests.factories import UserFactory
from sizhi.orgs.tests.factories import (
    RegionFactory,
    RoleGrantFactory,
)
from sizhi.web.navigation import DIRECTS
from sizhi.web.tests.pages import (
    GROUP_A1,
    LOGGED_IN,
    TOWNSHIP_B,
    VILLAGE_A,
    client_for,
    region_url,
    text_of,
    tiles_of,
)

pytestmark = pytest.mark.django_db

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
    # The user's own API tokens and webhook subscriptions are one click away.
    assert f'<a href="{reverse("accounts:tokens")}">API 令牌</a>' in html
    assert f'<a href="{reverse("webhooks:subscriptions")}">事件订阅</a>' in html


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
