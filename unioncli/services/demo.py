"""A realistic, deterministic sample county ledger: the first thing a newcomer sees.

Built with bulk inserts so that ``--members 1000000`` finishes in about a minute: the same seed
always gives the same ledger, down to each ID number.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select
from sqlmodel import col

from unioncli.errors import Conflict
from unioncli.i18n import register
from unioncli.ids import make_id_number, make_uscc
from unioncli.models import AuditEntry, LedgerMeta, Member, MemberEvent, Org, Person
from unioncli.models.base import utcnow
from unioncli.pinyin import name_keys
from unioncli.services.common import years_after

register(
    {
        "demo.real_data": (
            "该台账已有真实数据，演示数据不会写入。请用 --db 另选一个文件，例如 --db demo.sqlite3",
            "this ledger holds real data; the demo will not touch it. Use --db, "
            "e.g. --db demo.sqlite3",
        ),
    }
)

FIRST_YEAR, LAST_YEAR = 2015, 2024
COUNTY_REGION = "230125"  # the county's own region code; migrants come from the others
OTHER_REGIONS = ("230126", "230127", "231121", "410122", "341221", "511621")
TOWNSHIPS = ("城关镇", "河西镇", "东风镇", "新华街道", "红旗乡", "太平镇", "永安乡", "建设街道")

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


def _rand_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _clear_demo(conn: Connection) -> None:
    """Refuse to touch a ledger with real data; empty a ledger that holds only demo data."""
    is_demo = conn.execute(
        select(col(LedgerMeta.value)).where(col(LedgerMeta.key) == "demo")
    ).scalar()
    has_data = conn.execute(select(func.count()).select_from(Org)).scalar_one() > 0
    if has_data and is_demo != "1":
        raise Conflict("demo.real_data")
    for model in (MemberEvent, Member, Person, Org, AuditEntry, LedgerMeta):
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
        if seq[k] >= 500:  # that birthday is full in this region: take the next day
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


def build(
    engine: Engine,
    operator: str,
    *,
    members: int = 3000,
    seed: int = 2024,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Fill the ledger with a sample county: unions, people, members and their history."""
    rng = random.Random(seed)
    today = today or date.today()
    n_orgs = max(12, min(8000, members // 60))
    org_rows = _orgs(rng, n_orgs, today)
    n_events = 0
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
        if conn.dialect.name == "postgresql":
            # rows were inserted with explicit ids: move the sequences past them
            for table in ("org", "person", "member"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                )
        conn.execute(insert(LedgerMeta), [{"key": "demo", "value": "1"}])
        conn.execute(
            insert(AuditEntry),
            [
                {
                    "at": utcnow(),
                    "operator": operator,
                    "action": "demo.build",
                    "entity": "ledger",
                    "entity_id": None,
                    "reason": None,
                    "before": None,
                    "after": f'{{"orgs": {n_orgs}, "members": {members}, "seed": {seed}}}',
                }
            ],
        )
    return DemoResult(orgs=n_orgs, members=members, events=n_events)
