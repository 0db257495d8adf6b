"""The county's 低保 line per year, as ``hardship settings`` shows it, and the check of a file's
income per head against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from unioncli import i18n
from unioncli.db.read import Reader, moment
from unioncli.enums import HardshipCategory
from unioncli.money import format_money

i18n.register(
    {
        "hardship.settings_both": (
            "设置低保线须同时给出 --year 和 --low-income-line",
            "setting the line needs both --year and --low-income-line",
        ),
        "hardship.warn_deep": (
            "家庭月人均收入 {income} 元 不低于低保线（{year} 年 {line} 元）：与“{category}”不符",
            "monthly income per head {income} yuan is not below the low-income line "
            "({year}: {line} yuan): does not fit “{category}”",
        ),
        "hardship.warn_relative": (
            "家庭月人均收入 {income} 元 不低于 2 倍低保线（{year} 年低保线 {line} 元，2 倍为 "
            "{double} 元）：与“{category}”不符",
            "monthly income per head {income} yuan is not below twice the low-income line "
            "({year}: {line} yuan, twice is {double}): does not fit “{category}”",
        ),
    }
)


@dataclass(frozen=True)
class LineView:
    year: int
    amount_fen: int
    updated_at: datetime


def low_income_line(r: Reader, year: int) -> int | None:
    """The county's 低保 line (fen per person per month) for a year, or None if not set."""
    found = r.scalar("SELECT amount_fen FROM low_income_line WHERE year = :y", {"y": year})
    return None if found is None else int(found)


def low_income_lines(r: Reader) -> list[LineView]:
    """Every year's line, the latest year first (``hardship settings``)."""
    return [
        LineView(int(y), int(fen), moment(at))  # type: ignore[arg-type]
        for y, fen, at in r.all(
            "SELECT year, amount_fen, updated_at FROM low_income_line ORDER BY year DESC"
        )
    ]


def income_warning(r: Reader, category: str, income_fen: int | None, year: int) -> str | None:
    """Why the income per head does not fit the category, by the year's line; None if it fits,
    if no income is recorded, if the category has no income rule (accident), or if no line is
    set for the year. deep: below the line; relative: below twice the line."""
    if income_fen is None or category == HardshipCategory.ACCIDENT.value:
        return None
    line = low_income_line(r, year)
    if line is None:
        return None
    label = HardshipCategory(category).label()
    if category == HardshipCategory.DEEP.value and income_fen >= line:
        return i18n.t(
            "hardship.warn_deep",
            income=format_money(income_fen),
            year=year,
            line=format_money(line),
            category=label,
        )
    if category == HardshipCategory.RELATIVE.value and income_fen >= 2 * line:
        return i18n.t(
            "hardship.warn_relative",
            income=format_money(income_fen),
            year=year,
            line=format_money(line),
            double=format_money(2 * line),
            category=label,
        )
    return None
