"""How a stored file of a motion is handed out: by the motion page and the API alike."""

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.http import FileResponse

from sizhi.core.errors import NotFound
from sizhi.deliberation.models import MotionAttachment

INLINE_TYPES = ("image/", "application/pdf")


def file_response(found: MotionAttachment, *, inline: bool = True) -> FileResponse:
    """The stored file, never cached by a shared cache. Images and PDFs open in the browser
    (``inline``), images under a policy that lets them load nothing else; anything else is a
    download. The content type is the one sniffed at upload, and the browser is told not to
    guess another. NotFound when the file is gone from storage."""
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
