"""What a case attachment may be: an image or a PDF, checked by its content, within a size."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
)


def sniff(head: bytes) -> str | None:
    for signature, offset, content_type in SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return content_type
    return None


def check_upload(upload: UploadedFile) -> str | None:
    """A translated problem with the file, or None when it is acceptable. The declared content
    type is not trusted: the first bytes decide, and the stored type is set from them."""
    size = upload.size or 0
    if size == 0:
        return _("文件 %(name)s 是空的。") % {"name": upload.name}
    if size > settings.SIZHI_MAX_ATTACHMENT_BYTES:
        return _("文件 %(name)s 超过 %(mb)d MB。") % {
            "name": upload.name,
            "mb": settings.SIZHI_MAX_ATTACHMENT_BYTES // (1024 * 1024),
        }
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        return _("文件 %(name)s 不是图片或 PDF。") % {"name": upload.name}
    upload.content_type = content_type
    return None
