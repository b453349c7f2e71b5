"""Deadline arithmetic over the official calendar. Pure: the calendar is passed in.

Periods are counted as the law counts them (see docs/adr/0008-working-day-calendar.md):
- ``hour``: clock hours from the start;
- ``calendar_day``: the start day is not counted, and a period whose last day is not a working
  day ends on the next working day (民法典 arts. 201, 203);
- ``working_day``: statutory holidays and weekends are skipped, make-up working days (调休)
  count; the start day is not counted.
Day-counted periods end at the end of their last day, local time.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UNITS = ("hour", "calendar_day", "working_day")
END_OF_DAY = dt.time(23, 59, 59)


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays that fall on weekdays or weekends, make-up working days on weekends, and the
    years whose official schedule is loaded. A year with no schedule counts weekends only."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)
    loaded_years: frozenset[int] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_known(self, day: dt.date) -> bool:
        return day.year in self.loaded_years

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        day, left = start, count
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def add_calendar_days(self, start: dt.date, count: int) -> dt.date:
        day = start + dt.timedelta(days=count)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    # True when the period crosses a year whose holiday schedule is not loaded: the date was
    # counted with weekends only and may move once the State Council publishes the schedule.
    provisional: bool


def compute_deadline(
    calendar: WorkCalendar, start: dt.datetime, value: int, unit: str, tz: ZoneInfo
) -> Deadline:
    """When a period of ``value`` ``unit`` that starts at ``start`` (aware) ends."""
    if value < 0:
        raise ValueError("a period cannot be negative")
    if unit == "hour":
        return Deadline(due_at=start + dt.timedelta(hours=value), provisional=False)
    local_start = start.astimezone(tz).date()
    if unit == "calendar_day":
        last = calendar.add_calendar_days(local_start, value)
    elif unit == "working_day":
        last = calendar.add_working_days(local_start, value)
    else:
        raise ValueError(f"unknown unit {unit!r}")
    years = range(local_start.year, last.year + 1)
    provisional = any(year not in calendar.loaded_years for year in years)
    return Deadline(
        due_at=dt.datetime.combine(last, END_OF_DAY, tzinfo=tz), provisional=provisional
    )


def calendar_from_rows(
    rows: Iterable[tuple[dt.date, bool]], loaded_years: Iterable[int]
) -> WorkCalendar:
    """Build a calendar from (day, is_working_day) exceptions to the weekday rule."""
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for day, working in rows:
        (workdays if working else holidays).add(day)
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(loaded_years))
