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


# Surnames whose reading differs from the character's common reading.
SURNAME_READINGS = {
    "曾": "zeng", "覃": "qin", "单": "shan", "仇": "qiu", "解": "xie", "区": "ou", "朴": "piao",
    "查": "zha", "翟": "zhai", "乐": "yue", "缪": "miao", "尉迟": "yuchi", "万俟": "moqi",
    "长孙": "zhangsun", "盖": "ge", "种": "chong", "员": "yun", "繁": "po", "秘": "bi",
}  # fmt: skip


def surname_split(name: str) -> tuple[str, str]:
    """(surname, given name): two-character surnames that have their own reading, else one."""
    if name[:2] in SURNAME_READINGS:
        return name[:2], name[2:]
    return name[:1], name[1:]


def name_pinyin_of(name: str) -> str:
    """Pinyin of a person's name with surnames read as surnames: 曾国藩 → zengguofan."""
    surname, given = surname_split(name)
    head = SURNAME_READINGS.get(surname) or pinyin_of(surname)
    return head + (pinyin_of(given) if given else "")


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
