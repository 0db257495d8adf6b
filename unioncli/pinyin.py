"""Pinyin keys for finding people by name from a keyboard without a Chinese IME."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# pypinyin has no surname mode, and reads these polyphones with their common-word sound
# (曾 → ceng, 单 → dan). As the first character of a name they are almost always the surname.
_SURNAMES = {
    "曾": "zeng",
    "单": "shan",
    "仇": "qiu",
    "解": "xie",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "覃": "qin",
    "翟": "zhai",
    "乐": "yue",
    "盖": "ge",
    "缪": "miao",
    "召": "shao",
    "尉": "yu",
    "种": "chong",
    "秘": "bi",
}

_NOT_KEY = re.compile(r"[^a-z0-9]")
_LATIN = re.compile(r"[A-Za-z][A-Za-z\s']*")


@lru_cache(maxsize=1 << 16)
def _syllables(text: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(text, style=Style.NORMAL, v_to_u=False))


def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) in lower case without tones or spaces: 张伟 → ("zhangwei", "zw").

    The surname and the given name are read apart and cached: a county has far fewer distinct
    given names than people, so an import of a million names rarely waits for pypinyin.
    """
    text = "".join(unicodedata.normalize("NFKC", name).split())
    if not text:
        return ("", "")
    head = _syllables(text[0])
    if head == (text[0],):  # not a Chinese character: read the whole name as one
        syllables = list(_syllables(text))
    else:
        syllables = [_SURNAMES.get(text[0], head[0]), *_syllables(text[1:])]
    # Non-Chinese characters come back as one chunk ("ABC"), so initials take only its first
    # letter; ü is written v, as on a pinyin keyboard; the · in 阿依古丽·买买提 is not typed.
    chunks = [_typed(s) for s in syllables]
    return ("".join(chunks), "".join([c[0] for c in chunks if c]))


@lru_cache(maxsize=1 << 12)
def _typed(syllable: str) -> str:
    """A syllable as typed on a Latin keyboard."""
    return _NOT_KEY.sub("", syllable.lower().replace("ü", "v"))


def looks_latin(query: str) -> bool:
    """True when a search looks like pinyin typed on a Latin keyboard rather than Chinese."""
    return bool(_LATIN.fullmatch(unicodedata.normalize("NFKC", query).strip()))
