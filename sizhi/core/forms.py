"""Form pieces every app's forms share."""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

# What the upload check (core/files.py) accepts, as a hint to the browser's file picker.
ACCEPTED_FILES = "image/jpeg,image/png,image/gif,image/webp,application/pdf"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"accept": ACCEPTED_FILES, **(attrs or {})})


class MultipleFileField(forms.FileField):
    """Several files under one name. Each is checked by the action that stores it (by its
    content, not its name), so that every channel refuses the same files."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [upload for upload in files if isinstance(upload, UploadedFile)]
