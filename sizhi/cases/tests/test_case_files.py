"""Files added to a case after intake: staff attach them on the desk (internal, or shown to the
resident), the resident adds them with supplementary information, and the resident opens
those shown to them on the tracking page. Every refusal leaves everything as it was."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sizhi.cases import actions
from sizhi.cases.models import Attachment, CaseEvent
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import TRACKING_CODE, CaseFactory
from sizhi.core.errors import Invalid, InvalidState, NotFound
from sizhi.core.models import AuditLog

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def _upload(name: str = "photo.png", content: bytes = PNG, content_type: str = "image/png") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def case(tree: Any, desk: Any) -> Any:
    return CaseFactory.create(
        region=tree.group_a1, handling_unit=desk.village_centre, state="in_progress"
    )


# -- The action ------------------------------------------------------------------------------------


def test_staff_attach_files_with_one_event_and_the_case_keeps_its_state(
    case: Any, handler: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        stored = actions.attach_files(
            case_id=case.pk,
            uploads=[_upload("修好后.png"), _upload("验收单.pdf", PDF, "image/png")],
            actor=handler,
            note="  已更换灯泡  ",
        )
    event = CaseEvent.objects.get(case=case)
    assert (event.transition, event.from_state, event.to_state, event.note) == (
        "attach",
        "in_progress",
        "in_progress",
        "已更换灯泡",
    )
    assert event.data == {"files": ["修好后.png", "验收单.pdf"]}
    assert event.is_public is False
    assert [(a.name, a.content_type, a.size, a.is_public, a.event_id) for a in stored] == [
        ("修好后.png", "image/png", len(PNG), False, event.pk),
        ("验收单.pdf", "application/pdf", len(PDF), False, event.pk),
    ]
    case.refresh_from_db()
    assert case.state == "in_progress"
    assert AuditLog.objects.filter(action="case.attach", actor=handler).count() == 1


def test_files_shown_to_the_resident_make_a_public_event(case: Any, handler: Any) -> None:
    stored = actions.attach_files(case_id=case.pk, uploads=[_upload()], actor=handler, public=True)
    assert stored[0].is_public is True
    assert CaseEvent.objects.get(case=case, transition="attach").is_public is True


@pytest.mark.parametrize(
    ("uploads", "fields"),
    [
        ([], {"attachments": ["请选择要上传的文件。"]}),
        ([_upload("a.png", b"")], {"attachments": ["文件 a.png 是空的。"]}),
        ([_upload("a.png", b"<html>")], {"attachments": ["文件 a.png 不是图片或 PDF。"]}),
        (
            [_upload(f"{n}.png") for n in range(6)],
            {"attachments": ["一次最多上传5个附件。"]},
        ),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    case: Any, handler: Any, refused: Any, uploads: list[Any], fields: dict[str, list[str]]
) -> None:
    error = refused(
        Invalid, lambda: actions.attach_files(case_id=case.pk, uploads=uploads, actor=handler)
    )
    assert error.fields == fields


def test_a_note_over_2000_characters_is_refused(case: Any, handler: Any, refused: Any) -> None:
    error = refused(
        Invalid,
        lambda: actions.attach_files(
            case_id=case.pk, uploads=[_upload()], actor=handler, note="字" * 2001
        ),
    )
    assert error.fields == {"note": ["内容不能超过2000个字。"]}


def test_a_case_holds_at_most_its_limit_of_files(
    case: Any, handler: Any, refused: Any, settings: Any
) -> None:
    settings.SIZHI_MAX_CASE_ATTACHMENTS = 3
    actions.attach_files(case_id=case.pk, uploads=[_upload(), _upload()], actor=handler)
    error = refused(
        Invalid,
        lambda: actions.attach_files(
            case_id=case.pk, uploads=[_upload(), _upload()], actor=handler
        ),
    )
    assert error.fields == {"attachments": ["每件诉求最多保存3个附件，已有2个。"]}
    actions.attach_files(case_id=case.pk, uploads=[_upload()], actor=handler)
    assert Attachment.objects.filter(case=case).count() == 3


def test_someone_who_cannot_see_the_case_finds_nothing(
    case: Any, sibling_handler: Any, refused: Any
) -> None:
    refused(
        NotFound,
        lambda: actions.attach_files(case_id=case.pk, uploads=[_upload()], actor=sibling_handler),
    )


@pytest.mark.parametrize("state", ["closed", "declined", "merged", "terminated"])
def test_a_finished_case_takes_no_more_files(
    tree: Any, desk: Any, county_admin: Any, refused: Any, state: str
) -> None:
    done = CaseFactory.create(region=tree.group_a1, handling_unit=desk.village_centre, state=state)
    refused(
        InvalidState,
        lambda: actions.attach_files(case_id=done.pk, uploads=[_upload()], actor=county_admin),
    )


def test_a_petition_under_review_still_takes_files(tree: Any, county_admin: Any) -> None:
    petition = CaseFactory.create(
        region=tree.group_a1, kind="petition", petition_class="request", state="review_requested"
    )
    actions.attach_files(case_id=petition.pk, uploads=[_upload()], actor=county_admin)
    assert Attachment.objects.filter(case=petition).count() == 1


def test_the_resident_adds_pictures_with_information(case: Any) -> None:
    actions.add_information(
        case_id=case.pk,
        tracking_code=TRACKING_CODE,
        text="补充现场照片",
        attachments=[_upload("现场.png")],
    )
    event = CaseEvent.objects.get(case=case, transition="add_information")
    assert event.data == {"files": ["现场.png"]}
    assert event.is_public is True
    found = Attachment.objects.get(case=case)
    assert (found.name, found.is_public, found.event_id) == ("现场.png", True, event.pk)


def test_a_bad_file_with_information_stores_neither(case: Any, refused: Any) -> None:
    error = refused(
        Invalid,
        lambda: actions.add_information(
            case_id=case.pk,
            tracking_code=TRACKING_CODE,
            text="补充",
            attachments=[_upload("a.png", b"MZ\x90\x00")],
        ),
    )
    assert error.fields == {"attachments": ["文件 a.png 不是图片或 PDF。"]}


# -- The desk --------------------------------------------------------------------------------------


def test_the_desk_upload_step_stores_the_files_and_shows_them(
    case: Any, handler: Any, client: Client
) -> None:
    client.force_login(handler)
    page = client.get(f"/cases/{case.pk}/")
    assert b'id="step-attach"' in page.content
    assert b'enctype="multipart/form-data"' in page.content
    response = client.post(
        f"/cases/{case.pk}/attach/",
        {"attachments": [_upload("现场.png")], "note": "现场照片", "is_public": "on"},
    )
    assert response.status_code == 302
    found = Attachment.objects.get(case=case)
    assert (found.name, found.is_public) == ("现场.png", True)
    page = client.get(f"/cases/{case.pk}/")
    assert "现场.png" in page.content.decode()
    assert "群众可见" in page.content.decode()
    download = client.get(f"/cases/{case.pk}/attachments/{found.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.getvalue() == PNG


def test_the_desk_upload_step_shows_a_bad_file_and_stores_nothing(
    case: Any, handler: Any, client: Client
) -> None:
    client.force_login(handler)
    before = snapshot()
    response = client.post(
        f"/cases/{case.pk}/attach/", {"attachments": [_upload("a.png", b"text")], "note": ""}
    )
    assert response.status_code == 400
    assert "文件 a.png 不是图片或 PDF。" in response.content.decode()
    assert snapshot() == before


def test_the_desk_upload_step_is_404_for_a_case_out_of_sight(
    case: Any, sibling_handler: Any, client: Client
) -> None:
    client.force_login(sibling_handler)
    before = snapshot()
    response = client.post(f"/cases/{case.pk}/attach/", {"attachments": [_upload()]})
    assert response.status_code == 404
    assert snapshot() == before


# -- The resident's tracking page ------------------------------------------------------------------


def _track(client: Client, case: Any) -> None:
    response = client.post("/appeal/track/", {"number": case.number, "code": TRACKING_CODE})
    assert response.status_code == 302


def test_the_resident_sees_and_opens_only_the_files_shown_to_them(
    case: Any, handler: Any, client: Client
) -> None:
    shown = actions.attach_files(
        case_id=case.pk, uploads=[_upload("已修好.png")], actor=handler, public=True
    )[0]
    internal = actions.attach_files(
        case_id=case.pk, uploads=[_upload("内部.pdf", PDF)], actor=handler
    )[0]
    # Before the case is looked up in this session, nothing opens.
    assert client.get(f"/appeal/case/{case.number}/attachments/{shown.pk}/").status_code == 404
    _track(client, case)
    page = client.get(f"/appeal/case/{case.number}/").content.decode()
    assert "已修好.png" in page
    assert "内部.pdf" not in page
    opened = client.get(f"/appeal/case/{case.number}/attachments/{shown.pk}/")
    assert opened.status_code == 200
    assert opened.getvalue() == PNG
    assert client.get(f"/appeal/case/{case.number}/attachments/{internal.pk}/").status_code == 404


def test_a_file_of_another_case_does_not_open_under_the_residents_case(
    case: Any, tree: Any, handler: Any, client: Client
) -> None:
    other = CaseFactory.create(region=tree.group_a1)
    foreign = actions.attach_files(case_id=other.pk, uploads=[_upload()], actor=None, public=True)[
        0
    ]
    _track(client, case)
    assert client.get(f"/appeal/case/{case.number}/attachments/{foreign.pk}/").status_code == 404


def test_the_resident_adds_a_picture_on_the_tracking_page(case: Any, client: Client) -> None:
    _track(client, case)
    response = client.post(
        f"/appeal/case/{case.number}/information/",
        {"text": "又拍了一张", "attachments": [_upload("又一张.png")]},
    )
    assert response.status_code == 302
    found = Attachment.objects.get(case=case)
    assert (found.name, found.is_public) == ("又一张.png", True)
    assert "又一张.png" in client.get(f"/appeal/case/{case.number}/").content.decode()


def test_the_resident_is_told_of_a_bad_file_and_nothing_is_kept(case: Any, client: Client) -> None:
    _track(client, case)
    before = snapshot()
    response = client.post(
        f"/appeal/case/{case.number}/information/",
        {"text": "补充", "attachments": [_upload("病毒.png", b"MZ\x90\x00")]},
    )
    assert response.status_code == 400
    assert "文件 病毒.png 不是图片或 PDF。" in response.content.decode()
    assert snapshot() == before
