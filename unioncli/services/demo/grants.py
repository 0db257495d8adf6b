"""The demo's 金秋助学 rounds (SPEC §2.3): each year's standards and budget, and the grants to the
children of hardship households and of migrant-worker members, from application to payment."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from unioncli.enums import SchoolLevel
from unioncli.services.common import years_after
from unioncli.services.demo.common import LAST_YEAR, People, rand_date, workday

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


def draw_parents(rng: random.Random, members: int) -> set[int]:
    """The members who may be a student's parent, drawn up front (by member id)."""
    return set(rng.sample(range(1, members + 1), int(members * GRANT_PARENT_DRAW)))


@dataclass
class Household:
    """A hardship household as the grants see it: its files, the head, a spouse, the children."""

    head_id: int
    township: str
    migrant_head: bool  # the head is a migrant-worker member
    files: list[tuple[int, date, date | None]]  # id, opened, closed
    spouse_id: int | None = None
    children: list[tuple[int, date]] = field(default_factory=list)  # person id, birth


@dataclass
class Parent:
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


def draw_grants(
    rng: random.Random,
    households: list[Household],
    parents: list[Parent],
    people: People,
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
            return rand_date(rng, date(year, 8, 26), date(year, 8, 31))  # late: still pending
        return rand_date(rng, date(year, 7, 1), date(year, 8, 20))

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
            birth = rand_date(rng, lo, hi)
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
        meetings = [workday(m) for m in meetings]
        pay_days = [workday(m + timedelta(days=rng.randrange(7, 15))) for m in meetings]
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
                    paid = workday(paid + timedelta(days=rng.randrange(5, 12)))
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
