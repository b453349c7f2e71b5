"""A township cadre logs in, walks the region tree down to a group, and switches to English;
screenshots at desktop and at 360 px wide land in test-artifacts/screenshots/."""

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import ServicePointFactory, UnitFactory
from sizhi.residents.tests.factories import HouseholdFactory, MembershipFactory, PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("purge_audit")]

PASSWORD = "secret-pass-123"


@pytest.fixture
def village_data(tree: Any) -> None:
    UnitFactory(region=tree.village_a, kind=UnitKind.PARTY_BRANCH, name="临平党支部")
    UnitFactory(region=tree.village_a, kind=UnitKind.VILLAGERS_COMMITTEE, name="临江村村民委员会")
    ServicePointFactory(
        region=tree.village_a,
        name="临江村政务服务中心",
        facilities=[
            "affairs_service_centre",
            "mass_work_room",
            "village_utility_service",
            "orderlies_team",
            "moral_lecture_hall",
            "clinic",
            "library",
        ],
    )
    ServicePointFactory(
        region=tree.group_a1,
        name="临江村一组群众工作点",
        facilities=["mass_work_point", "group_council"],
    )
    MembershipFactory(
        person=tree.person_a1,
        unit=tree.council_a1,
        role="convener",
        started_on=datetime.date(2024, 1, 1),
        term_ends_on=datetime.date(2027, 1, 1),
    )
    for i in range(2, 9):
        household = HouseholdFactory(
            region=tree.group_a1, number=f"A1-{i:03d}", address=f"进化镇临江村一组{i}号"
        )
        person = PersonFactory(household=household, name=f"欧阳{'一二三四五六七八九'[i]}")
        if i <= 4:
            MembershipFactory(person=person, unit=tree.council_a1)


def breadcrumb(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("nav.breadcrumb li").all_inner_texts()]


def assert_fits(page: Any, width: int) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"page is {overflow}px wide at {width}px"


def test_township_cadre_browses_down_to_a_group(
    page: Any,
    live_server: Any,
    screenshot: Any,
    tree: Any,
    township_cadre: Any,
    village_data: None,
) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("四直为民")
    expect(page.locator(".brand-name")).to_contain_text("凤冈")
    screenshot("landing-desktop")

    # Log in with the phone typed with spaces.
    page.locator(".header-tools").get_by_role("link", name="登录").click()
    expect(page.locator("h1")).to_have_text("登录")
    phone = township_cadre.phone
    page.get_by_label("手机号").fill(f"{phone[:3]} {phone[3:7]} {phone[7:]}")
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.form").get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text(f"您好，{township_cadre.name}")
    expect(page.locator("[data-tile]")).to_have_count(4)
    screenshot("dashboard-desktop")

    # County → township → village → group by clicking.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="行政区域").click()
    expect(page.locator("h1")).to_have_text("凤冈县")
    assert breadcrumb(page) == ["凤冈县"]
    township_b = page.locator(f'tr[data-code="{tree.township_b.code}"]')
    # A dash for the eye, "no access" for a screen reader.
    expect(township_b.locator('[data-col="households"]')).to_have_text("—无权查看")
    expect(township_b.get_by_role("cell", name="无权查看")).to_have_count(5)
    screenshot("county-desktop")

    page.locator("table").get_by_role("link", name="进化镇").click()
    expect(page.locator("h1")).to_have_text("进化镇")
    assert breadcrumb(page) == ["凤冈县", "进化镇"]
    village_a = page.locator(f'tr[data-code="{tree.village_a.code}"]')
    expect(village_a.locator('[data-col="households"]')).to_have_text("8")
    expect(village_a.locator('[data-col="persons"]')).to_have_text("8")

    page.locator("table").get_by_role("link", name="临江村", exact=True).click()
    expect(page.locator("h1")).to_have_text("临江村")
    assert breadcrumb(page) == ["凤冈县", "进化镇", "临江村"]
    expect(page.get_by_text("必备设施齐全，达到示范标准。")).to_be_visible()
    expect(page.locator(".unit-name")).to_have_text(["临平党支部", "临江村村民委员会"])
    screenshot("village-desktop")

    page.locator("table").get_by_role("link", name="临江村一组").click()
    expect(page.locator("h1")).to_have_text("临江村一组")
    assert breadcrumb(page) == ["凤冈县", "进化镇", "临江村", "临江村一组"]
    expect(page.locator("#households tbody tr")).to_have_count(8)
    expect(page.locator("#members tbody tr")).to_have_count(4)
    expect(page.locator("#members tbody th").first).to_have_text("张*")
    expect(page.get_by_text("未达到示范标准：缺少 1 项必备设施。")).to_be_visible()
    assert "张三" not in page.content()
    screenshot("group-desktop")

    # The same pages at 360 px wide: nothing wider than the screen.
    page.set_viewport_size({"width": 360, "height": 740})
    assert_fits(page, 360)
    screenshot("group-360")
    page.locator("nav.breadcrumb").get_by_role("link", name="临江村").click()
    expect(page.locator("h1")).to_have_text("临江村")
    assert_fits(page, 360)
    screenshot("village-360")
    page.locator("nav.breadcrumb").get_by_role("link", name="凤冈县").click()
    expect(page.locator("h1")).to_have_text("凤冈县")
    assert_fits(page, 360)
    screenshot("county-360")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="首页").click()
    assert_fits(page, 360)
    screenshot("dashboard-360")
    page.locator(".user-menu summary").click()
    expect(page.locator(".user-menu-panel")).to_be_visible()
    expect(page.locator(".user-menu-panel .tag")).to_have_text(["联系干部"])
    assert_fits(page, 360)
    screenshot("user-menu-360")

    # Switch to English through the header form; the page comes back in English.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/regions/{tree.group_a1.code}/")
    page.locator("form.lang-switch").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/regions/{tree.group_a1.code}/")
    expect(page.locator("form.lang-switch button[value=en]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("h1")).to_have_text("临江村一组")
    expect(page.locator(".brand-name")).to_contain_text("Fenggang")
    screenshot("group-english-desktop")
    page.set_viewport_size({"width": 360, "height": 740})
    assert_fits(page, 360)
    screenshot("group-english-360")


def test_anonymous_landing_and_login_fit_a_phone(
    page: Any, live_server: Any, screenshot: Any, tree: Any
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/")
    expect(page.locator(".card-direct h3")).to_have_text(
        ["党群直议", "干群直通", "县乡直达", "民生直办"]
    )
    assert_fits(page, 360)
    screenshot("landing-360")
    # The first Tab reaches the skip link, which shows itself and leads to the main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/#main")
    page.goto(f"{live_server.url}/regions/")
    expect(page.locator("h1")).to_have_text("登录")
    page.get_by_label("手机号").fill("13800000000")
    page.get_by_label("密码").fill("wrong")
    page.locator("form.form").get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("手机号或密码不正确，请重新输入。")
    assert_fits(page, 360)
    screenshot("login-error-360")
