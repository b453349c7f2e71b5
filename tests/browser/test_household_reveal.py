"""A village cadre opens a household from the group page and reveals one member's phone for a
stated reason; the page stays masked otherwise and fits a 360 px screen."""

from typing import Any

import pytest
from playwright.sync_api import expect

from sizhi.core.models import AuditLog

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("purge_audit")]

PASSWORD = "secret-pass-123"


def test_village_cadre_reveals_a_phone_with_a_reason(
    page: Any, live_server: Any, screenshot: Any, tree: Any, village_cadre: Any
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号").fill(village_cadre.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.form").get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/regions/{tree.group_a1.code}/")
    page.locator("#households").get_by_role("link", name=tree.household_a1.number).click()
    expect(page.locator("h1")).to_have_text(f"户 {tree.household_a1.number}")
    expect(page.locator("#members tbody th").first).to_have_text("张*")
    assert "13812345678" not in page.content()

    page.get_by_text("查看 张* 的完整信息").click()
    page.get_by_label("手机号", exact=True).last.check()
    page.get_by_label("查看理由").fill("电话回访")
    page.get_by_role("button", name="查看完整信息").click()
    expect(page.locator("#revealed")).to_contain_text("13812345678")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("household-reveal-360")
    assert AuditLog.objects.filter(action="person.reveal", reason="电话回访").count() == 1
