"""Every date form clerks type and spreadsheets carry, and nothing that needs a guess."""

from __future__ import annotations

import re
import time
import unicodedata
from datetime import date, datetime, timedelta

from unioncli import i18n
from unioncli.errors import InvalidValue

i18n.register(
    {
        "dates.empty": (
            "不能为空，请填日期，如 2018-03-05",
            "is empty: enter a date such as 2018-03-05",
        ),
        "dates.format": (
            "无法识别的日期；请写成 2018-03-05、2018/3/5 或 2018年3月5日",
            "is not a recognised date; write it as 2018-03-05, 2018/3/5 or 2018年3月5日",
        ),
        "dates.two_digit_year": (
            "年份只有两位，无法确定是哪个世纪；请写四位年份，如 2018-03-05",
            "has a two-digit year, which cannot be told apart from another century; "
            "write the four-digit year, such as 2018-03-05",
        ),
        "dates.year_last": (
            "年份写在了最后，无法确定月和日的顺序；请按“年-月-日”写，如 2018-03-05",
            "puts the year last, so month and day cannot be told apart; "
            "write year-month-day, such as 2018-03-05",
        ),
        "dates.invalid": (
            "日历上没有这一天（如 2 月 30 日）；请核对月和日",
            "is not a day on the calendar (such as 30 February); check the month and day",
        ),
        "dates.range": (
            "年份须在 1900 到 2100 之间；请核对年份",
            "the year must be between 1900 and 2100; check the year",
        ),
        "dates.month_only": (
            "只有年月，这里需要具体到日；请写成 2018-03-05 这样的完整日期",
            "has only a year and month, but a full date is needed here, such as 2018-03-05",
        ),
        "dates.excel_serial_60": (
            "是 Excel 虚构的 1900 年 2 月 29 日（该日并不存在）；请重新录入正确日期",
            "is Excel's fictitious 29 February 1900, which never existed; enter the real date",
        ),
        "dates.serial_range": (
            "像是 Excel 日期序号，但超出 1900–2100 年的范围；请把该列设为日期或文本后重新录入",
            "looks like an Excel day number outside 1900–2100; "
            "format the column as a date or text and enter it again",
        ),
        "dates.year_only": (
            "只有年份，这里需要具体到日；请写成 2018-03-05 这样的完整日期",
            "has only a year, but a full date is needed here, such as 2018-03-05",
        ),
        "dates.month_format": (
            "无法识别的月份；请写成 2018-03 或 2018年3月",
            "is not a recognised month; write it as 2018-03 or 2018年3月",
        ),
        "dates.year_format": (
            "无法识别的年份；请写四位年份，如 2024",
            "is not a recognised year; write the four-digit year, such as 2024",
        ),
    }
)

_MIN_YEAR, _MAX_YEAR = 1900, 2100
# Excel's 1900 date system: day 1 is 1900-01-01, and day 60 is the 1900-02-29 that Lotus 1-2-3
# invented; from day 61 on, counting from 1899-12-30 gives the right date.
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = (date(_MAX_YEAR, 12, 31) - _EXCEL_EPOCH).days

# Spreadsheets hand dates back as datetimes, so "2018-03-05 00:00:00" is common; the time is noise.
_TIME = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", re.ASCII)
_YMD = re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})", re.ASCII)
_YMD_ZH = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?", re.ASCII)
_YMD_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", re.ASCII)
_YM = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})", re.ASCII)
_YM_ZH = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月?", re.ASCII)
_YM_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})", re.ASCII)
# A fraction is the time of day in an Excel datetime serial; like a time after a date, it is noise.
# As text, only 5 digits count as a serial (1927 onwards): "2018" typed alone is a year, not the
# 2018th day of 1900.
_SERIAL = re.compile(r"(\d{5})(?:\.\d*)?", re.ASCII)
_SHORT_YEAR = re.compile(
    r"\d{2}(?:[-/.]\d{1,2}[-/.]\d{1,2}|年\d{1,2}月(?:\d{1,2}[日号]?)?|\d{4})"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2}",
    re.ASCII,
)
_YEAR_LAST = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}", re.ASCII)


def _clean(raw: str) -> str:
    # NFKC folds full-width digits and the full-width ／－． separators typed with a Chinese IME.
    text = unicodedata.normalize("NFKC", raw).strip()
    return _TIME.sub("", text).strip()


def _make(year: int, month: int, day: int, field: str, raw: object) -> date:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise InvalidValue(field, raw, "dates.range")
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(field, raw, "dates.invalid") from None


def _from_serial(serial: int, field: str, raw: object) -> date:
    if serial == 60:
        raise InvalidValue(field, raw, "dates.excel_serial_60")
    if not 1 <= serial <= _MAX_SERIAL:
        raise InvalidValue(field, raw, "dates.serial_range")
    return _EXCEL_EPOCH + timedelta(days=serial if serial > 60 else serial + 1)


def _month_of(text: str) -> tuple[int, int] | None:
    for pattern in (_YM, _YM_ZH, _YM_COMPACT):
        m = pattern.fullmatch(text)
        # Six bare digits are a month only when they start with a plausible year: 180305 is not.
        if m and (pattern is not _YM_COMPACT or _MIN_YEAR <= int(m["y"]) <= _MAX_YEAR):
            return int(m["y"]), int(m["m"])
    return None


def parse_date(raw: str | date | datetime | int | float, field: str = "date") -> date:
    """Parse a full date; numbers (and all-digit text of up to 5 digits) are Excel day serials."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, bool):
        raise InvalidValue(field, raw, "dates.format")
    if isinstance(raw, int | float):
        return _from_serial(int(raw), field, raw)

    text = _clean(raw)
    if not text:
        raise InvalidValue(field, raw, "dates.empty")
    for pattern in (_YMD, _YMD_ZH, _YMD_COMPACT):
        m = pattern.fullmatch(text)
        if m:
            return _make(int(m["y"]), int(m["m"]), int(m["d"]), field, raw)
    m = _SERIAL.fullmatch(text)
    if m:
        return _from_serial(int(m[1]), field, raw)
    if _month_of(text) is not None:
        raise InvalidValue(field, raw, "dates.month_only")
    raise InvalidValue(field, raw, _why_not(text))


def _why_not(text: str) -> str:
    """The reason key for text that matches no accepted form: say what is missing if we can."""
    if text.isdigit() and len(text) == 4 and _MIN_YEAR <= int(text) <= _MAX_YEAR:
        return "dates.year_only"
    if _YEAR_LAST.fullmatch(text):
        return "dates.year_last"
    if _SHORT_YEAR.fullmatch(text):
        return "dates.two_digit_year"
    return "dates.format"


def parse_month(raw: str | date | datetime | int | float, field: str = "month") -> date:
    """Parse a ledger month (2018-03, 2018年3月, 201803) or any full date; returns its first day."""
    if isinstance(raw, str):
        text = _clean(raw)
        m = _month_of(text)
        if m is not None:
            year, month = m
            if not 1 <= month <= 12:
                raise InvalidValue(field, raw, "dates.invalid")
            return _make(year, month, 1, field, raw)
        if text and _why_not(text) not in ("dates.format", "dates.year_only"):
            raise InvalidValue(field, raw, _why_not(text))
    try:
        day = parse_date(raw, field)
    except InvalidValue as exc:
        if exc.reason in ("dates.format", "dates.year_only"):
            raise InvalidValue(field, raw, "dates.month_format") from None
        raise
    return day.replace(day=1)


_YEAR = re.compile(r"(\d{4})(?:年|年度)?", re.ASCII)
_SHORT_YEAR_ONLY = re.compile(r"\d{2}(?:年|年度)?", re.ASCII)


def parse_year(raw: str | int, field: str = "year") -> int:
    """A four-digit year between 1900 and 2100; ``2024年`` and ``2024年度`` are accepted."""
    if isinstance(raw, bool):
        raise InvalidValue(field, raw, "dates.year_format")
    if isinstance(raw, int):
        year = raw
    else:
        text = _clean(raw)
        m = _YEAR.fullmatch(text)
        if m is None:
            short = _SHORT_YEAR_ONLY.fullmatch(text)
            raise InvalidValue(field, raw, "dates.two_digit_year" if short else "dates.year_format")
        year = int(m[1])
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise InvalidValue(field, raw, "dates.range")
    return year


_today: tuple[float, date] = (-1e9, date.min)


def today() -> date:
    """Today's date, asked of the clock at most once a minute: "not in the future" is checked for
    every row of an import, and ``date.today()`` costs more than the rest of a date check."""
    global _today
    now = time.monotonic()
    if now - _today[0] > 60:
        _today = (now, date.today())
    return _today[1]
