"""Deadline arithmetic over the official calendar, including holiday crossings and 调休."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sizhi.core.calendar import deadline, forget_calendar, get_calendar
from sizhi.core.workdays import WorkCalendar, compute_deadline

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)


@pytest.fixture
def calendar(db):
    forget_calendar()
    yield get_calendar()
    forget_calendar()


def test_the_seeded_calendar_knows_national_day_2026_and_its_make_up_days(calendar):
    assert calendar.is_working_day(dt.date(2026, 10, 1)) is False
    assert calendar.is_working_day(dt.date(2026, 10, 7)) is False
    assert calendar.is_working_day(dt.date(2026, 10, 10)) is True  # a Saturday, 调休
    assert calendar.is_known(dt.date(2026, 10, 1)) is True


def test_five_working_days_across_national_day_2026(calendar):
    # Tuesday 29 September: 30 Sep (1), then the holiday 1–7 Oct, then 8, 9, 10 (Sat, 调休), 12.
    due = compute_deadline(calendar, at(2026, 9, 29), 5, "working_day", TZ)
    assert due == type(due)(
        due_at=dt.datetime(2026, 10, 12, 23, 59, 59, tzinfo=TZ), provisional=False
    )


def test_working_days_skip_weekends(calendar):
    due = compute_deadline(calendar, at(2026, 11, 27), 5, "working_day", TZ)  # a Friday
    assert due.due_at.date() == dt.date(2026, 12, 4)


def test_calendar_days_do_not_count_the_start_day(calendar):
    due = compute_deadline(calendar, at(2026, 3, 2), 15, "calendar_day", TZ)
    assert due.due_at == dt.datetime(2026, 3, 17, 23, 59, 59, tzinfo=TZ)


def test_a_calendar_day_period_ending_on_a_holiday_ends_after_it(calendar):
    # 15 days from 16 September 2026 would end on 1 October, National Day.
    due = compute_deadline(calendar, at(2026, 9, 16), 15, "calendar_day", TZ)
    assert due.due_at.date() == dt.date(2026, 10, 8)


def test_hours_are_clock_hours(calendar):
    due = compute_deadline(calendar, at(2026, 10, 1, 23), 2, "hour", TZ)
    assert due.due_at == dt.datetime(2026, 10, 2, 1, 0, tzinfo=TZ)


def test_a_period_into_a_year_with_no_schedule_is_provisional(calendar):
    due = compute_deadline(calendar, at(2026, 12, 28), 5, "working_day", TZ)
    assert due.provisional is True
    assert due.due_at.date() == dt.date(2027, 1, 4)


def test_without_a_schedule_only_weekends_are_skipped():
    empty = WorkCalendar()
    assert empty.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 1)


def test_an_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unknown unit"):
        compute_deadline(WorkCalendar(), at(2026, 1, 5), 1, "fortnight", TZ)


def test_deadline_reads_the_stored_calendar(calendar):
    assert deadline(at(2026, 9, 29), 5, "working_day").due_at.date() == dt.date(2026, 10, 12)
