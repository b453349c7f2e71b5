"""The files of a case in the JSON API (mounted under /api/v1/): list them, download one, and
upload more through the same ``attach_files`` as the desk. Reading needs ``cases:read`` and
sight of the case (a token's region included); uploading needs ``cases:write``."""

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Field, File, Form, Path, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from sizhi.cases import actions, queries
from sizhi.cases.actions.files import FIELD
from sizhi.cases.api import case_for, reader, writer
from sizhi.cases.attachments import file_response
from sizhi.cases.models import Attachment, Case
from sizhi.core.api.files import DOWNLOAD_RESPONSES, FILE_DESCRIPTION, upload_refusal
from sizhi.core.api.requests import accepts_files
from sizhi.core.errors import Invalid, NotFound

router = Router(tags=["cases"])

AttachmentId = Annotated[int, Path(ge=1, le=2**63 - 1)]
TRACKING_DESCRIPTION = (
    "The case's tracking code, to add the resident's own files to a case the caller may not "
    "read (an app that filed it); they are shown to the resident."
)


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str = Field(description="Decided from the file's first bytes at upload.")
    size: int = Field(description="In bytes.")
    uploaded_at: dt.datetime
    is_public: bool = Field(description="Shown to the resident on the tracking page.")
    url: str = Field(description="Where to download it (GET, with the same credentials).")


def _out(case: Case, attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.pk,
        name=attachment.name,
        content_type=attachment.content_type,
        size=attachment.size,
        uploaded_at=attachment.uploaded_at,
        is_public=attachment.is_public,
        url=reverse(
            "api:download_attachment",
            kwargs={"number": case.number, "attachment_id": attachment.pk},
        ),
    )


@router.get(
    "/cases/{number}/attachments",
    response=list[AttachmentOut],
    summary="A case's files",
)
def list_attachments(request: HttpRequest, number: str) -> list[AttachmentOut]:
    """Every file of the case, oldest first: those filed with it, those the resident added
    and those staff attached (internal ones included, as on the desk)."""
    case = case_for(reader(request), number)
    return [_out(case, found) for found in Attachment.objects.filter(case=case).order_by("id")]


@router.get(
    "/cases/{number}/attachments/{attachment_id}",
    summary="Download a file of a case",
    openapi_extra=DOWNLOAD_RESPONSES,
)
def download_attachment(
    request: HttpRequest, number: str, attachment_id: AttachmentId
) -> HttpResponseBase:
    """The stored bytes, with the type sniffed at upload, always as a download."""
    case = case_for(reader(request), number)
    found = Attachment.objects.filter(case=case, pk=attachment_id).first()
    if found is None:
        raise NotFound
    return file_response(found, inline=False)


@router.post(
    "/cases/{number}/attachments",
    response={201: list[AttachmentOut]},
    summary="Attach files to a case",
)
@accepts_files
def upload_attachments(
    request: HttpRequest,
    number: str,
    file: Annotated[list[UploadedFile] | None, File(description=FILE_DESCRIPTION)] = None,
    note: Annotated[str, Form(description="Optional, up to 2,000 characters.")] = "",
    is_public: Annotated[bool, Form(description="Show the files to the resident.")] = False,
    tracking_code: Annotated[str, Form(description=TRACKING_DESCRIPTION)] = "",
) -> Status:
    """Add files to the case through the same action as the desk: one event on the timeline,
    the case's state unchanged. 413 for a file over the size limit, 415 for a file that is
    neither an image nor a PDF (whatever its name says), 400 for an empty file, too many
    files or a case already holding its limit; nothing is stored unless every file passes.
    With ``tracking_code`` the files are the resident's (an app sends them after filing)."""
    principal = writer(request)
    code = tracking_code.strip()
    if code:  # the resident's own files, sent by the app that filed the case
        case = queries.track_case(number, code)
        if not principal.covers(case.region_code):
            raise NotFound
    else:
        case = case_for(principal, number)
    uploads = list(file or [])
    try:
        stored = actions.attach_files(
            case_id=case.pk,
            uploads=uploads,
            actor=principal.user,
            note=note,
            public=is_public,
            tracking_code=code,
        )
    except Invalid as error:
        raise upload_refusal(uploads, error, FIELD) from error
    return Status(201, [_out(case, found) for found in stored])
