"""Chinese text helpers: pinyin for names and search, simplified forms."""

import logging
import re
from functools import lru_cache

import jieba
import opencc
from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def pinyin_of(text: str) -> str:
    """Toneless pinyin, syllables joined without spaces: 凤冈县 → fenggangxian."""
    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default")).lower()


@lru_cache(maxsize=65536)
def initials_of(text: str) -> str:
    """Initial letters: 凤冈县 → fgx."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()


_T2S = opencc.OpenCC("t2s")
_WORD = re.compile(r"\w", re.UNICODE)
jieba.setLogLevel(logging.WARNING)


def simplified(text: str) -> str:
    """Traditional characters turned into simplified ones: 臨江 → 临江."""
    return str(_T2S.convert(text))


def search_terms(text: str) -> list[str]:
    """Words for a search index or query: simplified, lower-cased, segmented for search (long
    words also give their shorter parts), punctuation dropped, each word once, in order."""
    seen: dict[str, None] = {}
    for word in jieba.cut_for_search(simplified(text).lower()):
        word = word.strip()
        if word and _WORD.search(word):
            seen.setdefault(word, None)
    return list(seen)
