"""Texts written into the record are in the site's language, whoever's screen caused them."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import override


def recorded(make: Callable[..., str], *args: Any) -> str:
    """``make(*args)`` rendered in the site's default language, for storing."""
    with override(settings.LANGUAGE_CODE):
        return str(make(*args))
