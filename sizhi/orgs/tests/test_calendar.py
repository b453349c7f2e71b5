import datetime as dt
import io

import pytest
from django.core.management import call_command

from sizhi.core.calendar import deadline, forget_calendar
from sizhi.core.errors import Invalid, NotAllowed
from sizhi.core.models import AuditLog, CalendarDay, CalendarYear
from sizhi.orgs import actions

pytestmark = pytest.mark.django_db

ALL = ("county_admin", "supervisor", "township_cadre", "village_cadre",
       "other_village_cadre", "convener", "resident", "anonymous")  # fmt: skip
NEW_YEAR_2027 = dt.date(2027, 1, 1)


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_set_calendar_day_permission(persona, request):
    if request.node.callspec.params["persona"] == "county_admin":
        actions.set_calendar_day(
            day=NEW_YEAR_2027, is_working_day=False, name="元旦", actor=persona
        )
        assert CalendarDay.objects.get(day=NEW_YEAR_2027).name == "元旦"
        assert CalendarYear.objects.get(year=2027).source == "manual"
        assert AuditLog.objects.get(action="calendar.set_day").region_code == "520327"
    else:
        with pytest.raises(NotAllowed):
            actions.set_calendar_day(
                day=NEW_YEAR_2027, is_working_day=False, name="元旦", actor=persona
            )
        assert CalendarDay.objects.filter(day=NEW_YEAR_2027).count() == 0
        assert AuditLog.objects.count() == 0


def test_a_day_needs_a_name(county_admin):
    with pytest.raises(Invalid):
        actions.set_calendar_day(
            day=NEW_YEAR_2027, is_working_day=False, name=" ", actor=county_admin
        )
    assert CalendarYear.objects.filter(year=2027).count() == 0


def test_a_hand_entered_year_makes_its_deadlines_firm(county_admin):
    start = dt.datetime(2026, 12, 28, 10, tzinfo=dt.UTC)
    forget_calendar()
    assert deadline(start, 5, "working_day").provisional is True
    with pytest.MonkeyPatch.context():
        actions.set_calendar_day(
            day=NEW_YEAR_2027, is_working_day=False, name="元旦", actor=county_admin
        )
    forget_calendar()
    due = deadline(start, 5, "working_day")
    assert (due.due_at.date(), due.provisional) == (dt.date(2027, 1, 5), False)
    forget_calendar()


def test_reloading_the_package_keeps_hand_edited_years(county_admin):
    actions.set_calendar_day(
        day=dt.date(2026, 12, 31), is_working_day=False, name="县庆", actor=county_admin
    )
    out = io.StringIO()
    call_command("load_calendar", stdout=out)
    assert out.getvalue().startswith("已载入 ")
    assert CalendarDay.objects.get(day=dt.date(2026, 12, 31)).name == "县庆"
    assert CalendarDay.objects.get(day=dt.date(2025, 10, 1)).name == "国庆节"
    assert AuditLog.objects.filter(action="calendar.load").count() == 1
