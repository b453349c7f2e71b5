"""Bigram search: a phrase is found by any part of it however a segmenter would cut it, one
character, traditional text and queries, punctuation and operators typed as text, the
trade-offs of the module docstring, the index serving a one-character query, and the
re-indexing migration."""

import importlib
import itertools
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from sizhi.cases import actions, search
from sizhi.cases.models import Case
from sizhi.cases.search import search_cases
from sizhi.cases.tests.factories import CaseFactory
from sizhi.core.text import search_terms

pytestmark = pytest.mark.django_db

GROUP_A1 = "520327101201001"
_phones = itertools.count(13900000101)
reindex_migration = importlib.import_module("sizhi.cases.migrations.0003_search_bigrams")


def _file(desk, operator, title, description):
    """A case filed at the hotline through the intake action (which fills search_text)."""
    return actions.submit_case(
        channel="hotline",
        kind="complaint",
        category_id=desk.village_matter.pk,
        title=title,
        description=description,
        region_code=GROUP_A1,
        contact_phone=str(next(_phones)),
        actor=operator,
    ).case


def _found(supervisor, text):
    return sorted(case.number for case in search_cases(Case.objects.visible_to(supervisor), text))


@pytest.fixture
def lamp(desk, operator):
    # jieba cuts the description 村口/路/灯不亮 or 路灯/不亮 depending on its dictionary.
    return _file(desk, operator, "村里的问题", "村口路灯不亮了，晚上出行很危险。")


@pytest.fixture
def water(desk, operator):
    return _file(desk, operator, "停水", "自来水停水三天。")


@pytest.mark.parametrize("text", ["路灯不亮", "路灯", "不亮", "灯不亮", "口路灯", "出行 危险"])
def test_a_phrase_is_found_by_the_whole_and_by_any_part(supervisor, lamp, water, text):
    assert _found(supervisor, text) == [lamp.number]


@pytest.mark.parametrize("text", ["路灯不暗", "灯亮", "亮不", "路灯 停水"])
def test_every_bigram_of_the_query_must_be_in_the_text(supervisor, lamp, water, text):
    assert _found(supervisor, text) == []


def test_one_character_finds_it_at_the_start_middle_and_end_of_a_run(
    supervisor, desk, operator, lamp, water
):
    desk_lamp = _file(desk, operator, "台灯", "借的台灯")  # 灯 only at the end of runs
    bulb = _file(desk, operator, "灯泡", "灯泡坏了")  # only at the start
    assert _found(supervisor, "灯") == sorted([lamp.number, desk_lamp.number, bulb.number])
    assert _found(supervisor, "燈") == sorted([lamp.number, desk_lamp.number, bulb.number])
    assert _found(supervisor, "险") == [lamp.number]  # the last character of the text
    assert _found(supervisor, "灯 泡") == [bulb.number]
    assert _found(supervisor, "水 三天") == [water.number]
    assert _found(supervisor, "龘") == []


def test_traditional_text_and_queries_meet_in_simplified(supervisor, desk, operator, lamp):
    old_style = _file(desk, operator, "臨江村路燈壞了", "路燈壞了一個月")
    assert _found(supervisor, "路灯坏了") == [old_style.number]
    assert _found(supervisor, "臨江") == [old_style.number]
    assert _found(supervisor, "临江村") == [old_style.number]
    assert _found(supervisor, "路燈不亮") == [lamp.number]
    assert _found(supervisor, "路燈") == sorted([lamp.number, old_style.number])


@pytest.mark.parametrize(
    "text",
    [
        "路灯，不亮！",
        "“路灯不亮”",
        '"路灯" "不亮"',
        "路灯* 不亮*",
        "(路灯) -不亮",
        "灯*",
        "^路灯",
        "路灯:* & 不亮",
    ],
)
def test_punctuation_and_operators_are_dropped_or_read_as_text(supervisor, lamp, water, text):
    assert _found(supervisor, text) == [lamp.number]


@pytest.mark.parametrize(
    "text",
    [
        "路灯 OR 停水",
        "路灯 AND NOT 停水",
        "NEAR(路灯 停水)",
        "路灯 | 停水",
        "search_text:路灯",
        "!路灯",
    ],
)
def test_operator_words_are_required_words(supervisor, lamp, water, text):
    # or, and, not, near, search, text are words no case holds; | ! : are dropped.
    expected = [lamp.number] if text == "!路灯" else []
    assert _found(supervisor, text) == expected


def test_bigrams_do_not_cross_punctuation_or_spaces(supervisor, desk, operator):
    apart = _file(desk, operator, "道路，灯光", "修好了道路 灯光还暗")
    together = _file(desk, operator, "改造", "道路灯光改造")
    # The trade-off of the module docstring: one unbroken run holds the bigram 路灯.
    assert _found(supervisor, "路灯") == [together.number]
    assert _found(supervisor, "道路 灯光") == sorted([apart.number, together.number])


def test_latin_words_and_numbers_match_whole_and_fold_case_and_width(supervisor, desk, operator):
    wifi = _file(desk, operator, "WiFi信号差", "村委会WiFi密码是12345")
    assert _found(supervisor, "wifi") == [wifi.number]
    assert _found(supervisor, "ＷＩＦＩ 信号") == [wifi.number]
    assert _found(supervisor, "12345") == [wifi.number]
    assert _found(supervisor, "1234") == []
    assert _found(supervisor, "wi") == []


def test_a_one_character_query_is_served_by_the_index(supervisor, lamp):
    found = search_cases(Case.objects.filter(region_code__startswith="5203"), "灯 路灯")
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
    assert "灯" not in sql  # the terms are bound parameters
    assert [case.pk for case in found] == [lamp.pk]


def _check_index_in_step() -> None:
    """On SQLite, FTS5's own check of the index against the table, which raises ("database disk
    image is malformed") when they differ. PostgreSQL's GIN index cannot fall out of step."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_case_fts(cases_case_fts, rank) VALUES ('integrity-check', 1)"
            )


def test_the_migration_reindexes_old_rows_in_batches(supervisor, desk, monkeypatch):
    # Rows as the word segmenter left them: 路灯不亮 as one word, the reply's words
    old = [
        CaseFactory.create(
            category=desk.village_matter,
            title=f"路灯不亮{n}",
            description="村口路灯不亮",
            reply="已更換燈泡" if n == 0 else "",
            search_text=f"路灯不亮 村口 {n}",
        )
        for n in range(5)
    ]
    assert _found(supervisor, "灯不亮") == []
    monkeypatch.setattr(reindex_migration, "BATCH", 2)
    reindex_migration.reindex(apps, SimpleNamespace(connection=connection))
    for case in old:
        case.refresh_from_db()
        text = f"{case.title} {case.description} {case.reply}"
        assert case.search_text == " ".join(search_terms(text))
    assert _found(supervisor, "灯不亮") == sorted(case.number for case in old)
    assert _found(supervisor, "灯泡") == [old[0].number]
    _check_index_in_step()
    # The index keeps following the table afterwards (the SQLite triggers are back).
    Case.objects.filter(pk=old[1].pk).update(search_text=" ".join(search_terms("停水")))
    assert _found(supervisor, "灯不亮") == sorted(case.number for case in old if case != old[1])
    _check_index_in_step()
    if connection.vendor == "sqlite":
        assert search.ensure_index(connection) is False  # nothing left to repair
