"""Storing the files of a motion: its documents and the photos of its progress, and the files
those who run it add later (the scan of a meeting's minutes, a revised plan, a site photo)."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.core.errors import Invalid
from sizhi.core.files import check_image_or_pdf
from sizhi.deliberation.actions.base import check_visible, load_for_update, transition_motion
from sizhi.deliberation.models import Motion, MotionAttachment

MAX_FILES = 5
FIELD = "uploads"  # the argument of attach_to_motion that a file problem is reported under
NOTE_LIMIT = 2000


def max_motion_attachments() -> int:
    """How many files one motion may hold in all (the proposal's, progress photos and those
    added later)."""
    return int(settings.SIZHI_MAX_MOTION_ATTACHMENTS)


def check_files(
    uploads: Iterable[UploadedFile], name: str, errors: dict[str, list[str]]
) -> list[UploadedFile]:
    """The uploads, each an image or a PDF within the size limit, at most ``MAX_FILES``."""
    files = list(uploads)
    if len(files) > MAX_FILES:
        errors.setdefault(name, []).append(_("最多上传%(n)d个文件。") % {"n": MAX_FILES})
    for upload in files:
        problem = check_image_or_pdf(upload)
        if problem:
            errors.setdefault(name, []).append(problem)
    return files


def store_attachment(
    motion: Motion, upload: UploadedFile, actor: Any, now: dt.datetime, **extra: Any
) -> MotionAttachment:
    return MotionAttachment.objects.create(
        motion=motion,
        region_code=motion.region_code,
        file=upload,
        name=(upload.name or "")[:120],
        content_type=upload.content_type or "",
        size=upload.size or 0,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        at=now,
        **extra,
    )


def _held_problem(motion: Motion, adding: int) -> str | None:
    """Why ``adding`` more files would pass what the motion may hold, or None."""
    held = MotionAttachment.objects.filter(motion=motion).count()
    limit = max_motion_attachments()
    if held + adding <= limit:
        return None
    return _("每个议题最多保存%(limit)d个附件，已有%(held)d个。") % {"limit": limit, "held": held}


@transaction.atomic
def attach_to_motion(
    *,
    motion_id: Any,
    uploads: Sequence[UploadedFile],
    actor: Any,
    note: Any = "",
    public: bool = False,
    now: dt.datetime | None = None,
) -> list[MotionAttachment]:
    """Add up to five images or PDFs to a motion, with an optional note; the motion keeps its
    state; ``public`` shows them on the group's public page of a public motion. One
    ``attach`` event for the upload (the files' names in its data), which each stored file
    points back to, an audit row, and the listeners are told after commit.

    Who: ``deliberation.manage`` at the motion's place, the permission of every other step
    the convener takes on the motion page (admit, review, publish, report progress, notes):
    the council's convener, the branch secretary and those above them. Not the proposer,
    whose files come with the proposal, nor members and residents, who take part by
    co-signing and commenting. When: in every state but the final ones (rejected, withdrawn,
    closed), 409 there. A note over 2000 characters is refused first; then the state and the
    permission (409, 403); then the files, each by its content: a refusal leaves nothing
    behind, neither the event nor any stored file. At most ``SIZHI_MAX_MOTION_ATTACHMENTS``
    files in all."""
    now = now or timezone.now()
    motion = load_for_update(motion_id)
    check_visible(motion, actor)
    files = list(uploads)
    text = str(note or "").strip()
    if len(text) > NOTE_LIMIT:  # as with every step's note, refused before anything is written
        raise Invalid(fields={"note": [_("内容不能超过%(limit)d个字。") % {"limit": NOTE_LIMIT}]})
    event = transition_motion(
        motion=motion,
        name="attach",
        actor=actor,
        note=text,
        data={"files": [(upload.name or "")[:120] for upload in files]},
        now=now,
    )
    errors: dict[str, list[str]] = {}
    if not files:
        errors[FIELD] = [_("请选择要上传的文件。")]
    check_files(files, FIELD, errors)
    if FIELD not in errors and (problem := _held_problem(motion, len(files))):
        errors[FIELD] = [problem]
    if errors:
        raise Invalid(fields=errors)  # the atomic block takes the event back with it
    return [
        store_attachment(motion, upload, actor, now, event=event, is_public=bool(public))
        for upload in files
    ]
