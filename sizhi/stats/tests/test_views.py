"""The numbers page and its exports: who may see them, what they show, bad input, a fixed
number of queries, masked contacts, and exports in constant memory."""

import csv
import gc
import io
import re
import tracemalloc

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from sizhi.cases.models import Case
from sizhi.cases.tests.factories import CaseFactory
from sizhi.orgs.models import Region
from sizhi.stats import exports, views

pytestmark = [pytest.mark.django_db, pytest.mark.urls("sizhi.stats.tests.urls")]

PERIOD = {"date_from": "2026-03-01", "date_to": "2026-04-30"}
ALLOWED = ["county_admin", "supervisor", "township_cadre", "village_cadre", "other_village_cadre"]
REFUSED = ["convener", "resident"]


def login(client, user):
    if user.is_authenticated:
        client.force_login(user)
    return client


def body(response):
    if isinstance(response, StreamingHttpResponse) or response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response):
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_urls():
    assert reverse("stats:cases") == "/stats/cases/"
    assert reverse("stats:cases-export", args=["cases", "csv"]) == "/stats/cases/export/cases.csv"
    assert reverse("stats:cases-export", args=["kpi", "xlsx"]) == "/stats/cases/export/kpi.xlsx"


@pytest.mark.parametrize(
    ("persona", "received"),
    [
        ("county_admin", 7),
        ("supervisor", 7),
        ("township_cadre", 6),
        ("village_cadre", 5),
        ("other_village_cadre", 1),
    ],
    indirect=["persona"],
)
def test_those_in_scope_see_their_numbers(client, scenario, persona, received):
    response = login(client, persona).get("/stats/cases/", PERIOD)
    assert response.status_code == 200
    assert response.context["table"].total.counts.received == received
    html = response.content.decode()
    assert "诉求统计" in html
    assert re.search(rf"<dt>受理量</dt>\s*<dd>\s*{received}\s*</dd>", html)


@pytest.mark.parametrize("persona", REFUSED, indirect=True)
def test_others_get_not_found(client, scenario, persona):
    client = login(client, persona)
    assert client.get("/stats/cases/", PERIOD).status_code == 404
    assert client.get("/stats/cases/export/cases.csv", PERIOD).status_code == 404
    assert client.get("/stats/cases/export/kpi.xlsx", PERIOD).status_code == 404


def test_desk_roles_without_a_statistics_grant_get_not_found(
    client, scenario, handler, dispatcher, operator
):
    for user in (handler, dispatcher, operator):
        client.force_login(user)
        assert client.get("/stats/cases/").status_code == 404
        assert client.get("/stats/cases/export/cases.csv").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, scenario):
    for url in ("/stats/cases/", "/stats/cases/export/cases.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_page_shows_charts_with_text_alternatives_and_tables(client, scenario, supervisor):
    html = login(client, supervisor).get("/stats/cases/", PERIOD).content.decode()
    assert html.count('role="img"') == 2
    assert '<title id="chart-monthly-title">每月受理量</title>' in html
    assert '<desc id="chart-monthly-desc">2026年3月 6；2026年4月 1</desc>' in html
    assert 'aria-labelledby="chart-townships-title chart-townships-desc"' in html
    assert "进化镇 响应率 60.0%，解决率 100.0%，满意率 100.0%，按时办结率 66.7%" in html
    assert "<summary>以表格查看</summary>" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in html
    # The table: a rate with its absolute numbers, the total row, the definitions.
    assert '60.0% <span class="stats-parts">3/5</span>' in html
    assert '<th scope="row">合计</th>' in html
    assert "时限内首次联系群众的工单 ÷ 应响应的工单" in html


@pytest.mark.parametrize("by", ["township", "unit", "category", "month"])
def test_every_grouping_renders(client, scenario, supervisor, by):
    response = login(client, supervisor).get("/stats/cases/", {**PERIOD, "by": by})
    assert response.status_code == 200
    assert response.context["table"].by == by


def test_defaults_are_the_last_twelve_months_by_township(client, tree, supervisor):
    response = login(client, supervisor).get("/stats/cases/")
    assert response.status_code == 200
    filters = response.context["filters"]
    assert filters.date_from.day == 1
    assert (filters.date_to - filters.date_from).days < 366
    assert response.context["by"] == "township"
    assert "所选期间没有诉求。" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-13-01"}, "输入一个有效的日期。"),
        ({"date_from": "2026-04-01", "date_to": "2026-03-01"}, "结束日期不能早于开始日期。"),
        ({"date_from": "2020-01-01", "date_to": "2026-01-01"}, "统计期间不能超过三年。"),
        ({"by": "person"}, "选择一个有效的选项"),
        ({"township": "520327103"}, "选择一个有效的选项"),
        ({"category": "x"}, "选择一个有效的选项"),
    ],
)
def test_bad_filters_get_a_clear_error(client, scenario, supervisor, params, message):
    client = login(client, supervisor)
    response = client.get("/stats/cases/", params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "table" not in response.context
    assert client.get("/stats/cases/export/cases.csv", params).status_code == 400


def test_a_township_of_another_scope_is_refused(client, scenario, village_cadre):
    params = {**PERIOD, "township": "520327102"}
    assert login(client, village_cadre).get("/stats/cases/", params).status_code == 400


def _page_queries(client, params):
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/stats/cases/", params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("by", ["township", "unit"])
def test_the_page_runs_a_fixed_number_of_queries(client, scenario, supervisor, desk, by):
    client = login(client, supervisor)
    params = {**PERIOD, "by": by}
    before = _page_queries(client, params)
    region = Region.objects.get(code="520327101202001")
    CaseFactory.create_batch(30, region=region, category=desk.township_matter)
    CaseFactory.create_batch(5, region=Region.objects.get(code="520327102"))
    assert _page_queries(client, params) == before


def test_the_case_list_csv_streams_masked_contacts(client, scenario, village_cadre):
    response = login(client, village_cadre).get("/stats/cases/export/cases.csv", PERIOD)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="cases-20260301-20260430.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    header, data = rows[0], rows[1:]
    assert header[:3] == ["编号", "登记时间", "诉求类型"]
    assert header[-2:] == ["联系人", "联系电话"]
    # Newest first; A to D came in at the same minute, so by id, the last filed first.
    assert [row[7] for row in data] == ["诉求E", "诉求D", "诉求C", "诉求B", "诉求A"]
    first = dict(zip(header, data[0], strict=True))
    assert first["登记时间"] == "2026-04-01 10:00"
    assert first["状态"] == "已登记"
    assert first["联系人"] == "张*"
    assert first["联系电话"].startswith("137****")
    assert all("13700" not in value for row in data for value in row)


def test_anonymous_and_confidential_contacts_are_left_out_and_formulas_defused(
    client, tree, supervisor, desk
):
    region = Region.objects.get(code="520327101201001")
    common = {"region": region, "category": desk.village_matter, "contact_name": "王五"}
    CaseFactory.create(title="=HYPERLINK(1)", is_anonymous=True, contact_phone="", **common)
    CaseFactory.create(title="保密件", is_confidential=True, **common)
    CaseFactory.create(title="检举件", kind="petition", petition_class="accusation", **common)
    response = login(client, supervisor).get("/stats/cases/export/cases.csv")
    rows = {row[7]: row[-2:] for row in csv_rows(response)[1:]}
    assert rows == {
        "'=HYPERLINK(1)": ["匿名", ""],
        "保密件": ["保密", ""],
        "检举件": ["保密", ""],
    }


def test_the_case_list_xlsx(client, scenario, supervisor):
    response = login(client, supervisor).get("/stats/cases/export/cases.xlsx", PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号"
    assert len(rows) == 1 + 7
    assert {row[7] for row in rows[1:]} == {f"诉求{name}" for name in "ABCDEFG"}


def test_the_kpi_exports(client, scenario, supervisor):
    client = login(client, supervisor)
    rows = csv_rows(client.get("/stats/cases/export/kpi.csv", {**PERIOD, "by": "township"}))
    header = rows[0]
    assert header[:6] == ["乡镇", "受理量", "办结量", "响应率(%)", "响应率·分子", "响应率·分母"]
    lines = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(lines) == ["进化镇", "琊川镇", "合计"]
    total = lines["合计"]
    assert (total["受理量"], total["响应率(%)"], total["响应率·分子"], total["响应率·分母"]) == (
        "7",
        "60.0",
        "3",
        "5",
    )
    assert total["平均办理时长（天）"] == "4.7"
    assert lines["琊川镇"]["解决率(%)"] == ""
    response = client.get("/stats/cases/export/kpi.xlsx", {**PERIOD, "by": "month"})
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == [
        "月份",
        "2026年3月",
        "2026年4月",
        "合计",
    ]


def _many_cases(desk, count):
    region = Region.objects.get(code="520327101201001")
    Case.objects.bulk_create(
        CaseFactory.build_batch(
            count,
            region=region,
            category=desk.village_matter,
            contact_name="张三",
            title="路灯不亮，晚上出行很不方便",
        ),
        batch_size=2000,
    )


def _peak_bytes(client, url):
    gc.collect()
    tracemalloc.start()
    try:
        response = client.get(url)
        size = 0
        for chunk in response.streaming_content:  # the test client closes it at the end
            size += len(chunk)
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("fmt", "rows"), [("csv", 2_000), ("xlsx", 600)])
def test_exports_run_in_constant_memory(client, tree, supervisor, desk, monkeypatch, fmt, rows):
    """Ten times the rows, about the same peak memory: nothing holds the whole list.

    What is held is bounded by other things: up to two chunks of rows from the database (the
    one being written and the one being fetched) and, for a workbook, its spool (up to 1 MiB
    before it goes to disk). Both are made small here so that they fill up at both sizes and
    the comparison is of what grows with the rows."""
    monkeypatch.setattr(exports, "CHUNK_ROWS", 200)
    monkeypatch.setattr(views, "SPOOL_BYTES", 16 * 1024)
    client = login(client, supervisor)
    url = f"/stats/cases/export/cases.{fmt}"
    client.get(url)  # imports, translations and grants loaded before measuring
    _many_cases(desk, rows)
    small, small_size = _peak_bytes(client, url)
    _many_cases(desk, rows * 9)
    large, large_size = _peak_bytes(client, url)
    assert large_size > 8 * small_size
    assert large < small * 1.25 + 256 * 1024, (small, large)
