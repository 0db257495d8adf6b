"""What every register of the demo draws from: the county, its years, townships and names, and
the random helpers (a day in a range, a workday, a mobile number, new people)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from unioncli.ids import make_id_number
from unioncli.pinyin import name_keys

FIRST_YEAR, LAST_YEAR = 2015, 2024
COUNTY_REGION = "230125"  # the county's own region code; migrants come from the others
OTHER_REGIONS = ("230126", "230127", "231121", "410122", "341221", "511621")
TOWNSHIPS = ("城关镇", "河西镇", "东风镇", "新华街道", "红旗乡", "太平镇", "永安乡", "建设街道")
# a city's counties (区县), for ``counties``: Harbin's districts, counties and county-level cities
COUNTIES = (
    "道里区", "南岗区", "道外区", "平房区", "松北区", "香坊区", "呼兰区", "阿城区", "双城区",
    "依兰县", "方正县", "宾县", "巴彦县", "木兰县", "通河县", "延寿县", "尚志市", "五常市",
)  # fmt: skip

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强海燕鹏飞晓东宇浩然子轩欣怡佳琪雨桐梓涵一诺思远文博俊杰慧敏丹凤春生秋菊冬梅金凤永福长青德胜振华立新卫东"
EDUCATION = (
    "primary",
    "junior",
    "junior",
    "secondary_vocational",
    "senior",
    "senior",
    "college",
    "college",
    "bachelor",
    "postgraduate",
)
POLITICAL = ("masses",) * 7 + ("cpc_member", "cpc_member", "cyl_member")
BATCH = 20_000


def rand_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def workday(day: date) -> date:
    """The day, or the Monday after it when it falls on a weekend."""
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**8, 10**9)}"


class People:
    """New people (heads who are not members, family members), with ID numbers that can never
    meet a member's: the demo gives members sequence codes 0 or 3 mod 4, these get 1 or 2."""

    def __init__(self, rng: random.Random, first_id: int, now: Any) -> None:
        self.rng, self.next_id, self.now = rng, first_id, now
        self.seq: dict[tuple[str, date, str], int] = {}
        self.rows: list[dict[str, Any]] = []

    def add(
        self, birth: date, gender: str, surname: str | None = None, adult: bool = True
    ) -> dict[str, Any]:
        rng = self.rng
        region = COUNTY_REGION if rng.random() < 0.85 else rng.choice(OTHER_REGIONS)
        while True:
            k = (region, birth, gender)
            j = self.seq.get(k, -1) + 1
            if j < 250:
                break
            birth += timedelta(days=1)
        self.seq[k] = j
        number = make_id_number(region, birth, 2 * j + (0 if gender == "male" else 1), gender)
        name = (surname or rng.choice(SURNAMES)) + rng.choice(GIVEN)
        if rng.random() < 0.7:
            name += rng.choice(GIVEN)
        pinyin, initials = name_keys(name)
        row = {
            "id": self.next_id,
            "id_number": number,
            "id_rev": number[::-1],
            "name": name,
            "name_pinyin": pinyin,
            "name_initials": initials,
            "gender": gender,
            "birth_date": birth,
            "ethnicity": "汉族" if rng.random() < 0.93 else rng.choice(("满族", "朝鲜族", "回族")),
            "phone": mobile(rng) if adult and rng.random() < 0.6 else None,
            "education": rng.choice(EDUCATION[:6]) if adult else None,
            "political_status": rng.choice(POLITICAL) if adult else None,
            "hukou": rng.choice(("agricultural", "agricultural", "non_agricultural", "converted")),
            "created_at": self.now,
            "updated_at": self.now,
        }
        self.next_id += 1
        self.rows.append(row)
        return row
