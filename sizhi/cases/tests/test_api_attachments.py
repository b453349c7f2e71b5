"""Contract tests of a case's files in the JSON API: the list, the download, the upload through
the same action as the desk, every refusal (with nothing changed), the persona matrix and a
token's region scope, and Idempotency-Key on an upload."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sizhi.accounts.tests.apiclient import auth, error_of, get, issue, post
from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases import actions
from sizhi.cases.models import Attachment, Case, CaseEvent
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import TRACKING_CODE, CaseFactory
from sizhi.cases.tests.test_api_cases import intake_body
from sizhi.cases.tests.test_api_personas import PERSONAS
from sizhi.cases.tests.test_permissions import SEES

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture(autouse=True)
def _small_files(settings: Any) -> None:
    settings.SIZHI_MAX_ATTACHMENT_BYTES = 1024


@pytest.fixture
def case(tree: Any, desk: Any) -> Any:
    return CaseFactory.create(
        region=tree.group_a1, handling_unit=desk.village_centre, state="in_progress"
    )


def _files(case: Any) -> str:
    return f"/api/v1/cases/{case.number}/attachments"


def _upload(name: str = "photo.png", content: bytes = PNG) -> Any:
    return SimpleUploadedFile(name, content, content_type="image/png")


def _send(case: Any, secret: str | None, key: str | None = None, **data: Any) -> Any:
    headers = auth(secret)
    if key is not None:
        headers["Idempotency-Key"] = key
    return Client().post(_files(case), data, headers=headers)


# -- Upload ----------------------------------------------------------------------------------------


def test_an_upload_stores_the_files_through_the_action(case: Any, handler: Any) -> None:
    response = _send(
        case,
        issue(handler),
        file=[_upload("修好了.png"), _upload("验收.pdf", PDF)],
        note="已修复",
        is_public="true",
    )
    assert response.status_code == 201
    stored = list(Attachment.objects.filter(case=case).order_by("id"))
    body = response.json()
    assert [item.pop("uploaded_at")[:19] for item in body] == [
        found.uploaded_at.strftime("%Y-%m-%dT%H:%M:%S") for found in stored
    ]
    assert body == [
        {
            "id": found.pk,
            "name": found.name,
            "content_type": found.content_type,
            "size": found.size,
            "is_public": True,
            "url": f"{_files(case)}/{found.pk}",
        }
        for found in stored
    ]
    assert [(f.name, f.content_type) for f in stored] == [
        ("修好了.png", "image/png"),
        ("验收.pdf", "application/pdf"),
    ]
    event = CaseEvent.objects.get(case=case, transition="attach")
    assert (event.actor_id, event.note, event.is_public) == (handler.pk, "已修复", True)
    events = get(f"/api/v1/cases/{case.number}/events", issue(handler)).json()
    assert [e["transition"] for e in events] == ["attach"]


def test_uploaded_files_are_internal_unless_said(case: Any, handler: Any) -> None:
    assert _send(case, issue(handler), file=[_upload()]).status_code == 201
    assert Attachment.objects.get(case=case).is_public is False


@pytest.mark.parametrize(
    ("data", "status", "code", "fields"),
    [
        ({}, 400, "invalid", {"file": ["请选择要上传的文件。"]}),
        ({"file": [_upload("a.png", b"")]}, 400, "invalid", {"file": ["文件 a.png 是空的。"]}),
        (
            {"file": [_upload(f"{n}.png") for n in range(6)]},
            400,
            "invalid",
            {"file": ["一次最多上传5个附件。"]},
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
    case: Any,
    handler: Any,
    data: dict[str, Any],
    status: int,
    code: str,
    fields: dict[str, list[str]],
) -> None:
    secret = issue(handler)
    before = snapshot()
    response = _send(case, secret, **data)
    assert error_of(response) == (status, code, fields)
    assert snapshot() == before


def test_an_upload_that_is_not_multipart_is_refused(case: Any, handler: Any) -> None:
    secret = issue(handler)
    before = snapshot()
    response = Client().post(
        _files(case), {"note": "x"}, content_type="application/json", headers=auth(secret)
    )
    assert error_of(response)[:2] == (415, "unsupported_media_type")
    assert snapshot() == before


def test_an_oversized_body_is_refused_before_it_is_read(
    case: Any, handler: Any, settings: Any
) -> None:
    settings.SIZHI_MAX_ATTACHMENT_BYTES = 10
    settings.SIZHI_API_MAX_BODY_BYTES = 100
    secret = issue(handler)
    before = snapshot()
    response = _send(case, secret, file=[_upload("big.png", PNG * 4)])
    assert error_of(response)[:2] == (413, "too_large")
    assert snapshot() == before


def test_a_finished_case_is_409(tree: Any, desk: Any, county_admin: Any) -> None:
    done = CaseFactory.create(region=tree.group_a1, state="closed")
    secret = issue(county_admin)
    before = snapshot()
    assert error_of(_send(done, secret, file=[_upload()]))[:2] == (
        409,
        "invalid_state",
    )
    assert snapshot() == before


def test_an_upload_needs_the_write_scope(case: Any, handler: Any) -> None:
    secret = issue(handler, scopes=("cases:read",))
    before = snapshot()
    response = _send(case, secret, file=[_upload()])
    assert error_of(response)[:2] == (403, "insufficient_scope")
    assert error_of(_send(case, None, file=[_upload()]))[:2] == (401, "not_authenticated")
    assert snapshot() == before


def test_the_same_idempotency_key_uploads_once(case: Any, handler: Any) -> None:
    secret = issue(handler)
    first = _send(case, secret, "k-1", file=[_upload()], note="一次")
    again = _send(case, secret, "k-1", file=[_upload()], note="一次")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Attachment.objects.filter(case=case).count() == 1
    other = _send(case, secret, "k-1", file=[_upload("other.png", PNG + b"1")], note="一次")
    assert error_of(other)[:2] == (422, "idempotency_key_reused")
    assert Attachment.objects.filter(case=case).count() == 1


def test_an_app_that_filed_a_case_adds_the_residents_photos_with_the_tracking_code(
    desk: Any, tree: Any
) -> None:
    app = UserFactory(name="便民应用")
    secret = issue(app, scopes=("cases:write",))
    filed = post("/api/v1/cases", intake_body(desk, tree), secret).json()
    case = Case.objects.get(number=filed["number"])
    # Without the code the app may not touch the case it cannot read.
    assert error_of(_send(case, secret, file=[_upload()]))[:2] == (404, "not_found")
    response = _send(case, secret, file=[_upload("现场.png")], tracking_code=filed["tracking_code"])
    assert response.status_code == 201
    assert [(f["name"], f["is_public"]) for f in response.json()] == [("现场.png", True)]
    event = CaseEvent.objects.get(case=case, transition="attach")
    assert (event.actor_id, event.is_public) == (None, True)


def test_a_wrong_tracking_code_finds_nothing_and_changes_nothing(case: Any, handler: Any) -> None:
    secret = issue(handler)
    before = snapshot()
    response = _send(case, secret, file=[_upload()], tracking_code="WRONG234")
    assert error_of(response)[:2] == (404, "not_found")
    assert snapshot() == before


def test_a_tracking_code_does_not_reach_past_the_tokens_region(
    case: Any, county_admin: Any
) -> None:
    secret = issue(county_admin, region_code="520327102")
    before = snapshot()
    response = _send(case, secret, file=[_upload()], tracking_code=TRACKING_CODE)
    assert error_of(response)[:2] == (404, "not_found")
    assert snapshot() == before


# -- List and download -----------------------------------------------------------------------------


def test_the_list_shows_every_file_and_each_downloads(case: Any, handler: Any) -> None:
    public, internal = (
        actions.attach_files(
            case_id=case.pk, uploads=[_upload("a.png")], actor=handler, public=True
        )[0],
        actions.attach_files(case_id=case.pk, uploads=[_upload("b.pdf", PDF)], actor=handler)[0],
    )
    secret = issue(handler, scopes=("cases:read",))
    listed = get(_files(case), secret).json()
    assert [(f["id"], f["name"], f["is_public"]) for f in listed] == [
        (public.pk, "a.png", True),
        (internal.pk, "b.pdf", False),
    ]
    download = get(listed[1]["url"], secret)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="b.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.getvalue() == PDF


def test_a_file_of_another_case_is_404_under_this_one(
    case: Any, tree: Any, county_admin: Any
) -> None:
    other = CaseFactory.create(region=tree.group_a1)
    foreign = actions.attach_files(case_id=other.pk, uploads=[_upload()], actor=county_admin)[0]
    secret = issue(county_admin)
    assert error_of(get(f"{_files(case)}/{foreign.pk}", secret))[:2] == (404, "not_found")
    assert error_of(get(f"{_files(case)}/99999999", secret))[:2] == (404, "not_found")


def test_a_file_gone_from_storage_is_404(case: Any, handler: Any) -> None:
    found = actions.attach_files(case_id=case.pk, uploads=[_upload()], actor=handler)[0]
    found.file.storage.delete(found.file.name)
    assert error_of(get(f"{_files(case)}/{found.pk}", issue(handler)))[:2] == (404, "not_found")


# -- Who -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_each_persona_reads_and_adds_files_only_of_cases_it_sees(
    request: Any, persona: Any, case: Any, county_admin: Any
) -> None:
    name = request.node.callspec.params["persona"]
    found = actions.attach_files(case_id=case.pk, uploads=[_upload()], actor=county_admin)[0]
    secret = issue(persona)
    sees = "a" in SEES[name]
    listed = get(_files(case), secret)
    download = get(f"{_files(case)}/{found.pk}", secret)
    before = snapshot()
    upload = _send(case, secret, file=[_upload()])
    if sees:
        assert [f["id"] for f in listed.json()] == [found.pk]
        assert download.status_code == 200
        assert upload.status_code == 201
        assert Attachment.objects.filter(case=case).count() == 2
    else:
        assert error_of(listed)[:2] == (404, "not_found")
        assert error_of(download)[:2] == (404, "not_found")
        assert error_of(upload)[:2] == (404, "not_found")
        assert snapshot() == before


@pytest.mark.parametrize(
    ("region", "sees"),
    [("520327101", True), ("520327101201", True), ("520327102", False), ("520327101202", False)],
)
def test_a_region_scoped_token_reaches_no_file_outside_its_region(
    case: Any, county_admin: Any, region: str, sees: bool
) -> None:
    found = actions.attach_files(case_id=case.pk, uploads=[_upload()], actor=county_admin)[0]
    secret = issue(county_admin, region_code=region)
    before = snapshot()
    responses = (
        get(_files(case), secret),
        get(f"{_files(case)}/{found.pk}", secret),
        _send(case, secret, file=[_upload()]),
    )
    if sees:
        assert [r.status_code for r in responses] == [200, 200, 201]
    else:
        assert [error_of(r)[:2] for r in responses] == [(404, "not_found")] * 3
        assert snapshot() == before
