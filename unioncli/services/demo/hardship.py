"""The demo's casework (SPEC §2.2): hardship files with their families, yearly reviews, home
visits, closures and reopenings, the county's 低保 line per year, and every payment of aid."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from unioncli.services.common import years_after
from unioncli.services.demo.common import (
    BATCH,
    SURNAMES,
    TOWNSHIPS,
    People,
    mobile,
    rand_date,
)

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
# as an import or ``hardship open`` stores them (NFKC: a full-width comma becomes ","), so that
# an exported file imports back unchanged
ILLNESSES = (
    "尿毒症,每周透析",
    "恶性肿瘤术后化疗",
    "脑梗后遗症,生活部分自理",
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


def _line_fen(year: int) -> int:
    years = sorted(LOW_INCOME_LINE_YUAN)
    return LOW_INCOME_LINE_YUAN[min(max(year, years[0]), years[-1])] * 100


def _income(rng: random.Random, category: str, year: int) -> int:
    """Monthly income per head (fen) that fits the category against that year's 低保 line, with
    a margin so that next year's higher line does not move it across."""
    line = _line_fen(year)
    lo, hi = {"deep": (0.45, 0.94), "relative": (1.06, 1.9), "accident": (0.5, 1.85)}[category]
    return rng.randrange(int(line * lo) // 100, int(line * hi) // 100) * 100


def draw_chains(
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
        opened = rand_date(rng, date(year, 1, 1), min(end, date(year, 12, 31)))
        eligible = bisect_right(joined, opened) if member else 0
        if eligible:
            k = rng.randrange(eligible)
            m = pool.pop(k)
            del joined[k]
            head = _Head(m["person_id"], m["birth"], m["gender"], m["surname"], m["org_id"], [])
        else:
            gender = "male" if rng.random() < 0.55 else "female"
            birth = rand_date(rng, date(1958, 1, 1), date(1990, 12, 31))
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
    rng: random.Random, people: People, head: _Head, size: int, opened: date, illness: bool
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
            birth = rand_date(
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
            pay(rand_date(rng, lo, hi), "living", _amount(rng, 300, 3000, 50), fund, "生活救助金")
        for _ in range(_count(rng, (0.5 if ill else 0.04) * share)):
            amount = rng.randrange(100_000, 2_000_000)  # reimbursed bills: fen, not round
            fund = FUND_COUNTY if rng.random() < 0.6 else FUND_UPPER
            pay(rand_date(rng, lo, hi), "medical", amount, fund, "住院医疗费用救助")
        students = "schooling" in causes or any(
            6 <= year - f["birth"].year <= 22 and f["relation"] in ("儿子", "女儿") for f in family
        )
        if students and rng.random() < (0.6 if "schooling" in causes else 0.2):
            on = rand_date(rng, date(year, 8, 20), date(year, 9, 15))
            pay(on, "schooling", _amount(rng, 1000, 5000, 500), FUND_COUNTY, "秋季开学助学金")
        if jobless and rng.random() < 0.2 * share:
            on = rand_date(rng, lo, hi)
            pay(on, "employment", _amount(rng, 500, 2000, 100), FUND_COUNTY, "职业技能培训补贴")
        if rng.random() < 0.03 * share:
            on = rand_date(rng, lo, hi)
            pay(on, "other", _amount(rng, 200, 1000, 100), FUND_UPPER, "突发困难临时救助")
    out.sort()
    return out


def draw_casework(
    rng: random.Random,
    heads: list[_Head],
    people: People,
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
        phone = mobile(rng) if rng.random() < 0.9 else None
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
            opened_category = category  # the reviews below may change it, year by year
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
                        "review_date": rand_date(rng, lo, hi),
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
                    "category": category,  # the latest review's (they are in date order)
                    "opened_category": opened_category,
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
