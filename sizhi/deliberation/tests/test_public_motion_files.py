"""The files of a motion in public (两公开): each stored file points back to the record that
added it, the public page of a public motion lists its documents and progress photos, and
anyone may open them there; nothing of a motion the public page does not show."""

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sizhi.deliberation import actions
from sizhi.deliberation.models import Motion, MotionAttachment, MotionEvent
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import MotionState

pytestmark = pytest.mark.django_db

GROUP_A1 = "520327101201001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def _png(name: str = "现场.png") -> Any:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _pdf(name: str = "修订方案.pdf") -> Any:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _html(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _page(motion: Motion) -> str:
    return f"/deliberation/groups/{motion.region_code}/motions/{motion.pk}/"


def _file_url(motion: Motion, found: MotionAttachment) -> str:
    return f"{_page(motion)}files/{found.pk}/"


def _attached(
    bodies: Any, motion: Motion, *uploads: Any, public: bool = True
) -> list[MotionAttachment]:
    return actions.attach_to_motion(
        motion_id=motion.pk, uploads=list(uploads), actor=bodies.convener_user, public=public
    )


# -- Where a file came from --------------------------------------------------------------------


def test_attach_to_motion_points_each_file_to_its_attach_event(bodies: Any) -> None:
    motion = MotionFactory.create(council=bodies.council_a1, state=MotionState.REVIEWING)
    first = _attached(bodies, motion, _png())
    second = _attached(bodies, motion, _pdf(), _png("会议记录.png"))
    events = list(MotionEvent.objects.filter(motion=motion, transition="attach").order_by("id"))
    assert len(events) == 2
    stored = MotionAttachment.objects.order_by("id")
    assert [(f.name, f.event_id) for f in stored] == [
        ("现场.png", events[0].pk),
        ("修订方案.pdf", events[1].pk),
        ("会议记录.png", events[1].pk),
    ]
    assert [f.event_id for f in first + second] == [events[0].pk, events[1].pk, events[1].pk]


def test_the_proposals_files_point_to_the_create_event(bodies: Any, resident: Any) -> None:
    motion = actions.create_motion(
        council_id=bodies.council_a1.pk,
        title="修缮组内便道",
        body="便道破损，雨天难行。",
        area="development",
        attachments=[_pdf("方案.pdf")],
        actor=resident,
    )
    created = MotionEvent.objects.get(motion=motion, transition="create")
    stored = MotionAttachment.objects.get()
    assert (stored.name, stored.event_id) == ("方案.pdf", created.pk)


def test_the_public_page_lists_the_proposals_document(
    client: Any, bodies: Any, resident: Any
) -> None:
    motion = actions.create_motion(
        council_id=bodies.council_a1.pk,
        title="修缮组内便道",
        body="便道破损，雨天难行。",
        area="development",
        attachments=[_pdf("方案.pdf")],
        actor=resident,
    )
    stored = MotionAttachment.objects.get()
    response = client.get(_page(motion))
    assert response.status_code == 200
    assert f'<a href="{_file_url(motion, stored)}">方案.pdf</a>' in _html(response)


def test_progress_photos_keep_no_event(bodies: Any) -> None:
    motion = MotionFactory.create(council=bodies.council_a1, state=MotionState.IMPLEMENTING)
    actions.report_progress(
        motion_id=motion.pk, text="路基完成", photos=[_png()], actor=bodies.convener_user
    )
    assert list(MotionAttachment.objects.values_list("name", "event_id")) == [("现场.png", None)]


# -- The public page ---------------------------------------------------------------------------


def _with_files(bodies: Any, **fields: Any) -> tuple[Motion, list[MotionAttachment]]:
    """An implementing motion with a document added later and a progress photo."""
    motion = MotionFactory.create(
        council=bodies.council_a1, title="修缮组内便道", state=MotionState.IMPLEMENTING, **fields
    )
    added = _attached(bodies, motion, _pdf())
    report = actions.report_progress(
        motion_id=motion.pk, text="路基完成", photos=[_png()], actor=bodies.convener_user
    )
    return motion, [*added, *report.photos.all()]


def test_the_public_page_lists_the_files_of_a_public_motion(client: Any, bodies: Any) -> None:
    motion, (plan, photo) = _with_files(bodies)
    response = client.get(_page(motion))
    assert response.status_code == 200
    assert response.context["view"].files == [plan]
    html = _html(response)
    assert f'<a href="{_file_url(motion, plan)}">修订方案.pdf</a>' in html
    assert (
        f'<a href="{_file_url(motion, photo)}"> '
        f'<img src="{_file_url(motion, photo)}" alt="现场.png" loading="lazy"> </a>'
    ) in html


def test_the_public_page_of_a_non_public_motion_shows_nothing(client: Any, bodies: Any) -> None:
    motion, (plan, photo) = _with_files(bodies, is_public=False)
    response = client.get(_page(motion))
    assert response.status_code == 404
    html = _html(response)
    assert "修订方案.pdf" not in html
    assert f"files/{plan.pk}/" not in html
    assert f"files/{photo.pk}/" not in html


def test_the_public_page_runs_the_same_queries_for_1_or_10_files(client: Any, bodies: Any) -> None:
    motion = MotionFactory.create(council=bodies.council_a1, state=MotionState.IMPLEMENTING)
    convener = bodies.convener_user
    actions.report_progress(motion_id=motion.pk, text="开工", photos=[_png()], actor=convener)
    client.get(_page(motion))  # anything cached on a first visit is warm
    with CaptureQueriesContext(connection) as one:
        client.get(_page(motion))
    _attached(bodies, motion, _pdf(), _png(), _png())
    for _ in range(3):
        actions.report_progress(
            motion_id=motion.pk, text="进展", photos=[_png(), _png()], actor=convener
        )
    with CaptureQueriesContext(connection) as ten:
        response = client.get(_page(motion))
    assert MotionAttachment.objects.filter(motion=motion).count() == 10
    assert len(response.context["view"].files) == 3
    # a PDF by its link, each image by its link and its picture
    assert _html(response).count(f"{_page(motion)}files/") == 1 + 2 * 2 + 2 * 7
    # the motion, stances, ballots, publications, reports, their photos, the files, a region
    assert (len(one), len(ten)) == (8, 8)


# -- The public download -----------------------------------------------------------------------


def test_anyone_opens_a_public_motions_pdf_inline(client: Any, bodies: Any) -> None:
    motion, (plan, _photo) = _with_files(bodies)
    response = client.get(_file_url(motion, plan))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF


def test_anyone_opens_a_public_motions_photo_inline_and_sandboxed(client: Any, bodies: Any) -> None:
    motion, (_plan, photo) = _with_files(bodies)
    response = client.get(_file_url(motion, photo))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"] == "default-src 'none'; img-src 'self'"
    assert b"".join(response.streaming_content) == PNG


def test_a_non_public_motions_file_is_404(client: Any, bodies: Any) -> None:
    motion, (plan, photo) = _with_files(bodies, is_public=False)
    assert client.get(_file_url(motion, plan)).status_code == 404
    assert client.get(_file_url(motion, photo)).status_code == 404


def test_a_draft_motions_file_is_404(client: Any, bodies: Any) -> None:
    motion = MotionFactory.create(council=bodies.council_a1, state=MotionState.DRAFT)
    stored = MotionAttachment.objects.create(
        motion=motion,
        region_code=motion.region_code,
        file=_pdf(),
        name="草稿.pdf",
        content_type="application/pdf",
        size=len(PDF),
        at=motion.created_at,
    )
    assert client.get(_file_url(motion, stored)).status_code == 404


def test_another_motions_file_under_this_motions_url_is_404(client: Any, bodies: Any) -> None:
    motion, _files = _with_files(bodies)
    other, (other_plan, _photo) = _with_files(bodies)
    assert client.get(_file_url(other, other_plan)).status_code == 200
    assert client.get(_file_url(motion, other_plan)).status_code == 404


def test_a_file_under_another_groups_url_is_404(client: Any, bodies: Any) -> None:
    motion, (plan, _photo) = _with_files(bodies)
    url = f"/deliberation/groups/520327101202001/motions/{motion.pk}/files/{plan.pk}/"
    assert client.get(url).status_code == 404


def test_a_missing_file_is_404(client: Any, bodies: Any) -> None:
    motion, (plan, _photo) = _with_files(bodies)
    assert client.get(f"{_page(motion)}files/{plan.pk + 1000}/").status_code == 404
    plan.file.storage.delete(plan.file.name)  # the row is there, the stored file is gone
    assert client.get(_file_url(motion, plan)).status_code == 404


def test_a_file_added_later_stays_off_the_public_page_unless_shown(
    client: Any, bodies: Any
) -> None:
    motion, (plan, _photo) = _with_files(bodies)
    minutes = _attached(bodies, motion, _png("会议记录.png"), public=False)[0]
    response = client.get(_page(motion))
    assert response.context["view"].files == [plan]
    assert "会议记录.png" not in _html(response)
    assert client.get(_file_url(motion, minutes)).status_code == 404
