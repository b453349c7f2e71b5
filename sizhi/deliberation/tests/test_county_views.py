"""The county overview of motions: who may see it, what it counts, its chart and CSV export,
bad input, the motion list it leads to, and a fixed number of queries."""

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sizhi.deliberation.models import Motion
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.orgs.tests.factories import RegionFactory, UnitFactory

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
URL = "/deliberation/county/"


def _at(month: int, year: int = YEAR) -> dt.datetime:
    return dt.datetime(year, month, 15, 10, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def motions(tree: Any) -> list[Motion]:
    """Two motions in group A1 (development in March, law in May, the law one resolved), one
    in group B1 (harmony in May), and one of last year that no page of this year counts."""
    return [
        MotionFactory.create(council=tree.council_a1, area="development", created_at=_at(3)),
        MotionFactory.create(
            council=tree.council_a1, area="law", state="resolved", created_at=_at(5)
        ),
        MotionFactory.create(council=tree.council_b1, area="harmony", created_at=_at(5)),
        MotionFactory.create(council=tree.council_b1, area="harmony", created_at=_at(5, YEAR - 1)),
    ]


def _login(client: Any, user: Any) -> Any:
    if user.is_authenticated:
        client.force_login(user)
    return client


def _csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_urls() -> None:
    assert reverse("deliberation:county") == URL
    assert reverse("deliberation:county_export", args=["township"]) == (
        "/deliberation/county/export/township.csv"
    )
    assert reverse("deliberation:county_motions") == "/deliberation/county/motions/"


@pytest.mark.parametrize(
    ("persona", "total"),
    [
        ("county_admin", 3),
        ("supervisor", 3),
        ("township_cadre", 3),
        ("village_cadre", 2),
        ("other_village_cadre", 1),
    ],
    indirect=["persona"],
)
def test_those_with_a_deliberation_grant_see_the_counts_of_their_scope(
    client: Any, motions: Any, persona: Any, total: int
) -> None:
    response = _login(client, persona).get(URL)
    assert response.status_code == 200
    assert response.context["total"].total == total
    assert f"{YEAR}年各月议题数（共{total}个）" in response.content.decode()


@pytest.mark.parametrize("persona", ["resident"], indirect=True)
def test_a_resident_finds_nothing(client: Any, motions: Any, persona: Any) -> None:
    client = _login(client, persona)
    assert client.get(URL).status_code == 404
    assert client.get("/deliberation/county/export/township.csv").status_code == 404
    assert client.get("/deliberation/county/motions/").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client: Any, motions: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_tables_count_by_month_state_and_township_in_five_areas(
    client: Any, motions: Any, county_admin: Any
) -> None:
    response = _login(client, county_admin).get(URL, {"year": YEAR})
    context = response.context
    march, may = context["months"][2], context["months"][4]
    assert (march.label, march.counts, march.total) == ("3月", [1, 0, 0, 0, 0], 1)
    assert (may.label, may.counts, may.total) == ("5月", [0, 1, 0, 0, 1], 2)
    assert [(row.key, row.counts) for row in context["states"]] == [
        ("proposed", [1, 0, 0, 0, 1]),
        ("resolved", [0, 1, 0, 0, 0]),
    ]
    assert [(row.key, row.label, row.counts, row.total) for row in context["townships"]] == [
        ("520327101", "进化镇", [1, 1, 0, 0, 1], 3)
    ]
    assert (context["total"].counts, context["total"].total) == ([1, 1, 0, 0, 1], 3)
    html = response.content.decode()
    for area in ("发展", "法律", "道德", "风气", "和谐"):
        assert f'<th scope="col" class="num">{area}</th>' in html


def test_last_year_is_counted_when_chosen(client: Any, motions: Any, county_admin: Any) -> None:
    response = _login(client, county_admin).get(URL, {"year": YEAR - 1})
    assert response.context["total"].counts == [0, 0, 0, 0, 1]


def test_the_chart_is_inline_svg_described_in_words(
    client: Any, motions: Any, county_admin: Any
) -> None:
    html = _login(client, county_admin).get(URL).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert '<title id="chart-areas-title">各月议题数（按领域）</title>' in html
    assert '<desc id="chart-areas-desc">3月 发展1；5月 法律1，和谐1</desc>' in html
    assert "<title>5月 · 和谐：1</title>" in html
    assert "<script" not in html


def test_the_township_filter_narrows_the_counts(
    client: Any, motions: Any, county_admin: Any, tree: Any
) -> None:
    client = _login(client, county_admin)
    response = client.get(URL, {"township": tree.township_a.code})
    assert response.context["total"].total == 3
    response = client.get(URL, {"township": tree.township_b.code})
    assert response.context["total"].total == 0
    assert "本年度没有议题。" in response.content.decode()


def test_a_village_cadre_is_offered_no_township_beyond_their_scope(
    client: Any, motions: Any, village_cadre: Any, tree: Any
) -> None:
    response = _login(client, village_cadre).get(URL, {"township": tree.township_a.code})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["township"]
    assert response.context["form"].fields["township"].choices == [("", "全部乡镇")]


@pytest.mark.parametrize("query", [{"year": "1990"}, {"year": "abc"}, {"township": "52"}])
def test_bad_filters_are_refused_with_the_form_again(
    client: Any, motions: Any, county_admin: Any, query: dict[str, str]
) -> None:
    response = _login(client, county_admin).get(URL, query)
    assert response.status_code == 400
    assert "overview" not in response.context
    assert set(response.context["form"].errors) == set(query)
    assert 'role="alert"' in response.content.decode()


def test_the_csv_export_streams_the_township_table(
    client: Any, motions: Any, county_admin: Any
) -> None:
    response = _login(client, county_admin).get(
        "/deliberation/county/export/township.csv", {"year": YEAR}
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="motions-township-{YEAR}.csv"'
    )
    assert _csv(response) == [
        ["区划代码", "乡镇", "发展", "法律", "道德", "风气", "和谐", "合计"],
        ["520327101", "进化镇", "1", "1", "0", "0", "1", "3"],
        ["", "合计", "1", "1", "0", "0", "1", "3"],
    ]


def test_the_csv_export_of_months_and_states(client: Any, motions: Any, county_admin: Any) -> None:
    client = _login(client, county_admin)
    months = _csv(client.get("/deliberation/county/export/month.csv"))
    assert months[0] == ["月份", "发展", "法律", "道德", "风气", "和谐", "合计"]
    assert len(months) == 14
    assert months[5] == ["5月", "0", "1", "0", "0", "1", "2"]
    assert months[-1] == ["合计", "1", "1", "0", "0", "1", "3"]
    states = _csv(client.get("/deliberation/county/export/state.csv"))
    assert states == [
        ["状态", "发展", "法律", "道德", "风气", "和谐", "合计"],
        ["已提议", "1", "0", "0", "0", "1", "2"],
        ["已决议", "0", "1", "0", "0", "0", "1"],
        ["合计", "1", "1", "0", "0", "1", "3"],
    ]


def test_the_export_of_an_unknown_table_is_not_found(client: Any, county_admin: Any) -> None:
    client = _login(client, county_admin)
    assert client.get("/deliberation/county/export/people.csv").status_code == 404
    assert client.get("/deliberation/county/export/township.csv", {"year": "x"}).status_code == 400


def test_a_region_name_that_looks_like_a_formula_is_quoted_in_the_csv(
    client: Any, tree: Any, county_admin: Any
) -> None:
    township = RegionFactory.create(code="520327103", name="=HYPERLINK(1)")
    village = RegionFactory.create(code="520327103201")
    group = RegionFactory.create(code="520327103201001")
    assert village.parent == township
    MotionFactory.create(council=UnitFactory.create(region=group), created_at=_at(2))
    rows = _csv(_login(client, county_admin).get("/deliberation/county/export/township.csv"))
    assert rows[1][:2] == ["520327103", "'=HYPERLINK(1)"]


def _many(tree: Any, n: int) -> None:
    areas = ["development", "law", "morality", "customs", "harmony"]
    for i in range(n):
        council = tree.council_a1 if i % 2 else tree.council_b1
        MotionFactory.create(council=council, area=areas[i % 5], created_at=_at(i % 12 + 1))


@pytest.mark.parametrize("n", [3, 30])
def test_the_overview_runs_a_fixed_number_of_queries(
    client: Any, tree: Any, county_admin: Any, django_assert_num_queries: Any, n: int
) -> None:
    _many(tree, n)
    client = _login(client, county_admin)
    # Session, user, grants, the filter's townships, the overview's four, and the page frame's
    # county name and role labels; the export has no frame.
    with django_assert_num_queries(10):
        response = client.get(URL)
    assert response.context["total"].total == n
    with django_assert_num_queries(8):
        rows = _csv(client.get("/deliberation/county/export/month.csv"))
    assert rows[-1][-1] == str(n)


def test_the_motion_list_filters_by_state_area_and_place(
    client: Any, motions: Any, county_admin: Any, village_cadre: Any, tree: Any
) -> None:
    url = "/deliberation/county/motions/"
    client = _login(client, county_admin)
    rows = client.get(url).context["motions"]
    assert [m.pk for m in rows] == [m.pk for m in reversed(motions)]
    rows = client.get(url, {"state": "resolved"}).context["motions"]
    assert [m.pk for m in rows] == [motions[1].pk]
    rows = client.get(url, {"area": "harmony", "region": tree.group_b1.code}).context["motions"]
    assert [m.pk for m in rows] == [motions[3].pk, motions[2].pk]
    html = client.get(url).content.decode()
    assert f'href="/deliberation/motions/{motions[0].pk}/"' in html
    assert client.get(url, {"region": "12"}).status_code == 400
    client.force_login(village_cadre)
    rows = client.get(url).context["motions"]
    assert [m.pk for m in rows] == [motions[1].pk, motions[0].pk]
