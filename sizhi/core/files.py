"""What an uploaded attachment may be: an image or a PDF, checked by its content, within a
size (SIZHI_MAX_ATTACHMENT_BYTES); and how a stored one is handed out. Cases and motions use
the same check and the same answer."""

from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext as _

from sizhi.core.errors import NotFound

# (the bytes at each offset, content type): every part must match.
SIGNATURES: tuple[tuple[tuple[tuple[int, bytes], ...], str], ...] = (
    (((0, b"\xff\xd8\xff"),), "image/jpeg"),
    (((0, b"\x89PNG\r\n\x1a\n"),), "image/png"),
    (((0, b"GIF87a"),), "image/gif"),
    (((0, b"GIF89a"),), "image/gif"),
    (((0, b"RIFF"), (8, b"WEBP")), "image/webp"),
    (((0, b"%PDF-"),), "application/pdf"),
)


def sniff(head: bytes) -> str | None:
    for parts, content_type in SIGNATURES:
        if all(head[offset : offset + len(part)] == part for offset, part in parts):
            return content_type
    return None


def upload_problem(upload: UploadedFile) -> tuple[str, str] | None:
    """What is wrong with the file, as (code, translated message), or None when it is
    acceptable. The codes: ``empty``, ``too_large``, ``unsupported_type``. The declared
    content type is not trusted: the first bytes decide, and the stored type is set from
    them."""
    size = upload.size or 0
    if size == 0:
        return "empty", _("文件 %(name)s 是空的。") % {"name": upload.name}
    if size > settings.SIZHI_MAX_ATTACHMENT_BYTES:
        return "too_large", _("文件 %(name)s 超过 %(mb)d MB。") % {
            "name": upload.name,
            "mb": settings.SIZHI_MAX_ATTACHMENT_BYTES // (1024 * 1024),
        }
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        return "unsupported_type", _("文件 %(name)s 不是图片或 PDF。") % {"name": upload.name}
    upload.content_type = content_type
    return None


def check_upload(upload: UploadedFile) -> str | None:
    """A translated problem with the file, or None when it is acceptable (see upload_problem)."""
    problem = upload_problem(upload)
    return problem[1] if problem else None


check_image_or_pdf = check_upload

INLINE_TYPES = ("image/", "application/pdf")


class StoredFile(Protocol):
    file: Any
    name: str
    content_type: str


def file_response(found: StoredFile, *, inline: bool = True) -> FileResponse:
    """A stored attachment (of a case or a motion), never cached by a shared cache. Images and
    PDFs open in the browser (``inline``), images under a policy that lets them load nothing
    else; anything else is a download. The content type is the one sniffed at upload, and the
    browser is told not to guess another. NotFound when the file is gone from storage."""
    try:
        handle = found.file.open("rb")
    except (OSError, SuspiciousFileOperation, ValidationError) as exc:
        raise NotFound from exc
    content_type = found.content_type or "application/octet-stream"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not (inline and content_type.startswith(INLINE_TYPES)),
        filename=found.name,
    )
    if content_type.startswith("image/"):
        # (Not for PDFs: the browser's PDF viewer does not run under such a policy.)
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
