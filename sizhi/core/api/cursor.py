"""Opaque cursors for keyset pages: the sort key of the last row, base64url-encoded JSON.

A cursor only says where a page starts; what a page may hold is decided by the query it is
applied to, so a cursor made up by hand can reveal nothing more than the first page.
"""

import base64
import binascii
import datetime as dt
import json

from django.utils.translation import gettext as _

from sizhi.core.api.errors import ApiError

MIN_YEAR, MAX_YEAR = 1900, 9000


def _bad_cursor() -> ApiError:
    message = _("分页游标无效，请从第一页重新开始。")
    return ApiError(400, "invalid_cursor", message, fields={"cursor": [message]})


def encode_cursor(at: dt.datetime, pk: int) -> str:
    raw = json.dumps([at.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[dt.datetime, int] | None:
    """The (time, id) a cursor stands for; None for no cursor; ApiError 400 for a bad one."""
    text = text.strip()
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        at_text, pk = json.loads(raw)
        at = dt.datetime.fromisoformat(at_text)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise _bad_cursor() from exc
    if at.tzinfo is None or isinstance(pk, bool) or not isinstance(pk, int):
        raise _bad_cursor()
    if not 0 < pk < 2**63 or not MIN_YEAR <= at.year <= MAX_YEAR:
        raise _bad_cursor()  # out of what the database can compare
    return at, pk
