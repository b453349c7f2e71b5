"""Full-text search of cases: Chinese words, traditional and simplified, AND, scope, filters,
bad input, a fixed number of queries, and the index on both databases (the bigram matching
itself: test_search_bigrams.py)."""

import itertools

import pytest
from django.db import connection
from django.utils import timezone

from sizhi.cases import actions, queries, search
from sizhi.cases.models import Case
from sizhi.cases.search import search_cases
from sizhi.cases.tests.factories import CaseFactory
from sizhi.core.text import QueryTerms, search_terms
from sizhi.orgs.models import Region

pytestmark = pytest.mark.django_db

GROUP_A1 = "520327101201001"
GROUP_B1 = "520327101202001"
_phones = itertools.count(13900000001)


def _file(desk, operator, title, description, region_code=GROUP_A1, category=None):
    """A case filed at the hotline, through the intake action (which fills search_text)."""
    return actions.submit_case(
        channel="hotline",
        kind="complaint",
        category_id=(category or desk.village_matter).pk,
        title=title,
        description=description,
        region_code=region_code,
        contact_phone=str(next(_phones)),
        actor=operator,
    ).case


def _numbers(cases):
    return sorted(case.number for case in cases)


@pytest.fixture
def lamp(desk, operator):
    return _file(desk, operator, "路灯不亮", "临江村一组路口的路灯坏了一个月。")


@pytest.fixture
def water(desk, operator):
    return _file(desk, operator, "停水", "自来水停水三天，水管破裂漏水严重。")


@pytest.fixture
def sibling_lamp(desk, operator):
    return _file(desk, operator, "路灯不亮", "沙坝村一组的路灯坏了。", region_code=GROUP_B1)


def test_the_search_text_is_the_bigrams_of_the_simplified_text(lamp):
    assert lamp.search_text == (
        "路灯 灯不 不亮 亮 临江 江村 村一 一组 组路 路口 口的 的路 灯坏 坏了 了一 一个 个月 月"
    )


@pytest.mark.parametrize("text", ["臨江", "临江", "臨江村", "路燈", "路口", "路灯", "一个月"])
def test_traditional_and_simplified_words_and_words_inside_phrases_find_the_case(
    supervisor, lamp, water, text
):
    found = search_cases(Case.objects.visible_to(supervisor), text)
    assert _numbers(found) == [lamp.number]


def test_every_word_must_match(supervisor, desk, operator, lamp, water):
    both = _file(desk, operator, "路灯和停水", "路灯坏了，也停水了。")
    visible = Case.objects.visible_to(supervisor)
    assert _numbers(search_cases(visible, "路灯 停水")) == [both.number]
    assert _numbers(search_cases(visible, "停水")) == sorted([water.number, both.number])
    assert list(search_cases(visible, "路灯 水库")) == []


def test_a_reply_is_searchable_once_given(supervisor, dispatcher, handler, lamp):
    visible = Case.objects.visible_to(supervisor)
    assert list(search_cases(visible, "灯泡")) == []
    actions.dispatch_case(case_id=lamp.pk, unit_id=None, actor=dispatcher)
    actions.sign_for_case(case_id=lamp.pk, actor=handler)
    actions.reply_to_case(case_id=lamp.pk, text="已更換燈泡，恢復照明。", actor=handler)
    assert _numbers(search_cases(visible, "灯泡")) == [lamp.number]
    assert _numbers(search_cases(visible, "燈泡 照明")) == [lamp.number]
    # The title and the description stay searchable.
    assert _numbers(search_cases(visible, "路口")) == [lamp.number]


def test_a_deleted_case_leaves_the_index(supervisor, lamp):
    visible = Case.objects.visible_to(supervisor)
    Case.objects.filter(pk=lamp.pk).delete()
    assert list(search_cases(visible, "路灯")) == []


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("county_admin", {"lamp", "sibling_lamp"}),
        ("supervisor", {"lamp", "sibling_lamp"}),
        ("township_cadre", {"lamp", "sibling_lamp"}),
        ("village_cadre", {"lamp"}),
        ("other_village_cadre", {"sibling_lamp"}),
        ("convener", set()),
        ("resident", set()),
        ("anonymous", set()),
    ],
    indirect=["persona"],
)
def test_search_is_scoped_by_visible_to(persona, expected, lamp, sibling_lamp, water):
    by_number = {lamp.number: "lamp", sibling_lamp.number: "sibling_lamp"}
    found = search_cases(Case.objects.visible_to(persona), "路灯")
    assert {by_number[case.number] for case in found} == expected


def test_a_handler_finds_only_the_cases_of_their_unit(
    desk, dispatcher, handler, sibling_handler, lamp, sibling_lamp
):
    for case in (lamp, sibling_lamp):
        actions.dispatch_case(case_id=case.pk, unit_id=None, actor=dispatcher)
    assert _numbers(search_cases(Case.objects.visible_to(handler), "路灯")) == [lamp.number]
    assert _numbers(search_cases(Case.objects.visible_to(sibling_handler), "路灯")) == [
        sibling_lamp.number
    ]


def test_search_combines_with_the_queue_filters_and_keeps_their_order(
    desk, operator, dispatcher, supervisor, lamp, water, sibling_lamp
):
    road = _file(desk, operator, "路灯", "道路旁的路灯不亮", category=desk.township_matter)
    actions.dispatch_case(case_id=lamp.pk, unit_id=None, actor=dispatcher)
    now = lamp.received_at
    assigned = queries.queue_for(supervisor, queries.QueueFilters(state="assigned"), now)
    assert _numbers(search_cases(assigned, "路灯")) == [lamp.number]
    by_category = queries.QueueFilters(category_id=desk.township_matter.pk)
    assert _numbers(search_cases(queries.queue_for(supervisor, by_category, now), "路灯")) == [
        road.number
    ]
    in_village_a = queries.QueueFilters(region_code="520327101201")
    found = search_cases(queries.queue_for(supervisor, in_village_a, now), "路灯")
    assert [case.number for case in found] == [road.number, lamp.number]  # newest first


def test_keyset_pages_of_a_search(supervisor, desk):
    region = Region.objects.get(code=GROUP_A1)
    CaseFactory.create_batch(
        queries.PAGE_SIZE + 5,
        region=region,
        category=desk.village_matter,
        search_text=" ".join(search_terms("水管破裂")),
    )
    cases = search_cases(
        queries.queue_for(supervisor, queries.QueueFilters(), timezone.now()), "水管"
    )
    first = queries.after(cases, None)
    last = first[-1]
    second = queries.after(cases, (last.received_at, last.pk))
    assert (len(first), len(second)) == (queries.PAGE_SIZE, 5)
    assert not {c.pk for c in first} & {c.pk for c in second}


BAD_INPUT = [
    "",
    "   ",
    "（）！？。，",
    '"',
    "'",
    '"路灯',
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "路灯 OR 停水",
    "路灯 AND NOT 停水",
    "NEAR(路灯 停水, 2)",
    "*",
    "路灯*",
    "-路灯",
    "- 路灯 -",
    "(",
    ")",
    "(路灯)",
    "search_text:路灯",
    "{search_text}:路灯",
    "^路灯",
    "路灯 & 停水 | !水管 <-> 路口:*",
    "'; DROP TABLE cases_case; --",
    "\\",
    "%_%",
    "\x00",
    "路" * 5000,
]


@pytest.mark.parametrize("text", BAD_INPUT)
def test_bad_input_gives_an_answer_and_no_error(supervisor, lamp, water, text):
    visible = Case.objects.visible_to(supervisor)
    found = list(search_cases(visible, text))
    if not search.query_terms(text):
        assert _numbers(found) == _numbers(visible)  # no word: the list as it was
    else:
        assert set(_numbers(found)) <= {lamp.number, water.number}


def test_operators_are_words_not_syntax(supervisor, desk, operator, lamp, water):
    visible = Case.objects.visible_to(supervisor)
    assert list(search_cases(visible, "路灯 OR 停水")) == []  # AND of 路灯, or, 停水
    assert list(search_cases(visible, "-路灯")) != []  # not a negation
    assert _numbers(search_cases(visible, "(路灯)")) == [lamp.number]
    assert _numbers(search_cases(visible, "路灯*")) == [lamp.number]  # not a prefix query
    near = _file(desk, operator, "NEAR OR AND", "路灯")
    assert _numbers(search_cases(visible, "near or and")) == [near.number]
    assert _numbers(search_cases(visible, "NEAR OR AND")) == [near.number]


def test_query_terms_are_simplified_deduplicated_and_capped():
    assert search.query_terms("臨江 臨江 路燈！灯") == QueryTerms(("临江", "路灯"), ("灯",))
    assert not search.query_terms("（）-*")
    capped = search.query_terms("".join(chr(0x4E00 + n) for n in range(100)))
    assert (len(capped.words), capped.prefixes) == (search.MAX_QUERY_TERMS, ())
    assert len(search.query_terms("路" * 5000)) == 1  # 路路, once


def test_fts5_strings_are_quoted():
    terms = QueryTerms(("路灯", 'a"b', "or"), ("灯",))
    assert search.fts5_query(terms) == '"路灯" AND "a""b" AND "or" AND "灯"*'


@pytest.mark.parametrize("prefix", ["'", "\\", "ab", ":*", ""])
def test_a_tsquery_prefix_is_a_single_letter_or_refused(prefix):
    assert search.tsquery_prefixes(["灯", "亮"]) == "'灯':* & '亮':*"
    with pytest.raises(ValueError, match="not a single character"):
        search.tsquery_prefixes([prefix])


def _case_with(region, category, text):
    return CaseFactory.create(
        region=region, category=category, search_text=" ".join(search_terms(text))
    )


@pytest.mark.parametrize("matches", [1, 40])
def test_a_search_page_runs_a_fixed_number_of_queries(
    supervisor, desk, django_assert_num_queries, matches
):
    region = Region.objects.get(code=GROUP_A1)
    for _ in range(matches):
        _case_with(region, desk.village_matter, "水管破裂")
    _case_with(region, desk.village_matter, "路灯不亮")
    Case.objects.visible_to(supervisor)  # loads the user's grants once
    filters = queries.QueueFilters(category_id=desk.village_matter.pk)
    with django_assert_num_queries(1):
        page = queries.after(
            search_cases(queries.queue_for(supervisor, filters, timezone.now()), "水管"), None
        )
        names = [(case.category.name, case.handling_unit) for case in page]
    assert len(names) == matches


def test_the_index_serves_the_query(supervisor, lamp):
    found = search_cases(Case.objects.filter(region_code__startswith="5203"), "路灯")
    sql, params = found.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert search.PG_INDEX in plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan
            assert search.FTS_TABLE in plan
    assert [case.pk for case in found] == [lamp.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 triggers are SQLite's")
def test_ensure_index_puts_back_triggers_a_table_rebuild_dropped(supervisor, desk, lamp):
    assert search.ensure_index(connection) is False  # all in place
    with connection.cursor() as cursor:
        for name in search.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")  # what a table rebuild does to them
    region = Region.objects.get(code=GROUP_A1)
    unseen = _case_with(region, desk.village_matter, "垃圾清运")
    visible = Case.objects.visible_to(supervisor)
    assert list(search_cases(visible, "垃圾")) == []
    assert search.ensure_index(connection) is True
    assert [case.pk for case in search_cases(visible, "垃圾")] == [unseen.pk]
    assert [case.pk for case in search_cases(visible, "路灯")] == [lamp.pk]
    assert search.ensure_index(connection) is False


def test_the_post_migrate_receiver_leaves_an_intact_index_alone(supervisor, lamp):
    search.ensure_index_after_migrate(sender=None, using="default")
    assert [case.pk for case in search_cases(Case.objects.visible_to(supervisor), "路灯")] == [
        lamp.pk
    ]
