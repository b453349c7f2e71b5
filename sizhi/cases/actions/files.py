"""Files added to a case after it was filed: staff attach evidence, scans and photos of the
work done (internal unless shown to the resident); the resident adds pictures with their
supplementary information. One event per upload, and each stored file points at it."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from sizhi.cases.actions.base import (
    check_visible,
    load_for_update,
    tracking_hash,
    transition_case,
)
from sizhi.cases.attachments import check_upload
from sizhi.cases.models import Attachment, Case, CaseEvent
from sizhi.core.errors import Invalid, NotFound

FIELD = "attachments"
MAX_ATTACHMENTS = 5  # in one upload, as with the appeal itself


def max_case_attachments() -> int:
    """How many files one case may hold in all (intake's and later ones)."""
    return int(settings.SIZHI_MAX_CASE_ATTACHMENTS)


def file_problems(
    case: Case | None, uploads: Sequence[UploadedFile], *, required: bool
) -> list[str]:
    """What is wrong with an upload, translated: a file that is empty, too large or neither an
    image nor a PDF, more than five at once, or more than the case may hold in all."""
    problems = [problem for upload in uploads if (problem := check_upload(upload))]
    if required and not uploads:
        problems.append(_("请选择要上传的文件。"))
    if len(uploads) > MAX_ATTACHMENTS:
        problems = [_("一次最多上传%(count)d个附件。") % {"count": MAX_ATTACHMENTS}]
    elif case is not None and uploads:
        held = Attachment.objects.filter(case=case).count()
        limit = max_case_attachments()
        if held + len(uploads) > limit:
            problems.append(
                _("每件诉求最多保存%(limit)d个附件，已有%(held)d个。")
                % {"limit": limit, "held": held}
            )
    return problems


def check_files(case: Case | None, uploads: Sequence[UploadedFile], *, required: bool) -> None:
    """Refuse the whole upload (Invalid on ``attachments``) if anything is wrong with it:
    nothing is stored before every file has passed."""
    problems = file_problems(case, uploads, required=required)
    if problems:
        raise Invalid(fields={FIELD: problems})


def store_files(
    case: Case, uploads: Sequence[UploadedFile], *, event: CaseEvent | None, public: bool
) -> list[Attachment]:
    """Save checked uploads as the case's attachments (the stored type is the sniffed one)."""
    return [
        Attachment.objects.create(
            case=case,
            event=event,
            file=upload,
            name=(upload.name or "file")[:120],
            content_type=upload.content_type or "",
            size=upload.size or 0,
            is_public=public,
        )
        for upload in uploads
    ]


@transaction.atomic
def attach_files(
    *,
    case_id: int,
    uploads: Sequence[UploadedFile],
    actor: Any,
    note: str = "",
    public: bool = False,
    tracking_code: str = "",
) -> list[Attachment]:
    """Add up to five images or PDFs to a case, with an optional note; the case keeps its
    state. Staff who may see the case choose whether the resident sees them (``public``);
    the resident (proved by ``tracking_code``, e.g. through the app that filed the case)
    adds files that they and the unit both see."""
    case = load_for_update(case_id)
    submitter = bool(tracking_code)
    if submitter and case.tracking_hash != tracking_hash(case.number, tracking_code):
        raise NotFound
    check_visible(case, actor, submitter)
    note = note.strip()
    if len(note) > 2000:
        raise Invalid(fields={"note": [_("内容不能超过%(limit)d个字。") % {"limit": 2000}]})
    public = public or submitter
    # State and permission first (409, 403); a refused file then undoes the event with the rest.
    event = transition_case(
        case=case,
        name="attach",
        actor=None if submitter else actor,
        submitter=submitter,
        note=note,
        data={"files": [(upload.name or "file")[:120] for upload in uploads]},
        public=public,
    )
    check_files(case, uploads, required=True)
    return store_files(case, uploads, event=event, public=public)
