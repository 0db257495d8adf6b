"""Helpers every service uses: collecting all bad values of an input, names, free text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from unioncli.errors import InvalidValue, InvalidValues, MissingFields
from unioncli.i18n import register

T = TypeVar("T")
_DIGIT = re.compile(r"\d")

register(
    {
        "common.name_empty": ("不能为空", "must not be empty"),
        "common.name_digits": ("姓名不应含数字", "a name has no digits"),
        "common.too_long": ("超过 {max} 个字符", "longer than {max} characters"),
    }
)


class Collector:
    """Runs each parser, keeps every ``InvalidValue``, and raises them together at the end."""

    def __init__(self) -> None:
        self.errors: list[InvalidValue] = []

    def take(self, parse: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return parse(*args, **kwargs)
        except InvalidValue as exc:
            self.errors.append(exc)
            return None

    def check(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InvalidValues(self.errors)


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def require(raw: dict[str, Any], fields: tuple[str, ...]) -> None:
    missing = [f for f in fields if blank(raw.get(f))]
    if missing:
        raise MissingFields(missing)


def clean_text(raw: str | None, field: str, *, max_len: int = 100) -> str | None:
    if raw is None:
        return None
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not text:
        return None
    if len(text) > max_len:
        raise InvalidValue(field, text, "common.too_long", max=max_len)
    return text


def parse_name(raw: str | None, field: str = "name") -> str:
    text = clean_text(raw, field, max_len=50)
    if text is None:
        raise InvalidValue(field, raw, "common.name_empty")
    # Chinese names carry no spaces; minority names use the middle dot, typed in several ways.
    text = text.replace(" ", "").replace(".", "·").replace("•", "·")
    if _DIGIT.search(text):
        raise InvalidValue(field, text, "common.name_digits")
    return text


def years_after(born: date, years: int) -> date:
    """The day someone born on ``born`` turns ``years`` (28 February for a 29 February birthday)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return born.replace(year=born.year + years, day=28)
