"""The official calendar as stored in the database, and deadlines computed over it."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

from sizhi.core.models import CalendarDay, CalendarYear
from sizhi.core.workdays import Deadline, WorkCalendar, calendar_from_rows, compute_deadline

CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
_CACHE_SECONDS = 60.0
_cache: tuple[float, WorkCalendar] | None = None


def get_calendar() -> WorkCalendar:
    """The stored calendar, cached in this process for a minute (edits call forget_calendar)."""
    global _cache
    now = time.monotonic()
    if _cache is None or now - _cache[0] > _CACHE_SECONDS:
        rows = CalendarDay.objects.values_list("day", "is_working_day")
        years = CalendarYear.objects.values_list("year", flat=True)
        _cache = (now, calendar_from_rows(rows, years))
    return _cache[1]


def forget_calendar() -> None:
    global _cache
    _cache = None


def deadline(start: dt.datetime, value: int, unit: str) -> Deadline:
    return compute_deadline(get_calendar(), start, value, unit, ZoneInfo(settings.TIME_ZONE))


def official_schedule(years: range) -> list[tuple[dt.date, bool, str]]:
    """Holidays and make-up working days from the chinese-calendar package, for the years it
    knows: (day, is_working_day, name)."""
    rows: list[tuple[dt.date, bool, str]] = []
    for day, name in chinese_calendar.constants.holidays.items():
        if day.year in years:
            rows.append((day, False, CHINESE_NAMES.get(str(name), str(name))))
    for day, name in chinese_calendar.constants.workdays.items():
        if day.year in years:
            rows.append((day, True, CHINESE_NAMES.get(str(name), str(name))))
    return sorted(rows)


def package_years() -> range:
    known = [d.year for d in chinese_calendar.constants.holidays]
    return range(min(known), max(known) + 1)
