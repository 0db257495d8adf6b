"""The closed lists of the registers: English codes stored, Chinese labels shown and accepted.

Each member is declared as ``NAME = code, zh_label, en_label, aliases``; the aliases are the
legacy spellings that grassroots unions' spreadsheets still carry.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Self

from unioncli import i18n
from unioncli.errors import InvalidValue

i18n.register(
    {
        "enums.empty": (
            "不能为空；可填：{choices_zh}",
            "is empty; use one of: {choices_en}",
        ),
        "enums.invalid": (
            "不是可选值；请填以下之一：{choices_zh}",
            "is not one of the accepted values; use one of: {choices_en}",
        ),
        "enums.ethnicity": (
            "不是 56 个民族之一；请填民族全称，如“汉族”“蒙古族”",
            "is not one of the 56 official ethnic groups; "
            "use the full name, such as 汉族 or 蒙古族",
        ),
        "enums.bool": (
            "无法识别；请填“是”或“否”（也可用 Y/N、1/0、√/×）",
            "is not a yes/no value; use 是 or 否 (or Y/N, 1/0, √/×)",
        ),
    }
)

_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    # NFKC turns full-width brackets and letters into ASCII, so （外卖） and (外卖) meet.
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


class Choice(StrEnum):
    """Base of every enumeration: the value is the English code stored in the database."""

    zh: str
    en: str
    aliases: tuple[str, ...]

    # zh and en have defaults only so that type checkers accept the value lookup ``Cls("code")``;
    # every member declares both.
    def __new__(cls, code: str, zh: str = "", en: str = "", aliases: tuple[str, ...] = ()) -> Self:
        if not (zh and en):
            raise TypeError(f"{cls.__name__} member {code!r} needs a zh and an en label")
        member = str.__new__(cls, code)
        member._value_ = code
        member.zh = zh
        member.en = en
        member.aliases = aliases
        return member

    def label(self, lang: str | None = None) -> str:
        return self.en if (lang or i18n.get_lang()) == "en" else self.zh

    @classmethod
    def codes(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls)

    @classmethod
    def labels(cls, lang: str | None = None) -> tuple[str, ...]:
        return tuple(m.label(lang) for m in cls)

    @classmethod
    def _lookup(cls) -> dict[str, Self]:
        table: dict[str, Self] | None = cls.__dict__.get("_lookup_table")
        if table is None:
            table = {}
            for m in cls:
                for spelling in (m.value, m.zh, m.en, *m.aliases):
                    table.setdefault(_key(spelling), m)
            # Set after the class is built: an attribute assigned in the body would become a member.
            type.__setattr__(cls, "_lookup_table", table)
        return table

    @classmethod
    def parse(cls, raw: str, field: str) -> Self:
        """Accept the English code (any case), the Chinese label or a legacy alias."""
        key = _key(raw)
        found = cls._lookup().get(key) if key else None
        if found is None:
            raise InvalidValue(
                field,
                raw,
                "enums.invalid" if key else "enums.empty",
                choices_zh="、".join(cls.labels("zh")),
                choices_en=", ".join(cls.codes()),
            )
        return found


class Gender(Choice):
    MALE = "male", "男", "male", ("男性", "M")
    FEMALE = "female", "女", "female", ("女性", "F")


class Education(Choice):
    PRIMARY = "primary", "小学及以下", "primary school or less", ("小学",)
    JUNIOR = "junior", "初中", "junior secondary"
    SECONDARY_VOCATIONAL = (
        "secondary_vocational",
        "中专",
        "secondary vocational",
        ("中职", "职高", "技校"),
    )
    SENIOR = "senior", "高中", "senior secondary"
    COLLEGE = "college", "大专", "junior college", ("专科",)
    BACHELOR = "bachelor", "大学", "bachelor", ("本科", "大学本科")
    POSTGRADUATE = (
        "postgraduate",
        "研究生",
        "postgraduate",
        ("硕士", "博士", "硕士研究生", "博士研究生"),
    )


class GigGroup(Choice):
    TRUCK_DRIVER = "truck_driver", "货车司机", "truck driver"
    COURIER = "courier", "快递员", "courier"
    FOOD_DELIVERY = (
        "food_delivery",
        "网约送餐员(外卖)",
        "food delivery rider",
        ("外卖", "外卖员", "网约送餐员", "外卖骑手", "骑手"),
    )
    RIDE_HAILING = "ride_hailing", "网约车司机", "ride-hailing driver"
    DOMESTIC = "domestic", "家政服务员", "domestic worker"
    CARE_WORKER = "care_worker", "护工护理员", "care worker", ("护工", "护理员")
    SECURITY = "security", "保安员", "security guard", ("保安",)
    MALL_GUIDE = "mall_guide", "商场信息员", "mall information clerk"
    ESTATE_AGENT = "estate_agent", "房地产经纪人员", "estate agent", ("房产经纪人",)
    OTHER = "other", "其他", "other"


class PoliticalStatus(Choice):
    CPC_MEMBER = "cpc_member", "中共党员", "CPC member", ("党员",)
    CPC_PROBATIONARY = "cpc_probationary", "中共预备党员", "CPC probationary member", ("预备党员",)
    CYL_MEMBER = "cyl_member", "共青团员", "Communist Youth League member", ("团员",)
    DEMOCRATIC_PARTY = "democratic_party", "民主党派", "democratic party member"
    NO_PARTY = "no_party", "无党派人士", "no party affiliation"
    MASSES = "masses", "群众", "ordinary citizen"


class Hukou(Choice):
    NON_AGRICULTURAL = "non_agricultural", "非农业", "non-agricultural", ("城镇", "非农")
    AGRICULTURAL = "agricultural", "农业", "agricultural", ("农村",)
    CONVERTED = "converted", "农转居", "converted from agricultural"


class OrgType(Choice):
    INDEPENDENT = "independent", "独立基层工会", "independent grassroots union"
    JOINT = "joint", "联合基层工会", "joint grassroots union"
    INDUSTRY = "industry", "行业工会联合会", "industry union federation"
    NEW_EMPLOYMENT = "new_employment", "新就业形态工会联合会", "new forms of employment federation"
    TOWNSHIP = (
        "township",
        "乡镇(街道)工会",
        "township (subdistrict) union",
        ("乡镇工会", "街道工会"),
    )


class OrgDissolution(Choice):
    """How a union ended (a dissolution is terminal: a re-founded union is a new union)."""

    REVOKED = "revoked", "撤销", "revoked"
    DEREGISTERED = "deregistered", "注销", "deregistered"
    MERGED = "merged", "合并", "merged", ("并入",)


class MemberStatus(Choice):
    ACTIVE = "active", "在册", "active"
    RETAINED = "retained", "保留会籍", "retained"
    TRANSFERRED_OUT = "transferred_out", "转出", "transferred out"
    LEFT = "left", "退会", "left"
    REMOVED = "removed", "除名", "removed"
    DECEASED = "deceased", "死亡", "deceased"


class MemberEventKind(Choice):
    JOIN = "join", "入会", "join"
    TRANSFER_IN = "transfer_in", "转入", "transfer in"
    TRANSFER_OUT = "transfer_out", "转出", "transfer out"
    RETAIN = "retain", "保留", "retain"
    RESTORE = "restore", "恢复", "restore"
    LEAVE = "leave", "退会", "leave"
    REMOVE = "remove", "除名", "remove"
    DEATH = "death", "死亡", "death"


class HardshipCategory(Choice):
    """困难类别. The legacy labels of older files are accepted on import (SPEC §2.2)."""

    DEEP = "deep", "深度困难", "deep hardship", ("特困", "极困", "低保户", "特困户", "深度困难户")
    RELATIVE = "relative", "相对困难", "relative hardship", ("一般困难", "低保边缘户", "相对困难户")
    ACCIDENT = "accident", "意外致困", "hardship from an accident", ("意外致困户",)


class HardshipCause(Choice):
    """主要致困原因 (and the secondary causes, from the same list)."""

    NO_WORK_CAPACITY = "no_work_capacity", "无劳动能力", "unable to work"
    UNEMPLOYED = "unemployed", "有劳动能力而未就业", "able to work but without a job"
    LAID_OFF = "laid_off", "下岗失业", "laid off"
    UNINSURED = "uninsured", "未参加社会保险", "no social insurance"
    INSURANCE_GAP = "insurance_gap", "社会保险待遇落实不到位", "social insurance benefits not paid"
    ILLNESS = "illness", "患重特大疾病", "serious illness", ("重大疾病", "大病")
    DISASTER = "disaster", "遭受自然灾害", "natural disaster", ("自然灾害",)
    ACCIDENT = "accident", "遭受意外事故", "accident", ("意外事故",)
    SCHOOLING = "schooling", "子女上学", "children's schooling", ("子女就学",)
    OTHER = "other", "其他", "other"


class FileStatus(Choice):
    OPEN = "open", "在档", "open"
    CLOSED = "closed", "已退档", "closed", ("退档",)


class CloseReason(Choice):
    """退档原因."""

    RECOVERED = "recovered", "脱困", "out of hardship"
    SAFETY_NET = (
        "safety_net",
        "解困转兜底",
        "moved to the social-assistance safety net",
        ("转兜底",),
    )
    RETIRED = "retired", "退休", "retired"
    MOVED = "moved", "调离", "moved away"
    DECEASED = "deceased", "死亡", "deceased"
    INELIGIBLE = "ineligible", "不符合条件", "no longer eligible"


class AidKind(Choice):
    """帮扶类型."""

    LIVING = "living", "生活救助", "living aid"
    MEDICAL = "medical", "医疗救助", "medical aid", ("大病救助",)
    SCHOOLING = "schooling", "助学", "schooling aid", ("助学救助",)
    WARMTH = "warmth", "送温暖", "winter warmth", ("两节慰问",)
    EMPLOYMENT = "employment", "就业帮扶", "employment aid", ("就业援助",)
    OTHER = "other", "其他", "other"


class SchoolLevel(Choice):
    """学段 of a 金秋助学 student."""

    PRESCHOOL = "preschool", "学前", "preschool", ("幼儿园", "学前教育")
    PRIMARY = "primary", "小学", "primary school"
    JUNIOR = "junior", "初中", "junior secondary"
    SENIOR = "senior", "高中", "senior secondary", ("普通高中",)
    VOCATIONAL_SECONDARY = (
        "vocational_secondary",
        "中职",
        "secondary vocational",
        ("中专", "职高", "技校"),
    )
    VOCATIONAL_COLLEGE = (
        "vocational_college",
        "高职(专科)",
        "vocational college",
        ("高职", "专科", "大专", "高职（专科）"),
    )
    BACHELOR = "bachelor", "本科", "bachelor", ("大学本科", "大学")
    POSTGRADUATE = "postgraduate", "研究生", "postgraduate", ("硕士", "博士", "硕士研究生")


class GrantStatus(Choice):
    APPLIED = "applied", "申请", "applied", ("已申请", "待审批")
    APPROVED = "approved", "已批准", "approved", ("批准",)
    PAID = "paid", "已发放", "paid", ("发放",)
    REJECTED = "rejected", "不予资助", "rejected", ("不批准", "驳回")
    WITHDRAWN = "withdrawn", "撤回", "withdrawn", ("已撤回",)


class Eligibility(Choice):
    """Why a student may have a grant: the parent's open hardship file, migrant membership, or an
    override the clerk recorded a reason for."""

    HARDSHIP_FILE = "hardship_file", "建档困难职工子女", "child of a hardship-file household"
    MIGRANT_MEMBER = "migrant_member", "农民工会员子女", "child of a migrant-worker member"
    OVERRIDE = "override", "特批", "override"


class BuildModel(Choice):
    """建设模式 of a worker station."""

    SELF_BUILT = "self_built", "工会自建", "built by the union", ("自建",)
    CO_BUILT = "co_built", "社会共建", "built with a partner", ("共建",)


class StationStatus(Choice):
    OPEN = "open", "开放", "open", ("正常", "运行")
    SUSPENDED = "suspended", "暂停", "suspended", ("暂停开放",)
    CLOSED = "closed", "撤销", "closed", ("已撤销", "关闭")


class StationRating(Choice):
    """A station's rating for a year: what the federation awarded (none: not rated / withdrawn)."""

    NONE = "none", "无", "none", ("未评级", "取消", "撤销评级")
    STANDARD = "standard", "达标", "standard", ("达标站点",)
    DEMONSTRATION = "demonstration", "示范", "demonstration", ("示范站点", "示范驿站")
    MOST_BEAUTIFUL = "most_beautiful", "最美驿站", "most beautiful", ("最美",)


class Facility(Choice):
    """设施 of a worker station; the first four marked ``required`` are the standard minimum."""

    WATER = "water", "饮水", "drinking water", ("饮用水", "热水")
    MICROWAVE = "microwave", "微波炉", "microwave"
    FRIDGE = "fridge", "冰箱", "fridge"
    CLIMATE = "climate", "空调/取暖", "air conditioning / heating", ("空调", "取暖", "暖气")
    SEATING = "seating", "桌椅", "tables and chairs", ("座椅", "桌凳")
    TOILET = "toilet", "卫生间", "toilet", ("厕所",)
    FIRST_AID = "first_aid", "应急药箱", "first-aid kit", ("药箱", "急救箱")
    PHONE_CHARGING = "phone_charging", "手机充电", "phone charging", ("充电",)
    EV_CHARGING = "ev_charging", "电动车充电", "e-bike charging", ("电瓶车充电",)
    WIFI = "wifi", "无线网络", "wi-fi", ("WiFi", "wi-fi", "无线上网")
    READING = "reading", "书报", "books and newspapers", ("图书", "报刊")
    UMBRELLA = "umbrella", "雨伞", "umbrellas", ("爱心雨伞",)
    TOOLBOX = "toolbox", "工具箱", "toolbox", ("维修工具",)
    AED = "aed", "AED", "AED", ("除颤仪",)
    NURSING = "nursing", "母婴室", "nursing room"


REQUIRED_FACILITIES = (
    Facility.WATER,
    Facility.SEATING,
    Facility.FIRST_AID,
    Facility.PHONE_CHARGING,
)


# Blank cells and the ways clerks write "none" in a 新就业形态群体 column.
_NO_GIG_GROUP = frozenset(_key(s) for s in ("无", "否", "none", "n", "没有", "-", "/"))


def parse_gig_group(raw: str | None, field: str = "gig_group") -> GigGroup | None:
    if raw is None or _key(raw) in _NO_GIG_GROUP or not _key(raw):
        return None
    return GigGroup.parse(raw, field)


ETHNICITIES: tuple[str, ...] = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族",
    "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族",
    "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)  # fmt: skip

# Files often drop the trailing 族 (汉, 蒙古); both spellings lead to the official name.
_ETHNICITY_LOOKUP = {name: name for name in ETHNICITIES} | {name[:-1]: name for name in ETHNICITIES}


def parse_ethnicity(raw: str, field: str = "ethnicity") -> str:
    found = _ETHNICITY_LOOKUP.get(_SPACE.sub("", unicodedata.normalize("NFKC", raw)))
    if found is None:
        raise InvalidValue(field, raw, "enums.ethnicity")
    return found


_TRUE = frozenset(_key(s) for s in ("是", "y", "yes", "1", "√", "✓", "true"))
_FALSE = frozenset(_key(s) for s in ("否", "n", "no", "0", "×", "✗", "false"))


def parse_bool(raw: str | bool | int, field: str = "yes_no") -> bool:
    """Yes/no as clerks write it; a blank is an error, since only the caller knows the default."""
    if isinstance(raw, bool):
        return raw
    key = _key(str(raw))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise InvalidValue(field, raw, "enums.bool")
