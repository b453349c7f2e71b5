"""The resident's appeal pages: filing without an account or JavaScript, following the case by
number and code, adding information, rating, and asking for a petition review."""

import re
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sizhi.cases import actions
from sizhi.cases.models import Attachment, Case, CaseEvent, FollowUp
from sizhi.cases.tests.conftest import Desk
from sizhi.core.models import AuditLog
from sizhi.messaging.models import Message

URLS = "sizhi.cases.tests.urls_for_public_tests"
pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]

GROUP_A1 = "520327101201001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="\w+"')
CODE_RE = re.compile(r'<code class="tracking-code" lang="en">([A-Z0-9]{4}) ([A-Z0-9]{4})</code>')


@pytest.fixture(autouse=True)
def _clear_lookup_counters() -> Any:
    """Failed lookups per address live in the process's cache; start every test without."""
    cache.clear()
    yield
    cache.clear()


def appeal_data(desk: Desk, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "region_code": GROUP_A1,
        "kind": "complaint",
        "category": str(desk.village_matter.pk),
        "title": "路灯不亮",
        "description": "临江村一组路口的路灯坏了一个月。",
        "address": "临江村一组路口",
        "latitude": "",
        "longitude": "",
        "contact_name": "王五",
        "contact_phone": "138 1234 5678",
        "idempotency_key": uuid.uuid4().hex,
    }
    data.update(changes)
    return data


def text_of(response: Any) -> str:
    """The page with every run of white space made one space (templates indent freely)."""
    return re.sub(r"\s+", " ", response.content.decode())


def code_on(response: Any) -> str:
    match = CODE_RE.search(text_of(response))
    assert match is not None
    return match.group(1) + match.group(2)


def nothing_stored() -> tuple[int, int, int, int, int]:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        Attachment.objects.count(),
        AuditLog.objects.filter(action__startswith="case.").count(),
        Message.objects.count(),
    )


def submitted_case(desk: Desk, **changes: Any) -> actions.Submitted:
    values: dict[str, Any] = {
        "channel": "web",
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯不亮",
        "description": "临江村一组路口的路灯坏了一个月。",
        "region_code": GROUP_A1,
        "contact_name": "王五",
        "contact_phone": "13812345678",
        "actor": None,
    }
    values.update(changes)
    return actions.submit_case(**values)


def replied_case(desk: Desk, dispatcher: Any, handler: Any, **changes: Any) -> tuple[Case, str]:
    submitted = submitted_case(desk, **changes)
    case = submitted.case
    actions.dispatch_case(case_id=case.pk, unit_id=desk.village_centre.pk, actor=dispatcher)
    actions.sign_for_case(case_id=case.pk, actor=handler)
    actions.reply_to_case(case_id=case.pk, text="已更换灯泡，路灯恢复照明。", actor=handler)
    case.refresh_from_db()
    return case, submitted.tracking_code


def tracking_client(case: Case, code: str) -> Client:
    client = Client()
    response = client.post(reverse("appeals:track"), {"number": case.number, "code": code})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("appeals:case", args=[case.number])
    return client


# -- Choosing the place and filing -----------------------------------------------------------


def test_the_place_is_chosen_township_then_village_then_group_by_plain_links(desk: Desk) -> None:
    client = Client()
    county = text_of(client.get("/appeal/new/"))
    assert "<script" not in county
    assert 'href="?at=520327101">进化镇</a>' in county
    assert 'href="?at=520327102">琊川镇</a>' in county

    township = text_of(client.get("/appeal/new/?at=520327101"))
    assert 'href="?at=520327101201">临江村</a>' in township
    assert 'href="?at=520327101202">沙坝村</a>' in township
    assert 'href="?place=520327101"' in township  # "in the market town, or not sure"

    village = text_of(client.get("/appeal/new/?at=520327101201"))
    assert 'href="?place=520327101201001">临江村一组</a>' in village
    assert 'href="?place=520327101201"' in village

    form = client.get("/appeal/new/?place=520327101201001")
    assert form.status_code == 200
    assert '<input type="hidden" name="region_code" value="520327101201001">' in text_of(form)
    assert '<p class="place-chosen"> <span class="place-name">进化镇</span>' in text_of(form)


def test_a_place_can_be_found_by_name_or_pinyin_initials(desk: Desk) -> None:
    client = Client()
    by_name = text_of(client.get("/appeal/new/", {"q": "临江"}))
    assert 'href="?at=520327101201">临江村</a>' in by_name
    assert 'href="?place=520327101201001">临江村一组</a>' in by_name
    by_initials = text_of(client.get("/appeal/new/", {"q": "SB"}))
    assert 'href="?at=520327101202">沙坝村</a>' in by_initials
    assert "临江村</a>" not in by_initials
    nowhere = text_of(client.get("/appeal/new/", {"q": "北京"}))
    assert "没有找到名称相符的地点" in nowhere


def test_a_place_outside_the_county_or_the_county_itself_is_not_offered(desk: Desk) -> None:
    client = Client()
    for code in ("520327", "520328101", "5203271012010011", "abc"):
        response = client.get("/appeal/new/", {"place": code})
        assert response.status_code == 404
        assert "没有找到这个地点，请重新选择。" in text_of(response)


def test_the_form_works_without_javascript_and_offers_the_resident_kinds(desk: Desk) -> None:
    response = Client().get("/appeal/new/?place=520327101201001")
    html = text_of(response)
    assert "<script" not in html
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', html)
    kinds = re.findall(r'name="kind" value="(\w+)"', html)
    assert kinds == ["consultation", "help", "complaint", "report", "suggestion", "praise"]
    assert '<optgroup label="基础设施">' in html
    assert f'<option value="{desk.village_matter.pk}"' in html
    assert 'name="attachments"' in html
    assert " multiple" in html
    for name in ("is_anonymous", "is_confidential", "is_public", "latitude", "longitude"):
        assert f'name="{name}"' in html
    assert "个人信息处理告知" in html
    assert "第三十五条" in html
    assert 'for="id_title"' in html
    assert 'id="id_title"' in html


def test_a_good_appeal_makes_one_case_and_shows_its_number_and_code_once(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    data = appeal_data(desk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/appeal/new/", data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/appeal/new/done/?k={data['idempotency_key']}"
    case = Case.objects.get()
    assert (case.channel, case.kind, case.region_code, case.category) == (
        "web",
        "complaint",
        GROUP_A1,
        desk.village_matter,
    )
    assert (case.title, case.contact_name, case.contact_phone) == (
        "路灯不亮",
        "王五",
        "13812345678",
    )
    assert case.idempotency_key == data["idempotency_key"]
    assert case.ip_hash != ""

    done = client.get(response.headers["Location"])
    assert done.status_code == 200
    code = code_on(done)
    assert f'<code class="case-number" id="case-number">{case.number}</code>' in text_of(done)
    assert "查询码只在这里显示" in text_of(done)
    assert Case.objects.get().tracking_hash == actions.base.tracking_hash(case.number, code)
    assert code not in response.headers["Location"]
    # The link to follow it carries the number, never the code.
    assert f'href="/appeal/track/?number={case.number}"' in text_of(done)
    # Another browser does not get the receipt.
    assert Client().get(response.headers["Location"]).status_code == 404


def test_a_double_submit_with_the_same_key_makes_one_case(desk: Desk) -> None:
    client = Client()
    data = appeal_data(desk)
    first = client.post("/appeal/new/", data)
    second = client.post("/appeal/new/", data)
    assert first.headers["Location"] == second.headers["Location"]
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1
    done = client.get(second.headers["Location"])
    case = Case.objects.get()
    assert case.tracking_hash == actions.base.tracking_hash(case.number, code_on(done))


def test_a_repeat_about_an_open_matter_is_counted_and_names_no_case(desk: Desk) -> None:
    """The same phone, matter and group while the first is open: a repeat, not a new case.
    Whoever typed the phone number is not told the earlier case's number."""
    first = submitted_case(desk)
    client = Client()
    data = appeal_data(desk, description="路灯还是不亮，已经两个月了。")
    response = client.post("/appeal/new/", data)
    assert response.status_code == 302
    assert Case.objects.count() == 1
    first.case.refresh_from_db()
    assert first.case.repeat_count == 1
    done = text_of(client.get(response.headers["Location"]))
    assert "这次反映已记入该诉求，不另外登记" in done
    assert first.case.number not in done
    assert CODE_RE.search(done) is None


def test_an_anonymous_appeal_needs_no_phone_and_keeps_no_contact(desk: Desk) -> None:
    data = appeal_data(desk, contact_phone="", contact_name="王五", is_anonymous="on")
    response = Client().post("/appeal/new/", data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.is_anonymous, case.contact_name, case.contact_phone) == (True, "", "")


def test_confidential_and_public_choices_are_kept(desk: Desk) -> None:
    Client().post("/appeal/new/", appeal_data(desk, is_confidential="on", is_public="on"))
    case = Case.objects.get()
    # A confidential case is never public, whatever was ticked.
    assert (case.is_confidential, case.is_public) == (True, False)
    Client().post(
        "/appeal/new/",
        appeal_data(desk, is_public="on", contact_phone="13900001111", description="另一件事"),
    )
    other = Case.objects.exclude(pk=case.pk).get()
    assert (other.is_confidential, other.is_public) == (False, True)


def test_images_and_pdfs_are_attached(desk: Desk) -> None:
    photo = SimpleUploadedFile("路灯.png", PNG, content_type="application/octet-stream")
    pdf = SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    response = Client().post("/appeal/new/", appeal_data(desk, attachments=[photo, pdf]))
    assert response.status_code == 302
    assert list(Attachment.objects.order_by("id").values_list("name", "content_type")) == [
        ("路灯.png", "image/png"),
        ("说明.pdf", "application/pdf"),
    ]


BAD_FIELDS = [
    ({"title": ""}, "id_title", "标题", "请填写标题。"),
    ({"title": "灯" * 101}, "id_title", "标题", "标题不能超过100个字。"),
    ({"description": "  "}, "id_description", "诉求内容", "请填写诉求内容。"),
    ({"kind": ""}, "id_kind", "诉求类型", "请选择诉求类型。"),
    ({"kind": "petition"}, "id_kind", "诉求类型", "请选择有效的选项。"),
    ({"category": ""}, "id_category", "诉求分类", "请选择诉求分类。"),
    ({"category": "abc"}, "id_category", "诉求分类", "请选择有效的选项。"),
    ({"region_code": ""}, "place", "事发地点", "请选择事发的乡镇、村或村民小组。"),
    ({"region_code": "520327"}, "place", "事发地点", "请选择事发的乡镇、村或村民小组。"),
    ({"region_code": "520327101209009"}, "place", "事发地点", "请选择事发的乡镇、村或村民小组。"),
    (
        {"contact_phone": "12345"},
        "id_contact_phone",
        "联系电话",
        "请输入有效的手机号码或带区号的固定电话。",
    ),
    ({"contact_phone": ""}, "id_contact_phone", "联系电话", "请留下联系电话，或选择匿名反映。"),
    ({"contact_name": "名" * 51}, "id_contact_name", "姓名", "姓名不能超过50个字。"),
    ({"address": "址" * 201}, "id_address", "详细地址", "地址不能超过200个字。"),
    ({"latitude": "北纬27度"}, "id_latitude", "纬度", "坐标格式不正确。"),
    ({"longitude": "190"}, "id_longitude", "经度", "坐标超出范围。"),
]


@pytest.mark.parametrize(("changes", "anchor", "label", "message"), BAD_FIELDS)
def test_each_bad_field_comes_back_with_its_error_and_nothing_is_stored(
    desk: Desk, changes: dict[str, str], anchor: str, label: str, message: str
) -> None:
    data = appeal_data(desk, **changes)
    response = Client().post("/appeal/new/", data)
    html = text_of(response)
    assert response.status_code == 400
    assert f'<a href="#{anchor}">{label}：{message}</a>' in html
    assert f"<li>{message}</li>" in html  # next to the field as well
    assert 'role="alert"' in html
    assert nothing_stored() == (0, 0, 0, 0, 0)
    # What was typed is still there, and the same key goes round again.
    assert f'name="idempotency_key" value="{data["idempotency_key"]}"' in html
    if changes.get("title") != "":
        assert 'value="' + data["title"] + '"' in html


def test_a_file_that_is_not_an_image_or_pdf_is_refused(desk: Desk) -> None:
    bad = SimpleUploadedFile("notes.txt", b"hello", content_type="image/png")
    response = Client().post("/appeal/new/", appeal_data(desk, attachments=[bad]))
    assert response.status_code == 400
    assert "附件：文件 notes.txt 不是图片或 PDF。" in text_of(response)
    assert "为了安全，已选的附件没有保留，请重新选择。" in text_of(response)
    assert nothing_stored() == (0, 0, 0, 0, 0)


def test_six_attachments_are_refused(desk: Desk) -> None:
    files = [SimpleUploadedFile(f"p{i}.png", PNG) for i in range(6)]
    response = Client().post("/appeal/new/", appeal_data(desk, attachments=files))
    assert response.status_code == 400
    assert "附件：一次最多上传5个附件。" in text_of(response)
    assert nothing_stored() == (0, 0, 0, 0, 0)


def test_too_many_appeals_from_one_address_get_the_429_page(desk: Desk, settings: Any) -> None:
    settings.SIZHI_INTAKE_PER_IP_PER_HOUR = 1
    client = Client(REMOTE_ADDR="10.9.9.9")
    assert client.post("/appeal/new/", appeal_data(desk)).status_code == 302
    other = appeal_data(desk, contact_phone="13900002222", description="另一件事")
    response = client.post("/appeal/new/", other)
    assert response.status_code == 429
    assert "提交过于频繁，请稍后再试或拨打12343热线。" in text_of(response)
    assert Case.objects.count() == 1


def test_a_receipt_that_is_not_there_is_a_friendly_404(desk: Desk) -> None:
    response = Client().get("/appeal/new/done/?k=nothing")
    assert response.status_code == 404
    assert "回执已过期" in text_of(response)


# -- Following the case ----------------------------------------------------------------------------


def test_the_track_form_posts_and_the_code_never_reaches_a_url(desk: Desk) -> None:
    submitted = submitted_case(desk)
    client = Client()
    form = text_of(client.get("/appeal/track/?number=" + submitted.case.number))
    assert '<form class="form" method="post" action="/appeal/track/" novalidate>' in form
    assert f'value="{submitted.case.number}"' in form
    response = client.post(
        "/appeal/track/",
        {"number": submitted.case.number, "code": submitted.tracking_code.lower()},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/appeal/case/{submitted.case.number}/"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "<h1>路灯不亮</h1>" in text_of(page)
    assert submitted.tracking_code not in text_of(page)


def test_the_number_and_code_may_be_typed_with_spaces_and_full_width_digits(desk: Desk) -> None:
    submitted = submitted_case(desk)
    wide = submitted.case.number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    code = submitted.tracking_code
    response = Client().post(
        "/appeal/track/", {"number": f" {wide} ", "code": f"{code[:4]} {code[4:]}"}
    )
    assert response.status_code == 302


def test_a_wrong_code_or_number_gets_the_same_not_found_and_leaks_nothing(desk: Desk) -> None:
    submitted = submitted_case(desk)
    number = submitted.case.number
    wrong_code = Client().post("/appeal/track/", {"number": number, "code": "AAAABBBB"})
    wrong_number = Client().post(
        "/appeal/track/", {"number": "520327-2026-999999", "code": "AAAABBBB"}
    )
    message = "没有找到与该编号和查询码相符的诉求，请核对后重新输入。"
    for response in (wrong_code, wrong_number):
        assert response.status_code == 404
        assert message in text_of(response)
        assert "路灯不亮" not in text_of(response)
        assert "临江村" not in text_of(response)

    # The two answers differ only by the number typed back into the form (and the CSRF
    # token, masked afresh for every page).
    def neutral(response: Any, typed: str) -> str:
        return CSRF_RE.sub("", text_of(response)).replace(typed, "N")

    assert neutral(wrong_code, number) == neutral(wrong_number, "520327-2026-999999")


def test_empty_lookup_fields_are_asked_for(desk: Desk) -> None:
    response = Client().post("/appeal/track/", {"number": "", "code": ""})
    assert response.status_code == 400
    assert '<a href="#id_number">诉求编号：请输入诉求编号。</a>' in text_of(response)
    assert '<a href="#id_code">查询码：请输入查询码。</a>' in text_of(response)


def test_failed_lookups_are_limited_per_session(desk: Desk) -> None:
    submitted = submitted_case(desk)
    client = Client()
    for _ in range(10):
        response = client.post("/appeal/track/", {"number": submitted.case.number, "code": "X"})
        assert response.status_code == 404
    # Even the right code is not looked at any more.
    right = {"number": submitted.case.number, "code": submitted.tracking_code}
    response = client.post("/appeal/track/", right)
    assert response.status_code == 429
    assert "查询失败次数过多，请一小时后再试，或拨打12343热线查询。" in text_of(response)
    assert Client(REMOTE_ADDR="10.0.0.2").post("/appeal/track/", right).status_code == 302


def test_failed_lookups_are_limited_per_address_across_sessions(desk: Desk) -> None:
    submitted = submitted_case(desk)
    for _ in range(30):
        fresh = Client(REMOTE_ADDR="10.7.7.7")  # a new session each time
        fresh.post("/appeal/track/", {"number": submitted.case.number, "code": "X"})
    right = {"number": submitted.case.number, "code": submitted.tracking_code}
    assert Client(REMOTE_ADDR="10.7.7.7").post("/appeal/track/", right).status_code == 429
    assert Client(REMOTE_ADDR="10.7.7.8").post("/appeal/track/", right).status_code == 302


def test_the_case_page_without_a_lookup_goes_to_the_track_form(desk: Desk) -> None:
    submitted = submitted_case(desk)
    response = Client().get(f"/appeal/case/{submitted.case.number}/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/appeal/track/?number={submitted.case.number}"


def test_the_resident_sees_public_steps_and_unit_names_but_no_internal_notes_or_people(
    desk: Desk, dispatcher: Any, handler: Any
) -> None:
    submitted = submitted_case(desk)
    case = submitted.case
    actions.dispatch_case(
        case_id=case.pk,
        unit_id=desk.village_centre.pk,
        actor=dispatcher,
        note="派单备注：该户多次来电",
    )
    actions.sign_for_case(case_id=case.pk, actor=handler)
    actions.add_note(case_id=case.pk, text="内部备注：先核实电费", actor=handler)
    actions.record_contact(case_id=case.pk, note="已电话联系王五", actor=handler)
    actions.reply_to_case(case_id=case.pk, text="已更换灯泡，路灯恢复照明。", actor=handler)

    html = text_of(
        tracking_client(case, submitted.tracking_code).get(f"/appeal/case/{case.number}/")
    )
    shown = re.findall(r'<li data-transition="(\w+)">', html)
    assert shown == ["receive", "dispatch", "reply"]
    assert '<span class="timeline-unit">临江村便民服务中心</span>' in html
    assert '<dd id="handling-unit"> 临江村便民服务中心 </dd>' in html
    assert "已更换灯泡，路灯恢复照明。" in html
    assert 'id="case-state">已答复</span>' in html
    for secret in (
        "内部备注",
        "派单备注",
        "已电话联系",
        handler.name,
        dispatcher.name,
        handler.phone,
        "13812345678",
        "王五",
    ):
        assert secret not in html


def test_the_clocks_are_shown_in_plain_words(desk: Desk, dispatcher: Any, handler: Any) -> None:
    case, code = replied_case(desk, dispatcher, handler)
    html = text_of(tracking_client(case, code).get(f"/appeal/case/{case.number}/"))
    assert '<span class="clock-what">交给承办单位</span> <span class="clock-due"> 期限：' in html
    assert '<span class="clock-what">办理并答复</span>' in html
    assert "按时完成" in html


def test_a_good_rating_closes_the_case(desk: Desk, dispatcher: Any, handler: Any) -> None:
    case, code = replied_case(desk, dispatcher, handler)
    client = tracking_client(case, code)
    page = text_of(client.get(f"/appeal/case/{case.number}/"))
    assert [w for w in ("非常满意", "满意", "基本满意", "不满意", "非常不满意") if w in page] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    response = client.post(
        f"/appeal/case/{case.number}/rating/", {"solved": "yes", "satisfaction": "5", "note": ""}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.satisfaction, case.is_solved) == ("closed", 5, True)
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.by_resident, follow_up.contacted, follow_up.by_id) == (True, True, None)
    after = text_of(client.get(f"/appeal/case/{case.number}/"))
    assert "感谢您的评价。" in after
    assert 'action="/appeal/case/' + case.number + '/rating/"' not in after


def test_a_bad_rating_reopens_the_case(desk: Desk, dispatcher: Any, handler: Any) -> None:
    case, code = replied_case(desk, dispatcher, handler)
    client = tracking_client(case, code)
    client.post(
        f"/appeal/case/{case.number}/rating/",
        {"solved": "no", "satisfaction": "2", "note": "灯还是不亮"},
    )
    case.refresh_from_db()
    assert (case.state, case.reopen_count) == ("in_progress", 1)
    html = text_of(client.get(f"/appeal/case/{case.number}/"))
    assert re.findall(r'<li data-transition="(\w+)">', html)[-2:] == ["follow_up", "reopen"]


def test_a_rating_without_answers_is_refused_and_changes_nothing(
    desk: Desk, dispatcher: Any, handler: Any
) -> None:
    case, code = replied_case(desk, dispatcher, handler)
    response = tracking_client(case, code).post(
        f"/appeal/case/{case.number}/rating/", {"satisfaction": "9"}
    )
    assert response.status_code == 400
    html = text_of(response)
    assert '<a href="#id_solved">您反映的问题解决了吗？：请选择问题是否已解决。</a>' in html
    assert "请选择有效的选项。" in html
    case.refresh_from_db()
    assert (case.state, FollowUp.objects.count()) == ("replied", 0)


def test_rating_a_case_not_yet_replied_is_refused(desk: Desk) -> None:
    submitted = submitted_case(desk)
    client = tracking_client(submitted.case, submitted.tracking_code)
    assert "评价办理结果" not in text_of(client.get(f"/appeal/case/{submitted.case.number}/"))
    response = client.post(
        f"/appeal/case/{submitted.case.number}/rating/", {"solved": "yes", "satisfaction": "5"}
    )
    assert response.status_code == 409
    assert "诉求的状态已经变化，这一步现在不能办理。" in text_of(response)
    assert (FollowUp.objects.count(), Case.objects.get().state) == (0, "received")


def test_adding_information_shows_on_the_timeline(desk: Desk) -> None:
    submitted = submitted_case(desk)
    number = submitted.case.number
    client = tracking_client(submitted.case, submitted.tracking_code)
    response = client.post(f"/appeal/case/{number}/information/", {"text": "路口东侧第二根灯杆。"})
    assert response.status_code == 302
    event = CaseEvent.objects.get(transition="add_information")
    assert (event.note, event.is_public, event.actor_id) == ("路口东侧第二根灯杆。", True, None)
    html = text_of(client.get(f"/appeal/case/{number}/"))
    assert '<div class="timeline-note">路口东侧第二根灯杆。</div>' in html
    assert "补充内容已提交，承办单位会看到。" in html


def test_empty_information_is_refused(desk: Desk) -> None:
    submitted = submitted_case(desk)
    number = submitted.case.number
    response = tracking_client(submitted.case, submitted.tracking_code).post(
        f"/appeal/case/{number}/information/", {"text": "   "}
    )
    assert response.status_code == 400
    assert '<a href="#id_text">补充内容：请填写补充内容。</a>' in text_of(response)
    assert CaseEvent.objects.filter(transition="add_information").count() == 0


def test_follow_up_steps_need_the_lookup_first(desk: Desk) -> None:
    submitted = submitted_case(desk)
    number = submitted.case.number
    response = Client().post(f"/appeal/case/{number}/information/", {"text": "补充"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/appeal/track/?number={number}"
    assert CaseEvent.objects.filter(transition="add_information").count() == 0


def test_a_petitioner_asks_for_review_of_a_closed_petition(
    desk: Desk, operator: Any, dispatcher: Any, handler: Any
) -> None:
    submitted = actions.submit_case(
        channel="visit",
        kind="petition",
        petition_class="claim",
        category_id=desk.village_matter.pk,
        title="宅基地纠纷",
        description="请求重新划定宅基地界线。",
        region_code=GROUP_A1,
        contact_phone="13812345678",
        actor=operator,
    )
    case = submitted.case
    actions.dispatch_case(case_id=case.pk, unit_id=desk.village_centre.pk, actor=dispatcher)
    actions.sign_for_case(case_id=case.pk, actor=handler)
    actions.reply_to_case(case_id=case.pk, text="维持原界线。", actor=handler)
    actions.close_case(case_id=case.pk, actor=dispatcher)
    client = tracking_client(case, submitted.tracking_code)
    html = text_of(client.get(f"/appeal/case/{case.number}/"))
    assert '<h2 id="review-title"> 申请复查 </h2>' in html
    response = client.post(f"/appeal/case/{case.number}/review/", {"opinion": "界线测量有误。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "review_requested"
    assert (
        "申请复查" not in text_of(client.get(f"/appeal/case/{case.number}/")).split("办理过程")[0]
    )


def test_leaving_drops_the_code_from_the_session(desk: Desk) -> None:
    submitted = submitted_case(desk)
    number = submitted.case.number
    client = tracking_client(submitted.case, submitted.tracking_code)
    assert client.post(f"/appeal/case/{number}/forget/").headers["Location"] == "/appeal/track/"
    assert client.get(f"/appeal/case/{number}/").status_code == 302


@pytest.mark.parametrize("extra_events", [0, 27])
def test_the_case_page_runs_a_fixed_number_of_queries(
    desk: Desk, extra_events: int, django_assert_num_queries: Any
) -> None:
    """3 public events (receive, two additions) or 30: the same queries."""
    submitted = submitted_case(desk)
    case = submitted.case
    for i in range(2 + extra_events):
        actions.add_information(
            case_id=case.pk, tracking_code=submitted.tracking_code, text=f"补充{i}"
        )
    assert CaseEvent.objects.filter(case=case, is_public=True).count() == 3 + extra_events
    client = tracking_client(case, submitted.tracking_code)
    # session, case, category parent, place, events, clocks, attachments, county name
    with django_assert_num_queries(8):
        response = client.get(f"/appeal/case/{case.number}/")
    assert response.status_code == 200
    assert text_of(response).count("<li data-transition=") == 3 + extra_events
