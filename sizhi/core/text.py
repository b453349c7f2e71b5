"""Chinese text helpers: pinyin for names and search, simplified forms."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def pinyin_of(text: str) -> str:
    """Toneless pinyin, syllables joined without spaces: 凤冈县 → fenggangxian."""
    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default")).lower()


@lru_cache(maxsize=65536)
def initials_of(text: str) -> str:
    """Initial letters: 凤冈县 → fgx."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()
