"""Every intake channel, with good input and with each kind of bad input (a clear, translated
error and nothing stored), and the protections: idempotency, duplicates, rate limits, repeats,
confidentiality and anonymity."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from sizhi.cases import actions
from sizhi.cases.models import Attachment, Case, CaseClock, CaseEvent
from sizhi.cases.queries import timeline, track_case
from sizhi.cases.tests.factories import CaseFactory, CategoryFactory
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, Throttled
from sizhi.core.models import AuditLog

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
PUBLIC = ["web", "app", "open311", "mailbox"]
STAFF = ["hotline", "visit", "letter", "grid"]
CHANNELS = PUBLIC + STAFF
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64


def _values(desk, channel, actor=None, **changes):
    values = {
        "channel": channel,
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯不亮",
        "description": "临江村一组路口的路灯坏了一个月。",
        "region_code": "520327101201001",
        "contact_name": "张三",
        "contact_phone": "138 1234 5678",
        "actor": actor,
    }
    values.update(changes)
    return values


@pytest.fixture
def submit(request, desk):
    """submit(channel, **changes): file a case through ``channel`` as its usual sender (nobody
    for the public channels, an operator for the staff ones)."""

    def go(channel, **changes):
        if "actor" not in changes:
            changes["actor"] = None if channel in PUBLIC else request.getfixturevalue("operator")
        return actions.submit_case(**_values(desk, channel, **changes))

    return go


def _upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# ---------------------------------------------------------------------------------------------
# Good input


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_channel_registers_a_case_with_a_number_a_code_a_clock_and_an_event(submit, channel):
    # When a case comes in through the channel
    submitted = submit(channel)
    # Then it is registered once, numbered, with a tracking code that finds it
    case = submitted.case
    assert (submitted.created, submitted.repeat) == (True, False)
    assert case.number == f"520327-{case.received_at.year}-000001"
    assert (case.state, case.channel, case.contact_phone) == ("received", channel, "13812345678")
    assert track_case(case.number, submitted.tracking_code.lower()) == case
    assert list(CaseEvent.objects.values_list("transition", "to_state", "is_public")) == [
        ("receive", "received", True)
    ]
    assert list(CaseClock.objects.values_list("kind", "value", "unit")) == [
        ("dispatch", 24, "hour")
    ]
    assert AuditLog.objects.for_object(case).get().action == "case.receive"


def test_a_petition_starts_the_fifteen_day_acceptance_clock(submit):
    case = submit("visit", kind="petition", petition_class="claim").case
    assert list(case.clocks.values_list("kind", "value", "unit")) == [
        ("accept", 15, "calendar_day")
    ]


@pytest.mark.parametrize("channel", PUBLIC)
def test_a_signed_in_resident_files_through_a_public_channel(submit, resident, channel):
    submitted = submit(channel, actor=resident)
    assert submitted.created is True
    assert submitted.case.events.get().actor is None


@pytest.mark.parametrize("channel", STAFF)
def test_staff_channels_need_someone_who_takes_cases_there(
    desk, refused, anonymous, village_cadre, sibling_handler, channel
):
    for actor in (None, anonymous, village_cadre, sibling_handler):
        refused(
            NotAllowed, lambda actor=actor: actions.submit_case(**_values(desk, channel, actor))
        )


def test_a_handler_registers_a_visit_at_their_own_village(desk, handler):
    case = actions.submit_case(
        **_values(desk, "visit", handler, receiving_unit_id=desk.village_centre.pk)
    ).case
    assert (case.receiving_unit, case.events.get().actor) == (desk.village_centre, handler)


def test_a_collective_visit_records_up_to_five_representatives(submit):
    names = ["张一", "张二", "张三", "张四", "张五"]
    case = submit("visit", representatives=names, visitors=30).case
    assert (case.representatives, case.visitors) == (names, 30)


def test_attachments_are_kept_with_the_type_their_content_shows(submit):
    files = [
        _upload("照片.jpg", JPEG),
        _upload("scan.png", PNG, "application/octet-stream"),
        _upload("证明.pdf", PDF, "image/png"),
    ]
    case = submit("web", attachments=files).case
    assert sorted(Attachment.objects.filter(case=case).values_list("name", "content_type")) == [
        ("scan.png", "image/png"),
        ("照片.jpg", "image/jpeg"),
        ("证明.pdf", "application/pdf"),
    ]


def test_coordinates_are_kept_to_six_places(submit):
    case = submit("app", latitude="27.9547891", longitude=107.7216).case
    case.refresh_from_db()
    assert (str(case.latitude), str(case.longitude)) == ("27.954789", "107.721600")


# ---------------------------------------------------------------------------------------------
# Bad input: the exact fields and messages, and nothing stored.

BAD_INPUT: dict[str, tuple[dict[str, Any], dict[str, list[str]]]] = {
    "no title": ({"title": "  "}, {"title": ["请填写标题。"]}),
    "long title": ({"title": "路" * 101}, {"title": ["标题不能超过100个字。"]}),
    "no description": ({"description": ""}, {"description": ["请填写诉求内容。"]}),
    "long description": (
        {"description": "灯" * 5001},
        {"description": ["诉求内容不能超过5000个字。"]},
    ),
    "bad kind": ({"kind": "rumour"}, {"kind": ["请选择有效的选项。"]}),
    "bad urgency": ({"urgency": "asap"}, {"urgency": ["请选择有效的选项。"]}),
    "county region": (
        {"region_code": "520327"},
        {"region_code": ["请选择事发的乡镇、村或村民小组。"]},
    ),
    "unknown region": (
        {"region_code": "520327101299"},
        {"region_code": ["请选择事发的乡镇、村或村民小组。"]},
    ),
    "no region": ({"region_code": ""}, {"region_code": ["请选择事发的乡镇、村或村民小组。"]}),
    "no category": ({"category_id": None}, {"category_id": ["请选择诉求分类。"]}),
    "garbled category": ({"category_id": "路灯"}, {"category_id": ["请选择诉求分类。"]}),
    "petition without class": ({"kind": "petition"}, {"petition_class": ["请选择信访类别。"]}),
    "petition with a bad class": (
        {"kind": "petition", "petition_class": "gossip"},
        {"petition_class": ["请选择有效的选项。"]},
    ),
    "class on a complaint": (
        {"petition_class": "claim"},
        {"petition_class": ["只有信访事项才有信访类别。"]},
    ),
    "bad phone": (
        {"contact_phone": "12345"},
        {"contact_phone": ["请输入有效的手机号码或带区号的固定电话。"]},
    ),
    "no phone, not anonymous": (
        {"contact_phone": ""},
        {"contact_phone": ["请留下联系电话，或选择匿名反映。"]},
    ),
    "long name": ({"contact_name": "张" * 51}, {"contact_name": ["姓名不能超过50个字。"]}),
    "long address": ({"address": "路" * 201}, {"address": ["地址不能超过200个字。"]}),
    "six representatives": (
        {"representatives": ["甲", "乙", "丙", "丁", "戊", "己"]},
        {"representatives": ["集体访最多推选5名代表。"]},
    ),
    "no visitors": ({"visitors": 0}, {"visitors": ["来访人数不正确。"]}),
    "garbled visitors": ({"visitors": "许多"}, {"visitors": ["来访人数不正确。"]}),
    "garbled latitude": (
        {"latitude": "北纬", "longitude": "107.7"},
        {"latitude": ["坐标格式不正确。"]},
    ),
    "latitude out of range": (
        {"latitude": "91", "longitude": "107.7"},
        {"latitude": ["坐标超出范围。"]},
    ),
    "longitude out of range": (
        {"latitude": "27.9", "longitude": "-180.5"},
        {"longitude": ["坐标超出范围。"]},
    ),
    "longitude not a number": (
        {"latitude": "27.9", "longitude": "NaN"},
        {"longitude": ["坐标格式不正确。"]},
    ),
    "infinite latitude": (
        {"latitude": "Infinity", "longitude": "107.7"},
        {"latitude": ["坐标格式不正确。"]},
    ),
    "latitude alone": ({"latitude": "27.9"}, {"longitude": ["请同时填写经度和纬度。"]}),
    "unknown person": ({"person_id": 999_999}, {"person_id": ["未找到该居民。"]}),
    "unknown receiving unit": (
        {"receiving_unit_id": 999_999},
        {"receiving_unit_id": ["请选择有效的单位。"]},
    ),
    "unknown complained unit": (
        {"complained_unit_id": "x"},
        {"complained_unit_id": ["请选择有效的单位。"]},
    ),
    "long idempotency key": (
        {"idempotency_key": "k" * 65},
        {"idempotency_key": ["幂等键不能超过64个字符。"]},
    ),
    "text named as a photo": (
        {"attachments": [_upload("photo.jpg", b"just some text, not a picture")]},
        {"attachments": ["文件 photo.jpg 不是图片或 PDF。"]},
    ),
    "a web page named as a PDF": (
        {"attachments": [_upload("a.pdf", b"<html><body>hi</body></html>", "application/pdf")]},
        {"attachments": ["文件 a.pdf 不是图片或 PDF。"]},
    ),
    "RIFF that is not WEBP": (
        {"attachments": [_upload("clip.webp", b"RIFF\x00\x00\x00\x00AVI LIST" + b"\x00" * 8)]},
        {"attachments": ["文件 clip.webp 不是图片或 PDF。"]},
    ),
    "empty file": (
        {"attachments": [_upload("empty.png", b"")]},
        {"attachments": ["文件 empty.png 是空的。"]},
    ),
    "six files": (
        {"attachments": [_upload(f"{n}.jpg", JPEG) for n in range(6)]},
        {"attachments": ["一次最多上传5个附件。"]},
    ),
}


@pytest.mark.parametrize("bad", list(BAD_INPUT))
def test_bad_input_is_refused_with_the_field_and_nothing_is_stored(submit, refused, desk, bad):
    changes, fields = BAD_INPUT[bad]
    # When a case with this mistake comes in through any channel
    for channel in CHANNELS:
        for upload in changes.get("attachments", []):
            upload.seek(0)
        # Then the error names the field, and nothing stays
        error = refused(Invalid, lambda channel=channel: submit(channel, **changes))
        assert error.fields == fields, channel


@pytest.mark.parametrize("actor", ["anonymous", "operator"])
def test_an_unknown_channel_is_refused(request, desk, refused, actor):
    values = _values(desk, "fax", request.getfixturevalue(actor))
    error = refused(Invalid, lambda: actions.submit_case(**values))
    assert error.fields == {"channel": ["请选择有效的选项。"]}


def test_an_inactive_or_top_level_category_is_refused(submit, refused, desk):
    retired = CategoryFactory.create(
        code="0199", name="旧分类", parent=desk.village_matter.parent, is_active=False
    )
    for channel in CHANNELS:
        for category in (retired, desk.village_matter.parent):
            error = refused(
                Invalid,
                lambda channel=channel, category=category: submit(channel, category_id=category.pk),
            )
            assert error.fields == {"category_id": ["请选择诉求分类。"]}, channel


@override_settings(SIZHI_MAX_ATTACHMENT_BYTES=1024 * 1024)
def test_a_file_over_the_size_limit_is_refused(submit, refused):
    big = _upload("big.jpg", JPEG + b"\x00" * (1024 * 1024))
    for channel in CHANNELS:
        big.seek(0)
        error = refused(Invalid, lambda channel=channel: submit(channel, attachments=[big]))
        assert error.fields == {"attachments": ["文件 big.jpg 超过 1 MB。"]}, channel


def test_every_mistake_is_reported_at_once(submit, refused):
    error = refused(
        Invalid,
        lambda: submit("web", title="", description="", region_code="", contact_phone="1"),
    )
    assert sorted(error.fields) == ["contact_phone", "description", "region_code", "title"]


# ---------------------------------------------------------------------------------------------
# Protections


def test_the_same_idempotency_key_returns_the_same_case(submit):
    first = submit("web", idempotency_key="form-7f3a")
    again = submit("app", idempotency_key="form-7f3a", description="另一段文字")
    assert (again.case, again.created, again.tracking_code) == (first.case, False, "")
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1


def test_the_same_text_from_the_same_phone_within_ten_minutes_is_the_same_case(desk, submit):
    start = dt.datetime(2026, 5, 11, 9, 0, tzinfo=TZ)
    with time_machine.travel(start, tick=False):
        first = submit("web").case
    # A different category, so that only the ten-minute rule can join them
    with time_machine.travel(start + dt.timedelta(minutes=9, seconds=59), tick=False):
        again = submit("app", category_id=desk.township_matter.pk)
    assert (again.case, again.created) == (first, False)
    with time_machine.travel(start + dt.timedelta(minutes=10, seconds=1), tick=False):
        later = submit("app", category_id=desk.township_matter.pk)
    assert later.created is True
    assert Case.objects.count() == 2


@override_settings(SIZHI_INTAKE_PER_PHONE_PER_HOUR=2)
def test_one_phone_may_file_only_so_many_cases_an_hour(desk, submit, refused, operator):
    start = dt.datetime(2026, 5, 11, 9, 0, tzinfo=TZ)
    with time_machine.travel(start, tick=False):
        submit("web", category_id=desk.village_matter.pk, description="第一件")
        submit("web", category_id=desk.township_matter.pk, description="第二件")
        # The third from the same phone within the hour is refused, and nothing is stored
        error = refused(
            Throttled,
            lambda: submit("web", category_id=desk.county_matter.pk, description="第三件"),
        )
        assert str(error.message) == "该号码提交过于频繁，请稍后再试或拨打12343热线。"
        # The hotline operator is not limited
        assert submit("hotline", category_id=desk.county_matter.pk, description="第三件").created
    other = CategoryFactory.create(code="0104", name="其他", parent=desk.village_matter.parent)
    with time_machine.travel(start + dt.timedelta(hours=1, minutes=1), tick=False):
        assert submit("web", category_id=other.pk, description="第四件").created


@override_settings(SIZHI_INTAKE_PER_IP_PER_HOUR=2)
def test_one_address_may_file_only_so_many_cases_an_hour(submit, refused):
    for n in range(2):
        submit("web", is_anonymous=True, description=f"匿名{n}", client_ip="10.1.2.3")
    error = refused(
        Throttled,
        lambda: submit("web", is_anonymous=True, description="匿名2", client_ip="10.1.2.3"),
    )
    assert str(error.message) == "提交过于频繁，请稍后再试或拨打12343热线。"
    assert submit("web", is_anonymous=True, description="匿名3", client_ip="10.1.2.4").created
    # Only a keyed hash of the address is kept
    assert not Case.objects.filter(ip_hash__contains="10.1.2").exists()


def test_staff_decide_themselves_whether_a_call_repeats_an_open_matter(submit):
    first = submit("web").case
    second = submit("hotline", description="村西头另一盏路灯也不亮。")
    assert (second.created, second.repeat) == (True, False)
    assert Case.objects.count() == 2
    first.refresh_from_db()
    assert first.repeat_count == 0


def test_a_repeat_on_an_open_matter_counts_on_it_instead_of_making_a_case(submit):
    first = submit("web").case
    again = submit("app", description="路灯还是不亮，再次反映。")
    first.refresh_from_db()
    assert (again.case, again.created, again.repeat) == (first, False, True)
    assert first.repeat_count == 1
    assert Case.objects.count() == 1
    event = first.events.get(transition="repeat")
    assert (event.note, event.is_public, event.from_state, event.to_state) == (
        "路灯还是不亮，再次反映。",
        True,
        "received",
        "received",
    )


def test_the_same_request_after_the_matter_closed_is_a_new_case(submit):
    first = submit("web").case
    Case.objects.filter(pk=first.pk).update(state="closed")
    again = submit("web", description="路灯又坏了。")
    assert again.created is True
    assert again.case != first


def test_an_operator_links_another_callers_request_to_an_open_case(desk, submit):
    first = submit("web").case
    again = submit("hotline", contact_phone="13900001111", repeat_of_id=first.pk)
    first.refresh_from_db()
    assert (again.case, again.repeat, first.repeat_count) == (first, True, 1)
    # Another caller's words are not shown on the first submitter's tracking page
    assert [e.transition for e in timeline(first, public=True)] == ["receive"]


def test_a_repeat_of_a_closed_case_is_refused(submit, refused):
    closed = CaseFactory.create(state="closed")
    refused(InvalidState, lambda: submit("hotline", repeat_of_id=closed.pk))


def test_the_public_cannot_attach_a_request_to_someone_elses_case(submit, refused):
    other = CaseFactory.create(contact_phone="13900009999")
    error = refused(Invalid, lambda: submit("web", repeat_of_id=other.pk))
    assert error.fields == {"repeat_of_id": ["所关联的诉求不存在。"]}


@pytest.mark.parametrize(
    ("kind", "petition_class", "confidential"),
    [
        ("petition", "accusation", True),
        ("petition", "claim", True),
        ("petition", "opinion", True),
        ("report", "", True),
        ("complaint", "", False),
        ("help", "", False),
    ],
)
def test_accusations_reports_and_petitions_are_confidential_by_default(
    submit, kind, petition_class, confidential
):
    case = submit("letter", kind=kind, petition_class=petition_class, is_public=True).case
    assert (case.is_confidential, case.is_public) == (confidential, not confidential)


def test_confidentiality_can_be_set_either_way(submit):
    assert submit("web", kind="complaint", is_confidential=True).case.is_confidential is True
    case = submit(
        "visit",
        kind="petition",
        petition_class="opinion",
        is_confidential=False,
        contact_phone="13900001111",
        description="建议在村口增设公交站。",
    ).case
    assert case.is_confidential is False


def test_an_anonymous_case_keeps_no_contact(tree, submit):
    submitted = submit(
        "web",
        is_anonymous=True,
        contact_name="张三",
        contact_phone="13812345678",
        person_id=tree.person_a1.pk,
    )
    case = Case.objects.get(pk=submitted.case.pk)
    assert (case.contact_name, case.contact_phone, case.person_id) == ("", "", None)
    assert len(submitted.tracking_code) == 8


def test_a_known_person_brings_their_name_and_phone(tree, submit):
    case = submit("grid", contact_name="", contact_phone="", person_id=tree.person_b1.pk).case
    assert (case.person, case.contact_name, case.contact_phone) == (
        tree.person_b1,
        "李四",
        "13887654321",
    )


def test_a_handler_cannot_name_another_unit_as_the_receiving_unit(desk, handler):
    before = Case.objects.count()
    with pytest.raises(Invalid) as error:
        actions.submit_case(
            channel="visit",
            kind="complaint",
            category_id=desk.village_matter.pk,
            title="路灯不亮",
            description="临江村一组路灯坏了。",
            region_code="520327101201001",
            contact_phone="13812345678",
            actor=handler,
            receiving_unit_id=desk.county_office.pk,
        )
    assert error.value.fields == {"receiving_unit_id": ["只能以本人所在单位作为受理单位。"]}
    assert Case.objects.count() == before


def test_a_handler_names_their_own_unit_as_the_receiving_unit(desk, handler):
    submitted = actions.submit_case(
        channel="visit",
        kind="complaint",
        category_id=desk.village_matter.pk,
        title="路灯不亮",
        description="临江村一组路灯坏了。",
        region_code="520327101201001",
        contact_phone="13812345678",
        actor=handler,
        receiving_unit_id=desk.village_centre.pk,
    )
    assert submitted.case.receiving_unit == desk.village_centre
