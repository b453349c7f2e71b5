"""Files added to a motion after it was proposed (the scan of a meeting's minutes, a revised
plan, a site photo): the action, and the "上传附件" step of the motion page. Those who run the
motion at its place add them in every state but the final ones; every refusal leaves
everything as it was, on disk too."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.core.models import AuditLog
from sizhi.deliberation import actions
from sizhi.deliberation.models import Motion, MotionAttachment, MotionEvent
from sizhi.deliberation.tests import apidata
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import FINAL_STATES, MotionState

pytestmark = pytest.mark.django_db

HERE = "sizhi.deliberation.tests.test_motion_files"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
heard: list[dict[str, Any]] = []


def listener(**event: Any) -> None:
    heard.append(event)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Each test stores into its own folder, so that "nothing stored" can be seen on disk;
    files over 1 KB are too large."""
    settings.MEDIA_ROOT = tmp_path
    settings.SIZHI_MAX_ATTACHMENT_BYTES = 1024
    settings.SIZHI_EVENT_LISTENERS = [f"{HERE}.listener"]
    heard.clear()
    return tmp_path


def _upload(name: str = "会议记录.png", content: bytes = PNG) -> Any:
    return SimpleUploadedFile(name, content, content_type="image/png")


def _motion(bodies: Any, state: str = MotionState.REVIEWING, **fields: Any) -> Motion:
    return MotionFactory.create(council=bodies.council_a1, state=state, **fields)


def _snapshot(media: Path) -> dict[str, Any]:
    rows = apidata.snapshot()
    rows["MotionAttachment"] = list(MotionAttachment.objects.order_by("pk").values())
    rows["files"] = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())
    return rows


@pytest.fixture
def refused(media: Path, django_capture_on_commit_callbacks: Any) -> Any:
    """``refused(ErrorClass, call)``: the call raises that error, queues nothing to run after
    commit, and leaves every row and every stored file as it was. Returns the error."""

    def check(error: type[Exception], call: Any) -> Any:
        before = _snapshot(media)
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(error) as info,
        ):
            call()
        assert callbacks == []
        assert _snapshot(media) == before
        return info.value

    return check


# -- The action ------------------------------------------------------------------------------------


def test_the_convener_attaches_files_with_one_event_and_the_motion_keeps_its_state(
    bodies: Any, django_capture_on_commit_callbacks: Any
) -> None:
    motion = _motion(bodies)
    convener = bodies.convener_user
    with django_capture_on_commit_callbacks(execute=True):
        stored = actions.attach_to_motion(
            motion_id=motion.pk,
            uploads=[_upload(), _upload("修订方案.pdf", PDF)],
            actor=convener,
            note="  党支部审议会议记录和修订后的方案  ",
        )
    event = MotionEvent.objects.get(motion=motion)
    assert (event.transition, event.from_state, event.to_state, event.actor_id, event.note) == (
        "attach",
        "reviewing",
        "reviewing",
        convener.pk,
        "党支部审议会议记录和修订后的方案",
    )
    assert event.data == {"files": ["会议记录.png", "修订方案.pdf"]}
    assert all(
        (f.motion_id, f.region_code, f.progress_id, f.at)
        == (motion.pk, motion.region_code, None, event.at)
        for f in stored
    )
    assert [(f.name, f.content_type, f.size) for f in stored] == [
        ("会议记录.png", "image/png", len(PNG)),
        ("修订方案.pdf", "application/pdf", len(PDF)),
    ]
    assert [f.uploaded_by_id for f in stored] == [convener.pk, convener.pk]
    assert stored[1].file.read() == PDF
    motion.refresh_from_db()
    assert motion.state == "reviewing"
    audit = AuditLog.objects.get(action="motion.attach")
    assert (audit.actor_id, audit.object_id) == (convener.pk, str(motion.pk))
    assert heard == [
        {
            "kind": "motion",
            "event_id": event.pk,
            "transition": "attach",
            "region_code": motion.region_code,
        }
    ]


@pytest.mark.parametrize("state", sorted(set(MotionState.values) - FINAL_STATES))
def test_files_may_be_added_in_every_state_but_the_final_ones(bodies: Any, state: str) -> None:
    motion = _motion(bodies, state)
    stored = actions.attach_to_motion(
        motion_id=motion.pk, uploads=[_upload()], actor=bodies.convener_user
    )
    assert len(stored) == 1
    motion.refresh_from_db()
    assert motion.state == state
    assert MotionEvent.objects.get(motion=motion).to_state == state


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_a_finished_motion_takes_no_more_files(bodies: Any, refused: Any, state: str) -> None:
    motion = _motion(bodies, state)
    refused(
        InvalidState,
        lambda: actions.attach_to_motion(
            motion_id=motion.pk, uploads=[_upload()], actor=bodies.convener_user
        ),
    )


@pytest.mark.parametrize(
    ("uploads", "problems"),
    [
        ([], ["请选择要上传的文件。"]),
        ([_upload("空.png", b"")], ["文件 空.png 是空的。"]),
        ([_upload("网页.png", b"<html><script>")], ["文件 网页.png 不是图片或 PDF。"]),
        ([_upload("程序.pdf", b"MZ\x90\x00" * 8)], ["文件 程序.pdf 不是图片或 PDF。"]),
        ([_upload("大图.png", PNG + b"0" * 2000)], ["文件 大图.png 超过 0 MB。"]),
        ([_upload(f"{n}.png") for n in range(6)], ["最多上传5个文件。"]),
        ([_upload(), _upload("坏.png", b"GIF")], ["文件 坏.png 不是图片或 PDF。"]),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    bodies: Any, refused: Any, uploads: list[Any], problems: list[str]
) -> None:
    motion = _motion(bodies)
    error = refused(
        Invalid,
        lambda: actions.attach_to_motion(
            motion_id=motion.pk, uploads=uploads, actor=bodies.convener_user
        ),
    )
    assert error.fields == {"uploads": problems}


def test_a_note_over_2000_characters_is_refused(bodies: Any, refused: Any) -> None:
    motion = _motion(bodies)
    error = refused(
        Invalid,
        lambda: actions.attach_to_motion(
            motion_id=motion.pk, uploads=[_upload()], note="字" * 2001, actor=bodies.convener_user
        ),
    )
    assert error.fields == {"note": ["内容不能超过2000个字。"]}


def test_a_motion_holds_at_most_its_limit_of_files_in_all(
    bodies: Any, resident: Any, refused: Any, settings: Any
) -> None:
    settings.SIZHI_MAX_MOTION_ATTACHMENTS = 3
    motion = actions.create_motion(
        council_id=bodies.council_a1.pk, title="修缮组内便道", body="提议修缮。",
        area="development", attachments=[_upload("现场.png")], actor=resident,
    )  # fmt: skip
    convener = bodies.convener_user
    actions.attach_to_motion(motion_id=motion.pk, uploads=[_upload()], actor=convener)
    error = refused(
        Invalid,
        lambda: actions.attach_to_motion(
            motion_id=motion.pk, uploads=[_upload(), _upload()], actor=convener
        ),
    )
    assert error.fields == {"uploads": ["每个议题最多保存3个附件，已有2个。"]}
    actions.attach_to_motion(motion_id=motion.pk, uploads=[_upload()], actor=convener)
    assert MotionAttachment.objects.filter(motion=motion).count() == 3


@pytest.mark.parametrize("who", ["member", "resident", "proposer", "township_cadre"])
def test_who_only_takes_part_or_reads_may_not_add_files(
    bodies: Any, refused: Any, resident: Any, township_cadre: Any, who: str
) -> None:
    actor = {
        "member": bodies.member_user,
        "resident": resident,
        "proposer": resident,
        "township_cadre": township_cadre,
    }[who]
    motion = _motion(bodies, proposer=resident if who == "proposer" else None)
    refused(
        NotAllowed,
        lambda: actions.attach_to_motion(motion_id=motion.pk, uploads=[_upload()], actor=actor),
    )


def test_not_allowed_is_said_before_anything_about_the_files(bodies: Any, refused: Any) -> None:
    motion = _motion(bodies)
    refused(
        NotAllowed,
        lambda: actions.attach_to_motion(
            motion_id=motion.pk, uploads=[_upload("x.png", b"")], actor=bodies.member_user
        ),
    )


def test_someone_who_cannot_see_the_motion_finds_nothing(bodies: Any, refused: Any) -> None:
    private = _motion(bodies, is_public=False)
    for motion_id in (private.pk, private.pk + 1000, "x"):
        refused(
            NotFound,
            lambda motion_id=motion_id: actions.attach_to_motion(
                motion_id=motion_id, uploads=[_upload()], actor=bodies.member_b1_user
            ),
        )


# -- The motion page -------------------------------------------------------------------------------


def _html(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _step(motion: Motion) -> str:
    return f"/deliberation/motions/{motion.pk}/attach/"


def test_the_convener_uploads_on_the_motion_page_and_sees_the_file(
    client: Any, bodies: Any
) -> None:
    motion = _motion(bodies)
    client.force_login(bodies.convener_user)
    page = _html(client.get(f"/deliberation/motions/{motion.pk}/"))
    assert (
        f'<form method="post" action="{_step(motion)}" class="desk-step-form" '
        'enctype="multipart/form-data" novalidate>'
    ) in page
    assert "<summary>上传附件</summary>" in page
    assert 'name="attachments" multiple accept="image/jpeg' in page
    response = client.post(
        _step(motion), {"attachments": [_upload("会议记录.png")], "note": "审议会议记录扫描件"}
    )
    assert (response.status_code, response["Location"]) == (
        302,
        f"/deliberation/motions/{motion.pk}/",
    )
    stored = MotionAttachment.objects.get(motion=motion)
    assert stored.is_public is False  # internal unless the convener ticks the box
    page = _html(client.get(response["Location"]))
    assert "已上传附件。" in page
    url = f"/deliberation/motions/{motion.pk}/attachments/{stored.pk}/"
    assert f'<a href="{url}"> <img src="{url}" alt="会议记录.png" loading="lazy"> </a>' in page
    assert "审议会议记录扫描件" in page
    download = client.get(url)
    assert (download.status_code, download["Content-Type"]) == (200, "image/png")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"note": "没有文件"}, {"attachments": ["请选择要上传的文件。"]}),
        (
            {"attachments": [_upload("方案.png", b"#!/bin/sh\n")]},
            {"attachments": ["文件 方案.png 不是图片或 PDF。"]},
        ),
        (
            {"attachments": [_upload()], "note": "字" * 2001},
            {"note": ["确保该变量包含不超过 2000 字符 (目前字符数 2001)。"]},
        ),
    ],
)
def test_a_bad_upload_is_shown_on_the_form_with_400(
    client: Any, bodies: Any, media: Path, data: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    motion = _motion(bodies)
    client.force_login(bodies.convener_user)
    before = _snapshot(media)
    response = client.post(_step(motion), data)
    assert response.status_code == 400
    step = next(item for item in response.context["steps"] if item.step.name == "attach")
    assert step.form.errors == errors
    html = _html(response)
    assert '<details class="desk-step" id="step-attach" open>' in html
    assert "提交没有成功，请修改下面标出的内容。" in html
    assert _snapshot(media) == before


def test_the_step_is_refused_to_readers_403_and_on_a_closed_motion_409(
    client: Any, bodies: Any, media: Path
) -> None:
    motion = _motion(bodies)
    closed = _motion(bodies, MotionState.CLOSED)
    before = _snapshot(media)
    client.force_login(bodies.member_user)
    assert client.post(_step(motion), {"attachments": [_upload()]}).status_code == 403
    page = _html(client.get(f"/deliberation/motions/{motion.pk}/"))
    assert "上传附件" not in page
    client.force_login(bodies.convener_user)
    response = client.post(_step(closed), {"attachments": [_upload()]})
    assert response.status_code == 409
    assert "当前状态不能办理这一步" in _html(response)
    assert _snapshot(media) == before


def test_a_motion_out_of_sight_is_404(client: Any, bodies: Any, media: Path) -> None:
    private = _motion(bodies, is_public=False, title="一组内部事项")
    before = _snapshot(media)
    client.force_login(bodies.member_b1_user)
    response = client.post(_step(private), {"attachments": [_upload()], "note": "看看"})
    assert response.status_code == 404
    assert "一组内部事项" not in _html(response)
    assert client.post(f"/deliberation/motions/{private.pk + 1000}/attach/").status_code == 404
    assert _snapshot(media) == before


def test_the_motion_page_runs_the_same_queries_for_1_or_10_files(client: Any, bodies: Any) -> None:
    motion = _motion(bodies)
    convener = bodies.convener_user
    actions.attach_to_motion(motion_id=motion.pk, uploads=[_upload()], actor=convener)
    client.force_login(convener)
    client.get(f"/deliberation/motions/{motion.pk}/")  # the session and the grants are warm
    with CaptureQueriesContext(connection) as one:
        client.get(f"/deliberation/motions/{motion.pk}/")
    for _ in range(3):
        uploads = [_upload() for _ in range(3)]
        actions.attach_to_motion(motion_id=motion.pk, uploads=uploads, actor=convener)
    with CaptureQueriesContext(connection) as ten:
        response = client.get(f"/deliberation/motions/{motion.pk}/")
    assert len(response.context["page"].attachments) == 10
    assert len(ten) == len(one)


def test_the_convener_chooses_to_show_a_file_on_the_public_page(client: Any, bodies: Any) -> None:
    motion = _motion(bodies)
    client.force_login(bodies.convener_user)
    response = client.post(
        _step(motion), {"attachments": [_upload("修订方案.png")], "is_public": "on"}
    )
    assert response.status_code == 302
    assert MotionAttachment.objects.get(motion=motion).is_public is True
