"""Helpers shared by every app's actions."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from sizhi.core.errors import Invalid


def validated(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's field and constraint validation, turning errors into Invalid."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        fields = {
            key: [str(message) for message in messages]
            for key, messages in exc.message_dict.items()
        }
        raise Invalid(fields=fields) from exc


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}
