"""Translated messages for the schema errors of the JSON API (pydantic's own are English)."""

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CHOOSE = _("请选择有效的选项。")
INTEGER = _("请输入整数。")
NUMBER = _("请输入数字。")
BOOLEAN = _("请输入 true 或 false。")
DATETIME = _("请输入 ISO 8601 格式的日期时间，例如 2026-03-01T08:00:00+08:00。")
OBJECT = _("请提供 JSON 对象。")
DATE = _("请输入有效的日期。")

# pydantic error type → message; %-placeholders take the error's context.
MESSAGES: Mapping[str, Promise] = {
    "missing": _("此项必填。"),
    "string_type": _("请输入文本。"),
    "string_too_long": _("不能超过%(max_length)s个字符。"),
    "string_too_short": _("至少需要%(min_length)s个字符。"),
    "string_pattern_mismatch": _("格式不正确。"),
    "int_type": INTEGER,
    "int_parsing": INTEGER,
    "int_from_float": INTEGER,
    "float_type": NUMBER,
    "float_parsing": NUMBER,
    "decimal_type": NUMBER,
    "decimal_parsing": NUMBER,
    "finite_number": NUMBER,
    "decimal_max_places": _("最多保留%(decimal_places)s位小数。"),
    "bool_type": BOOLEAN,
    "bool_parsing": BOOLEAN,
    "enum": CHOOSE,
    "literal_error": CHOOSE,
    "datetime_type": DATETIME,
    "datetime_parsing": DATETIME,
    "datetime_from_date_parsing": DATETIME,
    "date_type": DATE,
    "date_parsing": DATE,
    "date_from_datetime_parsing": DATE,
    "date_from_datetime_inexact": DATE,
    "greater_than_equal": _("不能小于%(ge)s。"),
    "less_than_equal": _("不能大于%(le)s。"),
    "greater_than": _("须大于%(gt)s。"),
    "less_than": _("须小于%(lt)s。"),
    "too_long": _("最多%(max_length)s项。"),
    "list_type": _("请提供 JSON 数组。"),
    "model_type": OBJECT,
    "model_attributes_type": OBJECT,
    "dict_type": OBJECT,
    "extra_forbidden": _("不接受此字段。"),
}
FALLBACK = _("输入有误。")


def field_message(error: Mapping[str, Any]) -> str:
    """The translated message of one pydantic error."""
    message = MESSAGES.get(str(error.get("type", "")), FALLBACK)
    context = error.get("ctx") or {}
    try:
        return str(message) % context if "%(" in str(message) else str(message)
    except (KeyError, TypeError, ValueError):
        return str(FALLBACK)
