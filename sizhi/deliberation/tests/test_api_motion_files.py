"""Contract tests of a motion's files in the JSON API: the list, the download, the upload through
the same action as the motion page, every refusal (with nothing changed, on disk too), the
persona matrix, a token's region scope, Idempotency-Key on an upload and the list's query
count."""

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sizhi.accounts.tests.apiclient import auth, error_of, get
from sizhi.deliberation import actions
from sizhi.deliberation.models import Motion, MotionAttachment, MotionEvent
from sizhi.deliberation.tests import apidata
from sizhi.deliberation.tests.apidata import MOTIONS, fresh_rate_counters, motion, token  # noqa: F401
from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Each test stores into its own folder; files over 1 KB are too large."""
    settings.MEDIA_ROOT = tmp_path
    settings.SIZHI_MAX_ATTACHMENT_BYTES = 1024
    return tmp_path


def _snapshot(media: Path) -> dict[str, Any]:
    rows = apidata.snapshot()
    rows["MotionAttachment"] = list(MotionAttachment.objects.order_by("pk").values())
    rows["files"] = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())
    return rows


def _files(target: Motion) -> str:
    return f"{MOTIONS}/{target.pk}/attachments"


def _upload(name: str = "会议记录.png", content: bytes = PNG) -> Any:
    return SimpleUploadedFile(name, content, content_type="image/png")


def _send(target: Motion, secret: str | None, key: str | None = None, **data: Any) -> Any:
    headers = auth(secret)
    if key is not None:
        headers["Idempotency-Key"] = key
    return Client().post(_files(target), data, headers=headers)


def _attach(target: Motion, actor: Any, *names: str) -> list[MotionAttachment]:
    uploads = [_upload(name) for name in names or ("a.png",)]
    return actions.attach_to_motion(motion_id=target.pk, uploads=uploads, actor=actor)


@pytest.fixture
def reviewing(bodies: Any) -> Motion:
    return motion(bodies.council_a1, state="reviewing")


# -- Upload ----------------------------------------------------------------------------------------


def test_an_upload_stores_the_files_through_the_action(reviewing: Motion, bodies: Any) -> None:
    convener = bodies.convener_user
    response = _send(
        reviewing,
        token(convener),
        file=[_upload("会议记录.png"), _upload("修订方案.pdf", PDF)],
        note="审议会议记录和修订方案",
    )
    assert response.status_code == 201, response.content
    stored = list(MotionAttachment.objects.filter(motion=reviewing).order_by("id"))
    body = response.json()
    assert [item.pop("at")[:19] for item in body] == [
        found.at.strftime("%Y-%m-%dT%H:%M:%S") for found in stored
    ]
    assert body == [
        {
            "id": found.pk,
            "name": name,
            "content_type": content_type,
            "size": size,
            "url": f"{_files(reviewing)}/{found.pk}",
            "progress_report_id": None,
            "is_public": False,
        }
        for found, (name, content_type, size) in zip(
            stored,
            [
                ("会议记录.png", "image/png", len(PNG)),
                ("修订方案.pdf", "application/pdf", len(PDF)),
            ],
            strict=True,
        )
    ]
    event = MotionEvent.objects.get(motion=reviewing)
    assert (event.transition, event.actor_id, event.note, event.to_state) == (
        "attach",
        convener.pk,
        "审议会议记录和修订方案",
        "reviewing",
    )
    events = get(f"{_files(reviewing)[: -len('/attachments')]}/events", token(convener)).json()
    assert [e["transition"] for e in events] == ["attach"]


@pytest.mark.parametrize(
    ("data", "status", "code", "fields"),
    [
        ({}, 400, "invalid", {"file": ["请选择要上传的文件。"]}),
        ({"file": [_upload("a.png", b"")]}, 400, "invalid", {"file": ["文件 a.png 是空的。"]}),
        (
            {"file": [_upload(f"{n}.png") for n in range(6)]},
            400,
            "invalid",
            {"file": ["最多上传5个文件。"]},
        ),
        (
            {"file": [_upload("a.png", b"<html><script>")]},
            415,
            "unsupported_media_type",
            {"file": ["文件 a.png 不是图片或 PDF。"]},
        ),
        (
            {"file": [_upload(), _upload("big.png", PNG + b"0" * 2000)]},
            413,
            "too_large",
            {"file": ["文件 big.png 超过 0 MB。"]},
        ),
        (
            {"file": [_upload()], "note": "字" * 2001},
            400,
            "invalid",
            {"note": ["内容不能超过2000个字。"]},
        ),
        (
            {"file": [_upload()], "note": "a\x00b"},
            400,
            "invalid",
            {"note": ["请求中含有不允许的字符。"]},
        ),
    ],
)
def test_a_bad_upload_is_refused_and_nothing_is_stored(
    reviewing: Motion,
    bodies: Any,
    media: Path,
    data: dict[str, Any],
    status: int,
    code: str,
    fields: dict[str, list[str]],
) -> None:
    secret = token(bodies.convener_user)
    before = _snapshot(media)
    assert error_of(_send(reviewing, secret, **data)) == (status, code, fields)
    assert _snapshot(media) == before


def test_a_motion_holding_its_limit_takes_no_more(
    reviewing: Motion, bodies: Any, media: Path, settings: Any
) -> None:
    settings.SIZHI_MAX_MOTION_ATTACHMENTS = 2
    _attach(reviewing, bodies.convener_user, "a.png", "b.png")
    secret = token(bodies.convener_user)
    before = _snapshot(media)
    response = _send(reviewing, secret, file=[_upload()])
    assert error_of(response) == (400, "invalid", {"file": ["每个议题最多保存2个附件，已有2个。"]})
    assert _snapshot(media) == before


def test_an_upload_that_is_not_multipart_is_refused(
    reviewing: Motion, bodies: Any, media: Path
) -> None:
    secret = token(bodies.convener_user)
    before = _snapshot(media)
    response = Client().post(
        _files(reviewing), {"note": "x"}, content_type="application/json", headers=auth(secret)
    )
    assert error_of(response)[:2] == (415, "unsupported_media_type")
    assert _snapshot(media) == before


@pytest.mark.parametrize("state", ["closed", "rejected", "withdrawn"])
def test_a_finished_motion_is_409_whatever_its_files(bodies: Any, media: Path, state: str) -> None:
    done = motion(bodies.council_a1, state=state)
    secret = token(bodies.convener_user)
    before = _snapshot(media)
    for files in ([_upload()], [_upload("a.png", b"<html>")]):
        assert error_of(_send(done, secret, file=files))[:2] == (409, "invalid_state")
    assert _snapshot(media) == before


def test_a_reader_may_not_upload_403_even_a_bad_file(
    reviewing: Motion, bodies: Any, media: Path
) -> None:
    secret = token(bodies.member_user)
    before = _snapshot(media)
    for files in ([_upload()], [_upload("big.png", PNG * 40)]):
        assert error_of(_send(reviewing, secret, file=files))[:2] == (403, "forbidden")
    assert _snapshot(media) == before


def test_without_a_token_or_the_scope_nothing_is_read_or_stored(
    reviewing: Motion, bodies: Any, media: Path
) -> None:
    convener = bodies.convener_user
    found = _attach(reviewing, convener)[0]
    reader = token(convener, scopes=("motions:read",))
    cases_only = token(convener, scopes=("cases:read", "cases:write"))
    before = _snapshot(media)
    for response in (
        get(_files(reviewing)),
        get(f"{_files(reviewing)}/{found.pk}"),
        _send(reviewing, None, file=[_upload()]),
    ):
        assert error_of(response)[:2] == (401, "not_authenticated")
    assert error_of(_send(reviewing, reader, file=[_upload()]))[:2] == (403, "insufficient_scope")
    for response in (
        get(_files(reviewing), cases_only),
        get(f"{_files(reviewing)}/{found.pk}", cases_only),
        _send(reviewing, cases_only, file=[_upload()]),
    ):
        assert error_of(response)[:2] == (403, "insufficient_scope")
    assert _snapshot(media) == before


def test_the_same_idempotency_key_uploads_once(reviewing: Motion, bodies: Any) -> None:
    secret = token(bodies.convener_user)
    first = _send(reviewing, secret, "m-1", file=[_upload()], note="一次")
    again = _send(reviewing, secret, "m-1", file=[_upload()], note="一次")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    other = _send(reviewing, secret, "m-1", file=[_upload("b.png", PNG + b"1")], note="一次")
    assert error_of(other)[:2] == (422, "idempotency_key_reused")
    assert MotionAttachment.objects.filter(motion=reviewing).count() == 1
    assert MotionEvent.objects.filter(motion=reviewing, transition="attach").count() == 1


# -- List and download -----------------------------------------------------------------------------


def test_the_list_shows_every_file_and_each_downloads(
    bodies: Any, resident: Any, settings: Any
) -> None:
    convener = bodies.convener_user
    proposed = actions.create_motion(
        council_id=bodies.council_a1.pk, title="修缮组内便道", body="提议修缮。",
        area="development", attachments=[_upload("现场.png")], actor=resident,
    )  # fmt: skip
    Motion.objects.filter(pk=proposed.pk).update(state="implementing")
    report = actions.report_progress(
        motion_id=proposed.pk, text="完成一半", photos=[_upload("进展.png")], actor=convener
    )
    later = actions.attach_to_motion(
        motion_id=proposed.pk, uploads=[_upload("验收单.pdf", PDF)], actor=convener
    )[0]
    listed = get(_files(proposed), token(resident, scopes=("motions:read",))).json()
    files = list(MotionAttachment.objects.filter(motion=proposed).order_by("at", "id"))
    assert [(f["id"], f["name"], f["progress_report_id"]) for f in listed] == [
        (files[0].pk, "现场.png", None),
        (files[1].pk, "进展.png", report.pk),
        (later.pk, "验收单.pdf", None),
    ]
    download = get(listed[2]["url"], token(resident, scopes=("motions:read",)))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('验收单.pdf')}"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    assert download.getvalue() == PDF
    image = get(listed[0]["url"], token(resident, scopes=("motions:read",)))
    assert (image["Content-Type"], image["Content-Disposition"]) == (
        "image/png",
        f"attachment; filename*=utf-8''{quote('现场.png')}",
    )


def test_a_file_of_another_motion_or_gone_from_storage_is_404(
    reviewing: Motion, bodies: Any
) -> None:
    convener = bodies.convener_user
    other = motion(bodies.council_a1, state="reviewing")
    foreign = _attach(other, convener)[0]
    secret = token(convener)
    for path in (f"{_files(reviewing)}/{foreign.pk}", f"{_files(reviewing)}/99999999"):
        assert error_of(get(path, secret))[:2] == (404, "not_found")
    own = _attach(reviewing, convener)[0]
    own.file.storage.delete(own.file.name)
    assert error_of(get(f"{_files(reviewing)}/{own.pk}", secret))[:2] == (404, "not_found")
    assert error_of(get(f"{MOTIONS}/99999999/attachments", secret))[:2] == (404, "not_found")


def _list_queries(secret: str, target: Motion) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = get(_files(target), secret)
    assert response.status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_for_1_or_10_files(reviewing: Motion, bodies: Any) -> None:
    convener = bodies.convener_user
    secret = token(convener, scopes=("motions:read",))
    _attach(reviewing, convener)
    get(_files(reviewing), secret)  # the token's first use is recorded once
    one = _list_queries(secret, reviewing)
    for _ in range(3):
        _attach(reviewing, convener, "a.png", "b.png", "c.png")
    assert len(get(_files(reviewing), secret).json()) == 10
    assert _list_queries(secret, reviewing) == one


# -- Who -------------------------------------------------------------------------------------------

# (list and download, upload) of each persona's token on group A1's public and private
# motions: those who see a motion read its files; those who run motions there add to them.
WHO = {
    "county_admin": {"a1": (200, 201), "a1x": (200, 201)},
    "supervisor": {"a1": (200, 403), "a1x": (200, 403)},
    "township_cadre": {"a1": (200, 403), "a1x": (200, 403)},
    "village_cadre": {"a1": (200, 403), "a1x": (200, 403)},
    "other_village_cadre": {"a1": (404, 404), "a1x": (404, 404)},
    "convener": {"a1": (200, 201), "a1x": (200, 201)},
    "resident": {"a1": (200, 403), "a1x": (404, 404)},
}


@pytest.mark.parametrize("persona", sorted(WHO), indirect=True)
@pytest.mark.parametrize("which", ["a1", "a1x"])
def test_each_persona_reads_and_adds_files_as_its_grants_say(
    request: Any, persona: Any, which: str, bodies: Any, county_admin: Any, media: Path
) -> None:
    name = request.node.callspec.params["persona"]
    read, write = WHO[name][which]
    target = motion(bodies.council_a1, state="appraising", is_public=which == "a1")
    found = _attach(target, county_admin)[0]
    secret = token(persona)
    listed = get(_files(target), secret)
    download = get(f"{_files(target)}/{found.pk}", secret)
    assert [listed.status_code, download.status_code] == [read, read]
    if read == 200:
        assert [f["id"] for f in listed.json()] == [found.pk]
        assert download.getvalue() == PNG
    before = _snapshot(media)
    upload = _send(target, secret, file=[_upload()])
    assert upload.status_code == write
    if write == 201:
        assert MotionAttachment.objects.filter(motion=target).count() == 2
    else:
        error_of(upload)
        assert _snapshot(media) == before


@pytest.mark.parametrize(
    ("region", "sees"),
    [("520327101", True), ("520327101201", True), ("520327102", False), ("520327101202", False)],
)
def test_a_region_scoped_token_reaches_no_file_outside_its_region(
    reviewing: Motion, county_admin: Any, media: Path, region: str, sees: bool
) -> None:
    found = _attach(reviewing, county_admin)[0]
    secret = token(county_admin, region_code=region)
    before = _snapshot(media)
    responses = (
        get(_files(reviewing), secret),
        get(f"{_files(reviewing)}/{found.pk}", secret),
        _send(reviewing, secret, file=[_upload()]),
    )
    if sees:
        assert [r.status_code for r in responses] == [200, 200, 201]
    else:
        assert [error_of(r)[:2] for r in responses] == [(404, "not_found")] * 3
        assert _snapshot(media) == before


def test_a_township_token_reads_and_adds_files_only_in_its_township(
    tree: Any, county_admin: Any, media: Path
) -> None:
    council_x = UnitFactory.create(region=tree.township_b, kind=UnitKind.COUNCIL, name="镇议事会")
    inside = motion(tree.council_a1, state="reviewing")
    outside = motion(council_x, state="reviewing")
    outside_file = _attach(outside, county_admin)[0]
    secret = token(county_admin, region_code=tree.township_a.code)
    assert _send(inside, secret, file=[_upload()]).status_code == 201
    assert get(_files(inside), secret).status_code == 200
    before = _snapshot(media)
    for response in (
        get(_files(outside), secret),
        get(f"{_files(outside)}/{outside_file.pk}", secret),
        _send(outside, secret, file=[_upload()]),
    ):
        assert error_of(response)[:2] == (404, "not_found")
    assert _snapshot(media) == before
