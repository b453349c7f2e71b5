"""A resident on a 360 px phone files an appeal without an account, choosing the place step by
step, writes down the number and code, follows the case, and rates the answer; an operator
registers a visit and prints the receipt. Screenshots land in
test-artifacts/screenshots/appeal-*.png."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases import actions
from sizhi.cases.models import Case, Category
from sizhi.cases.tests.factories import CategoryFactory
from sizhi.orgs.models import Unit, UnitKind
from sizhi.orgs.tests.factories import RoleGrantFactory, UnitFactory
from tests.browser.conftest import SCREENSHOTS, png

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("purge_audit"),
    pytest.mark.urls("sizhi.cases.tests.urls_for_public_tests"),
]

PASSWORD = "secret-pass-123"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Desk:
    village_centre: Unit
    street_lights: Category
    dispatcher: Any
    handler: Any
    operator: Any


@pytest.fixture
def desk(tree: Any) -> Desk:
    UnitFactory.create(region=tree.county, kind=UnitKind.COUNTY_OFFICE, name="县创建办")
    centre = UnitFactory.create(
        region=tree.village_a, kind=UnitKind.SERVICE_CENTRE, name="临江村便民服务中心"
    )
    roads = CategoryFactory.create(code="01", name="基础设施", owner_level="village")
    lights = CategoryFactory.create(code="0101", name="路灯", parent=roads, owner_level="village")
    CategoryFactory.create(code="0102", name="乡村道路", parent=roads, owner_level="township")
    welfare = CategoryFactory.create(code="02", name="社会保障", owner_level="township")
    CategoryFactory.create(code="0201", name="低保救助", parent=welfare, owner_level="township")
    people: dict[str, Any] = {}
    for role, scope in (
        ("dispatcher", {"region": tree.county}),
        ("operator", {"region": tree.county}),
        ("handler", {"unit": centre}),
    ):
        people[role] = UserFactory.create()
        RoleGrantFactory.create(user=people[role], role=role, **scope)
    return Desk(centre, lights, people["dispatcher"], people["handler"], people["operator"])


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    """A 360 x 740 phone with JavaScript switched off: every step must work without it.
    Like the shared ``page``, it fails the test on any request off the live server."""
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
        path = SCREENSHOTS / f"{name}.png"
        phone.screenshot(path=str(path), full_page=True)
        return path

    return take


def assert_fits(page: Any, width: int) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"page is {overflow}px wide at {width}px"


def test_a_resident_files_an_appeal_on_a_phone_and_follows_it(
    phone: Any, live_server: Any, snap: Any, tree: Any, desk: Desk
) -> None:
    page, screenshot = phone, snap
    page.goto(f"{live_server.url}/appeal/")
    expect(page.locator("h1")).to_have_text("民生直办")
    assert_fits(page, 360)
    screenshot("appeal-index-360")
    page.locator("main").get_by_role("link", name="我要反映").click()

    # The place, one level at a time.
    expect(page.get_by_role("heading", name="请选择乡镇（街道）")).to_be_visible()
    assert_fits(page, 360)
    screenshot("appeal-place-township-360")
    page.locator(".place-list").get_by_role("link", name="进化镇").click()
    expect(page.get_by_role("heading", name="请选择村（社区）")).to_be_visible()
    page.locator(".place-list").get_by_role("link", name="临江村").click()
    expect(page.get_by_role("heading", name="请选择村民小组")).to_be_visible()
    assert_fits(page, 360)
    screenshot("appeal-place-group-360")
    page.locator(".place-list").get_by_role("link", name="临江村一组").click()
    expect(page.locator(".place-chosen")).to_have_text(re.compile(r"进化镇\s+临江村\s+临江村一组"))

    # The form, sent once without a title to see the errors.
    page.get_by_label("投诉").check()
    page.get_by_label("诉求分类").select_option(label="路灯")
    page.get_by_label("诉求内容").fill("临江村一组路口的路灯坏了一个月，晚上看不见路。")
    page.get_by_label("联系电话").fill("138 1234 5678")
    page.get_by_label("附件").set_input_files(
        [{"name": "路灯.png", "mimeType": "image/png", "buffer": PNG}]
    )
    assert_fits(page, 360)
    screenshot("appeal-form-360")
    page.get_by_role("button", name="提交诉求").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("标题：请填写标题。")
    expect(summary).to_contain_text("为了安全，已选的附件没有保留，请重新选择。")
    expect(page.get_by_label("诉求内容")).to_have_value(
        "临江村一组路口的路灯坏了一个月，晚上看不见路。"
    )
    expect(page.get_by_label("标题")).to_have_attribute("aria-invalid", "true")
    assert_fits(page, 360)
    screenshot("appeal-errors-360")
    assert Case.objects.count() == 0

    # Following the link in the summary lands on the field.
    summary.get_by_role("link", name="标题：请填写标题。").click()
    page.get_by_label("标题").fill("路口路灯不亮")
    page.get_by_label("附件").set_input_files(
        [{"name": "路灯.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="提交诉求").click()

    expect(page.locator("h1")).to_have_text("诉求已提交")
    number = page.locator("#case-number").inner_text().strip()
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"520327-\d{4}-\d{6}", number)
    assert re.fullmatch(r"[A-Z2-9]{4} [A-Z2-9]{4}", code)
    assert_fits(page, 360)
    screenshot("appeal-done-360")
    case = Case.objects.get()
    assert (case.number, case.region_code, case.channel) == (number, tree.group_a1.code, "web")
    assert case.attachments.count() == 1

    # Following it: the number comes along, the code is typed (lower case, with the space).
    page.get_by_role("link", name="查询办理进度").click()
    expect(page.get_by_label("诉求编号")).to_have_value(number)
    page.get_by_label("查询码").fill(code.lower())
    page.get_by_role("button", name="查询").click()
    expect(page.locator("h1")).to_have_text("路口路灯不亮")
    expect(page.locator("#case-state")).to_have_text("已登记")
    expect(page.locator("#timeline li")).to_have_count(1)
    assert code.replace(" ", "") not in page.url
    assert_fits(page, 360)
    screenshot("appeal-case-received-360")

    # The county handles it meanwhile; the resident sees the steps and the answer.
    actions.dispatch_case(
        case_id=case.pk, unit_id=desk.village_centre.pk, actor=desk.dispatcher, note="请尽快"
    )
    actions.sign_for_case(case_id=case.pk, actor=desk.handler)
    actions.add_note(case_id=case.pk, text="内部：先查电费", actor=desk.handler)
    photo = SimpleUploadedFile("换好的灯泡.png", png(90, 60))
    actions.attach_files(case_id=case.pk, uploads=[photo], actor=desk.handler, public=True)
    internal = SimpleUploadedFile("电费单.png", png(30, 30))
    actions.attach_files(case_id=case.pk, uploads=[internal], actor=desk.handler)
    actions.reply_to_case(case_id=case.pk, text="已更换灯泡，路灯恢复照明。", actor=desk.handler)
    page.reload()
    expect(page.locator("#case-state")).to_have_text("已答复")
    expect(page.locator("#reply")).to_have_text("已更换灯泡，路灯恢复照明。")
    expect(page.locator("#timeline .timeline-label")).to_have_text(
        [
            re.compile("收到诉求"),
            re.compile("交由承办单位办理"),
            re.compile("上传了附件"),
            re.compile("答复"),
        ]
    )
    assert "内部：先查电费" not in page.content()
    assert "请尽快" not in page.content()
    assert "电费单.png" not in page.content()
    with page.expect_download() as shown:
        page.get_by_role("link", name="换好的灯泡.png").click(modifiers=["Alt"])
    assert shown.value.suggested_filename == "换好的灯泡.png"
    assert_fits(page, 360)
    screenshot("appeal-case-replied-360")

    # Not solved: the rating sends it back.
    page.get_by_label("未解决").check()
    page.get_by_label("不满意", exact=True).check()
    page.get_by_label("意见和建议（选填）").fill("灯亮了两天又坏了。")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("status").filter(has_text="感谢您的评价。")).to_be_visible()
    expect(page.locator("#case-state")).to_have_text("办理中")
    expect(page.locator("#timeline .timeline-label").last).to_contain_text("重新办理")
    page.get_by_label("补充内容").fill("坏的是路口东侧第二根灯杆。")
    page.get_by_label("图片或文件").set_input_files(
        files=[{"name": "灯杆.png", "mimeType": "image/png", "buffer": png(60, 90)}]
    )
    page.get_by_role("button", name="提交补充内容").click()
    expect(page.locator("#timeline .timeline-note").last).to_have_text("坏的是路口东侧第二根灯杆。")
    expect(page.get_by_role("link", name="灯杆.png")).to_be_visible()
    assert_fits(page, 360)
    screenshot("appeal-case-reopened-360")
    case.refresh_from_db()
    assert (case.state, case.reopen_count) == ("in_progress", 1)

    # On a shared phone the resident leaves, and the page is closed to the next person.
    page.get_by_role("button", name="退出查看").click()
    expect(page.locator("h1")).to_have_text("查询办理进度")
    page.goto(f"{live_server.url}/appeal/case/{number}/")
    expect(page.locator("h1")).to_have_text("查询办理进度")

    # The form in English still fits the phone (longer words in the same tiles).
    page.goto(f"{live_server.url}/appeal/new/?place={tree.group_a1.code}")
    page.locator("form.lang-switch").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name=re.compile("Submit")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_fits(page, 360)
    screenshot("appeal-form-english-360")


def test_a_wrong_code_tells_nothing_at_360px(
    phone: Any, live_server: Any, snap: Any, tree: Any, desk: Desk
) -> None:
    page, screenshot = phone, snap
    page.goto(f"{live_server.url}/appeal/track/")
    page.get_by_label("诉求编号").fill("520327-2026-000001")
    page.get_by_label("查询码").fill("ABCD2345")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "没有找到与该编号和查询码相符的诉求，请核对后重新输入。"
    )
    assert_fits(page, 360)
    screenshot("appeal-track-not-found-360")


def test_an_operator_registers_a_visit_and_prints_the_receipt(
    page: Any, live_server: Any, screenshot: Any, tree: Any, desk: Desk
) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/appeal/desk/register/")
    page.get_by_label("手机号").fill(desk.operator.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.form").get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("登记来访来信")

    # Find the village by its initials, then take the group by keyboard.
    page.get_by_label("乡镇、村或小组的名称，也可以输入拼音首字母").fill("ljc")
    page.get_by_role("button", name="查找").click()
    page.locator(".result-list").get_by_role("link", name="临江村", exact=True).click()
    link = page.locator(".place-list").get_by_role("link", name="临江村一组")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".place-chosen")).to_contain_text("临江村一组")

    page.get_by_label("信访", exact=True).check()
    page.get_by_label("信访类别").select_option(label="申诉求决类")
    page.get_by_label("来访代表").fill("赵一\n钱二\n孙三")
    page.get_by_label("来访人数").fill("15")
    page.get_by_role("textbox", name="姓名").fill("赵一")
    page.get_by_label("联系电话").fill("13811112222")
    page.get_by_label("诉求分类").select_option(label="路灯")
    page.get_by_label("标题").fill("组里路灯长期不亮")
    page.get_by_label("诉求内容").fill("十五位村民来访，反映组内路灯长期不亮。")
    page.get_by_label("被反映单位").select_option(label="临江村便民服务中心")
    screenshot("appeal-desk-form-desktop")
    page.get_by_role("button", name="登记", exact=True).click()

    expect(page.locator("h1")).to_have_text("登记完成")
    number = page.locator("#case-number").inner_text().strip()
    code = page.locator("#tracking-code").inner_text().strip()
    screenshot("appeal-desk-done-desktop")
    page.get_by_role("link", name="打印回执").click()
    expect(page.locator(".print-receipt h1")).to_have_text("诉求登记回执")
    expect(page.locator(".print-receipt")).to_contain_text(number)
    expect(page.locator(".print-receipt")).to_contain_text(code)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".print-hint")).to_be_hidden()
    screenshot("appeal-desk-receipt-print")
    page.emulate_media(media="screen")
    case = Case.objects.get(number=number)
    assert (case.channel, case.kind, case.visitors) == ("visit", "petition", 15)
    assert case.representatives == ["赵一", "钱二", "孙三"]
