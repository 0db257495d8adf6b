"""A union's own lifecycle: 成立, 撤销/注销, 合并 — the commands, their refusals, the figures.

Every test runs on the real migrated ledger (SQLite, and PostgreSQL when the test server is set).
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbutil import dated, rows, scalar

from unioncli.config import Target
from unioncli.ids import make_id_number
from unioncli.services.figures import Scope
from unioncli.services.report import by_county, by_county_totals, by_org, year_report

A = "城关镇第一小学工会"
B = "河西镇人民医院工会"
C = "新华街道快递行业工会联合会"


def pid(n: int) -> str:
    return make_id_number("230125", date(1980, 1, 1) + timedelta(days=n), 1, "male")


def ok(run: Any) -> str:
    assert run.exit_code == 0, run.stderr
    return str(run.stdout)


def fails(run: Any, code: int, *words: str) -> str:
    assert run.exit_code == code, (run.exit_code, run.stdout, run.stderr)
    message = str(run.stderr).strip()
    assert len(message.splitlines()) == 1, message  # one line, never a traceback
    for word in words:
        assert word in message, (word, message)
    return message


NAMES = "零一二三四五六七八九十壹贰叁"


def add_member(cli: Any, n: int, org: str, joined: str) -> None:
    name = "会员" + NAMES[n]
    ok(cli("member", "add", name, "--id", pid(n), "--org", org, "--joined", joined))


@pytest.fixture
def county(cli: Any, ledger: Target) -> Target:
    """Three unions in two townships; A has members 1–3 (3 retained since 2020), B has 4."""
    ok(cli("org", "add", A, "--founded", "2010-05-01", "--township", "城关镇"))
    ok(cli("org", "add", B, "--founded", "2012-03-01", "--township", "河西镇"))
    ok(cli("org", "add", C, "--founded", "2019-09-10", "--township", "城关镇"))
    add_member(cli, 1, A, "2015-03-01")
    add_member(cli, 2, A, "2016-03-01")
    add_member(cli, 3, A, "2017-03-01")
    ok(cli("member", "retain", pid(3), "--date", "2020-01-01", "--reason", "退休"))
    add_member(cli, 4, B, "2018-03-01")
    return ledger


def report(target: Target, year: int, scope: Scope | None = None) -> dict[str, Any]:
    return year_report(target, year, scope)


def org_id(target: Target, name: str) -> int:
    return int(scalar(target, "SELECT id FROM org WHERE name = :n", n=name))


# --- org dissolve ----------------------------------------------------------------------------


def test_dissolve_refuses_while_members_are_active(cli, county) -> None:
    message = fails(
        cli("org", "dissolve", A, "--date", "2022-06-30", "--kind", "撤销"),
        4,
        A,
        "2 名在册会员",
        "2301",
        "member transfer",
        "member retain",
        "--retain-members",
    )
    assert pid(1) not in message and pid(2) not in message  # masked
    assert scalar(county, "SELECT dissolved_on FROM org WHERE name = :n", n=A) is None


def test_dissolve_with_retain_members(cli, county) -> None:
    out = ok(
        cli(
            "org",
            "dissolve",
            A,
            "--date",
            "2022-06-30",
            "--kind",
            "撤销",
            "--reason",
            "单位关闭",
            "--retain-members",
        )
    )
    assert "撤销" in out and "2 名会员保留会籍" in out
    stored = dated(
        rows(
            county, "SELECT dissolved_on, dissolution, merged_into_id FROM org WHERE name = :n", n=A
        )
    )
    assert stored == [("2022-06-30", "revoked", None)]
    events = dated(
        rows(
            county,
            "SELECT e.kind, e.event_date, e.reason FROM member_event e "
            "JOIN member m ON m.id = e.member_id WHERE e.event_date = '2022-06-30' ORDER BY e.id",
        )
    )
    assert events == [("retain", "2022-06-30", "工会撤销")] * 2
    assert scalar(county, "SELECT COUNT(*) FROM member WHERE status = 'retained'") == 3
    # audited, with the reason
    entry = rows(county, "SELECT action, reason FROM audit_log WHERE action = 'org.dissolve'")
    assert entry == [("org.dissolve", "单位关闭")]
    show = ok(cli("org", "show", A))
    assert "撤销 2022-06-30" in show
    # members figures: nobody left the union by being retained
    r22 = report(county, 2022)
    assert r22["members.retained"] == 2
    assert r22["members.active_end"] == 1 and r22["members.retained_end"] == 3
    assert r22["orgs.total_end"] == 2 and r22["orgs.dissolved"] == 1


def test_deregister_an_empty_union(cli, county) -> None:
    ok(cli("org", "dissolve", C, "--date", "2023-01-31", "--kind", "注销"))
    assert scalar(county, "SELECT dissolution FROM org WHERE name = :n", n=C) == "deregistered"
    listed = {r["name"]: r["status"] for r in json.loads(ok(cli("org", "list", "-f", "json")))}
    assert listed == {A: "存续", B: "存续", C: "注销 2023-01-31"}
    assert "状态" in ok(cli("org", "list"))
    in_force = json.loads(ok(cli("org", "list", "--status", "存续", "-f", "json")))
    assert sorted(r["name"] for r in in_force) == sorted([A, B])
    ended = json.loads(ok(cli("org", "list", "--status", "已撤销", "-f", "json")))
    assert [r["name"] for r in ended] == [C]
    fails(cli("org", "list", "--status", "休眠"), 2, "休眠")


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("--date", "2099-01-01", "--kind", "撤销"), 2, ("今天之后",)),
        (("--date", "2019-01-01", "--kind", "撤销"), 4, ("早于", "2019-09-10")),
        (("--date", "2023-01-31", "--kind", "解散"), 2, ("解散",)),
        (("--date", "2023-01-31", "--kind", "合并"), 2, ("org merge",)),
        (("--date", "2023-13-01", "--kind", "撤销"), 2, ("2023-13-01",)),
    ],
)
def test_dissolve_refusals(cli, county, args, code, words) -> None:
    fails(cli("org", "dissolve", C, *args), code, *words)
    assert scalar(county, "SELECT dissolved_on FROM org WHERE name = :n", n=C) is None


def test_dissolution_is_terminal_and_unknown_union(cli, county) -> None:
    ok(cli("org", "dissolve", C, "--date", "2023-01-31", "--kind", "注销"))
    fails(cli("org", "dissolve", C, "--date", "2024-01-31", "--kind", "撤销"), 4, "已于 2023-01-31")
    fails(cli("org", "merge", C, "--into", B, "--date", "2024-01-31"), 4, "已于 2023-01-31")
    fails(cli("org", "dissolve", "没有这个工会", "--date", "2023-01-31", "--kind", "撤销"), 3)


def test_dissolve_refuses_a_date_before_members_events(cli, county) -> None:
    # member 4 moves from B to C in 2021: C cannot have ended in 2020, nor B
    ok(cli("member", "transfer", pid(4), "--to", C, "--date", "2021-05-01"))
    fails(
        cli("org", "dissolve", C, "--date", "2020-06-30", "--kind", "注销"),
        4,
        "1 名会员",
        "2020-06-30",
        "2301",
    )
    fails(cli("org", "merge", B, "--into", A, "--date", "2020-06-30"), 4, "1 名会员")


# --- org merge -------------------------------------------------------------------------------


def test_merge_moves_every_member_in_force(cli, county) -> None:
    before = {y: report(county, y) for y in (2022, 2023)}
    out = ok(cli("org", "merge", A, "--into", B, "--date", "2023-06-30", "--reason", "机构改革"))
    assert B in out and "2 名" not in out and "3 名" in out  # 2 active + 1 retained
    a, b = org_id(county, A), org_id(county, B)
    assert dated(
        rows(county, "SELECT dissolved_on, dissolution, merged_into_id FROM org WHERE id = :i", i=a)
    ) == [("2023-06-30", "merged", b)]
    members = rows(county, "SELECT org_id, status FROM member ORDER BY id")
    assert members == [(b, "active"), (b, "active"), (b, "retained"), (b, "active")]
    moves = dated(
        rows(
            county,
            "SELECT kind, event_date, org_id, from_org_id FROM member_event "
            "WHERE event_date = '2023-06-30' ORDER BY id",
        )
    )
    assert [m[0] for m in moves] == ["transfer_in", "transfer_in", "transfer_in", "retain"]
    assert all(m[1:] == ("2023-06-30", b, a) for m in moves)
    assert ok(cli("org", "show", A)).count(B) >= 1
    ended = json.loads(ok(cli("org", "list", "--status", "已撤销", "-f", "json")))
    assert [(r["name"], r["status"]) for r in ended] == [(A, f"合并 2023-06-30 → {B}")]
    audit = rows(county, "SELECT reason FROM audit_log WHERE action = 'org.merge'")
    assert audit == [("机构改革",)]

    # the past stays: 2022 reads as before; the whole ledger's stock is unchanged in 2023
    assert report(county, 2022) == before[2022]
    r23 = report(county, 2023)
    assert r23["members.transferred_in"] == 3
    assert r23["members.transferred_between_unions"] == 3
    assert r23["members.retained"] == 0  # the retained member's move is not a new retention
    assert r23["members.active_end"] == before[2023]["members.active_end"] == 3
    assert r23["members.retained_end"] == before[2023]["members.retained_end"] == 1
    assert r23["orgs.total_end"] == 2 and r23["orgs.dissolved"] == 1
    # the receiving union and the merged one
    rb = report(county, 2023, Scope(org_id=b))
    assert rb["members.active_end"] == 3 and rb["members.retained_end"] == 1
    assert rb["members.transferred_in"] == 3
    ra = report(county, 2023, Scope(org_id=a))
    assert ra["members.active_end"] == 0 and ra["members.retained_end"] == 0
    assert ra["members.transferred_out"] == 3
    assert ra["orgs.total_end"] == 0 and ra["orgs.dissolved"] == 1
    assert report(county, 2022, Scope(org_id=a))["members.active_end"] == 2
    assert report(county, 2022, Scope(org_id=a))["members.retained_end"] == 1
    # townships: A was in 城关镇, B in 河西镇
    town = report(county, 2023, Scope(township="城关镇"))
    assert town["members.active_end"] == 0 and town["orgs.total_end"] == 1
    assert report(county, 2023, Scope(township="河西镇"))["members.active_end"] == 3


def test_by_org_and_by_county_add_up_after_a_merger(cli, county) -> None:
    ok(cli("org", "merge", A, "--into", B, "--date", "2023-06-30"))
    ok(cli("org", "dissolve", C, "--date", "2023-08-01", "--kind", "注销"))
    for year in range(2019, 2026):
        whole = report(county, year)
        listed = by_org(county, year)
        for key in ("members.new", "members.active_end"):
            assert sum(r[key] for r in listed) == whole[key], (year, key)
        totals = by_county_totals(by_county(county, year))
        assert totals["orgs.total_end"] == whole["orgs.total_end"], year
        assert totals["members.active_end"] == whole["members.active_end"], year
    # a union ended before the year is not listed (it has no figures)
    assert {r["org"] for r in by_org(county, 2024)} == {B}
    assert {r["org"] for r in by_org(county, 2023)} == {A, B, C}


@pytest.mark.parametrize(
    ("ref", "into", "on", "code", "words"),
    [
        (A, A, "2023-06-30", 4, ("它自己",)),
        (A, B, "2099-06-30", 2, ("今天之后",)),
        (B, C, "2018-06-30", 4, ("早于", C)),  # C was founded in 2019
        (A, "没有这个工会", "2023-06-30", 3, ("没有这个工会",)),
    ],
)
def test_merge_refusals(cli, county, ref, into, on, code, words) -> None:
    fails(cli("org", "merge", ref, "--into", into, "--date", on), code, *words)
    assert scalar(county, "SELECT COUNT(*) FROM org WHERE dissolved_on IS NOT NULL") == 0
    assert scalar(county, "SELECT COUNT(*) FROM member_event WHERE from_org_id IS NOT NULL") == 0


def test_merge_into_a_dissolved_union_is_refused(cli, county) -> None:
    ok(cli("org", "dissolve", C, "--date", "2023-01-31", "--kind", "注销"))
    fails(cli("org", "merge", A, "--into", C, "--date", "2022-06-30"), 4, C, "2023-01-31")


# --- the figures over the years; the past stays true -----------------------------------------


def test_total_end_and_dissolved_over_the_years(cli, county) -> None:
    ok(cli("org", "dissolve", C, "--date", "2021-12-31", "--kind", "撤销"))
    ok(cli("org", "merge", A, "--into", B, "--date", "2022-01-01"))
    got = {
        y: (report(county, y)["orgs.total_end"], report(county, y)["orgs.dissolved"])
        for y in range(2018, 2025)
    }
    assert got == {
        2018: (2, 0),
        2019: (3, 0),
        2020: (3, 0),
        2021: (2, 1),  # C ended on 31 December: not in force at that year's end
        2022: (1, 1),
        2023: (1, 0),
        2024: (1, 0),
    }
    keys = list(report(county, 2022))
    assert keys.index("orgs.dissolved") > keys.index("orgs.total_end")


@pytest.mark.parametrize("scope", [None, "org", "township"])
def test_a_later_end_never_changes_earlier_years(cli, county, scope) -> None:
    def scoped() -> Scope | None:
        if scope == "org":
            return Scope(org_id=org_id(county, A))
        if scope == "township":
            return Scope(township="城关镇")
        return None

    years = range(2015, 2024)
    before = {y: json.dumps(report(county, y, scoped()), sort_keys=True) for y in years}
    ok(cli("org", "merge", A, "--into", B, "--date", "2024-02-01"))
    ok(cli("org", "dissolve", C, "--date", "2024-03-01", "--kind", "注销"))
    after = {y: json.dumps(report(county, y, scoped()), sort_keys=True) for y in years}
    assert after == before
    assert report(county, 2024, scoped())["orgs.dissolved"] >= 1


# --- no entry into a dissolved union ---------------------------------------------------------


def test_enrolment_into_a_dissolved_union_is_refused(cli, county, tmp_path) -> None:
    ok(cli("org", "dissolve", C, "--date", "2023-01-31", "--kind", "注销"))
    words = (C, "2023-01-31", "注销")
    fails(
        cli("member", "add", "新人", "--id", pid(9), "--org", C, "--joined", "2023-02-01"),
        4,
        *words,
    )
    fails(cli("member", "transfer", pid(4), "--to", C, "--date", "2023-01-31"), 4, *words)
    ok(cli("member", "leave", pid(1), "--date", "2023-03-01", "--reason", "本人申请"))
    fails(cli("member", "rejoin", pid(1), "--org", C, "--date", "2023-04-01"), 4, *words)
    # a late record of the past is a correction, allowed: joined before the union ended
    add_member(cli, 10, C, "2022-05-01")
    assert scalar(county, "SELECT COUNT(*) FROM member WHERE org_id = :o", o=org_id(county, C)) == 1
    # import members: the row is refused, naming the union and the date
    path = tmp_path / "会员.csv"
    path.write_text(
        "姓名,身份证号,所属工会,入会日期\r\n"
        f"新人甲,{pid(11)},{C},2023-05-01\r\n"
        f"新人乙,{pid(12)},{C},2022-05-01\r\n",
        encoding="utf-8-sig",
    )
    r = cli("import", "members", str(path))
    assert r.exit_code == 5, r.stderr
    assert "2023-01-31" in r.stdout + r.stderr
    assert scalar(county, "SELECT COUNT(*) FROM person WHERE name LIKE '新人%'") == 0
    r = cli("import", "members", str(path), "--skip-invalid")
    assert r.exit_code == 5 and "新建 1" in r.stdout, (r.stdout, r.stderr)
    assert scalar(county, "SELECT COUNT(*) FROM person WHERE name LIKE '新人%'") == 1


# --- import and export -----------------------------------------------------------------------


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_export_writes_the_end_and_import_gives_it_back(cli, county, tmp_path) -> None:
    ok(cli("org", "merge", A, "--into", B, "--date", "2023-06-30"))
    ok(cli("org", "dissolve", C, "--date", "2023-01-31", "--kind", "注销"))
    out = tmp_path / "工会.csv"
    ok(cli("export", "orgs", "--out", str(out)))
    exported = {r["工会名称"]: (r["撤销日期"], r["撤销方式"], r["并入工会"]) for r in _read(out)}
    assert exported == {
        A: ("2023-06-30", "合并", B),
        B: ("", "", ""),
        C: ("2023-01-31", "注销", ""),
    }
    # into the same ledger: nothing changes
    r = cli("import", "orgs", str(out))
    assert r.exit_code == 0, r.stderr
    assert "未变 3" in r.stdout or "unchanged" in r.stdout or "3" in r.stdout
    # into a fresh ledger (the rows come receiving union first): the same ends
    ok(cli("--db", str(tmp_path / "other.sqlite3"), "import", "orgs", str(out), db=False))
    from unioncli.config import sqlite_target

    other = sqlite_target(tmp_path / "other.sqlite3")
    query = (
        "SELECT o.name, o.dissolved_on, o.dissolution, i.name FROM org o "
        "LEFT JOIN org i ON i.id = o.merged_into_id"
    )
    assert sorted(dated(rows(other, query))) == sorted(dated(rows(county, query)))


def _orgs_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "工会.csv"
    text = "工会名称,成立日期,撤销日期,撤销方式,并入工会\r\n" + "".join(f"{x}\r\n" for x in lines)
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_import_applies_a_dissolution_of_an_empty_union(cli, county, tmp_path) -> None:
    path = _orgs_file(
        tmp_path, f"{C},2019-09-10,2023-01-31,注销,", "新并入工会,2020-01-01,2021-01-01,合并," + B
    )
    r = cli("import", "orgs", str(path), "--on-duplicate", "update")
    assert r.exit_code == 0, r.stderr
    assert dated(
        rows(county, "SELECT dissolved_on, dissolution FROM org WHERE name = :n", n=C)
    ) == [("2023-01-31", "deregistered")]
    assert scalar(county, "SELECT merged_into_id FROM org WHERE name = '新并入工会'") == org_id(
        county, B
    )
    assert report(county, 2023)["orgs.dissolved"] == 1
    # undone: the union is in force again
    batch = scalar(county, "SELECT MAX(id) FROM import_batch")
    ok(cli("import", "undo", str(batch)))
    assert scalar(county, "SELECT dissolved_on FROM org WHERE name = :n", n=C) is None


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (f"{A},2010-05-01,2023-01-31,撤销,", ("org dissolve --retain-members",)),
        (f"{A},2010-05-01,2023-01-31,合并,{B}", ("org merge",)),
        (f"{C},2019-09-10,2023-01-31,合并,", ("并入工会",)),
        (f"{C},2019-09-10,2023-01-31,,", ("撤销方式",)),
        (f"{C},2019-09-10,2023-01-31,合并,没有这个工会", ("没有这个工会",)),
        (f"{C},2019-09-10,2018-01-31,注销,", ("早于",)),
    ],
)
def test_import_refuses_an_end_it_cannot_apply(cli, county, tmp_path, line, words) -> None:
    r = cli("import", "orgs", str(_orgs_file(tmp_path, line)), "--on-duplicate", "update")
    assert r.exit_code == 5, (r.stdout, r.stderr)
    for word in words:
        assert word in r.stdout + r.stderr, (word, r.stdout, r.stderr)
    assert scalar(county, "SELECT COUNT(*) FROM org WHERE dissolved_on IS NOT NULL") == 0


def test_import_refuses_to_change_an_end(cli, county, tmp_path) -> None:
    ok(cli("org", "dissolve", C, "--date", "2023-01-31", "--kind", "注销"))
    path = _orgs_file(tmp_path, f"{C},2019-09-10,2023-05-31,撤销,")
    r = cli("import", "orgs", str(path), "--on-duplicate", "update")
    assert r.exit_code == 5, (r.stdout, r.stderr)
    assert "2023-01-31" in r.stdout + r.stderr
    assert dated(rows(county, "SELECT dissolved_on FROM org WHERE name = :n", n=C)) == [
        ("2023-01-31",)
    ]


def test_english_messages(cli, county) -> None:
    fails(
        cli("--lang", "en", "org", "dissolve", A, "--date", "2022-06-30", "--kind", "revoked"),
        4,
        "2 active members",
    )


def test_db_copy_carries_a_merger_into_a_later_union(cli, county, tmp_path) -> None:
    """A merged into B, a union registered after it: the copy writes A before B, and still
    gives back A's end with its receiving union (and every year's report, which it checks)."""
    ok(cli("org", "merge", A, "--into", B, "--date", "2023-06-30"))
    other = tmp_path / "copy.sqlite3"
    ok(cli("db", "copy", "--to", str(other)))
    from unioncli.config import sqlite_target

    query = (
        "SELECT o.name, o.dissolved_on, o.dissolution, i.name FROM org o "
        "LEFT JOIN org i ON i.id = o.merged_into_id"
    )
    assert sorted(dated(rows(sqlite_target(other), query))) == sorted(dated(rows(county, query)))
