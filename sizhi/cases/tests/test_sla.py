"""The time limits of cases (pure): the defaults of domain-china.md §9, how overrides merge, and
how the periods count over the official calendar."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sizhi.cases.sla import CANCELS, DEFAULT_LIMITS, STARTS, STOPS, merged_limits
from sizhi.core.calendar import official_schedule
from sizhi.core.workdays import calendar_from_rows, compute_deadline

TZ = ZoneInfo("Asia/Shanghai")
LIMITS = merged_limits(None)
HOTLINE_KINDS = ["consultation", "help", "complaint", "report", "suggestion", "praise"]


@pytest.mark.parametrize("kind", HOTLINE_KINDS)
@pytest.mark.parametrize(
    ("urgency", "dispatch", "respond", "handle"),
    [
        ("extra_urgent", (1, "hour"), (1, "hour"), (2, "hour")),
        ("urgent", (2, "hour"), (2, "hour"), (24, "hour")),
        ("normal", (24, "hour"), (24, "hour"), (5, "working_day")),
    ],
)
def test_hotline_clocks_by_urgency(kind, urgency, dispatch, respond, handle):
    assert LIMITS.period(kind, "dispatch", urgency) == dispatch
    assert LIMITS.period(kind, "respond", urgency) == respond
    assert LIMITS.period(kind, "handle", urgency) == handle
    assert LIMITS.period(kind, "accept", urgency) is None
    assert LIMITS.period(kind, "review", urgency) is None


@pytest.mark.parametrize("urgency", ["extra_urgent", "urgent", "normal"])
def test_petition_clocks_are_the_same_for_every_urgency(urgency):
    assert LIMITS.period("petition", "accept", urgency) == (15, "calendar_day")
    assert LIMITS.period("petition", "handle", urgency) == (60, "calendar_day")
    assert LIMITS.period("petition", "review", urgency) == (30, "calendar_day")
    assert LIMITS.period("petition", "review_window", urgency) == (30, "calendar_day")
    assert LIMITS.period("petition", "dispatch", urgency) is None
    assert LIMITS.period("petition", "respond", urgency) is None


def test_extensions_objection_windows_and_the_other_limits():
    assert LIMITS.extension("complaint") == (5, "working_day")
    assert LIMITS.extension("petition") == (30, "calendar_day")
    assert LIMITS.objection_window("complaint") == (24, "hour")
    assert LIMITS.objection_window("petition") == (5, "working_day")
    assert LIMITS.max_extensions == 1
    assert LIMITS.max_transfers == 2
    assert LIMITS.due_soon_fraction == 0.2
    assert LIMITS.named("bad_rating_contact") == (1, "working_day")
    assert LIMITS.named("supervision") == (2, "working_day")


def test_an_override_of_one_urgency_keeps_the_others():
    limits = merged_limits({"hotline": {"handle": {"normal": (7, "calendar_day")}}})
    assert limits.period("complaint", "handle", "normal") == (7, "calendar_day")
    assert limits.period("complaint", "handle", "urgent") == (24, "hour")
    assert limits.period("complaint", "dispatch", "normal") == (24, "hour")
    assert limits.period("petition", "handle", "normal") == (60, "calendar_day")


def test_an_override_of_a_value_replaces_it_and_leaves_the_defaults_alone():
    limits = merged_limits({"max_extensions": 2, "petition": {"object": (3, "working_day")}})
    assert (limits.max_extensions, limits.objection_window("petition")) == (2, (3, "working_day"))
    assert DEFAULT_LIMITS["max_extensions"] == 1
    assert DEFAULT_LIMITS["petition"]["object"] == (5, "working_day")
    assert merged_limits(None).objection_window("petition") == (5, "working_day")


def test_which_transitions_start_stop_and_cancel_which_clocks():
    assert STARTS == {
        "received": ("dispatch", "accept"),
        "dispatch": ("respond", "handle"),
        "transfer": ("respond", "handle"),
        "reassign": ("respond", "handle"),
        "uphold": ("respond", "handle"),
        "reopen": ("handle",),
        "request_review": ("review",),
        "request_recheck": ("review",),
    }
    assert STOPS == {
        "accept": ("accept",),
        "dispatch": ("dispatch", "accept"),
        "decline": ("dispatch", "accept"),
        "contact": ("respond",),
        "reply": ("respond", "handle"),
        "issue_review": ("review",),
        "issue_recheck": ("review",),
    }
    assert CANCELS == {
        "transfer": ("respond", "handle"),
        "reassign": ("respond", "handle"),
        "object": ("respond", "handle"),
        "merge": ("dispatch", "accept", "respond", "handle"),
        "close": ("respond", "handle"),
        "terminate": ("review",),
    }


# ---------------------------------------------------------------------------------------------
# Counting over the official 2026 schedule (国庆节 and 中秋节: 1-7 October, 25 September; the
# make-up working days are Sunday 20 September and Saturday 10 October).

CALENDAR = calendar_from_rows(
    [(day, working) for day, working, _ in official_schedule(range(2026, 2027))], [2026]
)


def _due(start, value, unit):
    return compute_deadline(CALENDAR, start, value, unit, TZ)


def _at(year, month, day, hour=0, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TZ)


def test_five_working_days_across_national_day_count_the_make_up_saturday():
    due = _due(_at(2026, 9, 29, 10, 0), 5, "working_day")
    # 30 Sep, 8 Oct, 9 Oct, Saturday 10 Oct (调休), Monday 12 Oct
    assert (due.due_at, due.provisional) == (_at(2026, 10, 12, 23, 59, 59), False)


def test_a_working_day_period_skips_mid_autumn_and_counts_the_make_up_sunday():
    due = _due(_at(2026, 9, 18, 16, 0), 2, "working_day")
    # Saturday 19 is a rest day, Sunday 20 a make-up working day, Monday 21 a working day
    assert due.due_at == _at(2026, 9, 21, 23, 59, 59)


def test_fifteen_calendar_days_ending_in_the_holiday_end_on_the_next_working_day():
    due = _due(_at(2026, 9, 20, 9, 0), 15, "calendar_day")
    # 20 Sep + 15 days is 5 Oct, inside the holiday: the period ends on 8 Oct
    assert due.due_at == _at(2026, 10, 8, 23, 59, 59)


def test_sixty_calendar_days_do_not_count_the_start_day():
    assert _due(_at(2026, 8, 10, 23, 0), 60, "calendar_day").due_at == _at(2026, 10, 9, 23, 59, 59)


def test_hours_are_clock_hours_through_holidays():
    start = _at(2026, 9, 30, 23, 30)
    assert _due(start, 24, "hour").due_at == _at(2026, 10, 1, 23, 30)


def test_a_period_into_a_year_without_a_schedule_is_provisional():
    due = _due(_at(2026, 12, 1, 10, 0), 60, "calendar_day")
    # 30 Jan 2027 is a Saturday; with weekends only it ends on Monday 1 Feb
    assert (due.due_at, due.provisional) == (_at(2027, 2, 1, 23, 59, 59), True)
    assert _due(_at(2026, 12, 1, 10, 0), 5, "working_day").provisional is False
