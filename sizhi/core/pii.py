"""Personal data: validation, keyed hashing and server-side masking.

ID numbers are never stored in clear: a keyed hash (HMAC-SHA256) lets duplicates be matched and
the last four digits let a person confirm which card it was.
"""

import hashlib
import hmac
import re

from django.conf import settings

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_RE = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def normalise_mobile(raw: str) -> str:
    """Strip spaces, dashes and a +86 / 0086 prefix; return the 11 digits (unvalidated)."""
    value = re.sub(r"[\s\-()]", "", raw or "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(value))


def normalise_id_number(raw: str) -> str:
    return re.sub(r"\s", "", raw or "").upper()


def is_id_number(value: str) -> bool:
    """A resident ID number (GB 11643) with a correct check character."""
    if not ID_RE.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == value[17]


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def keyed_hash(value: str, purpose: str) -> str:
    key = hmac.new(settings.PII_HASH_KEY.encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def hash_id_number(value: str) -> str:
    return keyed_hash(normalise_id_number(value), "id-number")


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) == 11:
        return f"{value[:3]}****{value[-4:]}"
    return "*" * max(len(value) - 2, 1) + value[-2:]


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: keep the first character only."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_id_last4(last4: str) -> str:
    return f"{'*' * 14}{last4}" if last4 else ""


def mask_address(value: str, keep: int = 6) -> str:
    """Keep the start (the village or community), hide the rest."""
    if not value:
        return ""
    if len(value) <= keep:
        return value[0] + "*" * (len(value) - 1)
    return value[:keep] + "****"
