"""Resident ID numbers (GB 11643), USCC codes (GB 32100) and mobile numbers, as clerks type them.

The checks run once per imported row, so they are written out here instead of calling
``python-stdnum`` (correct but slow: it loads birthplace data); the tests hold these checks to
the library's answers.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date
from functools import lru_cache
from operator import mul
from typing import NamedTuple

from unioncli import i18n
from unioncli.dates import today
from unioncli.errors import InvalidValue

i18n.register(
    {
        "ids.empty": (
            "不能为空，请填写 18 位身份证号",
            "is empty: enter the 18-character ID number",
        ),
        "ids.scientific": (
            "被 Excel 改成了科学计数法，后几位已丢失；请把该列设为文本后重新录入",
            "was turned into scientific notation by Excel and its last digits are lost; "
            "format the column as text and enter the numbers again",
        ),
        "ids.numeric": (
            "被当成了数字（带小数点），后几位可能已丢失；请把该列设为文本后重新录入",
            "was stored as a number (with a decimal point) and its last digits may be lost; "
            "format the column as text and enter the numbers again",
        ),
        "ids.length": (
            "应为 18 位（旧证 15 位），实际 {length} 位；请核对是否多打或漏打",
            "must have 18 characters (15 for an old number), it has {length}; "
            "check for missing or extra digits",
        ),
        "ids.masked": (
            "是遮蔽过的号码（含 *），无法导入；请用 export --unmasked 导出完整号码",
            "is masked (has *) and cannot be imported; export with --unmasked for whole numbers",
        ),
        "ids.phone_masked": (
            "是遮蔽过的号码（含 *），无法导入；请用 export --unmasked 导出完整号码",
            "is masked (has *) and cannot be imported; export with --unmasked for whole numbers",
        ),
        "ids.chars": (
            "只能是数字，最后一位可以是 X；请去掉其中的字母、符号或汉字",
            "may hold only digits, with an X as the last character; "
            "remove letters, symbols or Chinese characters",
        ),
        "ids.birth_date": (
            "第 7–14 位的出生日期不是有效日期；请核对身份证号",
            "digits 7–14 are not a valid birth date; check the number",
        ),
        "ids.birth_range": (
            "出生日期早于 1900 年或晚于今天；请核对身份证号",
            "the birth date inside is before 1900 or after today; check the number",
        ),
        "ids.checksum": (
            "校验位不符，号码有误；请对照身份证逐位核对",
            "the check character does not match, so a digit is wrong; "
            "compare it with the card digit by digit",
        ),
        "ids.truncated": (
            "末尾是 000 且校验不符，多半是 Excel 只保留 15 位有效数字、截掉了最后几位；"
            "请把该列设为文本后重新录入",
            "ends in 000 and fails the check: Excel probably kept only 15 significant digits "
            "and cut the last ones; format the column as text and enter the numbers again",
        ),
        "ids.gender_is_male": (
            "与身份证号不符：身份证号第 17 位为奇数，表示男性；请核对性别或身份证号",
            "contradicts the ID number, whose 17th digit is odd (male); "
            "check the gender or the ID number",
        ),
        "ids.gender_is_female": (
            "与身份证号不符：身份证号第 17 位为偶数，表示女性；请核对性别或身份证号",
            "contradicts the ID number, whose 17th digit is even (female); "
            "check the gender or the ID number",
        ),
        "ids.uscc_empty": (
            "不能为空，请填写 18 位统一社会信用代码",
            "is empty: enter the 18-character unified social credit code",
        ),
        "ids.uscc_length": (
            "应为 18 位，实际 {length} 位；请核对是否多打或漏打",
            "must have 18 characters, it has {length}; check for missing or extra characters",
        ),
        "ids.uscc_chars": (
            "含有不允许的字符“{chars}”（代码中不使用 I、O、Z、S、V）；请对照证照核对",
            "holds characters that are not allowed: “{chars}” (I, O, Z, S and V are never used); "
            "compare it with the licence",
        ),
        "ids.uscc_checksum": (
            "校验位不符，代码有误；请对照营业执照或登记证书逐位核对",
            "the check character does not match, so a character is wrong; "
            "compare it with the licence character by character",
        ),
        "ids.phone_empty": ("不能为空，请填写 11 位手机号", "is empty: enter the 11-digit mobile"),
        "ids.phone_landline": (
            "看起来是固定电话；手机号一栏只收 11 位手机号，固定电话请填到“联系电话”",
            "looks like a landline; this field takes an 11-digit mobile only, "
            "put landlines in the contact phone field (联系电话)",
        ),
        "ids.phone_format": (
            "应为 1 开头、第二位 3–9 的 11 位手机号；请核对是否多打或漏打",
            "must be an 11-digit mobile starting with 1 and then 3–9; "
            "check for missing or extra digits",
        ),
    }
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_WEIGHT_SUM_48 = 48 * sum(_ID_WEIGHTS)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_INDEX = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_WHITESPACE = re.compile(r"\s+")
# Excel shows an 18-digit number as 5.10322E+17; CSV exports and pandas may keep the exponent
# without its sign.
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?E[+-]?\d+", re.ASCII)
# A numeric cell read back through a float comes out as "510322199001011000.0".
_FLOAT_LIKE = re.compile(r"\d+\.\d*", re.ASCII)
_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)


class ResidentId(NamedTuple):
    """A checked ID number. A tuple, not a dataclass: an import makes a million of them."""

    number: str
    birth_date: date
    gender: str  # "male" / "female"
    upgraded: bool  # was a 15-digit legacy number


_LAST_CHARS = frozenset("0123456789Xx")
# the reason for a phone number that comes from a masked export
MASKED_PHONE = "ids.phone_masked"


def _clean(raw: str) -> str:
    # NFKC folds full-width digits and letters (clerks typing with a Chinese IME) to ASCII.
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", raw))
    # A leading apostrophe is how Excel marks a number typed as text; it is not part of the value.
    return text.lstrip("'‘’`").upper()


def id_check_char(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of 17 digits."""
    if len(body17) != 17:
        raise ValueError("17 digits expected")
    # the bytes of ASCII digits are their values + 48: weigh them in C, then take the 48s out
    total = sum(map(mul, body17.encode("ascii"), _ID_WEIGHTS)) - _ID_WEIGHT_SUM_48
    return _ID_CHECK[total % 11]


@lru_cache(maxsize=1 << 16)
def _calendar_date(digits8: str) -> date | None:
    try:
        return date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None


def _birth(digits8: str, field: str, raw: str) -> date:
    born = _calendar_date(digits8)
    if born is None:
        raise InvalidValue(field, raw, "ids.birth_date", sensitive=True)
    if born.year < 1900 or born > today():
        raise InvalidValue(field, raw, "ids.birth_range", sensitive=True)
    return born


def parse_id_number(raw: str, field: str = "id_number") -> ResidentId:
    """Parse an ID number as typed or imported; a 15-digit legacy number comes back upgraded."""
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and raw[17] in _LAST_CHARS:
        text = raw.upper()  # the common case, on the import hot path: nothing to clean
    else:
        text = _clean(raw)
        if not text:
            raise InvalidValue(field, raw, "ids.empty", sensitive=True)
        if _SCIENTIFIC.fullmatch(text):
            raise InvalidValue(field, raw, "ids.scientific", sensitive=True)
        if _FLOAT_LIKE.fullmatch(text):
            raise InvalidValue(field, raw, "ids.numeric", sensitive=True)
        if "*" in text:
            raise InvalidValue(field, raw, "ids.masked", sensitive=True)
        if not (text.isascii() and text[:-1].isdigit() and (text[-1].isdigit() or text[-1] == "X")):
            raise InvalidValue(field, raw, "ids.chars", sensitive=True)

    if len(text) == 15 and text.isdigit():
        # Legacy numbers (issued before 1999) carry a 2-digit year of the 1900s and no check char.
        body = text[:6] + "19" + text[6:]
        born = _birth(body[6:14], field, raw)
        number = body + id_check_char(body)
        return ResidentId(number, born, _gender_of(number), upgraded=True)

    if len(text) != 18:
        raise InvalidValue(field, raw, "ids.length", sensitive=True, length=len(text))
    born = _birth(text[6:14], field, raw)
    if id_check_char(text[:17]) != text[17]:
        # Excel keeps 15 significant digits: the last three of an 18-digit number become 0.
        reason = "ids.truncated" if text.endswith("000") else "ids.checksum"
        raise InvalidValue(field, raw, reason, sensitive=True)
    return ResidentId(text, born, "male" if text[16] in "13579" else "female", upgraded=False)


def is_valid_id_number(raw: str) -> bool:
    try:
        parse_id_number(raw)
    except InvalidValue:
        return False
    return True


def _gender_of(number18: str) -> str:
    return "male" if int(number18[16]) % 2 else "female"


def make_id_number(region: str, birth: date, seq: int, gender: str) -> str:
    """A valid 18-character number; ``seq`` in 0..499 gives a distinct number per gender.

    The 3-digit sequence is ``2 * seq + 1`` for men and ``2 * seq`` for women, so the parity of its
    last digit encodes the gender as GB 11643 requires.
    """
    if not (len(region) == 6 and region.isascii() and region.isdigit()):
        raise ValueError(f"region must be 6 digits: {region!r}")
    if not 0 <= seq < 500:
        raise ValueError(f"seq must be in 0..499: {seq}")
    if gender not in ("male", "female"):
        raise ValueError(f"gender must be 'male' or 'female': {gender!r}")
    code = 2 * seq + (1 if gender == "male" else 0)
    body = f"{region}{birth:%Y%m%d}{code:03d}"
    return body + id_check_char(body)


def check_gender(rid: ResidentId, gender_code: str | None) -> None:
    """Refuse a 性别 value that contradicts the ID; a blank one is left to the ID."""
    if gender_code is None or not gender_code.strip():
        return
    from unioncli.enums import Gender

    given = Gender.parse(gender_code, "gender")
    if given.value != rid.gender:
        reason = "ids.gender_is_male" if rid.gender == "male" else "ids.gender_is_female"
        raise InvalidValue("gender", gender_code, reason)


def uscc_check_char(body17: str) -> str:
    total = sum(_USCC_INDEX[c] * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def parse_uscc(raw: str, field: str = "uscc") -> str:
    """Parse a unified social credit code (统一社会信用代码) into its 18 upper-case characters."""
    text = _clean(raw)
    if not text:
        raise InvalidValue(field, raw, "ids.uscc_empty")
    bad = "".join(dict.fromkeys(c for c in text if c not in _USCC_INDEX))
    if bad:
        raise InvalidValue(field, raw, "ids.uscc_chars", chars=bad)
    if len(text) != 18:
        raise InvalidValue(field, raw, "ids.uscc_length", length=len(text))
    if uscc_check_char(text[:17]) != text[17]:
        raise InvalidValue(field, raw, "ids.uscc_checksum")
    return text


def make_uscc(body17: str) -> str:
    body = body17.upper()
    if len(body) != 17 or any(c not in _USCC_INDEX for c in body):
        raise ValueError(f"body must be 17 USCC characters: {body17!r}")
    return body + uscc_check_char(body)


_PHONE_JUNK = re.compile(r"[\s\-().]+")
# 0451-86661234, (0451)86661234, 010 12345678: an area code in front of a local number.
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(?:-\d{1,6})?", re.ASCII)


def parse_mobile(raw: str, field: str = "phone") -> str:
    """Parse a mobile number into its 11 digits; landlines are refused with their own reason."""
    text = unicodedata.normalize("NFKC", raw).strip().lstrip("'‘’`")
    if not text:
        raise InvalidValue(field, raw, "ids.phone_empty", sensitive=True)
    # Look for an area code before the hyphens go: 0451-86661234 is a landline, not a typo.
    with_hyphens = _WHITESPACE.sub("", text).replace("(", "").replace(")", "")
    if _LANDLINE.fullmatch(with_hyphens):
        raise InvalidValue(field, raw, "ids.phone_landline", sensitive=True)
    digits = _PHONE_JUNK.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086") and len(digits) == 15:
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.fullmatch(digits):
        return digits
    if "*" in text:
        raise InvalidValue(field, raw, MASKED_PHONE, sensitive=True)
    if digits.isdigit() and (digits.startswith("0") or 7 <= len(digits) <= 8):
        raise InvalidValue(field, raw, "ids.phone_landline", sensitive=True)
    raise InvalidValue(field, raw, "ids.phone_format", sensitive=True)


def mask_id(number: str, head: int | None = None, tail: int | None = None) -> str:
    """``2301**********1234``: keeps ``head`` and ``tail`` characters, stars the rest.

    Without ``head``/``tail`` the county's setting applies (``UNIONCLI_ID_MASK``, default 4,4).
    """
    if head is None or tail is None:
        head, tail = id_mask_setting()
    if head + tail >= len(number):
        # Too short to hide anything while keeping both ends: hide it all rather than show it all.
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[len(number) - tail :]


def mask_phone(phone: str) -> str:
    return mask_id(phone, 3, 4)


def id_mask_setting() -> tuple[int, int]:
    """(head, tail) kept visible in ID numbers, from ``UNIONCLI_ID_MASK`` such as ``6,4``."""
    raw = os.environ.get("UNIONCLI_ID_MASK", "")
    parts = raw.replace("，", ",").split(",")
    try:
        head, tail = (int(p) for p in parts)
    except ValueError:
        return (4, 4)
    # A setting that would reveal most of the number defeats the mask: fall back to the default.
    if head < 0 or tail < 0 or head + tail > 12:
        return (4, 4)
    return (head, tail)


# The largest record number (ids are INTEGER columns; PostgreSQL refuses a bigger value outright).
MAX_RECORD_ID = 2**31 - 1


def record_id(ref: str | int) -> int | None:
    """The record number a clerk typed (``12``, ``#12``), or None when no record can have it.

    None for text that is not a plain number, and for a number too big for an id column, which a
    lookup would otherwise send to the database (an error on PostgreSQL, "not found" is right).
    """
    text = str(ref).strip().lstrip("#").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_RECORD_ID else None
