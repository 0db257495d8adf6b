"""Money as integer fen (分): parsed with Decimal, printed with integers, never a float between."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, localcontext

from unioncli import i18n
from unioncli.errors import InvalidValue

i18n.register(
    {
        "money.empty": (
            "不能为空，请填金额，如 1234.50",
            "is empty: enter an amount such as 1234.50",
        ),
        "money.format": (
            "不是金额；请只填数字，如 1234.50、1,234.50元 或 0.5万元",
            "is not an amount; write only the number, such as 1234.50, 1,234.50元 or 0.5万元",
        ),
        "money.negative": (
            "金额不能为负；退回或冲减请另行登记",
            "cannot be negative; record a refund or correction separately",
        ),
        "money.decimals": (
            "小数位超过了分（元后最多两位小数）；请核对金额",
            "has more decimals than fen (at most two after the yuan); check the amount",
        ),
        "money.too_large": (
            "金额大得不合理（超过一万亿元）；请核对是否多打了数字",
            "is implausibly large (over a trillion yuan); check for extra digits",
        ),
    }
)

_MAX_YUAN = 10**12
_FEN_PER_YUAN = 100
_FEN_PER_WAN = 10_000 * _FEN_PER_YUAN
_SPACE = re.compile(r"\s+")
# Either plain digits or correctly grouped thousands: "1,5" is a European decimal or a typo.
_NUMBER = re.compile(r"(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?|\.\d+", re.ASCII)


def parse_money(raw: str | int | Decimal, field: str = "amount") -> int:
    """Parse an amount in yuan (or 万元) as typed or imported; returns integer fen."""
    if isinstance(raw, bool):
        raise InvalidValue(field, raw, "money.format")
    if isinstance(raw, int | Decimal):
        text = format(raw, "f")
    else:
        # NFKC folds full-width digits and commas, and ￥ into ¥.
        text = _SPACE.sub("", unicodedata.normalize("NFKC", raw))
    if not text:
        raise InvalidValue(field, raw, "money.empty")

    negative = text.startswith("-")
    text = text.removeprefix("-").removeprefix("¥")
    scale = 1
    for suffix, factor in (("万元", 10_000), ("万", 10_000), ("元", 1)):
        if text.endswith(suffix):
            text, scale = text[: -len(suffix)], factor
            break
    if not _NUMBER.fullmatch(text):
        raise InvalidValue(field, raw, "money.format")
    if negative:
        raise InvalidValue(field, raw, "money.negative")
    # Enough precision for every digit typed, so that no rounding can hide a third decimal.
    with localcontext() as ctx:
        ctx.prec = len(text) + 12
        fen = Decimal(text.replace(",", "")) * scale * _FEN_PER_YUAN
    if fen > _MAX_YUAN * _FEN_PER_YUAN:
        raise InvalidValue(field, raw, "money.too_large")
    if fen != fen.to_integral_value():
        raise InvalidValue(field, raw, "money.decimals")
    return int(fen)


def format_money(fen: int) -> str:
    """``1,234.50`` as the ledgers print it."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), _FEN_PER_YUAN)
    return f"{sign}{yuan:,}.{cents:02d}"


def format_wan(fen: int, trim: bool = False) -> str:
    """``123.00万元`` for yearly figures; ``trim`` drops trailing zeros (``1.5万元``)."""
    # Hundredths of a 万元 are units of 10,000 fen; add half a unit and floor to round half up.
    hundredths = (abs(fen) + _FEN_PER_WAN // 200) // (_FEN_PER_WAN // 100)
    sign = "-" if fen < 0 and hundredths else ""
    whole, frac = divmod(hundredths, 100)
    if not trim:
        return f"{sign}{whole}.{frac:02d}万元"
    if frac == 0:
        return f"{sign}{whole}万元"
    return f"{sign}{whole}.{frac:02d}".rstrip("0") + "万元"
