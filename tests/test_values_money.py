"""Amounts in yuan and 万元, held as integer fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unioncli.errors import InvalidValue
from unioncli.money import format_money, format_wan, parse_money


@pytest.mark.parametrize(
    ("raw", "fen"),
    [
        ("1234.5", 123450),
        ("1234.50", 123450),
        ("1234", 123400),
        ("1,234.50", 123450),
        ("1,234,567.89", 123456789),
        ("1234.50元", 123450),
        ("1,234.50 元", 123450),
        ("￥1234.5", 123450),
        ("¥1,234", 123400),
        ("¥ 1,234.00元", 123400),
        ("0.5万元", 500000),
        ("0.5万", 500000),
        ("1.2万元", 1200000),
        ("12万", 12000000),
        ("0.123456万", 123456),  # 1234.56 yuan: still whole fen after scaling
        ("１，２３４．５０", 123450),  # full-width IME input
        ("１２３４．５元", 123450),
        ("  800  ", 80000),
        ("0", 0),
        ("0.00", 0),
        (".5", 50),
        ("0.01", 1),
        ("1000000000000", 10**14),  # the ceiling itself is allowed
        (1234, 123400),
        (0, 0),
        (Decimal("1234.5"), 123450),
        (Decimal("1E+3"), 100000),
    ],
)
def test_accepted(raw: str | int | Decimal, fen: int) -> None:
    assert parse_money(raw) == fen


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "money.empty"),
        ("   ", "money.empty"),
        ("1,234.567", "money.decimals"),
        ("0.001", "money.decimals"),
        ("0.1234567万", "money.decimals"),
        ("1234.505元", "money.decimals"),
        ("-5", "money.negative"),
        ("-1,234.50元", "money.negative"),
        ("-¥5", "money.negative"),
        ("-0.5万元", "money.negative"),
        (-5, "money.negative"),
        ("abc", "money.format"),
        ("五百元", "money.format"),
        ("1,5", "money.format"),  # a European decimal comma or a slip: never guess
        ("12,34.5", "money.format"),
        ("1.2.3", "money.format"),
        ("1.", "money.format"),
        ("1.2E+5", "money.format"),
        ("5元5角", "money.format"),
        ("--5", "money.format"),
        ("NaN", "money.format"),
        ("Infinity", "money.format"),
        (True, "money.format"),
        ("1000000000000.01", "money.too_large"),
        ("100000001万元", "money.too_large"),
        ("9" * 40, "money.too_large"),
        # 28 digits is the default Decimal precision: a third decimal must not be rounded away.
        ("100000000000.0000000000000000001", "money.decimals"),
    ],
)
def test_rejected(raw: str | int, key: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_money(raw, field="amount")
    assert exc.value.reason == key
    assert exc.value.field == "amount"


def test_messages_name_the_cause() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_money("1,234.567")
    assert exc.value.message("zh") == (
        "金额“1,234.567”无效：小数位超过了分（元后最多两位小数）；请核对金额"
    )
    with pytest.raises(InvalidValue) as exc:
        parse_money("-5")
    assert "不能为负" in exc.value.message("zh")
    assert "negative" in exc.value.message("en")


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0.00"),
        (1, "0.01"),
        (50, "0.50"),
        (123450, "1,234.50"),
        (100000000, "1,000,000.00"),
        (-123450, "-1,234.50"),
        (-1, "-0.01"),
    ],
)
def test_format_money(fen: int, text: str) -> None:
    assert format_money(fen) == text


@pytest.mark.parametrize(
    ("fen", "text", "trimmed"),
    [
        (0, "0.00万元", "0万元"),
        (123_000_000, "123.00万元", "123万元"),
        (1_500_000, "1.50万元", "1.5万元"),
        (1_234_567, "1.23万元", "1.23万元"),
        (1_235_000, "1.24万元", "1.24万元"),  # half up, from fen: 12,350 yuan
        (1_234_999, "1.23万元", "1.23万元"),
        (4_999, "0.00万元", "0万元"),
        (5_000, "0.01万元", "0.01万元"),  # 50 yuan is half of 0.01万
        (1_005_000, "1.01万元", "1.01万元"),  # binary floats would give 1.00
        (1_234_500_000, "1234.50万元", "1234.5万元"),
        (-1_500_000, "-1.50万元", "-1.5万元"),
        (-4_999, "0.00万元", "0万元"),  # no "-0.00"
    ],
)
def test_format_wan(fen: int, text: str, trimmed: str) -> None:
    assert format_wan(fen) == text
    assert format_wan(fen, trim=True) == trimmed


@given(st.integers(min_value=0, max_value=10**14))
def test_format_then_parse_round_trips(fen: int) -> None:
    assert parse_money(format_money(fen)) == fen
    assert parse_money(format_money(fen) + "元") == fen
    assert parse_money("¥" + format_money(fen).replace(",", "")) == fen


@given(st.integers(min_value=0, max_value=10**14))
def test_wan_is_rounded_half_up(fen: int) -> None:
    expected = (Decimal(fen) / 1_000_000).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert format_wan(fen) == f"{expected}万元"
    assert parse_money(format_wan(fen, trim=True)) == int(expected * 1_000_000)
