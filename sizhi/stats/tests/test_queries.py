"""The counts and KPI formulas over a scenario with known answers (see scenario.py)."""

import datetime as dt

import pytest

from sizhi.stats import queries
from sizhi.stats.queries import Counts, Filters, Ratio
from sizhi.stats.tests.scenario import NOW

pytestmark = pytest.mark.django_db

MARCH_APRIL = Filters(dt.date(2026, 3, 1), dt.date(2026, 4, 30))
ALL = Counts(
    received=7,
    closed=4,
    reopened=1,
    extended=1,
    terminal=3,
    handling_time=dt.timedelta(days=18, hours=15),
    respond_met=3,
    respond_due=5,
    handle_met=4,
    handle_due=6,
    answered=3,
    solved=3,
    rated=3,
    rated_good=2,
    rated_fair=1,
)
NOTHING_HANDLED = Counts(received=1)


def table(user, by, filters=MARCH_APRIL):
    return queries.kpi_table(queries.cases_for(user, filters), by, NOW)


def test_the_total_counts_of_the_county(scenario, supervisor):
    assert table(supervisor, "township").total.counts == ALL


def test_the_kpis_of_the_county(scenario, supervisor, settings):
    total = table(supervisor, "township").total
    values = {cell.kpi.key: cell.ratio for cell in total.cells}
    assert values == {
        "response": Ratio(3, 5),
        "resolution": Ratio(3, 3),
        "satisfaction": Ratio(3, 3),
        "on_time": Ratio(4, 6),
        "reopen": Ratio(1, 4),
        "extension": Ratio(1, 7),
        "terminal": Ratio(3, 4),
        "handling_days": Ratio(18.625, 4),
    }
    assert values["handling_days"].value == pytest.approx(4.65625)
    settings.SIZHI_SATISFACTION_ALPHA = 0  # 基本满意 no longer counts as satisfied
    assert queries.satisfaction_rate(total.counts) == Ratio(2, 3)
    settings.SIZHI_SATISFACTION_ALPHA = 0.5
    assert queries.satisfaction_rate(total.counts).value == pytest.approx(2.5 / 3)


def test_rows_per_township(scenario, supervisor):
    rows = {row.label: row.counts for row in table(supervisor, "township").rows}
    assert list(rows) == ["进化镇", "琊川镇"]
    assert rows["进化镇"] == Counts(**{**ALL.__dict__, "received": 6})
    assert rows["琊川镇"] == NOTHING_HANDLED


def test_rows_per_unit(scenario, supervisor, desk):
    rows = {row.key: row for row in table(supervisor, "unit").rows}
    assert [row.label for row in rows.values()] == [
        "临江村便民服务中心",
        "沙坝村便民服务中心",
        "进化镇党政办",
        "未派单",
    ]
    centre = rows[desk.village_centre.pk].counts
    assert (centre.received, centre.closed, centre.reopened, centre.extended) == (3, 2, 1, 1)
    assert (centre.respond_met, centre.respond_due, centre.handle_met, centre.handle_due) == (
        1,
        3,
        2,
        4,
    )
    # C was transferred: the township office closed it, but it is no terminal station.
    township = rows[desk.township_office.pk].counts
    assert (township.closed, township.terminal, township.answered) == (1, 0, 0)
    assert rows[None].counts == Counts(received=2)


def test_rows_per_category_and_month(scenario, supervisor, desk):
    by_category = {row.key: row for row in table(supervisor, "category").rows}
    assert by_category[desk.village_matter.pk].label == "基础设施 · 路灯"
    assert by_category[desk.village_matter.pk].counts.received == 6
    assert by_category[desk.township_matter.pk].counts == NOTHING_HANDLED
    by_month = table(supervisor, "month").rows
    assert [(row.key, row.label, row.counts.received) for row in by_month] == [
        (dt.date(2026, 3, 1), "2026年3月", 6),
        (dt.date(2026, 4, 1), "2026年4月", 1),
    ]


def test_the_period_region_and_category_filters(scenario, supervisor, desk):
    march = Filters(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert table(supervisor, "month", march).total.counts.received == 6
    last_day = Filters(dt.date(2026, 4, 1), dt.date(2026, 4, 1))
    assert table(supervisor, "month", last_day).total.counts.received == 1
    in_b = Filters(MARCH_APRIL.date_from, MARCH_APRIL.date_to, region_code="520327102")
    assert table(supervisor, "township", in_b).total.counts == NOTHING_HANDLED
    root = desk.township_matter.parent_id
    by_root = Filters(MARCH_APRIL.date_from, MARCH_APRIL.date_to, category_id=root)
    assert table(supervisor, "township", by_root).total.counts.received == 7
    by_leaf = Filters(
        MARCH_APRIL.date_from, MARCH_APRIL.date_to, category_id=desk.township_matter.pk
    )
    assert table(supervisor, "township", by_leaf).total.counts.received == 1


@pytest.mark.parametrize(
    ("persona", "received"),
    [
        ("county_admin", 7),
        ("supervisor", 7),
        ("township_cadre", 6),  # not F in township B
        ("village_cadre", 5),  # not G in the sibling village
        ("other_village_cadre", 1),  # only G
        ("convener", 0),
        ("resident", 0),
        ("anonymous", 0),
    ],
    indirect=["persona"],
)
def test_numbers_count_only_cases_in_scope(scenario, persona, received):
    assert table(persona, "township").total.counts.received == received


def test_a_handler_or_dispatcher_has_no_numbers(scenario, handler, dispatcher):
    assert queries.stats_scope(handler) == []
    assert queries.stats_scope(dispatcher) == []
    assert table(handler, "unit").rows == []


def test_the_village_cadre_sees_village_numbers_only(scenario, village_cadre):
    total = table(village_cadre, "township").total.counts
    assert (total.received, total.closed, total.answered, total.rated_good) == (5, 3, 2, 1)


@pytest.mark.parametrize(("by", "expected"), [("township", 4), ("unit", 4), ("month", 3)])
def test_a_table_takes_a_fixed_number_of_queries(
    scenario, supervisor, django_assert_num_queries, by, expected
):
    cases = queries.cases_for(supervisor, MARCH_APRIL)
    with django_assert_num_queries(expected):
        queries.kpi_table(cases, by, NOW)


def test_received_by_month_fills_empty_months(scenario, supervisor):
    period = Filters(dt.date(2026, 1, 15), dt.date(2026, 4, 30))
    cases = queries.cases_for(supervisor, period)
    assert queries.received_by_month(cases, period) == [
        (dt.date(2026, 1, 1), 0),
        (dt.date(2026, 2, 1), 0),
        (dt.date(2026, 3, 1), 6),
        (dt.date(2026, 4, 1), 1),
    ]


def test_formulas_with_nothing_to_divide_by():
    empty = Counts()
    assert all(kpi.formula(empty).value is None for kpi in queries.KPIS)


def test_months_between_crosses_the_year():
    assert queries.months_between(dt.date(2025, 11, 30), dt.date(2026, 2, 1)) == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]


def test_townships_to_pick(tree, supervisor, village_cadre, resident):
    assert [r.code for r in queries.townships_for(supervisor)] == ["520327101", "520327102"]
    assert [r.code for r in queries.townships_for(village_cadre)] == ["520327101"]
    assert queries.townships_for(resident) == []
