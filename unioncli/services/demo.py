"""A realistic, deterministic sample county ledger: the first thing a newcomer sees.

Built with bulk inserts so that ``--members 1000000`` finishes in about a minute: the same seed
always gives the same ledger, down to each ID number. Besides unions and members it holds the
federation's casework (SPEC §2.2): hardship files with their families, yearly reviews, home visits,
closures and reopenings, the county's 低保 line per year, and every payment of aid; and the 金秋助学
rounds (SPEC §2.3): each year's standards and budget, and the grants to the children of hardship
households and of migrant-worker members, from application to payment; and the outdoor-worker
stations (SPEC §2.4) across the townships, with their yearly ratings and monthly service ledger.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, literal, select
from sqlmodel import SQLModel, col

from unioncli.config import Target
from unioncli.db.schema import move_sequences
from unioncli.db.uow import append_audit
from unioncli.enums import Facility, SchoolLevel
from unioncli.errors import Conflict
from unioncli.i18n import register
from unioncli.ids import make_id_number, make_uscc
from unioncli.models import AuditEntry, LedgerMeta, Member, MemberEvent, Org, Person
from unioncli.models.base import utcnow
from unioncli.models.grant import Grant, GrantRound, GrantStandard
from unioncli.models.hardship import (
    Aid,
    FamilyMember,
    HardshipFile,
    HardshipReview,
    HardshipVisit,
    LowIncomeLine,
)
from unioncli.models.station import Station, StationEvent, StationLog, StationRatingEntry
from unioncli.pinyin import name_keys
from unioncli.services.common import years_after

register(
    {
        "demo.real_data": (
            "该台账里有不是演示生成的数据（审计日志里有其他操作），演示不会覆盖它。"
            "要两者都留，请把演示放在另一个文件：unioncli demo --db demo.sqlite3",
            "this ledger holds work the demo did not make (the audit log records other writes); "
            "the demo will not overwrite it. To keep both, put the demo in a file of its own: "
            "unioncli demo --db demo.sqlite3",
        ),
    }
)

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
EMPLOYERS = (
    "第一小学",
    "第二中学",
    "人民医院",
    "中医院",
    "供电公司",
    "自来水公司",
    "农村信用社",
    "建筑工程有限公司",
    "粮食收储有限公司",
    "米业有限公司",
    "物流有限公司",
    "快递服务站",
    "汽车运输有限公司",
    "家政服务有限公司",
    "物业管理有限公司",
    "商贸城",
    "环卫所",
    "酒店",
    "食品有限公司",
    "木业有限公司",
    "养老服务中心",
    "保安服务有限公司",
    "网约车服务中心",
)
ORG_TYPES = ("independent",) * 6 + ("joint", "joint", "industry", "new_employment", "township")
GIG_GROUPS = (
    "truck_driver",
    "courier",
    "courier",
    "food_delivery",
    "food_delivery",
    "food_delivery",
    "ride_hailing",
    "domestic",
    "care_worker",
    "security",
    "mall_guide",
    "estate_agent",
    "other",
)
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


@dataclass(frozen=True)
class DemoResult:
    orgs: int
    members: int
    events: int
    files: int = 0  # hardship files, open and closed
    open_files: int = 0
    aid: int = 0  # aid entries, reversing entries included
    grants: int = 0  # 金秋助学 grants, whatever their status
    grant_rounds: int = 0
    stations: int = 0  # outdoor-worker stations, suspended and closed ones included
    station_ratings: int = 0
    station_logs: int = 0  # monthly service-ledger entries
    counties: int = 0  # 0: a county's own ledger (no county set)


def _rand_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


# audit actions that a demo ledger may hold and that change nothing a clerk made: the build
# itself, and looking at whole ID numbers (a reveal is recorded, but writes nothing of the ledger)
DEMO_ONLY_ACTIONS = ("demo.build", "reveal")


def holds_data(conn: Connection) -> bool:
    """Whether the ledger holds any record (a union, a person, a setting, a station...)."""
    return any(
        conn.execute(select(literal(1)).select_from(model).limit(1)).first() is not None
        for model in (
            Org,
            Person,
            HardshipFile,
            LowIncomeLine,
            GrantRound,
            GrantStandard,
            Station,
        )
    )


def refuse_real_work(conn: Connection) -> bool:
    """Refuse (``Conflict``) a ledger that holds anything the demo did not make; say whether
    it holds data at all (then it is a demo ledger, which a rebuild replaces).

    The demo marks its ledger, but a clerk may have started work in it since: every write is
    in the audit log, so any entry but the build (and reveals, which write nothing) is work."""
    other_work = conn.execute(
        select(literal(1))
        .select_from(AuditEntry)
        .where(col(AuditEntry.action).not_in(DEMO_ONLY_ACTIONS))
        .limit(1)
    ).first()
    if other_work is not None:
        raise Conflict("demo.real_data")
    if not holds_data(conn):
        return False
    is_demo = conn.execute(
        select(col(LedgerMeta.value)).where(col(LedgerMeta.key) == "demo")
    ).scalar()
    if is_demo != "1":
        raise Conflict("demo.real_data")
    return True


def save_before_rebuild(engine: Engine, target: Target) -> Path | None:
    """Before a demo ledger is rebuilt, keep it in ``backups/`` beside it (SQLite); refuse a
    ledger with real work in it. Returns the backup's path, None when there was nothing to keep
    (an empty ledger, or one on a server, where the rebuilt demo is what the seed makes again)."""
    with engine.connect() as conn:
        rebuild = refuse_real_work(conn)
    if not rebuild or not target.is_sqlite:
        return None
    from unioncli.db.maintenance import backup

    return backup(target)


def _clear_demo(conn: Connection) -> None:
    """Refuse to touch a ledger with real work in it; empty a ledger that holds only the demo."""
    refuse_real_work(conn)
    # children first: grants point at people and files, aid and a file's records at the file,
    # files at people and unions; the stations' events, ratings and ledger at the stations
    for model in (
        StationEvent,
        StationLog,
        StationRatingEntry,
        Station,
        Grant,
        GrantStandard,
        GrantRound,
        Aid,
        HardshipReview,
        HardshipVisit,
        FamilyMember,
        HardshipFile,
        LowIncomeLine,
        MemberEvent,
        Member,
        Person,
        Org,
        AuditEntry,
        LedgerMeta,
    ):
        conn.execute(delete(model))


def _orgs(rng: random.Random, n: int, today: date) -> list[dict[str, Any]]:
    rows = []
    names: set[str] = set()
    for i in range(n):
        township = TOWNSHIPS[i % len(TOWNSHIPS)]
        kind = rng.choice(ORG_TYPES)
        while True:
            employer = f"{township}{rng.choice(SURNAMES)}{rng.choice('兴旺盛发达隆昌顺利鑫源')}{rng.choice(EMPLOYERS)}"
            name = {
                "joint": f"{township}{employer[len(township) : len(township) + 2]}联合工会",
                "industry": f"{township}{rng.choice(('建筑', '餐饮', '物流', '商贸'))}行业工会联合会",
                "new_employment": f"{township}新就业形态劳动者工会联合会",
                "township": f"{township}总工会",
            }.get(kind, f"{employer}工会")
            if name not in names:
                break
            kind = "independent"
        names.add(name)
        # most unions are old; a share is founded each year of the decade the demo covers
        founded = (
            _rand_date(rng, date(1995, 1, 1), date(FIRST_YEAR - 1, 12, 31))
            if rng.random() < 0.55
            else _rand_date(rng, date(FIRST_YEAR, 1, 1), min(date(LAST_YEAR, 12, 31), today))
        )
        rows.append(
            {
                "id": i + 1,
                "name": name,
                "uscc": make_uscc(f"81{COUNTY_REGION}{i + 1:09d}"),
                "employer": employer,
                "employer_uscc": make_uscc(f"91{COUNTY_REGION}MA{i + 1:07d}"),
                "type": kind,
                "township": township,
                "founded": founded,
                "chair": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "phone": f"0451-5{rng.randrange(10**6, 10**7)}",
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
    return rows


def _people_and_members(
    rng: random.Random, n: int, orgs: list[dict[str, Any]], today: date
) -> Iterator[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    keys_of: dict[str, tuple[str, str]] = {}

    def keys(ch: str) -> tuple[str, str]:
        if ch not in keys_of:
            keys_of[ch] = name_keys(ch)
        return keys_of[ch]

    seq: dict[tuple[str, date, str], int] = {}
    end = min(date(LAST_YEAR, 12, 31), today)
    now = utcnow()
    for i in range(1, n + 1):
        migrant = rng.random() < 0.62
        region = rng.choice(OTHER_REGIONS) if migrant and rng.random() < 0.5 else COUNTY_REGION
        gender = "male" if rng.random() < 0.58 else "female"
        birth = _rand_date(rng, date(1962, 1, 1), date(1998, 12, 31))
        k = (region, birth, gender)
        seq[k] = seq.get(k, -1) + 1
        if seq[k] >= 250:  # that birthday is full in this region: take the next day
            birth += timedelta(days=1)
            k = (region, birth, gender)
            seq[k] = seq.get(k, -1) + 1
        number = make_id_number(region, birth, seq[k] * 2 + (1 if gender == "male" else 0), gender)
        surname = rng.choice(SURNAMES)
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        name = surname + given
        parts = [keys(ch) for ch in name]
        joined = _rand_date(rng, date(FIRST_YEAR, 1, 1), end)
        # people join unions that exist by then: most draws find one on the first try
        for _ in range(6):
            org = orgs[rng.randrange(len(orgs))]
            if org["founded"] <= joined:
                break
        joined = max(joined, org["founded"], years_after(birth, 18))
        if joined > end:
            joined = end
        gig = rng.choice(GIG_GROUPS) if rng.random() < 0.18 else None
        person = {
            "id": i,
            "id_number": number,
            "id_rev": number[::-1],
            "name": name,
            "name_pinyin": "".join(p[0] for p in parts),
            "name_initials": "".join(p[1] for p in parts),
            "gender": gender,
            "birth_date": birth,
            "ethnicity": "汉族"
            if rng.random() < 0.93
            else rng.choice(("满族", "朝鲜族", "回族", "蒙古族")),
            "phone": f"1{rng.choice('3456789')}{rng.randrange(10**8, 10**9)}"
            if rng.random() < 0.8
            else None,
            "education": rng.choice(EDUCATION),
            "political_status": rng.choice(POLITICAL),
            "hukou": "agricultural" if migrant else rng.choice(("non_agricultural", "converted")),
            "created_at": now,
            "updated_at": now,
        }
        org_id = org["id"]
        # a few arrive from another county's union instead of joining here
        first = "transfer_in" if rng.random() < 0.06 else "join"
        events = [_event(i, first, joined, org_id, None, migrant, gig, None)]
        status, since = "active", joined
        # a life in the union: some move, retire, leave, come back
        if rng.random() < 0.35 and joined < end:
            on = _rand_date(rng, joined, min(end, joined + timedelta(days=6 * 365)))
            r = rng.random()
            if r < 0.30:
                new_org = orgs[rng.randrange(len(orgs))]["id"]
                if new_org != org_id and on >= _founded(orgs, new_org):
                    events.append(
                        _event(i, "transfer_in", on, new_org, org_id, migrant, gig, "工作调动")
                    )
                    org_id, since = new_org, on
            elif r < 0.50:
                events.append(
                    _event(
                        i,
                        "retain",
                        on,
                        org_id,
                        None,
                        migrant,
                        gig,
                        rng.choice(("退休", "失业", "单位关闭")),
                    )
                )
                status, since = "retained", on
                if rng.random() < 0.3 and on < end:
                    on2 = _rand_date(rng, on, end)
                    events.append(_event(i, "restore", on2, org_id, None, migrant, gig, "再就业"))
                    status, since = "active", on2
            elif r < 0.72:
                events.append(
                    _event(
                        i,
                        "leave",
                        on,
                        org_id,
                        None,
                        migrant,
                        gig,
                        rng.choice(("本人申请", "离职", "外出务工")),
                    )
                )
                status, since = "left", on
                if rng.random() < 0.25 and on < end:
                    on2 = _rand_date(rng, on, end)
                    events.append(_event(i, "join", on2, org_id, None, migrant, gig, "重新入会"))
                    status, since, joined = "active", on2, on2
            elif r < 0.92:
                events.append(_event(i, "transfer_out", on, org_id, None, migrant, gig, "调往外县"))
                status, since = "transferred_out", on
            elif r < 0.97:
                events.append(
                    _event(i, "remove", on, org_id, None, migrant, gig, "连续六个月不缴会费")
                )
                status, since = "removed", on
            else:
                events.append(_event(i, "death", on, org_id, None, migrant, gig, None))
                status, since = "deceased", on
        member = {
            "id": i,
            "person_id": i,
            "org_id": org_id,
            "status": status,
            "status_since": since,
            "joined_on": joined,
            "card_no": f"GH{COUNTY_REGION}{i:08d}" if rng.random() < 0.6 else None,
            "employer": None,
            "migrant": migrant,
            "gig_group": gig,
            "created_at": now,
            "updated_at": now,
        }
        yield person, member, events


def _founded(orgs: list[dict[str, Any]], org_id: int) -> date:
    return orgs[org_id - 1]["founded"]  # type: ignore[no-any-return]


def _event(
    member_id: int,
    kind: str,
    on: date,
    org_id: int,
    from_org: int | None,
    migrant: bool,
    gig: str | None,
    reason: str | None,
) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "kind": kind,
        "event_date": on,
        "org_id": org_id,
        "from_org_id": from_org,
        "reason": reason,
        "migrant": migrant,
        "gig_group": gig,
        "created_at": utcnow(),
    }


# --- hardship files and aid (SPEC §2.2) ---------------------------------------------------------

HARDSHIP_SHARE = 0.03  # of members: the default number of files
MEMBER_HEAD_SHARE = 0.8  # the rest are older households whose head never joined the register
# the county's 低保 line, yuan per person per month, from the year of the oldest file
LOW_INCOME_LINE_YUAN = {
    2013: 520,
    2014: 540,
    2015: 560,
    2016: 580,
    2017: 600,
    2018: 620,
    2019: 640,
    2020: 670,
    2021: 700,
    2022: 720,
    2023: 740,
    2024: 760,
}
# files opened per year: the drive of the first years, then fewer as households recover
OPENED_WEIGHTS = {
    2015: 12,
    2016: 12,
    2017: 11,
    2018: 10,
    2019: 10,
    2020: 10,
    2021: 9,
    2022: 9,
    2023: 9,
    2024: 8,
}
OLD_FILE_WEIGHTS = {2013: 20, 2014: 25, 2015: 20, 2016: 12, 2017: 8, 2018: 4, 2019: 3}
FILES_FROM = 2013  # the oldest files predate the member register (2015)
CATEGORIES = ("deep", "relative", "accident")
CATEGORY_WEIGHTS = (35, 50, 15)
MAIN_CAUSES: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "deep": (
        (
            "illness",
            "no_work_capacity",
            "laid_off",
            "unemployed",
            "uninsured",
            "insurance_gap",
            "schooling",
            "other",
        ),
        (30, 22, 14, 8, 8, 6, 7, 5),
    ),
    "relative": (
        ("unemployed", "laid_off", "schooling", "illness", "uninsured", "insurance_gap", "other"),
        (20, 18, 20, 16, 10, 8, 8),
    ),
    "accident": (("accident", "illness", "disaster"), (45, 30, 25)),
}
ALL_CAUSES = (
    "no_work_capacity",
    "unemployed",
    "laid_off",
    "uninsured",
    "insurance_gap",
    "illness",
    "disaster",
    "accident",
    "schooling",
    "other",
)
CLOSE_REASONS = ("recovered", "safety_net", "retired", "moved", "deceased", "ineligible")
CLOSE_WEIGHTS = (55, 12, 10, 8, 6, 9)
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_WEIGHTS = (10, 20, 32, 24, 10, 4)
ILLNESSES = (
    "尿毒症，每周透析",
    "恶性肿瘤术后化疗",
    "脑梗后遗症，生活部分自理",
    "白血病",
    "重度糖尿病并发症",
    "心脏搭桥术后",
    "肢体残疾二级",
    "精神分裂症",
)
HEALTHS = ("健康",) * 6 + ("慢性病", "慢性病", "残疾")
HOUSING = ("自有住房",) * 4 + ("租房", "租房", "公租房", "借住亲友家", "危房")
PLACES = ("幸福", "和平", "向阳", "光明", "胜利", "团结", "富民", "兴隆", "长安", "平安")
ADULT_WORK = ("务工", "无业", "务农", "灵活就业", "个体经营", "家务")
CLERKS = ("刘丽娟", "王建华", "赵志强", "孙海燕", "陈晓东", "李春生", "周秀英", "吴振华")
FUND_COUNTY, FUND_UPPER, FUND_WARMTH = "县总工会帮扶资金", "上级工会补助", "送温暖专项"
VISIT_NOTES = ("了解家庭近况，送去米面油", "核实家庭收入，无明显变化", "宣传医疗互助政策")
VISIT_NOTES_IF = {
    "illness": "病情稳定，仍需长期服药",
    "students": "了解子女就学情况",
    "jobless": "推荐就业岗位，本人有意向",
    "housing": "住房漏雨，已联系社区维修",
    "elders": "家中老人行动不便，协调社区照料",
}


@dataclass
class _Sketch:
    """One file before its details are drawn: when it opens and how it ends."""

    opened_on: date
    closed_on: date | None
    reason: str | None
    id: int = 0
    file_no: str = ""


@dataclass
class _Head:
    person_id: int | None  # a member's person; None for a head who is drawn as a new person
    birth: date
    gender: str
    surname: str | None
    org_id: int
    files: list[_Sketch]


class _People:
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
            "phone": _mobile(rng) if adult and rng.random() < 0.6 else None,
            "education": rng.choice(EDUCATION[:6]) if adult else None,
            "political_status": rng.choice(POLITICAL) if adult else None,
            "hukou": rng.choice(("agricultural", "agricultural", "non_agricultural", "converted")),
            "created_at": self.now,
            "updated_at": self.now,
        }
        self.next_id += 1
        self.rows.append(row)
        return row


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**8, 10**9)}"


def _line_fen(year: int) -> int:
    years = sorted(LOW_INCOME_LINE_YUAN)
    return LOW_INCOME_LINE_YUAN[min(max(year, years[0]), years[-1])] * 100


def _income(rng: random.Random, category: str, year: int) -> int:
    """Monthly income per head (fen) that fits the category against that year's 低保 line, with
    a margin so that next year's higher line does not move it across."""
    line = _line_fen(year)
    lo, hi = {"deep": (0.45, 0.94), "relative": (1.06, 1.9), "accident": (0.5, 1.85)}[category]
    return rng.randrange(int(line * lo) // 100, int(line * hi) // 100) * 100


def _sketch_chains(
    rng: random.Random,
    n_files: int,
    member_heads: list[dict[str, Any]],
    orgs: list[dict[str, Any]],
    start: date,
    end: date,
) -> list[_Head]:
    """Who heads each household and when its files open and close; ids and numbers follow the
    opening dates, as a clerk would have numbered them."""
    heads: list[_Head] = []
    # a file is opened first; its head is then a member who had joined by then, if any is left
    pool = sorted(member_heads, key=lambda m: m["joined_on"])
    joined = [m["joined_on"] for m in pool]
    years = tuple(range(start.year, end.year + 1))
    n = 0
    while n < n_files:
        member = rng.random() < MEMBER_HEAD_SHARE
        # most households were filed in the drive of the first years; the oldest files, from
        # before the member register, are headed by people who are not in it
        if member:
            year = rng.choices(years, [OPENED_WEIGHTS.get(y, 0) for y in years])[0]
        else:
            year = rng.choices(years, [OLD_FILE_WEIGHTS.get(y, 1) for y in years])[0]
        opened = _rand_date(rng, date(year, 1, 1), min(end, date(year, 12, 31)))
        eligible = bisect_right(joined, opened) if member else 0
        if eligible:
            k = rng.randrange(eligible)
            m = pool.pop(k)
            del joined[k]
            head = _Head(m["person_id"], m["birth"], m["gender"], m["surname"], m["org_id"], [])
        else:
            gender = "male" if rng.random() < 0.55 else "female"
            birth = _rand_date(rng, date(1958, 1, 1), date(1990, 12, 31))
            for _ in range(10):  # a union that existed by then
                org = orgs[rng.randrange(len(orgs))]
                if org["founded"] <= opened:
                    break
            head = _Head(None, birth, gender, None, org["id"], [])
        while n < n_files:
            closing = opened + timedelta(days=90 + int(rng.expovariate(1 / (5 * 365))))
            closed: date | None = None
            reason: str | None = None
            if closing < end:
                closed = closing
                reason = rng.choices(CLOSE_REASONS, CLOSE_WEIGHTS)[0]
                if head.person_id is not None and reason in ("deceased", "moved"):
                    reason = "recovered"  # the member register would say so
                retire_age = 58 if head.gender == "male" else 48
                if reason == "retired" and closing < years_after(head.birth, retire_age):
                    reason = "recovered"
            head.files.append(_Sketch(opened, closed, reason))
            n += 1
            # a household that falls back gets a new file linked to the old one
            if closed is None or reason not in ("recovered", "ineligible") or rng.random() > 0.2:
                break
            opened = closing + timedelta(days=rng.randrange(60, 900))
            if opened >= end:
                break
        heads.append(head)
    sketches = [s for h in heads for s in h.files]
    sketches.sort(key=lambda s: s.opened_on)  # stable: ties keep the drawing order
    per_year: dict[int, int] = {}
    for i, s in enumerate(sketches, start=1):
        per_year[s.opened_on.year] = per_year.get(s.opened_on.year, 0) + 1
        s.id, s.file_no = i, f"KN{s.opened_on.year}-{per_year[s.opened_on.year]:05d}"
    return heads


def _family(
    rng: random.Random, people: _People, head: _Head, size: int, opened: date, illness: bool
) -> list[dict[str, Any]]:
    """The household besides the head: relation, and the person row of each (new people)."""
    members: list[dict[str, Any]] = []
    surname = head.surname or rng.choice(SURNAMES)
    for k in range(size - 1):
        if k == 0 and rng.random() < 0.75:
            relation = "配偶"
            gender = "female" if head.gender == "male" else "male"
            birth = head.birth + timedelta(days=rng.randrange(-6 * 365, 6 * 365))
            birth = min(birth, years_after(opened, -20))  # no child marriages
        elif rng.random() < 0.8 and years_after(head.birth, 20) < opened - timedelta(days=30):
            gender = "male" if rng.random() < 0.52 else "female"
            relation = "儿子" if gender == "male" else "女儿"
            birth = _rand_date(
                rng,
                years_after(head.birth, 20),
                min(years_after(head.birth, 40), opened - timedelta(days=30)),
            )
        else:
            gender = "male" if rng.random() < 0.45 else "female"
            relation = "父亲" if gender == "male" else "母亲"
            birth = head.birth - timedelta(days=rng.randrange(22 * 365, 36 * 365))
        age = (opened - birth).days // 365
        person = people.add(
            birth, gender, surname if relation in ("儿子", "女儿") else None, age >= 18
        )
        if age < 3:
            occupation = "学龄前儿童"
        elif age < 6:
            occupation = "幼儿园"
        elif age < 12:
            occupation = f"{TOWNSHIPS[rng.randrange(len(TOWNSHIPS))]}中心小学在读"
        elif age < 15:
            occupation = "县第二中学初中在读"
        elif age < 18:
            occupation = rng.choice(("县第一高级中学在读", "县职业技术学校在读"))
        elif age < 23 and relation in ("儿子", "女儿") and rng.random() < 0.6:
            occupation = rng.choice(("大学本科在读", "高职（专科）在读"))
        elif age >= 60:
            occupation = rng.choice(("退休", "无业", "务农"))
        else:
            occupation = rng.choice(ADULT_WORK)
        working = occupation in ("务工", "务农", "灵活就业", "个体经营")
        health = rng.choice(ILLNESSES) if illness and k == 0 and rng.random() < 0.5 else None
        members.append(
            {
                "person": person,
                "birth": birth,
                "relation": relation,
                "income_fen": rng.randrange(800, 3000) * 100 if working else 0,
                "health": health or (rng.choice(HEALTHS) if age >= 18 else "健康"),
                "occupation": occupation,
            }
        )
    return members


def _amount(rng: random.Random, lo: int, hi: int, step: int) -> int:
    """Yuan from lo to hi in steps, as fen."""
    return rng.randrange(lo // step, hi // step + 1) * step * 100


def _count(rng: random.Random, rate: float) -> int:
    whole = int(rate)
    return whole + (1 if rng.random() < rate - whole else 0)


def _aid(
    rng: random.Random,
    sketch: _Sketch,
    last_day: date,
    category: str,
    causes: set[str],
    family: list[dict[str, Any]],
    warmth_days: dict[int, date],
) -> list[tuple[date, str, int, str, str, str]]:
    """(date, kind, amount fen, fund source, handler, note) paid to one file while it is open."""
    out: list[tuple[date, str, int, str, str, str]] = []
    seen: set[tuple[date, str, int]] = set()

    def pay(on: date, kind: str, amount: int, fund: str, note: str) -> None:
        if sketch.opened_on <= on <= last_day and (on, kind, amount) not in seen:
            seen.add((on, kind, amount))
            out.append((on, kind, amount, fund, rng.choice(CLERKS), note))

    ill = "illness" in causes
    jobless = bool(causes & {"unemployed", "laid_off"})
    for year in range(sketch.opened_on.year, last_day.year + 1):
        lo, hi = max(sketch.opened_on, date(year, 1, 1)), min(last_day, date(year, 12, 31))
        share = ((hi - lo).days + 1) / 365
        # 送温暖: the January round, to nearly every file open that day
        on = warmth_days[year]
        if rng.random() < 0.85:
            yuan = {"deep": (1000, 2000), "relative": (500, 1000), "accident": (800, 1500)}
            amount = _amount(rng, *yuan[category], 100)
            fund = FUND_WARMTH if rng.random() < 0.75 else FUND_UPPER
            pay(on, "warmth", amount, fund, f"{year}年元旦春节送温暖慰问金")
        for _ in range(_count(rng, 0.4 * share)):
            fund = FUND_COUNTY if rng.random() < 0.8 else FUND_UPPER
            pay(_rand_date(rng, lo, hi), "living", _amount(rng, 300, 3000, 50), fund, "生活救助金")
        for _ in range(_count(rng, (0.5 if ill else 0.04) * share)):
            amount = rng.randrange(100_000, 2_000_000)  # reimbursed bills: fen, not round
            fund = FUND_COUNTY if rng.random() < 0.6 else FUND_UPPER
            pay(_rand_date(rng, lo, hi), "medical", amount, fund, "住院医疗费用救助")
        students = "schooling" in causes or any(
            6 <= year - f["birth"].year <= 22 and f["relation"] in ("儿子", "女儿") for f in family
        )
        if students and rng.random() < (0.6 if "schooling" in causes else 0.2):
            on = _rand_date(rng, date(year, 8, 20), date(year, 9, 15))
            pay(on, "schooling", _amount(rng, 1000, 5000, 500), FUND_COUNTY, "秋季开学助学金")
        if jobless and rng.random() < 0.2 * share:
            on = _rand_date(rng, lo, hi)
            pay(on, "employment", _amount(rng, 500, 2000, 100), FUND_COUNTY, "职业技能培训补贴")
        if rng.random() < 0.03 * share:
            on = _rand_date(rng, lo, hi)
            pay(on, "other", _amount(rng, 200, 1000, 100), FUND_UPPER, "突发困难临时救助")
    out.sort()
    return out


def _hardship(
    rng: random.Random,
    heads: list[_Head],
    people: _People,
    orgs: list[dict[str, Any]],
    end: date,
    now: Any,
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Rows per household (its files, family, reviews, visits, aid), a batch at a time."""
    warmth_days = {y: date(y, 1, rng.randrange(8, 21)) for y in range(FILES_FROM, end.year + 1)}
    aid_id = review_id = visit_id = family_id = 0
    rows: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("files", "family", "reviews", "visits", "aid")
    }
    for head in heads:
        if head.person_id is None:
            person = people.add(head.birth, head.gender)
            head.person_id, head.surname = person["id"], person["name"][0]
        township = orgs[head.org_id - 1]["township"]
        address = (
            f"{township}{rng.choice(PLACES)}{rng.choice(('社区', '村'))}"
            f"{rng.randrange(1, 12)}组{rng.randrange(1, 300)}号"
        )
        phone = _mobile(rng) if rng.random() < 0.9 else None
        size = rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS)[0]
        family: list[dict[str, Any]] | None = None
        previous: int | None = None
        for sketch in head.files:
            category = rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0]
            main = rng.choices(*MAIN_CAUSES[category])[0]
            secondary = rng.sample(
                [c for c in ALL_CAUSES if c != main], rng.choices((0, 1, 2, 3), (30, 35, 25, 10))[0]
            )
            causes = {main, *secondary}
            if family is None:  # a reopened household is the same people
                family = _family(rng, people, head, size, sketch.opened_on, "illness" in causes)
            income = _income(rng, category, sketch.opened_on.year)
            last_day = (sketch.closed_on - timedelta(days=1)) if sketch.closed_on else end
            # the yearly review, from the year after filing; some of this year's are still due
            for year in range(sketch.opened_on.year + 1, last_day.year + 1):
                lo = max(date(year, 3, 1), sketch.opened_on + timedelta(days=1))
                hi = min(date(year, 11, 30), last_day)
                missing = 0.18 if (year == end.year and sketch.closed_on is None) else 0.03
                if lo > hi or rng.random() < missing:
                    continue
                before, r = category, rng.random()
                if category == "deep" and r < 0.1:
                    category = "relative"
                elif category == "relative" and r < 0.06:
                    category = "deep"
                elif category == "accident" and r < 0.35:
                    category = "relative" if r < 0.25 else "deep"
                income = _income(rng, category, year)
                label = {"deep": "深度困难", "relative": "相对困难", "accident": "意外致困"}
                outcome = (
                    f"人均月收入{income // 100}元，维持{label[category]}"
                    if category == before
                    else f"人均月收入{income // 100}元，由{label[before]}调整为{label[category]}"
                )
                review_id += 1
                rows["reviews"].append(
                    {
                        "id": review_id,
                        "file_id": sketch.id,
                        "review_date": _rand_date(rng, lo, hi),
                        "outcome": outcome,
                        "category": category,
                        "reviewer": rng.choice(CLERKS),
                        "created_at": now,
                    }
                )
            # a home visit about every six months; some households have been left too long
            housing = rng.choice(HOUSING)
            notes = list(VISIT_NOTES)
            for why, yes in (
                ("illness", "illness" in causes),
                ("students", any(f["relation"] in ("儿子", "女儿") for f in family)),
                ("jobless", bool(causes & {"unemployed", "laid_off"})),
                ("housing", housing in ("危房", "借住亲友家")),
                ("elders", any(f["relation"] in ("父亲", "母亲") for f in family)),
            ):
                if yes:
                    notes.append(VISIT_NOTES_IF[why])
            stop = last_day
            if sketch.closed_on is None and rng.random() < 0.06:
                stop = end - timedelta(days=rng.randrange(190, 320))
            on = sketch.opened_on + timedelta(days=rng.randrange(0, 45))
            while on <= stop:
                visit_id += 1
                rows["visits"].append(
                    {
                        "id": visit_id,
                        "file_id": sketch.id,
                        "visit_date": on,
                        "visitor": rng.choice(CLERKS),
                        "note": rng.choice(notes),
                        "created_at": now,
                    }
                )
                gap = rng.randrange(120, 181) if rng.random() < 0.9 else rng.randrange(181, 270)
                on += timedelta(days=gap)
            rows["files"].append(
                {
                    "id": sketch.id,
                    "file_no": sketch.file_no,
                    "head_id": head.person_id,
                    "org_id": head.org_id,
                    "category": category,
                    "cause": main,
                    "secondary_causes": ",".join(secondary) or None,
                    "household_size": size,
                    "income_fen": income,
                    "health": rng.choice(ILLNESSES) if main == "illness" else rng.choice(HEALTHS),
                    "housing": housing,
                    "address": address,
                    "phone": phone,
                    "opened_on": sketch.opened_on,
                    "status": "open" if sketch.closed_on is None else "closed",
                    "closed_on": sketch.closed_on,
                    "close_reason": sketch.reason,
                    "previous_id": previous,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            previous = sketch.id
            for f in family:
                family_id += 1
                rows["family"].append(
                    {
                        "id": family_id,
                        "file_id": sketch.id,
                        "person_id": f["person"]["id"],
                        "relation": f["relation"],
                        "income_fen": f["income_fen"],
                        "health": f["health"],
                        "occupation": f["occupation"],
                        "created_at": now,
                    }
                )
            paid = _aid(rng, sketch, last_day, category, causes, family, warmth_days)
            seen = {(on, kind, amount) for on, kind, amount, *_ in paid}
            for on, kind, amount, fund, handler, note in paid:
                aid_id += 1
                entry = {
                    "id": aid_id,
                    "file_id": sketch.id,
                    "aid_date": on,
                    "kind": kind,
                    "amount_fen": amount,
                    "fund_source": fund,
                    "handler": handler,
                    "note": note,
                    "reverses_id": None,
                    "created_at": now,
                }
                rows["aid"].append(entry)
                # now and then an amount typed wrong: reversed when found, then entered right
                if kind != "warmth" and rng.random() < 0.005:
                    right = amount + rng.choice((-1, 1)) * rng.randrange(1, 10) * 10_000
                    found_on = min(last_day, on + timedelta(days=rng.randrange(1, 21)))
                    fresh = {(on, kind, right), (found_on, kind, -amount)}.isdisjoint(seen)
                    if right > 0 and fresh:
                        seen |= {(on, kind, right), (found_on, kind, -amount)}
                        aid_id += 1
                        rows["aid"].append(
                            entry
                            | {
                                "id": aid_id,
                                "aid_date": found_on,
                                "amount_fen": -amount,
                                "reverses_id": entry["id"],
                                "note": "冲正：金额录入有误",
                            }
                        )
                        aid_id += 1
                        rows["aid"].append(entry | {"id": aid_id, "amount_fen": right})
        if sum(len(v) for v in rows.values()) + len(people.rows) >= BATCH:
            yield rows
            rows = {k: [] for k in rows}
    yield rows


# --- 金秋助学 grants (SPEC §2.3) ----------------------------------------------------------------

GRANTS_FROM = 2019  # the first round the demo holds; one round each July–August after it
LEVELS = SchoolLevel.codes()  # preschool … postgraduate
# the standards table, yuan, from the year given on: (parent on file, parent not on file) per
# level in the order of LEVELS; the county raised it in 2021 and in 2023
GRANT_STANDARD_YUAN: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {
    2019: (
        (1000, 1000, 1500, 2000, 2000, 3000, 4000, 5000),
        (500, 500, 800, 1000, 1000, 2000, 2500, 3000),
    ),
    2021: (
        (1000, 1200, 1800, 2200, 2200, 3500, 4500, 5500),
        (600, 600, 1000, 1200, 1200, 2200, 3000, 3500),
    ),
    2023: (
        (1200, 1500, 2000, 2500, 2500, 4000, 5000, 6000),
        (800, 800, 1200, 1500, 1500, 2500, 3500, 4000),
    ),
}
# a round's budget against what its applications ask: below 1, the last approvals are refused
GRANT_BUDGET_SHARE = {2019: 1.25, 2020: 1.12, 2021: 0.95, 2022: 1.08, 2023: 1.01, 2024: 1.15}
GRANT_PARENT_DRAW = 0.1  # of members: drawn as possible parents (kept if active and not a head)
# the chance that a child at that level applies in a year the parent is eligible
APPLY_ON_FILE = {
    "preschool": 0.2,
    "primary": 0.25,
    "junior": 0.35,
    "senior": 0.55,
    "vocational_secondary": 0.55,
    "vocational_college": 0.85,
    "bachelor": 0.9,
    "postgraduate": 0.6,
}
APPLY_MIGRANT = {level: p * 0.6 for level, p in APPLY_ON_FILE.items()}
APPLY_AGAIN = 0.25  # added when the child applied the year before
OVERRIDE_SHARE = 0.05  # of drawn members who are not migrant workers: one special approval
SCHOOLS: dict[str, tuple[str, ...]] = {
    "preschool": ("{t}中心幼儿园", "县第一幼儿园", "县实验幼儿园", "{t}阳光幼儿园"),
    "primary": ("{t}中心小学", "县实验小学", "县第一小学", "县第二小学"),
    "junior": ("{t}中学", "县第二中学", "县实验中学", "县第三中学"),
    "senior": ("县第一高级中学", "县第二高级中学", "县第一高级中学", "县第三高级中学"),
    "vocational_secondary": (
        "县职业技术教育中心",
        "县职业技术学校",
        "哈尔滨市现代服务业职业技术学校",
    ),
    "vocational_college": (
        "哈尔滨职业技术学院",
        "黑龙江农业经济职业学院",
        "黑龙江建筑职业技术学院",
        "黑龙江职业学院",
        "大庆职业学院",
        "黑龙江护理高等专科学校",
    ),
    "bachelor": (
        "黑龙江大学",
        "哈尔滨工业大学",
        "东北农业大学",
        "东北林业大学",
        "哈尔滨师范大学",
        "哈尔滨医科大学",
        "哈尔滨理工大学",
        "齐齐哈尔大学",
        "佳木斯大学",
        "吉林大学",
    ),
    "postgraduate": (
        "黑龙江大学",
        "哈尔滨工业大学",
        "东北农业大学",
        "哈尔滨工程大学",
        "东北师范大学",
    ),
}
# students funded elsewhere, by level: (exclusion, schools, the rejection's reason)
EXCLUSIONS: dict[str, tuple[tuple[str, tuple[str, ...], str], ...]] = {
    "bachelor": (
        (
            "军校",
            ("国防科技大学", "陆军工程大学", "空军航空大学"),
            "已享受军校学员待遇，按规定不予资助",
        ),
        ("免费师范生", ("东北师范大学", "哈尔滨师范大学"), "已享受公费师范生待遇，按规定不予资助"),
        ("定向生", ("哈尔滨医科大学", "齐齐哈尔医学院"), "农村订单定向医学生，已享受定向培养资助"),
    ),
    "vocational_college": (
        (
            "定向生",
            ("黑龙江护理高等专科学校", "大庆医学高等专科学校"),
            "定向培养生，已享受定向培养资助",
        ),
    ),
}
EXCLUDED_SHARE = 0.08  # of the first applications at a level that has exclusions
GRANT_REJECTIONS = (
    "经核实家庭收入已超过困难标准",
    "申请材料不全，逾期未补齐",
    "本年度已获其他渠道资助",
)
GRANT_WITHDRAWALS = ("本人撤回申请", "已获学校奖学金，主动撤回", "已转学外地，撤回申请")
OVER_BUDGET = "本年度助学资金预算已用完"
RAISED, HALVED = "家庭突遭重大变故，经研究提高资助额度", "已获国家助学金，按规定减半资助"


def _school_age(birth: date, year: int) -> int:
    """Age on 1 September of the year: children born after 31 August start school a year later."""
    return year - birth.year - (1 if (birth.month, birth.day) > (8, 31) else 0)


def _workday(day: date) -> date:
    """The day, or the Monday after it when it falls on a weekend."""
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


def _school_path(rng: random.Random) -> dict[int, str]:
    """The level a child is at, by school age: 6-3-3, then college for most, a few postgraduates."""
    path = {a: "preschool" for a in range(3, 6)}
    path |= {a: "primary" for a in range(6, 12)} | {a: "junior" for a in range(12, 15)}
    upper = "senior" if rng.random() < 0.68 else "vocational_secondary"
    path |= {a: upper for a in range(15, 18)}
    r = rng.random()
    if upper == "senior":
        gap = 1 if rng.random() < 0.1 else 0  # 复读: a year between school and college
        college = "bachelor" if r < 0.62 else "vocational_college" if r < 0.92 else None
    else:
        gap, college = 0, "vocational_college" if r < 0.45 else None
    if college is not None:
        years = 4 if college == "bachelor" else 3
        path |= {a: college for a in range(18 + gap, 18 + gap + years)}
        if college == "bachelor" and rng.random() < 0.2:
            path |= {a: "postgraduate" for a in range(22 + gap, 25 + gap)}
    return path


def grant_standards() -> dict[tuple[int, str, bool], int]:
    """The demo's standards table in fen: (year, level, parent on file) → amount."""
    out: dict[tuple[int, str, bool], int] = {}
    starts = sorted(GRANT_STANDARD_YUAN)
    for year in range(GRANTS_FROM, LAST_YEAR + 1):
        on, off = GRANT_STANDARD_YUAN[max(y for y in starts if y <= year)]
        for level, a, b in zip(LEVELS, on, off, strict=True):
            out[(year, level, True)] = a * 100
            out[(year, level, False)] = b * 100
    return out


@dataclass
class _Household:
    """A hardship household as the grants see it: its files, the head, a spouse, the children."""

    head_id: int
    township: str
    migrant_head: bool  # the head is a migrant-worker member
    files: list[tuple[int, date, date | None]]  # id, opened, closed
    spouse_id: int | None = None
    children: list[tuple[int, date]] = field(default_factory=list)  # person id, birth


@dataclass
class _Parent:
    """A member whose children may apply: a migrant worker, or (override) someone else."""

    person_id: int
    birth: date
    gender: str
    surname: str
    township: str
    joined_on: date
    migrant: bool


@dataclass
class _Child:
    person_id: int | None  # None until the child's first application: then a new person
    birth: date
    gender: str
    surname: str | None
    township: str
    path: dict[int, str]
    schools: dict[str, str]


def _grants(
    rng: random.Random,
    households: list[_Household],
    parents: list[_Parent],
    people: _People,
    end: date,
    now: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The rounds, their standards and every application with its outcome (rows to insert); new
    students are added to ``people``."""
    years = [y for y in range(GRANTS_FROM, end.year + 1) if date(y, 7, 1) <= end]
    if not years:
        return [], [], []
    standards = grant_standards()
    apps: list[dict[str, Any]] = []

    def school(child: _Child, level: str) -> str:
        if level not in child.schools:
            child.schools[level] = rng.choice(SCHOOLS[level]).format(t=child.township)
        return child.schools[level]

    def apply(
        child: _Child,
        year: int,
        level: str,
        on: date,
        parent_id: int,
        eligibility: str,
        file_id: int | None = None,
        override: str | None = None,
    ) -> dict[str, Any]:
        age = _school_age(child.birth, year)
        started = min(a for a, lv in child.path.items() if lv == level)
        first_at_level = level not in child.schools
        app = {
            "child": child,
            "year": year,
            "parent_id": parent_id,
            "level": level,
            "school": school(child, level),
            "enrolled_year": year - (age - started),
            "eligibility": eligibility,
            "override_reason": override,
            "hardship_file_id": file_id,
            "on_file": eligibility == "hardship_file",
            "applied_on": on,
            "outcome": "ok",
            "status_reason": None,
            "exclusion": None,
        }
        r = rng.random()
        if first_at_level and level in EXCLUSIONS and r < EXCLUDED_SHARE:
            exclusion, places, why = rng.choice(EXCLUSIONS[level])
            child.schools[level] = app["school"] = rng.choice(places)
            app |= {"outcome": "excluded", "exclusion": exclusion, "status_reason": why}
        elif r < 0.04:
            app |= {"outcome": "rejected", "status_reason": rng.choice(GRANT_REJECTIONS)}
        elif r < 0.065:
            app |= {"outcome": "withdrawn", "status_reason": rng.choice(GRANT_WITHDRAWALS)}
        apps.append(app)
        return app

    def applying_on(year: int) -> date:
        if year == years[-1] and rng.random() < 0.04:
            return _rand_date(rng, date(year, 8, 26), date(year, 8, 31))  # late: still pending
        return _rand_date(rng, date(year, 7, 1), date(year, 8, 20))

    # children of hardship households: the sons and daughters listed in the family
    for house in households:
        for person_id, birth in house.children:
            child = _Child(person_id, birth, "", None, house.township, _school_path(rng), {})
            parent_id = house.head_id
            if house.spouse_id is not None and rng.random() < 0.3:
                parent_id = house.spouse_id
            last: int | None = None  # the year of the child's last application
            excluded: str | None = None
            for year in years:
                level = child.path.get(_school_age(birth, year))
                if level is None or level == excluded:
                    continue
                on = applying_on(year)
                if on > end:
                    continue  # not yet
                file_id = next(
                    (
                        f
                        for f, opened, closed in house.files
                        if opened <= on and (closed is None or on < closed)
                    ),
                    None,
                )
                if file_id is not None:
                    p = APPLY_ON_FILE[level] + (APPLY_AGAIN if last == year - 1 else 0)
                    if rng.random() < p:
                        app = apply(child, year, level, on, parent_id, "hardship_file", file_id)
                        last = year
                        excluded = level if app["exclusion"] else None
                    continue
                # the household left the files last year; a new student may still be helped
                closed_last_year = any(
                    closed is not None and closed.year == year - 1 for _, _, closed in house.files
                )
                open_this_year = any(
                    opened <= date(year, 12, 31) and (closed is None or closed > date(year, 1, 1))
                    for _, opened, closed in house.files
                )
                first_year = child.path.get(_school_age(birth, year - 1)) != level
                if (
                    closed_last_year
                    and not open_this_year
                    and not house.migrant_head
                    and level in ("vocational_college", "bachelor")
                    and first_year
                    and rng.random() < 0.5
                ):
                    why = f"家庭{year - 1}年脱困销档，子女{year}年新入学，经县总工会研究特批"
                    apply(child, year, level, on, parent_id, "override", override=why)
                    last = year

    # children of members: migrant workers; now and then another member in sudden need
    for parent in parents:
        if not parent.migrant and rng.random() >= OVERRIDE_SHARE:
            continue
        kids = 1 if rng.random() < 0.72 else 2
        for _ in range(kids):
            lo = max(years_after(parent.birth, 22), date(GRANTS_FROM - 26, 1, 1))
            hi = min(years_after(parent.birth, 40), date(years[-1] - 3, 8, 31))
            if lo > hi:
                continue
            birth = _rand_date(rng, lo, hi)
            gender = "male" if rng.random() < 0.52 else "female"
            surname = parent.surname if parent.gender == "male" or rng.random() < 0.2 else None
            child = _Child(None, birth, gender, surname, parent.township, _school_path(rng), {})
            last, excluded = None, None
            override_year = rng.choice(years) if not parent.migrant else None
            for year in years:
                level = child.path.get(_school_age(birth, year))
                if level is None or level == excluded:
                    continue
                on = applying_on(year)
                if on > end:
                    continue  # not yet
                if on < parent.joined_on:
                    continue
                if parent.migrant:
                    p = APPLY_MIGRANT[level] + (APPLY_AGAIN if last == year - 1 else 0)
                    if rng.random() >= p:
                        continue
                    app = apply(child, year, level, on, parent.person_id, "migrant_member")
                elif year == override_year:
                    who = "父亲" if parent.gender == "male" else "母亲"
                    why = rng.choice(
                        (
                            f"{who}突患重病住院，家庭临时困难，经县总工会研究特批",
                            f"{who}因工受伤停工，家庭临时困难，经县总工会研究特批",
                            "家中房屋遭遇火灾，经县总工会研究特批",
                        )
                    )
                    app = apply(child, year, level, on, parent.person_id, "override", override=why)
                else:
                    continue
                last = year
                excluded = level if app["exclusion"] else None
            if last is not None:
                child.person_id = people.add(birth, gender, surname, adult=False)["id"]

    # each round: the standards, two approval meetings within the budget, payment in batches
    rounds: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for year in years:
        these = sorted((a for a in apps if a["year"] == year), key=lambda a: a["applied_on"])
        meetings = [date(year, 8, rng.randrange(3, 8)), date(year, 8, rng.randrange(24, 29))]
        meetings = [_workday(m) for m in meetings]
        pay_days = [_workday(m + timedelta(days=rng.randrange(7, 15))) for m in meetings]
        for a in these:
            standard = standards[(year, a["level"], a["on_file"])]
            amount, differs = standard, None
            r = rng.random()
            if a["outcome"] == "ok" and r < 0.02:
                amount, differs = standard + 100_000, RAISED
            elif a["outcome"] == "ok" and r < 0.035:
                amount, differs = standard // 20_000 * 10_000, HALVED  # half, in hundreds of yuan
            cut = [m for m in meetings if a["applied_on"] <= m - timedelta(days=3)]
            meeting = cut[0] if cut and cut[0] <= end else None
            a |= {
                "standard_fen": standard,
                "amount_fen": amount,
                "amount_reason": differs,
                "meeting": meeting,
            }
        asked = sum(a["amount_fen"] for a in these if a["outcome"] == "ok" and a["meeting"])
        share = GRANT_BUDGET_SHARE.get(year, 1.1)
        budget = max(100_000, (int(asked * share) + 50_000) // 100_000 * 100_000)  # to ¥1,000
        rounds.append({"year": year, "budget_fen": budget, "updated_at": now})
        used = 0
        for a in these:
            status, approved, paid, note, decided = "applied", None, None, None, None
            if a["outcome"] == "excluded":
                status, decided = "rejected", a["applied_on"]  # refused when it came in
            elif a["meeting"] is None:
                a["status_reason"] = None  # not yet decided
            elif a["outcome"] == "withdrawn":
                # the family withdrew it between the application and the meeting
                status = "withdrawn"
                decided = a["applied_on"] + (a["meeting"] - a["applied_on"]) // 2
            elif a["outcome"] == "rejected":
                status, decided = "rejected", a["meeting"]
            elif used + a["amount_fen"] > budget:
                status, a["status_reason"], decided = "rejected", OVER_BUDGET, a["meeting"]
            else:
                used += a["amount_fen"]
                status, approved = "approved", a["meeting"]
                paid = pay_days[meetings.index(approved)]
                if rng.random() < 0.06:
                    paid = _workday(paid + timedelta(days=rng.randrange(5, 12)))
                    note = "首次发放被退回（银行卡号有误），核实后重新发放"
                last_batch = year == years[-1] and approved == meetings[-1]
                if paid > end or paid > date(year, 9, 30) or (last_batch and rng.random() < 0.6):
                    paid, note = None, None  # the second transfer of the last round is pending
                else:
                    status = "paid"
            a |= {
                "status": status,
                "approved_on": approved,
                "paid_on": paid,
                "decided_on": decided,
                "note": note,
            }
        rows.extend(these)

    rows.sort(key=lambda a: (a["year"], a["applied_on"]))  # stable: ids follow the applications
    grants = [
        {
            "id": i,
            "year": a["year"],
            "student_id": a["child"].person_id,
            "parent_id": a["parent_id"],
            "level": a["level"],
            "school": a["school"],
            "enrolled_year": a["enrolled_year"],
            "amount_fen": a["amount_fen"],
            "standard_fen": a["standard_fen"],
            "amount_reason": a["amount_reason"],
            "eligibility": a["eligibility"],
            "override_reason": a["override_reason"],
            "hardship_file_id": a["hardship_file_id"],
            "status": a["status"],
            "status_reason": a["status_reason"],
            "exclusion": a["exclusion"],
            "applied_on": a["applied_on"],
            "approved_on": a["approved_on"],
            "paid_on": a["paid_on"],
            "decided_on": a["decided_on"],
            "note": a["note"],
            "created_at": now,
            "updated_at": now,
            "batch_id": None,
        }
        for i, a in enumerate(rows, start=1)
    ]
    standard_rows = [
        {"year": y, "level": level, "on_file": on_file, "amount_fen": fen, "updated_at": now}
        for (y, level, on_file), fen in standards.items()
        if y in years
    ]
    return rounds, standard_rows, grants


# --- outdoor-worker stations (SPEC §2.4) -------------------------------------------------------

STATIONS_FROM = 2016  # the county built its first 户外劳动者服务站点 that year
STATION_MEMBERS = 22  # one station per this many members, loosely: a 3,000-member county has 136
STATION_MIN, STATION_MAX = 20, 3000
# stations opened per year: the 2018–2021 drive, then fewer
STATION_WEIGHTS = {
    2016: 4,
    2017: 7,
    2018: 12,
    2019: 15,
    2020: 15,
    2021: 16,
    2022: 13,
    2023: 10,
    2024: 8,
}
# the county seat and the street offices have most of the outdoor workers
TOWNSHIP_WEIGHTS = (30, 10, 8, 18, 6, 9, 5, 14)
COUNTY_CENTRE = (45.7, 126.6)  # latitude, longitude
ROADS = (
    "人民路",
    "中央大街",
    "建设路",
    "新华路",
    "站前路",
    "和平路",
    "胜利路",
    "光明路",
    "迎宾路",
    "工业路",
    "友谊路",
    "文化街",
)
# 依托单位: (host, weight, share built by the union itself, name patterns)
STATION_HOSTS: tuple[tuple[str, int, float, tuple[str, ...]], ...] = (
    ("党群服务中心", 22, 0.8, ("{t}{r}党群服务中心工会驿站", "{t}{r}社区党群服务中心爱心驿站")),
    (
        "银行网点",
        16,
        0.1,
        ("{t}农商银行{r}支行爱心驿站", "{t}邮储银行{r}网点劳动者港湾", "{t}建设银行{r}劳动者港湾"),
    ),
    ("加油站", 10, 0.1, ("{t}中石油{r}加油站司机之家", "{t}中石化{r}加油站爱心驿站")),
    ("社区", 16, 0.6, ("{t}{r}社区户外劳动者服务站", "{t}{r}社区工会驿站")),
    ("环卫站", 10, 0.9, ("{t}{r}环卫工人休息站", "{t}{r}环卫驿站")),
    ("快递网点", 12, 0.2, ("{t}邮政{r}驿站", "{t}{r}快递员之家", "{t}顺丰{r}网点暖心驿站")),
    (
        "企业",
        14,
        0.3,
        ("{t}{r}{s}氏物流职工驿站", "{t}{r}商贸城工会驿站", "{t}{r}{s}家超市爱心驿站"),
    ),
)
HOURS = ("08:00-20:00", "08:00-20:00", "08:30-17:30", "07:00-21:00", "06:00-22:00")
# extra facilities and how often a station has them
EXTRA_FACILITIES = {
    "microwave": 0.7,
    "fridge": 0.35,
    "climate": 0.8,
    "toilet": 0.6,
    "ev_charging": 0.4,
    "wifi": 0.75,
    "reading": 0.55,
    "umbrella": 0.5,
    "toolbox": 0.45,
    "aed": 0.08,
    "nursing": 0.05,
}
# how busy a station is over the year: the summer heat and the winter cold fill it
SEASON = (1.35, 1.2, 0.85, 0.8, 0.9, 1.15, 1.35, 1.3, 0.95, 0.85, 0.95, 1.3)
# person-times per station-month on average, the season included: a county of 137 stations
# serves about 1.3万人次 a year (SPEC §1, the annual review this ledger feeds)
MEAN_VISITS = 8
# yearly ratings: the chance of the next year's rating given this year's
RATING_NEXT = {
    "none": (("none", 0.55), ("standard", 0.4), ("demonstration", 0.05)),
    "standard": (("standard", 0.8), ("demonstration", 0.1), ("none", 0.1)),
    "demonstration": (
        ("demonstration", 0.72),
        ("most_beautiful", 0.08),
        ("standard", 0.15),
        ("none", 0.05),
    ),
    "most_beautiful": (("most_beautiful", 0.35), ("demonstration", 0.6), ("standard", 0.05)),
}
FIRST_RATING = (("standard", 0.62), ("demonstration", 0.08), ("none", 0.3))


def _pick(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    r = rng.random()
    for value, p in choices:
        r -= p
        if r < 0:
            return value
    return choices[-1][0]


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _short(township: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if township.endswith(suffix):
            return township[: -len(suffix)]
    return township


def _stations(
    rng: random.Random, n: int, end: date, now: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The stations, their yearly ratings, their monthly service ledger and their status events
    (the opening, and the closing or suspension) — rows to insert."""
    years = [y for y in STATION_WEIGHTS if y <= end.year]
    if not years or n <= 0:
        return [], [], [], []
    opened = sorted(
        _rand_date(
            rng,
            date(y, 1, 1),
            min(date(y, 12, 31), end),
        )
        for y in rng.choices(years, weights=[STATION_WEIGHTS[y] for y in years], k=n)
    )
    centres = [
        (
            COUNTY_CENTRE[0] + rng.uniform(-0.12, 0.12),
            COUNTY_CENTRE[1] + rng.uniform(-0.12, 0.12),
        )
        for _ in TOWNSHIPS
    ]
    required = ("water", "seating", "first_aid", "phone_charging")
    order = {f.value: i for i, f in enumerate(Facility)}
    host_weights = [h[1] for h in STATION_HOSTS]
    stations: list[dict[str, Any]] = []
    ratings: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    seq: dict[str, int] = {}
    names: set[str] = set()
    for i, on in enumerate(opened, start=1):
        ti = rng.choices(range(len(TOWNSHIPS)), weights=TOWNSHIP_WEIGHTS)[0]
        township = TOWNSHIPS[ti]
        seq[township] = seq.get(township, 0) + 1
        host, _, self_share, patterns = rng.choices(STATION_HOSTS, weights=host_weights)[0]
        road = rng.choice(ROADS)
        name = rng.choice(patterns).format(t=township, r=road, s=rng.choice(SURNAMES))
        if name in names:  # a second station of the kind on that road
            name = name.replace(road, f"{road}{seq[township]}号", 1)
        names.add(name)
        # most stations have the four required facilities; some lack one
        facilities = set(required)
        if rng.random() < 0.12:
            facilities.discard(rng.choice(required))
        facilities.update(f for f, p in EXTRA_FACILITIES.items() if rng.random() < p)
        staffed = rng.random() < 0.82
        coords = None
        if rng.random() < 0.9:
            lat, lon = centres[ti]
            coords = (
                round(lat + rng.uniform(-0.08, 0.08), 6),
                round(lon + rng.uniform(-0.08, 0.08), 6),
            )
        # a few closed (撤销) after a year or more, a few suspended in the last year
        status, since, closed = "open", on, None
        r = rng.random()
        if r < 0.09 and on + timedelta(days=400) <= end:
            if r < 0.05:
                closed = _rand_date(rng, on + timedelta(days=365), end)
                status, since = "closed", closed
            else:
                since = _rand_date(
                    rng, max(on + timedelta(days=365), end - timedelta(days=365)), end
                )
                status = "suspended"
        twenty_four = rng.random() < 0.2
        stations.append(
            {
                "id": i,
                "code": f"ZD-{_short(township)}-{seq[township]:03d}",
                "name": name,
                "address": f"{township}{road}{rng.randrange(1, 300)}号",
                "township": township,
                "host": host,
                "build_model": "self_built" if rng.random() < self_share else "co_built",
                "opened_on": on,
                "hours": "24小时" if twenty_four else rng.choice(HOURS),
                "staffed": staffed,
                "on_maps": rng.random() < (0.5 if on.year < 2020 else 0.85),
                "has_premises": rng.random() < 0.98,
                "has_sign": rng.random() < 0.92,
                "has_rules": rng.random() < 0.85,
                "manager": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "phone": _mobile(rng)
                if rng.random() < 0.8
                else f"0451-5{rng.randrange(10**6, 10**7)}",
                "facilities": ",".join(sorted(facilities, key=order.__getitem__)),
                "latitude": coords[0] if coords else None,
                "longitude": coords[1] if coords else None,
                "status": status,
                "status_since": since,
                "closed_on": closed,
                "created_at": now,
                "updated_at": now,
            }
        )

        # ratings: yearly from the year after opening, decided in December
        # until the year before it closed, or the year it was suspended
        last = closed.year - 1 if closed else since.year if status == "suspended" else end.year
        rating, ever = "none", False
        for year in range(on.year + 1, last + 1):
            rated_on = _workday(date(year, 12, rng.randrange(10, 24)))
            if rated_on > end:
                break
            before = rating
            if status == "suspended" and year == since.year:
                rating = "none"  # a suspended station loses its rating
            elif not ever:
                rating = _pick(rng, FIRST_RATING)
            else:
                rating = _pick(rng, RATING_NEXT[before])
            ever = ever or rating != "none"
            if rating != "none" or before != "none":  # not yet rated, or still withdrawn: no entry
                ratings.append(
                    {
                        "station_id": i,
                        "year": year,
                        "rating": rating,
                        "rated_on": rated_on,
                        "created_at": now,
                        "updated_at": now,
                    }
                )

        # the service ledger: every month the station was open
        base = MEAN_VISITS * rng.lognormvariate(0, 0.45) / 1.1
        base *= (1.3 if twenty_four else 1.0) * (1.1 if staffed else 0.8)
        month, stop = _month(on), _month(since if status != "open" else end)
        age = 0
        while month <= stop:
            ramp = 0.6 if age < 3 else 1.0
            lull = 0.5 if (month.year == 2020 and 2 <= month.month <= 4) else 1.0
            visits = round(base * SEASON[month.month - 1] * ramp * lull * rng.uniform(0.8, 1.2))
            logs.append(
                {
                    "station_id": i,
                    "month": month,
                    "visits": visits,
                    "activities": rng.choices((0, 1, 2, 3), weights=(45, 33, 15, 7))[0],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            month, age = _next_month(month), age + 1
    # the status history: drawn from what was built, so the random draws above stay as they were
    events: list[dict[str, Any]] = []
    for station in stations:
        events.append(_station_event(station, station["opened_on"], "open", now))
    for station in stations:
        if station["status"] != "open":
            reason = "站点撤销" if station["status"] == "closed" else "场所装修"
            events.append(
                _station_event(station, station["status_since"], station["status"], now, reason)
            )
    for k, row in enumerate(ratings, start=1):
        row["id"] = k
    for k, row in enumerate(logs, start=1):
        row["id"] = k
    for k, row in enumerate(events, start=1):
        row["id"] = k
    return stations, ratings, logs, events


def _station_event(
    station: dict[str, Any], on: date, status: str, now: Any, reason: str | None = None
) -> dict[str, Any]:
    return {
        "station_id": station["id"],
        "event_date": on,
        "status": status,
        "reason": reason,
        "created_at": now,
    }


def build(
    engine: Engine,
    operator: str,
    *,
    members: int = 3000,
    seed: int = 2024,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    hardship_files: int | None = None,
    stations: int | None = None,
    counties: int = 0,
) -> DemoResult:
    """Fill the ledger with a sample county: unions, people, members and their history, the
    hardship files with their aid (``hardship_files``, by default 3% of the members), the
    金秋助学 rounds with their grants, and the outdoor-worker stations (``stations``, by default
    one per 22 members, 20 to 3,000) with their ratings and monthly service ledger.

    ``counties`` (up to ``len(COUNTIES)``) makes it a city's shared ledger instead: the unions
    and the stations are spread evenly over that many counties (区县); everything else is the
    same ledger. 0 (the default) sets no county, as a county's own ledger."""
    if not 0 <= counties <= len(COUNTIES):
        raise ValueError(f"counties must be 0 to {len(COUNTIES)}")
    rng = random.Random(seed)
    # a stream of its own, so that the members stay the same whatever the number of files
    hrng = random.Random(seed * 7_919 + 17)
    # and one for the grants, so that members and casework stay the same with or without them
    grng = random.Random(seed * 104_729 + 53)
    # and one for the stations, which come last and change nothing before them
    srng = random.Random(seed * 1_299_709 + 71)
    today = today or date.today()
    end = min(date(LAST_YEAR, 12, 31), today)
    n_orgs = max(12, min(8000, members // 60))
    n_files = int(members * HARDSHIP_SHARE) if hardship_files is None else hardship_files
    if end.year < FIRST_YEAR:
        n_files = 0
    if stations is None:
        stations = max(STATION_MIN, min(STATION_MAX, members // STATION_MEMBERS))
    org_rows = _orgs(rng, n_orgs, today)
    if counties:
        # each county takes an equal run of unions (of every township); no random draw, so the
        # rest of the ledger is the one the same seed builds without counties
        for i, org in enumerate(org_rows):
            org["county"] = COUNTIES[i * counties // len(org_rows)]
    # members who may head a file: drawn up front, kept if still in the union at the end
    wanted = min(members, round(n_files * MEMBER_HEAD_SHARE))
    drawn = hrng.sample(range(1, members + 1), min(members, 3 * wanted))
    candidates = set(drawn)
    found: dict[int, dict[str, Any]] = {}
    # members who may be a student's parent, likewise drawn up front
    grant_drawn = set(grng.sample(range(1, members + 1), int(members * GRANT_PARENT_DRAW)))
    grant_parents: list[_Parent] = []
    migrant_heads: set[int] = set()  # of the members who may head a file
    n_events = 0
    now = utcnow()
    with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
        _clear_demo(conn)
        conn.execute(insert(Org), org_rows)
        people = _people_and_members(rng, members, org_rows, today)
        done = 0
        while True:
            persons, mems, events = [], [], []
            for person, member, evs in people:
                persons.append(person)
                mems.append(member)
                events.extend(evs)
                if member["id"] in candidates and member["status"] in ("active", "retained"):
                    found[member["id"]] = {
                        "person_id": person["id"],
                        "birth": person["birth_date"],
                        "gender": person["gender"],
                        "surname": person["name"][0],
                        "org_id": member["org_id"],
                        "joined_on": member["joined_on"],
                    }
                if member["migrant"] and member["id"] in candidates:
                    migrant_heads.add(member["id"])
                if member["id"] in grant_drawn and member["status"] == "active":
                    grant_parents.append(
                        _Parent(
                            person["id"],
                            person["birth_date"],
                            person["gender"],
                            person["name"][0],
                            org_rows[member["org_id"] - 1]["township"],
                            member["joined_on"],
                            member["migrant"],
                        )
                    )
                if len(persons) >= BATCH:
                    break
            if not persons:
                break
            conn.execute(insert(Person), persons)
            conn.execute(insert(Member), mems)
            conn.execute(insert(MemberEvent), events)
            n_events += len(events)
            done += len(persons)
            if progress is not None:
                progress(len(persons))

        # the casework: 低保 lines, then households, oldest file numbers first
        conn.execute(
            insert(LowIncomeLine),
            [
                {"year": y, "amount_fen": yuan * 100, "updated_at": now}
                for y, yuan in LOW_INCOME_LINE_YUAN.items()
            ],
        )
        heads = [found[i] for i in drawn if i in found][:wanted]
        chains = _sketch_chains(hrng, n_files, heads, org_rows, date(FILES_FROM, 1, 1), end)
        new_people = _People(hrng, members + 1, now)
        n_files = n_open = n_aid = 0
        # what the grants need of the casework: households, their spouses and children
        households: dict[int, _Household] = {}
        file_of: dict[int, _Household] = {}
        births: dict[int, date] = {}
        for rows in _hardship(hrng, chains, new_people, org_rows, end, now):
            births.update((p["id"], p["birth_date"]) for p in new_people.rows)
            for f in rows["files"]:
                house = households.get(f["head_id"])
                if house is None:
                    township = org_rows[f["org_id"] - 1]["township"]
                    migrant = f["head_id"] in migrant_heads
                    house = _Household(f["head_id"], township, migrant, [])
                    households[f["head_id"]] = house
                house.files.append((f["id"], f["opened_on"], f["closed_on"]))
                file_of[f["id"]] = house
            for fm in rows["family"]:
                house = file_of[fm["file_id"]]
                if house.files[0][0] != fm["file_id"]:
                    continue  # a reopened file lists the same people
                if fm["relation"] == "配偶":
                    house.spouse_id = fm["person_id"]
                elif fm["relation"] in ("儿子", "女儿"):
                    house.children.append((fm["person_id"], births[fm["person_id"]]))
            if new_people.rows:
                conn.execute(insert(Person), new_people.rows)
                new_people.rows.clear()
            for model, key in (
                (HardshipFile, "files"),
                (FamilyMember, "family"),
                (HardshipReview, "reviews"),
                (HardshipVisit, "visits"),
                (Aid, "aid"),
            ):
                if rows[key]:
                    conn.execute(insert(model), rows[key])
            n_files += len(rows["files"])
            n_open += sum(1 for f in rows["files"] if f["status"] == "open")
            n_aid += len(rows["aid"])

        # 金秋助学: children of the households and of migrant workers; new students are new people
        students = _People(grng, new_people.next_id, now)
        students.seq = new_people.seq  # ID numbers never meet the casework's people
        parents = [p for p in grant_parents if p.person_id not in households]
        rounds, standards, grants = _grants(
            grng, list(households.values()), parents, students, end, now
        )
        for start in range(0, len(students.rows), BATCH):
            conn.execute(insert(Person), students.rows[start : start + BATCH])
        if rounds:
            conn.execute(insert(GrantRound), rounds)
            conn.execute(insert(GrantStandard), standards)
        for start in range(0, len(grants), BATCH):
            conn.execute(insert(Grant), grants[start : start + BATCH])

        # the outdoor-worker stations, their yearly ratings and monthly service ledger
        station_rows, station_ratings, station_logs, station_events = _stations(
            srng, stations, end, now
        )
        if counties:
            for i, station in enumerate(station_rows):
                station["county"] = COUNTIES[i % counties]  # in turn: every county builds yearly
        station_tables: tuple[tuple[type[SQLModel], list[dict[str, Any]]], ...] = (
            (Station, station_rows),
            (StationRatingEntry, station_ratings),
            (StationLog, station_logs),
            (StationEvent, station_events),
        )
        for station_model, table_rows in station_tables:
            for start in range(0, len(table_rows), BATCH):
                conn.execute(insert(station_model), table_rows[start : start + BATCH])

        move_sequences(conn)  # rows were inserted with their ids given
        conn.execute(insert(LedgerMeta), [{"key": "demo", "value": "1"}])
        append_audit(
            conn,
            operator=operator,
            action="demo.build",
            entity="ledger",
            entity_id=None,
            after=(
                f'{{"orgs": {n_orgs}, "members": {members}, "seed": {seed}, '
                f'"hardship_files": {n_files}, "aid": {n_aid}, "grants": {len(grants)}, '
                f'"stations": {len(station_rows)}'
                + (f', "counties": {counties}' if counties else "")
                + "}"
            ),
        )
    return DemoResult(
        orgs=n_orgs,
        members=members,
        events=n_events,
        files=n_files,
        open_files=n_open,
        aid=n_aid,
        grants=len(grants),
        grant_rounds=len(rounds),
        stations=len(station_rows),
        station_ratings=len(station_ratings),
        station_logs=len(station_logs),
        counties=counties,
    )
