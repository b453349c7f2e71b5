"""Search terms: bigrams of Han runs, whole Latin words and numbers, folding, query terms."""

import pytest

from sizhi.core.text import QueryTerms, bigrams, query_terms, search_terms, simplified


@pytest.mark.parametrize(
    ("run", "expected"),
    [("路灯不亮", ["路灯", "灯不", "不亮"]), ("路灯", ["路灯"]), ("灯", ["灯"]), ("", [])],
)
def test_bigrams_overlap(run, expected):
    assert bigrams(run) == expected


def test_index_terms_are_bigrams_and_the_last_character_of_each_run():
    assert search_terms("路灯不亮，灯") == ["路灯", "灯不", "不亮", "亮", "灯"]


def test_index_terms_are_folded_and_each_given_once():
    # Traditional to simplified, full-width to ASCII, lower case; 路灯 twice, kept once.
    assert search_terms("路燈壞了 路灯 ＷｉＦｉ ABC") == [
        "路灯",
        "灯坏",
        "坏了",
        "了",
        "灯",
        "wifi",
        "abc",
    ]


def test_runs_break_at_punctuation_spaces_and_script_changes():
    assert search_terms("道路，灯光 3号楼G210国道") == [
        "道路",
        "路",
        "灯光",
        "光",
        "3",
        "号楼",
        "楼",
        "g210",
        "国道",
        "道",
    ]


def test_symbols_and_underscores_make_no_terms():
    assert search_terms("（）！？。，★ -*_ ") == []
    assert search_terms("a_b") == ["a", "b"]


def test_a_query_asks_for_bigrams_words_and_lone_characters_as_prefixes():
    assert query_terms("路灯不亮 WiFi 灯 12345") == QueryTerms(
        words=("路灯", "灯不", "不亮", "wifi", "12345"), prefixes=("灯",)
    )


def test_query_terms_are_each_given_once_and_capped():
    assert query_terms("路灯 路燈 灯 燈") == QueryTerms(words=("路灯",), prefixes=("灯",))
    assert query_terms("路灯不亮 灯 停水", limit=3) == QueryTerms(("路灯", "灯不", "不亮"), ())
    assert query_terms("灯 路灯 停水", limit=2) == QueryTerms(("路灯",), ("灯",))


def test_an_empty_query_is_false():
    terms = query_terms("  ，。！")
    assert (bool(terms), len(terms)) == (False, 0)
    assert len(query_terms("灯 路灯")) == 2


def test_every_character_of_an_indexed_text_starts_a_term():
    # What makes a one-character query a prefix match (sizhi.cases.search).
    text = "临江村一组路口的路灯坏了"
    terms = search_terms(text)
    assert all(any(term.startswith(char) for term in terms) for char in text)


def test_simplified():
    assert simplified("臨江") == "临江"
