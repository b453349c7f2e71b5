"""An integrator makes a webhook subscription on the page at 360 px, copies its secret (shown
once), opens it and stops it."""

from typing import Any

import pytest
from playwright.sync_api import expect

from sizhi.accounts.actions import create_api_token
from sizhi.webhooks.models import Subscription
from sizhi.webhooks.signing import secret_of
from sizhi.webhooks.tests.factories import DeliveryFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("purge_audit")]

PASSWORD = "secret-pass-123"


def test_an_integrator_makes_a_subscription_sees_its_secret_once_and_stops_it(
    page: Any, live_server: Any, screenshot: Any, settings: Any, tree: Any, township_cadre: Any
) -> None:
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = False
    create_api_token(
        owner=township_cadre,
        name="进化镇看板",
        scopes=["cases:read"],
        kind="integration",
        region_code=tree.township_a.code,
        actor=None,
    )
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号").fill(township_cadre.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.form").get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/accounts/webhooks/")
    expect(page.locator("h1")).to_have_text("事件订阅")
    screenshot("webhooks-empty-360")

    page.get_by_label("名称").fill("进化镇工单看板")
    page.get_by_label("集成密钥：进化镇看板", exact=False).check()
    page.get_by_label("推送地址").fill("http://192.168.1.20/hooks")
    page.get_by_text("按环节选择").click()
    page.get_by_label("办结 case.close").check()
    page.get_by_label("区域范围").fill(tree.village_a.code)
    with page.expect_navigation():  # and its stylesheet, before the width is measured
        page.get_by_role("button", name="创建订阅").click()
    expect(page.locator("#id_url-errors")).to_have_text("不允许推送到本机或内网地址。")
    expect(page.get_by_label("办结 case.close")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("webhooks-error-360")
    assert not Subscription.objects.exists()

    page.get_by_label("推送地址").fill("https://board.example.cn/hooks/sizhi")
    with page.expect_navigation():
        page.get_by_role("button", name="创建订阅").click()

    secret_box = page.locator("#new-secret-value")
    expect(secret_box).to_have_value(secret_of(Subscription.objects.get().secret_salt))
    secret = secret_box.input_value()
    expect(page.locator("#subscriptions")).to_contain_text("进化镇工单看板")
    expect(page.locator("#subscriptions")).to_contain_text("诉求 · 办结")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("webhooks-created-360")

    subscription = Subscription.objects.get()
    DeliveryFactory.create(subscription=subscription, state="delivered", last_status=200)
    DeliveryFactory.create(
        subscription=subscription,
        state="failed",
        attempts=6,
        last_status=500,
        last_error="answered 500",
    )
    DeliveryFactory.create(
        subscription=subscription,
        state="withheld",
        last_error="not visible to the owner",
    )
    page.goto(f"{live_server.url}/accounts/webhooks/")
    assert secret not in page.content()
    expect(page.locator("#subscriptions")).to_contain_text("未推送")
    page.locator("#subscriptions").get_by_role("link", name="进化镇工单看板").click()
    expect(page.locator("h1")).to_have_text("进化镇工单看板")
    assert secret not in page.content()
    expect(page.locator("#deliveries tbody tr")).to_have_count(3)
    expect(page.locator("#deliveries").get_by_role("button", name="重新推送")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("webhooks-detail-360")
    # Stopped from the keyboard
    page.get_by_role("button", name="停用订阅").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("已停用订阅“进化镇工单看板”。")
    expect(page.locator("#subscription-state")).to_contain_text("手动停用")
    expect(page.get_by_role("button", name="启用订阅")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("webhooks-stopped-360")
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.disabled_reason) == (False, "manual")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/accounts/webhooks/")
    expect(page.locator("#subscriptions")).to_contain_text("手动停用")
    screenshot("webhooks-list-desktop")
