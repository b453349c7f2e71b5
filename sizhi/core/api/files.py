"""What the file endpoints of the API share: the types a download may have (for the OpenAPI
document), and the answer to a refused upload."""

from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from sizhi.core.api.errors import ApiError
from sizhi.core.errors import Invalid
from sizhi.core.files import SIGNATURES, upload_problem

MAX_FILES = 5  # in one upload, on every channel
FILE_DESCRIPTION = (
    f"Up to {MAX_FILES} images (JPEG, PNG, GIF, WebP) or PDFs, repeated under this name; each "
    "is checked by its content."
)
FILE_TYPES = sorted({content_type for _parts, content_type in SIGNATURES})
# The 200 answer of a download operation, for its ``openapi_extra``.
DOWNLOAD_RESPONSES: dict[str, Any] = {
    "responses": {
        200: {
            "description": "The file, as a download.",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in FILE_TYPES
            },
        }
    }
}
# The statuses of a refused file, beyond the 400 of any other bad input.
FILE_STATUSES = {
    "too_large": (413, "too_large"),
    "unsupported_type": (415, "unsupported_media_type"),
}


def upload_refusal(uploads: Sequence[UploadedFile], error: Invalid, field: str) -> Exception:
    """The answer to an upload the action refused: a file too large (413) or of a type not
    taken (415) gets its own status; every other problem is the action's 400, with the
    problems of the action's ``field`` under ``file``, the name the API takes files by."""
    problems = [problem for upload in uploads if (problem := upload_problem(upload))]
    for code, (status, error_code) in FILE_STATUSES.items():
        messages = [message for found, message in problems if found == code]
        if messages:
            return ApiError(status, error_code, messages[0], fields={"file": messages})
    fields = {("file" if name == field else name): list(m) for name, m in error.fields.items()}
    return Invalid(error.message, fields=fields)
