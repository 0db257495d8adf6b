"""Dates, ledger months and years as clerks type them and spreadsheets carry them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unioncli.dates import parse_date, parse_month, parse_year
from unioncli.errors import InvalidValue

D = date(2018, 3, 5)


@pytest.mark.parametrize(
    "raw",
    [
        "2018-03-05",
        "2018-3-5",
        "2018/3/5",
        "2018/03/05",
        "2018.3.5",
        "20180305",
        "2018年3月5日",
        "2018年03月05日",
        "2018年3月5号",
        "２０１８－０３－０５",  # full-width IME input
        "２０１８年３月５日",
        "2018／3／5",
        "  2018-03-05  ",
        "2018-03-05 00:00:00",  # a datetime cell written out as text
        "2018/3/5 0:00",
        "2018-03-05T00:00:00",
        "43164",  # Excel serial day of a cell formatted as General
        "43164.0",
        "43164.5",  # a datetime serial: the fraction is the time of day
        43164,
        43164.0,
        D,
        datetime(2018, 3, 5, 14, 30),
    ],
)
def test_accepted_forms(raw: str | date | int | float) -> None:
    assert parse_date(raw) == D


def test_datetime_gives_a_plain_date() -> None:
    assert type(parse_date(datetime(2018, 3, 5, 14, 30))) is date


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),  # after Excel's fictitious 29 February 1900
        (25569, date(1970, 1, 1)),
        (36526, date(2000, 1, 1)),
        (45292, date(2024, 1, 1)),
        (73415, date(2100, 12, 31)),
    ],
)
def test_excel_serials(serial: int, expected: date) -> None:
    assert parse_date(serial) == expected


def test_excel_serial_as_text_needs_five_digits() -> None:
    assert parse_date("25569") == date(1970, 1, 1)
    with pytest.raises(InvalidValue) as exc:
        parse_date("2018")  # a year typed alone, not the 2018th day of 1900
    assert exc.value.reason == "dates.year_only"


def test_excel_serial_60_is_the_day_that_never_was() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_date(60)
    assert exc.value.reason == "dates.excel_serial_60"
    assert "2 月 29 日" in exc.value.message("zh")


@pytest.mark.parametrize("raw", [0, -1, 73416, "73416", "99999"])
def test_serials_out_of_range(raw: int | str) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_date(raw)
    assert exc.value.reason == "dates.serial_range"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "dates.empty"),
        ("   ", "dates.empty"),
        ("18-3-5", "dates.two_digit_year"),
        ("18/03/05", "dates.two_digit_year"),
        ("3/5/18", "dates.two_digit_year"),
        ("18年3月5日", "dates.two_digit_year"),
        ("180305", "dates.two_digit_year"),
        ("3/5/2018", "dates.year_last"),  # March 5th or 3 May? never guess
        ("05.03.2018", "dates.year_last"),
        ("2018-02-30", "dates.invalid"),
        ("2019-02-29", "dates.invalid"),
        ("2018-13-01", "dates.invalid"),
        ("20180230", "dates.invalid"),
        ("2018年2月30日", "dates.invalid"),
        ("1899-12-31", "dates.range"),
        ("2101-01-01", "dates.range"),
        ("2018年3月", "dates.month_only"),
        ("2018-03", "dates.month_only"),
        ("2018/3", "dates.month_only"),
        ("201803", "dates.month_only"),
        ("2018", "dates.year_only"),
        ("2018-3/5", "dates.format"),  # mixed separators
        ("三月五日", "dates.format"),
        ("2018-03-05x", "dates.format"),
        ("1234", "dates.format"),
        (True, "dates.format"),
    ],
)
def test_rejections(raw: str, key: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_date(raw, field="joined")
    assert exc.value.reason == key
    assert exc.value.field == "joined"


def test_leap_day_is_fine() -> None:
    assert parse_date("2020-02-29") == date(2020, 2, 29)
    assert parse_date("2000年2月29日") == date(2000, 2, 29)


def test_two_digit_year_message_asks_for_four_digits() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_date("18-3-5", field="joined")
    assert exc.value.message("zh") == (
        "入会日期“18-3-5”无效：年份只有两位，无法确定是哪个世纪；请写四位年份，如 2018-03-05"
    )
    assert "four-digit year" in exc.value.message("en")


def test_month_only_message_asks_for_a_day() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_date("2018年3月")
    assert "具体到日" in exc.value.message("zh")


def test_invalid_calendar_message() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_date("2018-02-30")
    assert "日历上没有这一天" in exc.value.message("zh")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_written_form_round_trips(d: date) -> None:
    for text in (
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d:%Y%m%d}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d:%Y年%m月%d日}",
        f"{d.isoformat()} 00:00:00",
    ):
        assert parse_date(text) == d


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31)))
def test_excel_serial_matches_the_excel_epoch(d: date) -> None:
    serial = (d - date(1899, 12, 30)).days
    assert parse_date(serial) == d
    if serial >= 10000:
        assert parse_date(str(serial)) == d


# --- months -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2018年3月",
        "2018年03月",
        "2018年3",
        "2018-03",
        "2018-3",
        "2018/3",
        "2018.3",
        "201803",
        "２０１８年３月",
        "2018-03-05",
        "2018年3月31日",
        "20180315",
        "43164",
        D,
        datetime(2018, 3, 5, 8, 0),
    ],
)
def test_month_forms(raw: str | date) -> None:
    assert parse_month(raw) == date(2018, 3, 1)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("2018-13", "dates.invalid"),
        ("2018年0月", "dates.invalid"),
        ("18年3月", "dates.two_digit_year"),
        ("18-03", "dates.month_format"),
        ("1899-12", "dates.range"),
        ("2018", "dates.month_format"),
        ("三月", "dates.month_format"),
        ("", "dates.empty"),
        ("2018-02-30", "dates.invalid"),
    ],
)
def test_month_rejections(raw: str, key: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_month(raw)
    assert exc.value.reason == key
    assert exc.value.field == "month"


# --- years --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["2024", "2024年", "2024年度", " ２０２４ ", 2024])
def test_year_forms(raw: str | int) -> None:
    assert parse_year(raw) == 2024


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("24", "dates.two_digit_year"),
        ("24年", "dates.two_digit_year"),
        ("1899", "dates.range"),
        ("2101", "dates.range"),
        (1899, "dates.range"),
        ("", "dates.year_format"),
        ("二〇二四", "dates.year_format"),
        ("2024-01", "dates.year_format"),
    ],
)
def test_year_rejections(raw: str | int, key: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_year(raw)
    assert exc.value.reason == key
    assert exc.value.field == "year"


def test_yesterday_and_today_parse() -> None:
    today = date.today()
    assert parse_date(today.isoformat()) == today
    assert parse_date((today - timedelta(days=1)).strftime("%Y/%m/%d")) == today - timedelta(1)
