"""四议两公开 end to end on a 360 px phone with JavaScript switched off: a resident proposes a
motion from the group's page; the convener admits it, ends the appraisal early with a reason,
has it reviewed at a recorded meeting of the group's party branch, adds the scan of its minutes
to the motion, has it voted by roll call at a meeting of the council, publishes the resolution
and prints the notice; anyone reads the public motion and opens its scan. Screenshots land in
test-artifacts/screenshots/deliberation-*.png."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sizhi.deliberation.models import Ballot, Meeting, Motion, MotionAttachment, Publication
from sizhi.deliberation.tests.conftest import bodies  # noqa: F401 - the fixture
from tests.browser.conftest import SCREENSHOTS, png

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("purge_audit")]

PASSWORD = "secret-pass-123"
GROUP_A1 = "520327101201001"


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    """A 360 x 740 phone without JavaScript; any request off the live server fails the test."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", java_script_enabled=False
    )
    outside: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith((live_server.url, "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    yield context.new_page()
    context.close()
    assert outside == []


@pytest.fixture
def snap(phone: Any) -> Callable[[str], Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"deliberation-{name}.png"
        phone.screenshot(path=str(path), full_page=True)
        return path

    return take


def fits(page: Any, width: int = 360) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"page is {overflow}px wide at {width}px"


def log_in(page: Any, live_server: Any, user: Any, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("手机号").fill(user.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def open_step(page: Any, label: str) -> Any:
    step = page.locator("details.desk-step", has=page.locator("summary", has_text=label))
    step.locator("summary").click()
    return step


def hold_meeting(page: Any, body: str, title: str, present: str, minutes: str) -> None:
    """From the motion page: call a meeting of ``body`` with the motion on the agenda (already
    chosen by the link), then record who came."""
    page.get_by_role("link", name="安排审议或表决会议").click()
    page.get_by_label("会议机构").select_option(label=body)
    page.get_by_label("会议名称").fill(title)
    page.get_by_label("地点").fill("一组群众工作点")
    page.get_by_label("开会时间").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="安排会议").click()
    expect(page.locator("h1")).to_have_text(title)
    page.get_by_label("实到人数").fill(present)
    page.get_by_label("会议记录").fill(minutes)
    page.get_by_role("button", name="保存到会情况").click()
    expect(page.get_by_role("status")).to_have_text("已登记到会情况。")


def test_a_resident_proposal_is_appraised_reviewed_resolved_and_published(
    phone: Any,
    live_server: Any,
    snap: Any,
    resident: Any,
    bodies: Any,  # noqa: F811
) -> None:
    page, convener = phone, bodies.convener_user

    # The resident opens the deliberation entry and lands on the group's page.
    log_in(page, live_server, resident, "/deliberation/")
    page.wait_for_url(f"{live_server.url}/deliberation/groups/{GROUP_A1}/")
    expect(page.locator("h1")).to_have_text("临江村一组 · 党群直议")
    expect(page.locator("#bodies")).to_contain_text("一组议事会")
    fits(page)
    snap("group-360")

    # Proposing: first without a title and area, to see the errors; nothing is stored.
    page.get_by_role("link", name="我要提议").click()
    expect(page.locator("#statutory-warning")).to_contain_text("建议性决议")
    page.get_by_label("内容", exact=True).fill(
        "组内主路晚上太黑，老人孩子走夜路不安全，提议安装十盏太阳能路灯。"
    )
    page.get_by_label("涉及金额（元）").fill("20000")
    fits(page)
    snap("propose-360")
    page.get_by_role("button", name="提交提议").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("标题：此项为必填项。")
    expect(summary).to_contain_text("领域：请选择议题所属领域。")
    expect(page.get_by_label("内容", exact=True)).to_have_value(
        "组内主路晚上太黑，老人孩子走夜路不安全，提议安装十盏太阳能路灯。"
    )
    fits(page)
    snap("propose-errors-360")
    assert Motion.objects.count() == 0
    page.get_by_label("标题").fill("安装组内太阳能路灯")
    page.get_by_label("发展").check()
    page.get_by_role("button", name="提交提议").click()
    expect(page.locator("h1")).to_have_text("安装组内太阳能路灯")
    expect(page.locator("#motion-state")).to_have_text("已提议")
    expect(page.locator(".four-steps [aria-current=step]")).to_contain_text("① 提议")
    fits(page)
    snap("motion-proposed-360")
    motion = Motion.objects.get()

    # The convener admits it from the desk and ends the appraisal early, with a reason.
    log_in(page, live_server, convener, "/deliberation/desk/")
    expect(page.locator("h1")).to_have_text("议事工作台")
    expect(page.locator("#due")).to_contain_text("受理或不予采纳")
    fits(page)
    snap("desk-360")
    page.locator("#due").get_by_role("link", name="安装组内太阳能路灯").click()
    step = open_step(page, "受理并交付评议")
    step.get_by_label("说明").fill("符合本组实际，交付评议。")
    step.get_by_role("button", name="受理并交付评议").click()
    expect(page.locator("#motion-state")).to_have_text("评议中")

    # ② The resident says what they think during the appraisal.
    motion_url = f"/deliberation/motions/{motion.pk}/"
    log_in(page, live_server, resident, motion_url)
    step = open_step(page, "评议")
    step.get_by_label("建议", exact=True).check()
    step.get_by_label("意见或建议").fill("建议优先安装在学校路口。")
    fits(page)
    snap("motion-comment-360")
    step.get_by_role("button", name="提交意见").click()
    expect(page.get_by_role("status")).to_have_text("已提交您的意见。")
    expect(page.locator("#count-suggest")).to_have_text("1")
    expect(page.locator("#opinions")).to_contain_text("建议优先安装在学校路口。")

    log_in(page, live_server, convener, motion_url)
    step = open_step(page, "提交审议")
    step.get_by_role("button", name="结束评议，提交审议").click()
    expect(page.get_by_role("alert")).to_contain_text("提交没有成功")
    expect(page.locator("#step-start_review")).to_contain_text(
        "评议期尚未结束，提前结束评议须说明理由。"
    )
    fits(page)
    snap("motion-early-review-error-360")
    page.locator("#step-start_review").get_by_label("理由").fill("群众意见已充分，雨季前须开工。")
    page.get_by_role("button", name="结束评议，提交审议").click()
    expect(page.locator("#motion-state")).to_have_text("审议中")

    # ③ Review at a recorded meeting of the group's party branch, by show of hands.
    hold_meeting(page, "一组党支部", "一组党支部审议会", "3", "支部党员一致同意提交表决。")
    fits(page)
    snap("meeting-branch-360")
    page.locator("#agenda").get_by_label("举手表决").check()
    page.get_by_role("button", name="开始审议表决").click()
    page.get_by_label("赞成").fill("3")
    page.get_by_label("反对").fill("0")
    page.get_by_label("弃权").fill("0")
    page.get_by_role("button", name="保存票数").click()
    page.get_by_role("button", name="结束表决").click()
    expect(page.get_by_role("status")).to_have_text("表决结束：通过。")
    page.get_by_role("link", name="安装组内太阳能路灯").first.click()

    # The convener adds the scan of the branch meeting's minutes to the motion.
    step = open_step(page, "上传附件")
    step.get_by_label("文件").set_input_files(
        files=[{"name": "支部审议记录.png", "mimeType": "image/png", "buffer": png(160, 100)}]
    )
    step.get_by_label("说明").fill("一组党支部审议会议记录扫描件")
    step.get_by_label("在本组公开页面展示").check()  # the group may read how it was reviewed
    fits(page)
    snap("motion-attach-form-360")
    step.get_by_role("button", name="上传").click()
    expect(page.get_by_role("status")).to_have_text("已上传附件。")
    expect(page.locator("#motion-state")).to_have_text("审议中")
    scan = page.locator("ul.attachments li")
    expect(scan).to_contain_text("支部审议记录.png")
    expect(scan.get_by_role("img", name="支部审议记录.png")).to_be_visible()
    expect(page.locator(".desk-timeline")).to_contain_text("一组党支部审议会议记录扫描件")
    fits(page)
    snap("motion-attached-360")

    # ④ The council votes by roll call: four for, one against.
    hold_meeting(page, "一组议事会", "一组议事会表决会", "5", "逐人记名表决。")
    page.locator("#agenda").get_by_label("逐人记名表决").check()
    page.get_by_role("button", name="开始表决").click()
    rows = page.locator("fieldset.roll-row")
    expect(rows).to_have_count(5)
    for index in range(5):
        rows.nth(index).get_by_label("反对" if index == 4 else "赞成").check()
    fits(page)
    snap("ballot-roll-call-360")
    page.get_by_role("button", name="登记表决票").click()
    expect(page.get_by_role("status")).to_have_text("已登记表决票。")
    page.get_by_label("决议内容").fill("同意安装十盏太阳能路灯，费用由集体经济收益列支。")
    page.get_by_role("button", name="结束表决").click()
    expect(page.get_by_role("status")).to_have_text("表决结束：通过。")
    expect(page.locator("#result")).to_contain_text("适用规则：到会超过二分之一应到人数")
    fits(page)
    snap("ballot-result-360")
    ballot = Ballot.objects.get(purpose="vote")
    assert (ballot.yes, ballot.no, ballot.outcome) == (4, 1, "passed")
    assert Meeting.objects.count() == 2

    # ⑤ The resolution is published and printed for the notice board.
    page.get_by_role("link", name="安装组内太阳能路灯").first.click()
    expect(page.locator("#motion-state")).to_have_text("已决议")
    step = open_step(page, "决议公开")
    expect(step.get_by_label("公开内容")).to_have_value(
        "同意安装十盏太阳能路灯，费用由集体经济收益列支。"
    )
    step.get_by_role("button", name="公开决议").click()
    expect(page.locator("#motion-state")).to_have_text("决议已公开")
    expect(page.locator(".four-steps [aria-current=step]")).to_contain_text("⑤ 决议公开")
    fits(page)
    snap("motion-published-360")
    page.set_viewport_size({"width": 1280, "height": 800})
    snap("motion-published-1280")
    page.set_viewport_size({"width": 360, "height": 740})
    publication = Publication.objects.get()

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/deliberation/groups/{GROUP_A1}/")
    expect(page.locator("#current")).to_contain_text("安装组内太阳能路灯")
    fits(page)
    snap("group-published-360")

    # Anyone reads the public motion with its files (两公开) and opens the scan.
    page.locator("#current").get_by_role("link", name="安装组内太阳能路灯").click()
    files = page.locator("#motion-files")
    scan_link = files.get_by_role("link", name="支部审议记录.png")
    expect(scan_link).to_be_visible()
    expect(files).to_contain_text("支部审议记录.png")
    fits(page)
    snap("public-motion-files-360")
    scan_url = scan_link.get_attribute("href")
    stored = MotionAttachment.objects.get(name="支部审议记录.png")
    assert scan_url == f"/deliberation/groups/{GROUP_A1}/motions/{motion.pk}/files/{stored.pk}/"
    opened = page.request.get(f"{live_server.url}{scan_url}")
    assert (opened.status, opened.headers["content-type"]) == (200, "image/png")
    page.go_back()
    page.locator("#current").get_by_role("link", name="打印公示").click()
    assert page.url == f"{live_server.url}/deliberation/publications/{publication.pk}/print/"
    expect(page.locator(".board-kind")).to_have_text("决议公示")
    expect(page.locator("#print-votes")).to_contain_text("赞成 4 票，反对 1 票，弃权 0 票")
    fits(page)
    snap("print-360")
    page.set_viewport_size({"width": 794, "height": 1123})
    page.emulate_media(media="print")
    expect(page.locator(".board-tools")).to_be_hidden()
    snap("print-a4")
    motion.refresh_from_db()
    assert motion.state == "resolution_published"
