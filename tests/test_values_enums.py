"""Closed lists, ethnicities, yes/no and pinyin name keys."""

from __future__ import annotations

import pytest

from unioncli import i18n
from unioncli.enums import (
    ETHNICITIES,
    Choice,
    Education,
    Gender,
    GigGroup,
    Hukou,
    MemberEventKind,
    MemberStatus,
    OrgType,
    PoliticalStatus,
    parse_bool,
    parse_ethnicity,
    parse_gig_group,
)
from unioncli.errors import InvalidValue
from unioncli.pinyin import looks_latin, name_keys

ALL: list[type[Choice]] = [
    Gender,
    Education,
    GigGroup,
    PoliticalStatus,
    Hukou,
    OrgType,
    MemberStatus,
    MemberEventKind,
]


def test_codes_are_exactly_the_specified_ones() -> None:
    assert Gender.codes() == ("male", "female")
    assert Education.codes() == (
        "primary",
        "junior",
        "secondary_vocational",
        "senior",
        "college",
        "bachelor",
        "postgraduate",
    )
    assert GigGroup.codes() == (
        "truck_driver",
        "courier",
        "food_delivery",
        "ride_hailing",
        "domestic",
        "care_worker",
        "security",
        "mall_guide",
        "estate_agent",
        "other",
    )
    assert PoliticalStatus.codes() == (
        "cpc_member",
        "cpc_probationary",
        "cyl_member",
        "democratic_party",
        "no_party",
        "masses",
    )
    assert Hukou.codes() == ("non_agricultural", "agricultural", "converted")
    assert OrgType.codes() == ("independent", "joint", "industry", "new_employment", "township")
    assert MemberStatus.codes() == (
        "active",
        "retained",
        "transferred_out",
        "left",
        "removed",
        "deceased",
    )
    assert MemberEventKind.codes() == (
        "join",
        "transfer_in",
        "transfer_out",
        "retain",
        "restore",
        "leave",
        "remove",
        "death",
    )


def test_chinese_labels_are_the_spec_labels() -> None:
    assert Education.labels("zh") == (
        "小学及以下",
        "初中",
        "中专",
        "高中",
        "大专",
        "大学",
        "研究生",
    )
    assert GigGroup.FOOD_DELIVERY.label("zh") == "网约送餐员(外卖)"
    assert OrgType.TOWNSHIP.label("zh") == "乡镇(街道)工会"
    assert MemberStatus.labels("zh") == ("在册", "保留会籍", "转出", "退会", "除名", "死亡")


def test_members_are_their_codes() -> None:
    assert GigGroup.FOOD_DELIVERY == "food_delivery"
    assert str(Hukou.CONVERTED) == "converted"
    assert f"{MemberStatus.ACTIVE}" == "active"
    assert MemberStatus("retained") is MemberStatus.RETAINED


@pytest.mark.parametrize("cls", ALL)
def test_every_code_and_label_parses_back(cls: type[Choice]) -> None:
    for member in cls:
        assert cls.parse(member.value, "f") is member
        assert cls.parse(member.value.upper(), "f") is member
        assert cls.parse(member.label("zh"), "f") is member
        assert cls.parse(member.label("en"), "f") is member
        for alias in member.aliases:
            assert cls.parse(alias, "f") is member


@pytest.mark.parametrize(
    ("cls", "raw", "expected"),
    [
        (Gender, "男", Gender.MALE),
        (Gender, "女性", Gender.FEMALE),
        (Gender, "m", Gender.MALE),
        (Gender, "Ｆ", Gender.FEMALE),
        (Gender, " Female ", Gender.FEMALE),
        (Education, "小学", Education.PRIMARY),
        (Education, "技校", Education.SECONDARY_VOCATIONAL),
        (Education, "职高", Education.SECONDARY_VOCATIONAL),
        (Education, "专科", Education.COLLEGE),
        (Education, "本科", Education.BACHELOR),
        (Education, "大学本科", Education.BACHELOR),
        (Education, "博士研究生", Education.POSTGRADUATE),
        (Education, "硕士", Education.POSTGRADUATE),
        (GigGroup, "网约送餐员（外卖）", GigGroup.FOOD_DELIVERY),  # full-width brackets
        (GigGroup, "外卖骑手", GigGroup.FOOD_DELIVERY),
        (GigGroup, "骑手", GigGroup.FOOD_DELIVERY),
        (GigGroup, "护工", GigGroup.CARE_WORKER),
        (GigGroup, "保安", GigGroup.SECURITY),
        (GigGroup, "房产经纪人", GigGroup.ESTATE_AGENT),
        (GigGroup, "Ride_Hailing", GigGroup.RIDE_HAILING),
        (PoliticalStatus, "党员", PoliticalStatus.CPC_MEMBER),
        (PoliticalStatus, "预备党员", PoliticalStatus.CPC_PROBATIONARY),
        (PoliticalStatus, "团员", PoliticalStatus.CYL_MEMBER),
        (Hukou, "城镇", Hukou.NON_AGRICULTURAL),
        (Hukou, "非农", Hukou.NON_AGRICULTURAL),
        (Hukou, "农村", Hukou.AGRICULTURAL),
        (OrgType, "乡镇（街道）工会", OrgType.TOWNSHIP),
        (OrgType, "街道工会", OrgType.TOWNSHIP),
        (OrgType, "乡镇 (街道) 工会", OrgType.TOWNSHIP),
        (MemberEventKind, "转入", MemberEventKind.TRANSFER_IN),
        (MemberStatus, "转出", MemberStatus.TRANSFERRED_OUT),
    ],
)
def test_aliases(cls: type[Choice], raw: str, expected: Choice) -> None:
    assert cls.parse(raw, "f") is expected


@pytest.mark.parametrize(
    ("cls", "raw"),
    [
        (Gender, "1"),
        (Gender, "未知"),
        (Gender, "男女"),
        (Education, "文盲"),
        (Education, "大学专科本科"),
        (Hukou, "城市"),
        (PoliticalStatus, "党"),
        (GigGroup, "无"),  # "none" is parse_gig_group's business, not the enum's
    ],
)
def test_unknown_values(cls: type[Choice], raw: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        cls.parse(raw, "status")
    assert exc.value.reason == "enums.invalid"


def test_unknown_value_message_lists_the_labels() -> None:
    with pytest.raises(InvalidValue) as exc:
        Hukou.parse("城市", "hukou")
    err = exc.value
    assert err.field == "hukou"
    assert err.message("zh") == "户籍类型“城市”无效：不是可选值；请填以下之一：非农业、农业、农转居"
    assert err.message("en") == (
        "hukou “城市” is invalid: is not one of the accepted values; "
        "use one of: non_agricultural, agricultural, converted"
    )


def test_blank_enum_value() -> None:
    with pytest.raises(InvalidValue) as exc:
        Education.parse("  ", "education")
    assert exc.value.reason == "enums.empty"
    assert "小学及以下、初中" in exc.value.message("zh")


def test_label_follows_the_current_language() -> None:
    try:
        i18n.set_lang("en")
        assert Hukou.CONVERTED.label() == "converted from agricultural"
        i18n.set_lang("zh")
        assert Hukou.CONVERTED.label() == "农转居"
    finally:
        i18n.set_lang(None)
    assert Gender.MALE.label("en") == "male"
    assert Gender.MALE.label("zh") == "男"


@pytest.mark.parametrize("raw", [None, "", "  ", "无", "否", "none", "None", "N", "n", "－"])
def test_no_gig_group(raw: str | None) -> None:
    assert parse_gig_group(raw) is None


def test_gig_group_present() -> None:
    assert parse_gig_group("外卖") is GigGroup.FOOD_DELIVERY
    with pytest.raises(InvalidValue) as exc:
        parse_gig_group("程序员")
    assert exc.value.field == "gig_group"


# --- ethnicity ----------------------------------------------------------------------------------


def test_56_distinct_ethnicities() -> None:
    assert len(ETHNICITIES) == 56
    assert len(set(ETHNICITIES)) == 56
    assert all(name.endswith("族") for name in ETHNICITIES)
    assert ETHNICITIES[0] == "汉族"
    assert ETHNICITIES[-1] == "基诺族"
    for name in ("维吾尔族", "柯尔克孜族", "乌孜别克族", "鄂伦春族", "珞巴族", "仡佬族"):
        assert name in ETHNICITIES


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("汉族", "汉族"),
        ("汉", "汉族"),
        (" 汉 族 ", "汉族"),
        ("蒙古", "蒙古族"),
        ("蒙古族", "蒙古族"),
        ("维吾尔", "维吾尔族"),
        ("土家族", "土家族"),
        ("土", "土族"),
        ("水", "水族"),
        ("京族", "京族"),
    ],
)
def test_ethnicity(raw: str, expected: str) -> None:
    assert parse_ethnicity(raw) == expected


@pytest.mark.parametrize("raw", ["穿青人", "其他", "", "汉族人", "Han", "族"])
def test_not_an_ethnicity(raw: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_ethnicity(raw)
    assert exc.value.reason == "enums.ethnicity"
    assert exc.value.field == "ethnicity"
    assert "56 个民族" in exc.value.message("zh")


# --- yes/no -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["是", "Y", "y", "yes", "YES", "1", "√", "✓", "true", "True", "Ｙ", " 是 ", 1, True]
)
def test_yes(raw: str | int | bool) -> None:
    assert parse_bool(raw) is True


@pytest.mark.parametrize(
    "raw", ["否", "N", "n", "no", "No", "0", "×", "✗", "false", "FALSE", "０", 0, False]
)
def test_no(raw: str | int | bool) -> None:
    assert parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["", "  ", "对", "错", "是的", "2", "x", "可能", 2])
def test_not_yes_or_no(raw: str | int) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_bool(raw, field="migrant")
    assert exc.value.reason == "enums.bool"
    assert exc.value.message("zh").startswith("是否农民工“")


# --- pinyin -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("张伟", ("zhangwei", "zw")),
        ("王 芳", ("wangfang", "wf")),
        ("吕布", ("lvbu", "lb")),  # ü typed as v
        ("曾国藩", ("zengguofan", "zgf")),  # surname readings of polyphones
        ("单雄信", ("shanxiongxin", "sxx")),
        ("解缙", ("xiejin", "xj")),
        ("李曾", ("liceng", "lc")),  # only the first character is read as a surname
        ("王长青", ("wangchangqing", "wcq")),  # the given name is read as a word
        ("ABC李", ("abcli", "al")),  # a Latin run is one chunk
        ("阿依古丽·买买提", ("ayigulimaimaiti", "ayglmmt")),
        ("", ("", "")),
    ],
)
def test_name_keys(name: str, keys: tuple[str, str]) -> None:
    assert name_keys(name) == keys


@pytest.mark.parametrize(
    ("query", "latin"),
    [("zhangwei", True), ("ZW", True), ("zhang wei", True), ("ｚｗ", True), ("张伟", False),
     ("zhang伟", False), ("", False), ("138", False)],
)  # fmt: skip
def test_looks_latin(query: str, latin: bool) -> None:
    assert looks_latin(query) is latin
