"""Seed the official holiday schedules known to the chinese-calendar package at install time.
Later years are added by the county office (admin) or `sizhi load_calendar`."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def seed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    import chinese_calendar

    day_model = apps.get_model("core", "CalendarDay")
    year_model = apps.get_model("core", "CalendarYear")
    rows = [(d, False, n) for d, n in chinese_calendar.constants.holidays.items()]
    rows += [(d, True, n) for d, n in chinese_calendar.constants.workdays.items()]
    day_model.objects.bulk_create(
        [day_model(day=d, is_working_day=w, name=NAMES.get(str(n), str(n))) for d, w, n in sorted(rows)]
    )
    years = sorted({d.year for d, _, _ in rows})
    year_model.objects.bulk_create(
        [year_model(year=y, source="chinese-calendar") for y in range(years[0], years[-1] + 1)]
    )


def unseed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("core", "CalendarDay").objects.all().delete()
    apps.get_model("core", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_calendar")]
    operations = [migrations.RunPython(seed, unseed)]
