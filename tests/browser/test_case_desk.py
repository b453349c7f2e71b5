"""The case desk end to end: an operator takes a call on the hotline console and creates and
dispatches the case with the keyboard alone; the village service centre's handler signs for it
and replies; the follow-up call finds it unsolved and the case goes back for re-handling.
Screenshots at desktop and at 360 px wide land in test-artifacts/screenshots/desk-*.png."""

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sizhi.cases.models import Case
from sizhi.cases.tests.conftest import desk, handler, operator  # noqa: F401 - fixtures
from sizhi.cases.tests.factories import CaseFactory
from tests.browser.conftest import png

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("purge_audit")]

PASSWORD = "secret-pass-123"
CALLER = "13812345678"


@pytest.fixture
def history(desk: Any) -> dict[str, Case]:  # noqa: F811 - the fixture imported above
    """The caller's earlier, closed case, and another resident's open case about the same lamp
    (a possible duplicate); both in village A."""
    earlier = CaseFactory.create(
        category=desk.township_matter,
        title="村道坑洼",
        description="组里的村道有坑",
        contact_phone=CALLER,
        contact_name="张三",
        state="closed",
        received_at=timezone.now() - dt.timedelta(days=90),
        search_text="村道 坑洼",
    )
    neighbour = CaseFactory.create(
        category=desk.village_matter,
        title="村口路灯坏了",
        description="村口路灯坏了好几天",
        contact_phone="13900009999",
        received_at=timezone.now() - dt.timedelta(days=2),
        search_text="村口 路灯 坏 了 好几天",
    )
    return {"earlier": earlier, "neighbour": neighbour}


def log_in(page: Any, live_server: Any, user: Any, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("手机号").fill(user.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(f"{live_server.url}{next_url}")


def fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_call_is_registered_dispatched_handled_and_reopened(
    page: Any,
    live_server: Any,
    screenshot: Any,
    desk: Any,  # noqa: F811
    operator: Any,  # noqa: F811
    handler: Any,  # noqa: F811
    history: dict[str, Case],
) -> None:
    keyboard = page.keyboard

    # The operator takes the call: keyboard only from here to the receipt.
    log_in(page, live_server, operator, "/cases/console/")
    expect(page.locator("#console-phone")).to_be_focused()
    keyboard.type(CALLER)
    expect(page.locator("#caller-history")).to_contain_text(history["earlier"].number)
    keyboard.press("Tab")
    expect(page.locator("#console-contact_name")).to_be_focused()
    keyboard.type("张三")
    keyboard.press("Tab")  # anonymous: no
    keyboard.press("Tab")
    expect(page.locator("#console-kind")).to_be_focused()
    keyboard.type("3")  # 3 投诉
    keyboard.press("Tab")  # petition class: none
    keyboard.press("Tab")
    expect(page.locator("#console-category")).to_be_focused()
    keyboard.type("0101")  # 0101 路灯
    expect(page.locator("#console-category")).to_have_value(str(desk.village_matter.pk))
    keyboard.press("Tab")
    keyboard.type("2")  # 2 紧急
    expect(page.locator("#console-urgency")).to_have_value("urgent")
    keyboard.press("Tab")
    expect(page.locator("#console-region")).to_be_focused()
    keyboard.type("临江村一组")
    keyboard.press("Tab")
    keyboard.type("村口大榕树旁")
    keyboard.press("Tab")
    keyboard.type("村口路灯不亮")
    keyboard.press("Tab")
    keyboard.type("临江村一组村口的路灯坏了一周，晚上出行不便。")
    # The neighbour's case about the same lamp is offered as a possible repeat; this caller
    # reports it as a new case.
    expect(page.locator("#duplicates")).to_contain_text(history["neighbour"].number)
    keyboard.press("Tab")
    expect(page.locator("#repeat-none")).to_be_focused()
    expect(page.locator("#repeat-none")).to_be_checked()
    keyboard.press("Tab")  # the link to the neighbour's case
    expect(page.locator("#duplicates a").first).to_be_focused()
    keyboard.press("Tab")
    unit = page.locator("#console-unit")
    expect(unit).to_be_focused()
    expect(unit).to_have_value(str(desk.village_centre.pk))
    expect(unit.locator("option:checked")).to_contain_text("（建议）")
    screenshot("desk-console-filled-desktop")
    keyboard.press("Tab")
    expect(page.locator("#console-save")).to_be_focused()
    keyboard.press("Enter")

    receipt = page.locator(".desk-receipt")
    expect(receipt).to_contain_text("已登记并派单")
    case = Case.objects.exclude(pk__in=[c.pk for c in history.values()]).get()
    expect(page.locator("#receipt-number")).to_have_text(case.number)
    expect(page.locator("#receipt-code")).to_have_text(re.compile(r"^\s*[A-Z2-9]{8}\s*$"))
    expect(receipt).to_contain_text(desk.village_centre.name)
    assert (case.channel, case.state, case.urgency) == ("hotline", "assigned", "urgent")
    assert case.handling_unit_id == desk.village_centre.pk
    assert case.contact_phone == CALLER
    expect(page.locator("#console-phone")).to_be_focused()  # ready for the next call
    screenshot("desk-console-desktop")
    page.set_viewport_size({"width": 360, "height": 740})
    fits(page, 360)
    screenshot("desk-console-360")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The operator's queue offers the neighbour's undispatched case for bulk dispatch.
    page.goto(f"{live_server.url}/cases/")
    neighbour_row = page.locator(f'tr[data-case="{history["neighbour"].number}"]')
    expect(neighbour_row.get_by_role("checkbox")).to_have_count(1)
    expect(page.locator(f'tr[data-case="{case.number}"]').get_by_role("checkbox")).to_have_count(0)
    screenshot("desk-queue-dispatcher-desktop")
    page.set_viewport_size({"width": 360, "height": 740})
    fits(page, 360)
    screenshot("desk-queue-dispatcher-360")
    page.set_viewport_size({"width": 1280, "height": 800})
    neighbour_row.get_by_role("link", name=history["neighbour"].number).click()
    page.locator("#step-dispatch summary").click()
    expect(page.locator("#dispatch-unit option:checked")).to_contain_text(desk.village_centre.name)
    screenshot("desk-case-dispatch-desktop")

    # The village service centre's handler finds it in the queue, signs for it and replies.
    log_in(page, live_server, handler, "/cases/")
    row = page.locator(f'tr[data-case="{case.number}"]')
    expect(row).to_contain_text("已派单")
    expect(page.locator(f'tr[data-case="{history["neighbour"].number}"]')).to_have_count(0)
    screenshot("desk-queue-desktop")
    page.set_viewport_size({"width": 360, "height": 740})
    fits(page, 360)
    screenshot("desk-queue-360")
    page.set_viewport_size({"width": 1280, "height": 800})
    row.get_by_role("link", name=case.number).click()
    expect(page.locator("h1")).to_have_text("村口路灯不亮")
    expect(page.locator("#clocks")).to_contain_text("响应时限")
    expect(page.locator("#clocks")).to_contain_text("办理时限")
    page.get_by_role("button", name="签收").click()
    expect(page.locator(".messages")).to_contain_text("已签收")
    expect(page.locator("#case-state")).to_have_text("办理中")
    # A photo of the repaired lamp, shown to the resident too.
    page.locator("#step-attach summary").click()
    attach = page.locator("#step-attach")
    attach.get_by_label("文件").set_input_files(
        files=[{"name": "修好的路灯.png", "mimeType": "image/png", "buffer": png(120, 80)}]
    )
    attach.get_by_label("说明").fill("更换灯泡后拍摄")
    attach.get_by_label("群众查询时可见").check()
    attach.get_by_role("button", name="上传").click()
    expect(page.locator(".messages")).to_contain_text("已上传附件")
    photo = page.locator("ul.attachments li")
    expect(photo).to_contain_text("群众可见")
    expect(photo.get_by_role("img", name="修好的路灯.png")).to_be_visible()
    assert (
        photo.get_by_role("img").evaluate("img => img.decode().then(() => img.naturalWidth)") == 120
    )
    expect(page.locator(".desk-timeline")).to_contain_text("更换灯泡后拍摄")
    screenshot("desk-case-attached-desktop")
    page.locator("#step-reply summary").click()
    page.get_by_label("答复内容").fill("已更换路灯灯泡，恢复照明。")
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator("#case-state")).to_have_text("已答复")
    expect(page.locator(".desk-timeline")).to_contain_text("已更换路灯灯泡")
    page.wait_for_function("() => [...document.images].every(img => img.complete)")
    screenshot("desk-case-desktop")

    # The operator calls back: not solved, dissatisfied; the case goes back to the unit.
    log_in(page, live_server, operator, f"/cases/{case.pk}/")
    page.locator("#step-follow_up summary").click()
    follow_up = page.locator("#step-follow_up")
    follow_up.get_by_label("是", exact=True).first.check()
    follow_up.locator('input[name="solved"][value="no"]').check()
    follow_up.get_by_label("2 不满意").check()
    follow_up.get_by_label("回访记录").fill("群众反映灯泡换了又坏。")
    follow_up.get_by_role("button", name="保存回访").click()
    expect(page.locator(".messages")).to_contain_text("退回承办单位重办")
    expect(page.locator("#case-state")).to_have_text("办理中")
    expect(page.locator(".counters")).to_contain_text("重办")
    case.refresh_from_db()
    assert (case.state, case.reopen_count) == ("in_progress", 1)
    screenshot("desk-case-reopened-desktop")
    page.set_viewport_size({"width": 360, "height": 740})
    fits(page, 360)
    screenshot("desk-case-360")
