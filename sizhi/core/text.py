"""Chinese text helpers: pinyin for names and search, simplified forms."""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

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
# Han characters (with 〇, the zero of written dates) are written without spaces between words.
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A run of Han characters, or a run of other letters and digits (a Latin word, a number).
_RUN = re.compile(f"[{_HAN}]+|[^\\W_{_HAN}]+")
_HAN_CHAR = re.compile(f"[{_HAN}]")


def simplified(text: str) -> str:
    """Traditional characters turned into simplified ones: 臨江 → 临江."""
    return str(_T2S.convert(text))


def _runs(text: str) -> list[tuple[str, bool]]:
    """(run, is_han) of the text folded for search: compatibility forms unified (full-width
    letters and digits become ASCII), simplified, lower-cased; punctuation and symbols separate
    runs and are dropped."""
    folded = simplified(unicodedata.normalize("NFKC", text)).lower()
    return [(run, bool(_HAN_CHAR.match(run))) for run in _RUN.findall(folded)]


def bigrams(run: str) -> list[str]:
    """Overlapping pairs of characters: 路灯不亮 → 路灯, 灯不, 不亮; a single character stays."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def search_terms(text: str) -> list[str]:
    """Terms for the search index (``Case.search_text``), each once, in order.

    A Han run gives its overlapping bigrams and its last character on its own (路灯不亮 → 路灯
    灯不 不亮 亮), so that every character of the text starts a term: a one-character query is a
    prefix match of that character (see ``query_terms``). Any other run of letters or digits is
    one term, lower-cased (WiFi → wifi, 12345). Traditional characters are indexed as their
    simplified forms."""
    seen: dict[str, None] = {}
    for run, han in _runs(text):
        if han:
            for term in bigrams(run):
                seen.setdefault(term, None)
            seen.setdefault(run[-1], None)
        else:
            seen.setdefault(run, None)
    return list(seen)


@dataclass(frozen=True)
class QueryTerms:
    """What a query asks for, all of it required: ``words`` are whole index terms (Han bigrams,
    Latin words, numbers); ``prefixes`` are single Han characters typed on their own, which
    match any index term that starts with them."""

    words: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.words or self.prefixes)

    def __len__(self) -> int:
        return len(self.words) + len(self.prefixes)


def query_terms(text: str, limit: int | None = None) -> QueryTerms:
    """The terms of a search query, folded as the index is (``search_terms``): a Han run of two
    or more characters gives its bigrams, a lone Han character a prefix, any other run one word.
    Each term once, in order; at most ``limit`` terms in all."""
    words: dict[str, None] = {}
    prefixes: dict[str, None] = {}
    count = 0
    for run, han in _runs(text):
        if han and len(run) == 1:
            terms, into = [run], prefixes
        else:
            terms, into = (bigrams(run) if han else [run]), words
        for term in terms:
            if term in into:
                continue
            if limit is not None and count >= limit:
                return QueryTerms(tuple(words), tuple(prefixes))
            into[term] = None
            count += 1
    return QueryTerms(tuple(words), tuple(prefixes))
