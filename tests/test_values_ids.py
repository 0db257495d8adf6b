"""Resident IDs, USCC codes and mobiles as they arrive from clerks and spreadsheets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import stdnum.cn.ric as ric
import stdnum.cn.uscc as uscc
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidComponent

from unioncli.errors import ExitCode, InvalidValue
from unioncli.ids import (
    ResidentId,
    check_gender,
    id_check_char,
    id_mask_setting,
    make_id_number,
    make_uscc,
    mask_id,
    mask_phone,
    parse_id_number,
    parse_mobile,
    parse_uscc,
    record_id,
    uscc_check_char,
)

# The worked example of GB 11643: a woman born 1949-12-31 in Beijing's Chaoyang district.
GB_EXAMPLE = "11010519491231002X"
# A man born 1990-03-07 in Harbin (230102); check char computed by stdnum.
HARBIN = "230102199003070015"


def reason(raw: str, **kw: str) -> str:
    with pytest.raises(InvalidValue) as exc:
        parse_id_number(raw, **kw)
    return exc.value.reason


def test_both_fixtures_are_valid_for_stdnum() -> None:
    assert ric.is_valid(GB_EXAMPLE)
    assert ric.is_valid(HARBIN)


def test_valid_number_with_x() -> None:
    assert parse_id_number(GB_EXAMPLE) == ResidentId(
        GB_EXAMPLE, date(1949, 12, 31), "female", upgraded=False
    )


def test_valid_male_number() -> None:
    assert parse_id_number(HARBIN) == ResidentId(HARBIN, date(1990, 3, 7), "male", upgraded=False)


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",  # lowercase x
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width IME input
        "１１０１０５１９４９１２３１００２ｘ",
        " 110105 19491231 002X ",  # spaces from copying a formatted cell
        "110105\u300019491231002X",  # ideographic space
        "'11010519491231002X",  # Excel's text marker
        "11010519491231002X\n",
    ],
)
def test_normalisation(raw: str) -> None:
    assert parse_id_number(raw).number == GB_EXAMPLE


def test_fifteen_digit_legacy_number_is_upgraded() -> None:
    rid = parse_id_number("110105491231002")
    assert rid == ResidentId(GB_EXAMPLE, date(1949, 12, 31), "female", upgraded=True)
    assert ric.is_valid(rid.number)


def test_fifteen_digit_male() -> None:
    rid = parse_id_number("230102900307001")
    assert rid.number == HARBIN
    assert rid.gender == "male"
    assert rid.upgraded is True


def test_fifteen_digit_with_bad_date() -> None:
    assert reason("110105491331002") == "ids.birth_date"


@pytest.mark.parametrize(
    "raw", ["5.10322E+17", "5.10322e17", "5.10322E17", "1.10105E+17", "１．１０１０５Ｅ＋１７"]
)
def test_excel_scientific_notation(raw: str) -> None:
    assert reason(raw) == "ids.scientific"


@pytest.mark.parametrize("raw", ["2301**********1234", "230125********123X"])
def test_a_masked_number_from_an_export_is_named_as_such(raw: str) -> None:
    assert reason(raw) == "ids.masked"


def test_a_masked_phone_is_named_as_such() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_mobile("138****1234")
    assert exc.value.reason == "ids.phone_masked"


def test_scientific_message_names_the_cause_in_chinese() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_id_number("5.10322E+17")
    err = exc.value
    assert err.sensitive is True
    assert err.field == "id_number"
    assert err.exit_code == ExitCode.USAGE
    zh = err.message("zh")
    assert "科学计数法" in zh
    assert "文本" in zh
    assert zh.startswith("身份证号“")
    assert "scientific notation" in err.message("en")


@pytest.mark.parametrize(
    "raw", ["510322199001011000.0", "110105194912310000.0", "110105194912310.00"]
)
def test_number_read_back_as_float(raw: str) -> None:
    assert reason(raw) == "ids.numeric"


@pytest.mark.parametrize(
    "raw",
    [
        "110105194912310000",  # Excel kept 15 significant digits
        "230102199003070000",
        "510322199001011000",
    ],
)
def test_lost_last_digits(raw: str) -> None:
    assert reason(raw) == "ids.truncated"


def test_lost_digits_message_blames_excel_and_hides_the_number() -> None:
    raw = "230102199003070000"
    with pytest.raises(InvalidValue) as exc:
        parse_id_number(raw)
    zh = exc.value.message("zh")
    assert "15 位有效数字" in zh
    assert "Excel" in zh
    assert raw not in zh
    assert "230" in zh  # masked, not dropped: the clerk can still find the row
    assert raw not in exc.value.message("en")


def test_a_wrong_digit_is_a_plain_checksum_error() -> None:
    assert reason("110105194912310021") == "ids.checksum"
    assert reason("230102199003070017") == "ids.checksum"


def test_a_number_ending_in_0000_that_passes_the_check_is_accepted() -> None:
    # One truncated number in eleven passes the check by chance; nothing can tell it apart from a
    # real one, so it must be accepted like stdnum does.
    assert ric.is_valid("230102199001010000")
    assert parse_id_number("230102199001010000").birth_date == date(1990, 1, 1)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "ids.empty"),
        ("   ", "ids.empty"),
        ("11010519491231002", "ids.length"),  # 17: the check char was dropped
        ("1101051949123100212", "ids.length"),
        ("1101051949123", "ids.length"),
        ("11010519491231002Y", "ids.chars"),
        ("1101051949X231002X", "ids.chars"),
        ("110105-19491231-002X", "ids.chars"),
        ("张三", "ids.chars"),
        ("11010519490230002X", "ids.birth_date"),  # 30 February
        ("11010519491331002X", "ids.birth_date"),
        ("11010518991231002X", "ids.birth_range"),
        ("440524188001010014", "ids.birth_range"),  # the GB's own example, born 1880
    ],
)
def test_rejections(raw: str, key: str) -> None:
    assert reason(raw) == key


def test_length_message_says_how_many() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_id_number("11010519491231002")
    assert "实际 17 位" in exc.value.message("zh")


def test_birth_date_in_the_future() -> None:
    future = date.today() + timedelta(days=2)
    body = f"110105{future:%Y%m%d}002"
    assert reason(body + id_check_char(body)) == "ids.birth_range"


def test_field_key_is_passed_through() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_id_number("", field="parent_id_number")
    assert exc.value.field == "parent_id_number"


def test_every_id_error_is_sensitive() -> None:
    for raw in ["5.1E+17", "110105194912310000", "11010519491231002", "11010519490230002X"]:
        with pytest.raises(InvalidValue) as exc:
            parse_id_number(raw)
        assert exc.value.sensitive is True
        assert raw not in exc.value.message("zh")


_BIRTH = st.dates(min_value=date(1900, 1, 1), max_value=date.today())
# Region codes that stdnum's birthplace table knows, so that its is_valid can say yes.
_REGIONS = st.sampled_from(
    ["110105", "230102", "230103", "510322", "440305", "310104", "330106", "650102", "540102"]
)


@st.composite
def bodies(draw: st.DrawFn) -> str:
    seq = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    return f"{draw(_REGIONS)}{draw(_BIRTH):%Y%m%d}{seq}"


@given(st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_check_char_agrees_with_stdnum_on_any_digits(body: str) -> None:
    assert id_check_char(body) == ric.calc_check_digit(body + "0")


@given(bodies())
def test_valid_numbers_parse_and_stdnum_agrees(body: str) -> None:
    number = body + id_check_char(body)
    assert id_check_char(body) == ric.calc_check_digit(number)
    rid = parse_id_number(number)
    assert rid.number == number
    assert rid.birth_date == ric.get_birth_date(number)
    # stdnum also checks that the county existed in the birth year; that is the only way it may
    # refuse a number we accept (counties are renamed, and old numbers stay valid for life).
    try:
        ric.get_birth_place(number)
    except InvalidComponent:
        assert not ric.is_valid(number)
    else:
        assert ric.is_valid(number)


@given(bodies(), st.sampled_from("0123456789X"))
def test_wrong_check_chars_are_rejected_like_stdnum(body: str, check: str) -> None:
    number = body + check
    ours = True
    try:
        parse_id_number(number)
    except InvalidValue:
        ours = False
    assert ours == (check == ric.calc_check_digit(number))


@given(
    st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    _BIRTH,
    st.integers(0, 499),
    st.sampled_from(["male", "female"]),
)
def test_make_id_number_round_trips(region: str, birth: date, seq: int, gender: str) -> None:
    number = make_id_number(region, birth, seq, gender)
    rid = parse_id_number(number)
    assert rid == ResidentId(number, birth, gender, upgraded=False)
    assert number[14:17] == f"{2 * seq + (gender == 'male'):03d}"


def test_make_id_number_is_valid_for_stdnum() -> None:
    number = make_id_number("230102", date(1990, 3, 7), 0, "male")
    # seq 0 of a man is sequence 001
    assert number == HARBIN
    assert ric.is_valid(number)
    assert ric.get_birth_date(number) == date(1990, 3, 7)


@pytest.mark.parametrize(
    ("region", "seq", "gender"),
    [("23010", 1, "male"), ("230102", 500, "male"), ("230102", -1, "male"), ("230102", 1, "男")],
)
def test_make_id_number_refuses_bad_arguments(region: str, seq: int, gender: str) -> None:
    with pytest.raises(ValueError):
        make_id_number(region, date(1990, 1, 1), seq, gender)


# --- gender -------------------------------------------------------------------------------------


@pytest.mark.parametrize("given_gender", ["女", "female", "F", "女性", None, "", "  "])
def test_gender_agreeing_with_id(given_gender: str | None) -> None:
    check_gender(parse_id_number(GB_EXAMPLE), given_gender)


def test_gender_contradicting_id() -> None:
    with pytest.raises(InvalidValue) as exc:
        check_gender(parse_id_number(GB_EXAMPLE), "男")
    err = exc.value
    assert err.field == "gender"
    assert err.reason == "ids.gender_is_female"
    assert err.message("zh") == (
        "性别“男”无效：与身份证号不符：身份证号第 17 位为偶数，表示女性；请核对性别或身份证号"
    )


def test_gender_contradicting_male_id() -> None:
    with pytest.raises(InvalidValue) as exc:
        check_gender(parse_id_number(HARBIN), "female")
    assert exc.value.reason == "ids.gender_is_male"


def test_unknown_gender_word() -> None:
    with pytest.raises(InvalidValue) as exc:
        check_gender(parse_id_number(HARBIN), "未知")
    assert exc.value.reason == "enums.invalid"


# --- USCC ---------------------------------------------------------------------------------------

# A real company's published code and a trade union's (社会团体, starting 81) built here.
COMPANY = "91110000600037341L"


def test_uscc_valid_and_stdnum_agrees() -> None:
    assert uscc.is_valid(COMPANY)
    assert parse_uscc(COMPANY) == COMPANY


@pytest.mark.parametrize(
    "raw",
    [
        "91110000600037341l",
        "９１１１００００６０００３７３４１Ｌ",
        " 9111 0000 6000 3734 1L ",
        "'91110000600037341L",
    ],
)
def test_uscc_normalisation(raw: str) -> None:
    assert parse_uscc(raw) == COMPANY


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "ids.uscc_empty"),
        ("91110000600037341", "ids.uscc_length"),
        ("91110000600037341LL", "ids.uscc_length"),
        ("91110000600037341M", "ids.uscc_checksum"),
        ("9111000060003734IL", "ids.uscc_chars"),  # I is never used
        ("91110000600037341O", "ids.uscc_chars"),
    ],
)
def test_uscc_rejections(raw: str, key: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_uscc(raw)
    assert exc.value.reason == key
    assert exc.value.field == "uscc"


def test_uscc_bad_char_message_names_the_char() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_uscc("9111000060003734IL", field="employer_uscc")
    assert "“I”" in exc.value.message("zh")
    assert exc.value.message("zh").startswith("单位统一社会信用代码")


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(st.text(alphabet=_USCC_CHARS, min_size=17, max_size=17))
def test_uscc_check_char_agrees_with_stdnum(body: str) -> None:
    assert uscc_check_char(body) == uscc.calc_check_digit(body)
    code = make_uscc(body)
    assert parse_uscc(code) == code


def test_make_uscc_for_a_union() -> None:
    code = make_uscc("81230102MC0000001")
    assert code[:17] == "81230102MC0000001"
    assert uscc.is_valid(code)


def test_make_uscc_refuses_bad_body() -> None:
    with pytest.raises(ValueError):
        make_uscc("81230102MC000000I")


# --- mobile -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+86-13800138000",
        "(+86)13800138000",
        "008613800138000",
        "0086 138 0013 8000",
        "8613800138000",
        "１３８００１３８０００",
        " 13800138000 ",
        "'13800138000",
    ],
)
def test_mobile_forms(raw: str) -> None:
    assert parse_mobile(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw",
    ["0451-86661234", "(0451)86661234", "0451 8666 1234", "045186661234", "86661234", "8666123",
     "010-12345678"],
)  # fmt: skip
def test_landline_goes_elsewhere(raw: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_mobile(raw)
    assert exc.value.reason == "ids.phone_landline"
    assert "联系电话" in exc.value.message("zh")
    assert exc.value.sensitive is True


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "ids.phone_empty"),
        ("1380013800", "ids.phone_format"),  # 10 digits
        ("138001380001", "ids.phone_format"),
        ("12800138000", "ids.phone_format"),  # no 12x numbers
        ("1.38001E+10", "ids.phone_format"),
        ("无", "ids.phone_format"),
    ],
)
def test_mobile_rejections(raw: str, key: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_mobile(raw)
    assert exc.value.reason == key


def test_mobile_message_is_masked() -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_mobile("1380013800")
    assert "1380013800" not in exc.value.message("zh")


# --- masks --------------------------------------------------------------------------------------


def test_masks() -> None:
    assert mask_id("230102199003071234") == "2301**********1234"
    assert mask_id("230102199003071234", 6, 4) == "230102********1234"
    assert mask_id("230102199003071234", 0, 0) == "*" * 18
    assert mask_id("1234", 4, 4) == "****"
    assert mask_phone("13812341234") == "138****1234"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (None, (4, 4)),
        ("4,4", (4, 4)),
        ("6,4", (6, 4)),
        (" 6 , 4 ", (6, 4)),
        ("6，4", (6, 4)),
        ("3,3", (3, 3)),
        ("6", (4, 4)),
        ("a,b", (4, 4)),
        ("-1,4", (4, 4)),
        ("10,8", (4, 4)),
        ("", (4, 4)),
    ],
)
def test_id_mask_setting(monkeypatch: pytest.MonkeyPatch, env: str | None, expected: tuple) -> None:
    if env is None:
        monkeypatch.delenv("UNIONCLI_ID_MASK", raising=False)
    else:
        monkeypatch.setenv("UNIONCLI_ID_MASK", env)
    assert id_mask_setting() == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12", 12),
        ("#12", 12),
        (" # 7 ", 7),
        (12, 12),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),  # past an INTEGER column: no record has it
        ("99999999999999999999", None),
        ("0", None),
        ("", None),
        ("#", None),
        ("１２", None),  # full-width digits are not a record number
        ("²", None),
        ("12a", None),
    ],
)
def test_record_numbers(typed: str | int, expected: int | None) -> None:
    assert record_id(typed) == expected
