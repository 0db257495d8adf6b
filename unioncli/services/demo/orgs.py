"""The demo's unions, the people and members in them with each member's history, and the
unions that ended (撤销, 注销, 合并) with what became of their members."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from unioncli.ids import make_id_number, make_uscc
from unioncli.models.base import utcnow
from unioncli.pinyin import name_keys
from unioncli.services.common import years_after
from unioncli.services.demo.common import (
    COUNTY_REGION,
    EDUCATION,
    FIRST_YEAR,
    GIVEN,
    LAST_YEAR,
    OTHER_REGIONS,
    POLITICAL,
    SURNAMES,
    TOWNSHIPS,
    rand_date,
)

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


def draw_orgs(rng: random.Random, n: int, today: date) -> list[dict[str, Any]]:
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
            rand_date(rng, date(1995, 1, 1), date(FIRST_YEAR - 1, 12, 31))
            if rng.random() < 0.55
            else rand_date(rng, date(FIRST_YEAR, 1, 1), min(date(LAST_YEAR, 12, 31), today))
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


def draw_members(
    rng: random.Random,
    n: int,
    orgs: list[dict[str, Any]],
    today: date,
    ends: dict[int, _End] | None = None,
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
        birth = rand_date(rng, date(1962, 1, 1), date(1998, 12, 31))
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
        joined = rand_date(rng, date(FIRST_YEAR, 1, 1), end)
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
            on = rand_date(rng, joined, min(end, joined + timedelta(days=6 * 365)))
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
                    on2 = rand_date(rng, on, end)
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
                    on2 = rand_date(rng, on, end)
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
        if ends:
            events = _through_ends(events, ends)
            org_id, status, since, joined = _state_after(events)
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


# --- unions that ended: 撤销, 注销, 合并 -----------------------------------------------------------

END_SHARE = 1 / 10  # of the unions, ended (revoked, deregistered or merged) in a past year
END_WAVE = 4  # ended in the same year (an institutional reform): the year's total falls

_RESULT = {
    "join": "active",
    "transfer_in": "active",
    "restore": "active",
    "retain": "retained",
    "transfer_out": "transferred_out",
    "leave": "left",
    "remove": "removed",
    "death": "deceased",
}


@dataclass(frozen=True)
class _End:
    on: date
    kind: str  # revoked | deregistered | merged
    # a merger's receiving union; for the others, the union that takes whoever would have come
    # to this one after its end (both in force on that day and never ended)
    heir: int


def draw_ends(rng: random.Random, orgs: list[dict[str, Any]], end: date) -> dict[int, _End]:
    """A few unions end in a past year, half of them merged into another of their township."""
    old = [o for o in orgs if o["founded"].year < end.year - 4]
    n = min(len(old) // 2, max(2, round(len(orgs) * END_SHARE)))
    chosen = rng.sample(old, n)
    ended = {o["id"] for o in chosen}
    out: dict[int, _End] = {}
    for i, org in enumerate(chosen):
        first = max(org["founded"] + timedelta(days=365), date(FIRST_YEAR + 1, 1, 1))
        if i < END_WAVE:
            first = max(first, date(end.year - 3, 1, 1))
            on = rand_date(rng, first, max(first, date(end.year - 3, 12, 31)))
        else:
            on = rand_date(rng, first, date(end.year - 1, 12, 31))
        heirs = [o for o in orgs if o["id"] not in ended and o["founded"] <= on]
        near = [o for o in heirs if o["township"] == org["township"]] or heirs
        heir = near[rng.randrange(len(near))]["id"]
        kind = ("merged", "revoked", "deregistered")[i % 3]
        out[org["id"]] = _End(on, kind, heir)
        org["dissolved_on"], org["dissolution"] = on, kind
        org["merged_into_id"] = heir if kind == "merged" else None
    for org in orgs:
        org.setdefault("dissolved_on", None)
        org.setdefault("dissolution", None)
        org.setdefault("merged_into_id", None)
    return out


def _through_ends(events: list[dict[str, Any]], ends: dict[int, _End]) -> list[dict[str, Any]]:
    """A member's history as ``org merge`` / ``org dissolve --retain-members`` leave it: who is
    in an ending union on its day moves to the receiving union (transfer_in, and a retain marked
    by the same from_org_id for a retained member) or is retained (工会撤销); nothing enters a
    union on or after its end (such an entry goes to its heir), and after a dissolution the
    member's later history is not kept."""
    out: list[dict[str, Any]] = []
    for e in events:
        if out and _pass_end(out, ends, e["event_date"]):
            return out
        target = ends.get(e["org_id"])
        if target is not None and e["event_date"] >= target.on:
            e = {**e, "org_id": target.heir}
        source = ends.get(e["from_org_id"]) if e["from_org_id"] is not None else None
        if source is not None and e["event_date"] >= source.on:
            e = {**e, "from_org_id": source.heir}
        if e["kind"] == "transfer_in" and e["from_org_id"] == e["org_id"]:
            return out  # a move into the union the member is already in: stop there
        out.append(e)
    if out:
        _pass_end(out, ends, date.max)
    return out


def _pass_end(out: list[dict[str, Any]], ends: dict[int, _End], before: date) -> bool:
    """Record the end of the member's union if it falls before ``before``; True when the member
    stays behind in a dissolved union (retained), so that nothing after is kept."""
    while True:
        last = out[-1]
        org, status = last["org_id"], _RESULT[last["kind"]]
        union_end = ends.get(org)
        if union_end is None or status not in ("active", "retained"):
            return False
        on = union_end.on
        if not (last["event_date"] <= on < before):
            return False
        if union_end.kind != "merged":
            if status == "active":
                out.append(
                    {
                        **last,
                        "kind": "retain",
                        "event_date": on,
                        "from_org_id": None,
                        "reason": "工会撤销",
                    }
                )
            return True
        moved = {
            **last,
            "event_date": on,
            "org_id": union_end.heir,
            "from_org_id": org,
            "reason": "工会合并",
        }
        out.append({**moved, "kind": "transfer_in"})
        if status == "retained":
            out.append({**moved, "kind": "retain"})
        # the heir never ends: the loop stops at the next turn


def _state_after(events: list[dict[str, Any]]) -> tuple[int, str, date, date]:
    """(union, status, status since, joined on) after a member's events."""
    last = events[-1]
    joins = [e["event_date"] for e in events if e["kind"] == "join"]
    joined = joins[-1] if joins else events[0]["event_date"]
    return last["org_id"], _RESULT[last["kind"]], last["event_date"], joined


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
