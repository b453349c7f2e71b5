"""Storing the files of a motion: its documents and the photos of its progress."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from sizhi.core.files import check_image_or_pdf
from sizhi.deliberation.models import Motion, MotionAttachment

MAX_FILES = 5


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
