"""The files of a motion in the JSON API (mounted under /api/v1/): list them, download one, and
add more through the same ``attach_to_motion`` as the motion page. Reading needs
``motions:read`` and sight of the motion (a token's region included); adding needs
``motions:write`` and the right to run the motion at its place."""

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from sizhi.accounts.apiauth import Principal
from sizhi.core.api.files import DOWNLOAD_RESPONSES, FILE_DESCRIPTION, upload_refusal
from sizhi.core.api.requests import accepts_files
from sizhi.core.api.types import RowId
from sizhi.core.errors import Invalid, NotFound
from sizhi.deliberation import actions, queries
from sizhi.deliberation.actions.files import FIELD
from sizhi.deliberation.api import reader, writer
from sizhi.deliberation.attachments import file_response
from sizhi.deliberation.models import Motion, MotionAttachment

router = Router(tags=["motions"])


class MotionFileOut(Schema):
    id: int
    name: str
    content_type: str = Field(description="Decided from the file's first bytes at upload.")
    size: int = Field(description="In bytes.")
    at: dt.datetime = Field(description="When it was uploaded.")
    url: str = Field(description="Where to download it (GET, with the same credentials).")
    progress_report_id: int | None = Field(
        description="The progress report it is a photo of; null for the motion's own files "
        "(those of the proposal and those added later)."
    )
    is_public: bool = Field(
        description="Shown on the group's public page when the motion is public (the "
        "proposal's documents and progress photos are; a file added later when so chosen)."
    )


def _out(found: MotionAttachment) -> MotionFileOut:
    return MotionFileOut(
        id=found.pk,
        name=found.name,
        content_type=found.content_type,
        size=found.size,
        at=found.at,
        url=reverse(
            "api:download_motion_file",
            kwargs={"motion_id": found.motion_id, "file_id": found.pk},
        ),
        progress_report_id=found.progress_id,
        is_public=found.is_public,
    )


def _motion(principal: Principal, motion_id: int) -> Motion:
    """The motion if the caller may see it and it lies in the token's region; NotFound
    otherwise."""
    motion = queries.access_motion(principal.user, motion_id)
    if not principal.covers(motion.region_code):
        raise NotFound
    return motion


@router.get(
    "/motions/{motion_id}/attachments",
    response=list[MotionFileOut],
    summary="A motion's files",
)
def list_motion_files(request: HttpRequest, motion_id: RowId) -> list[MotionFileOut]:
    """Every file of the motion, oldest first: those proposed with it, the photos of its
    progress reports and those added later. Two queries after the caller's, whatever their
    number."""
    motion = _motion(reader(request), motion_id)
    return [_out(found) for found in MotionAttachment.objects.filter(motion=motion)]


@router.get(
    "/motions/{motion_id}/attachments/{file_id}",
    summary="Download a file of a motion",
    openapi_extra=DOWNLOAD_RESPONSES,
)
def download_motion_file(
    request: HttpRequest, motion_id: RowId, file_id: RowId
) -> HttpResponseBase:
    """The stored bytes, with the type sniffed at upload, always as a download."""
    motion = _motion(reader(request), motion_id)
    found = MotionAttachment.objects.filter(motion=motion, pk=file_id).first()
    if found is None:
        raise NotFound
    return file_response(found, inline=False)


@router.post(
    "/motions/{motion_id}/attachments",
    response={201: list[MotionFileOut]},
    summary="Add files to a motion",
)
@accepts_files
def upload_motion_files(
    request: HttpRequest,
    motion_id: RowId,
    file: Annotated[list[UploadedFile] | None, File(description=FILE_DESCRIPTION)] = None,
    note: Annotated[str, Form(description="Optional, up to 2,000 characters.")] = "",
    is_public: Annotated[
        bool, Form(description="Show the files on the group's public page of a public motion.")
    ] = False,
) -> Status:
    """Add files to the motion through the same action as the motion page (those who run
    motions at its place: the convener, the branch secretary, the county): one ``attach``
    event on the timeline, the motion's state unchanged. A closed, rejected or withdrawn
    motion is 409, a caller who may only read it 403. Then the files: 413 for one over the
    size limit, 415 for one that is neither an image nor a PDF (whatever its name says), 400
    for an empty file, more than five at once or a motion already holding its limit; nothing
    is stored unless every file passes."""
    principal = writer(request)
    motion = _motion(principal, motion_id)
    uploads = list(file or [])
    try:
        stored = actions.attach_to_motion(
            motion_id=motion.pk, uploads=uploads, note=note, public=is_public, actor=principal.user
        )
    except Invalid as error:
        raise upload_refusal(uploads, error, FIELD) from error
    return Status(201, [_out(found) for found in stored])
