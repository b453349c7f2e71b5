"""The arguments of GeoReport v2: the jurisdiction, comma-delimited lists, W3C datetimes and the
date window of GET requests. An argument that is passed empty counts as not passed."""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from sizhi.cases.open311.render import Open311Error, field_error

WINDOW = dt.timedelta(days=90)  # the longest date range, and the default one
MAX_RESULTS = 1000
MAX_IDS = 1000
MIN_YEAR, MAX_YEAR = 1900, 9000
STATUSES = ("open", "closed")
# A "+" of an offset that reached us as a space (an unencoded "+" in a query string).
SPACED_OFFSET = re.compile(r"^(\S+T[\d:.]+) (\d{2}(?::?\d{2})?)$")


def jurisdiction() -> str:
    """The one jurisdiction served: the county's code."""
    return str(settings.SIZHI_COUNTY_CODE)


def check_jurisdiction(*sources: Mapping[str, str]) -> None:
    """A jurisdiction_id, when given (in any of ``sources``), must be ours: 404 otherwise. One
    jurisdiction is served, so it may be left out."""
    for source in sources:
        given = (source.get("jurisdiction_id") or "").strip()
        if given and given != jurisdiction():
            raise Open311Error(
                404,
                _("未找到 jurisdiction_id“%(id)s”，本接口只服务“%(ours)s”。")
                % {"id": given[:40], "ours": jurisdiction()},
            )


def comma_list(value: str | None, limit: int = MAX_IDS) -> list[str]:
    """``a,b, c`` → ``["a", "b", "c"]`` (blanks and repeats dropped, at most ``limit``)."""
    items = [item.strip() for item in (value or "").split(",")]
    return list(dict.fromkeys(item for item in items if item))[:limit]


def parse_datetime(name: str, value: str) -> dt.datetime:
    """A W3C datetime with its time zone (``2026-03-01T08:00:00+08:00`` or ``…Z``); 400
    otherwise."""
    text = value.strip()
    spaced = SPACED_OFFSET.match(text)
    if spaced:
        text = f"{spaced.group(1)}+{spaced.group(2)}"
    try:
        if "T" not in text:
            raise ValueError(text)
        parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise field_error(
            400,
            [(name, _("请输入带时区的 W3C 日期时间，例如 2026-03-01T08:00:00+08:00。"))],
        )
    return parsed


@dataclass(frozen=True)
class RequestFilters:
    ids: list[str]  # when given, the other filters do not apply
    service_codes: list[str]
    statuses: list[str]
    start: dt.datetime
    end: dt.datetime


def request_filters(query: Mapping[str, str], now: dt.datetime) -> RequestFilters:
    """The filters of GET requests. Without dates, the last 90 days; with one date, the 90
    days from (or up to) it; a range longer than 90 days or ending before it starts is 400.
    An unknown status is 400; unknown ids or service codes simply match nothing."""
    ids = comma_list(query.get("service_request_id"))
    statuses = comma_list(query.get("status"))
    wrong = [status for status in statuses if status not in STATUSES]
    if wrong and not ids:
        raise field_error(400, [("status", _("status 只能是 open 或 closed，可用逗号分隔。"))])
    start_text = (query.get("start_date") or "").strip()
    end_text = (query.get("end_date") or "").strip()
    start = parse_datetime("start_date", start_text) if start_text and not ids else None
    end = parse_datetime("end_date", end_text) if end_text and not ids else None
    if start is not None and end is not None:
        if end < start:
            raise field_error(400, [("end_date", _("end_date 不能早于 start_date。"))])
        if end - start > WINDOW:
            raise field_error(400, [("end_date", _("日期范围不能超过90天。"))])
    elif start is not None:
        end = start + WINDOW
    elif end is not None:
        start = end - WINDOW
    else:
        start, end = now - WINDOW, now
    assert start is not None
    assert end is not None
    return RequestFilters(
        ids=ids,
        service_codes=comma_list(query.get("service_code")),
        statuses=statuses,
        start=start,
        end=end,
    )
