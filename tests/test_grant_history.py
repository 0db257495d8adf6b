"""Issue 14, grants: a grant's every status change is dated (decided_on for a rejection or a
withdrawal), a whole past round comes in through ``import grants`` (every status, its dates and
reasons, per-row warnings), and ``report year Y`` counts the round-Y grants paid by 31 December
of Y, each in the union its parent was in on that day — never moved by anything dated later."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import dbutil
import pytest

from unioncli.config import Target
from unioncli.dates import today
from unioncli.db.uow import UnitOfWork
from unioncli.errors import InvalidValue
from unioncli.ids import make_id_number
from unioncli.services import report
from unioncli.services.figures import Scope
from unioncli.services.grants import figures as gfigures
from unioncli.services.grants import rules as grules

ORG1, ORG2 = "城关镇第一小学工会", "河西镇人民医院工会"
HEAD = make_id_number("230125", date(1975, 3, 4), 5, "male")  # heads a hardship file (ORG1)
MIGRANT = make_id_number("410122", date(1980, 6, 7), 9, "male")  # migrant member of ORG1
STRANGER = make_id_number("230125", date(1982, 1, 1), 20, "female")  # in no register
KIDS = [make_id_number("230125", date(2004, 5, 1), 30 + i, "female") for i in range(8)]
NAMES = ["王芳", "赵小明", "王丽", "赵小红", "李雷", "王刚", "赵敏敏", "李娜娜"]
HEADER = [
    "学生姓名",
    "学生身份证号",
    "家长姓名",
    "家长身份证号",
    "学段",
    "年度",
    "金额",
    "状态",
    "申请日期",
    "审批日期",
    "发放日期",
    "决定日期",
    "原因",
    "资格说明",
    "金额说明",
    "备注",
]


def ok(r: Any) -> str:
    assert r.exit_code == 0, r.stdout + r.stderr
    return str(r.stdout)


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("gbk"))  # as a county's Excel saves it
    return path


def row(kid: int, parent: str, pname: str, **cells: str) -> list[str]:
    base = {
        "学生姓名": NAMES[kid],
        "学生身份证号": KIDS[kid],
        "家长姓名": pname,
        "家长身份证号": parent,
        "学段": "本科",
        "年度": "2023",
        "金额": "4000",
    }
    base.update(cells)
    return [base.get(h, "") for h in HEADER]


@pytest.fixture
def county(cli: Any, ledger: Target) -> Target:
    """Two unions in two townships; a hardship file (ORG1) opened 2022; a migrant member of ORG1
    since 2020; the 2023 standards (本科 4000 on file, 3000 off file)."""
    ok(cli("org", "add", ORG1, "--founded", "2010-05-01", "--township", "城关镇"))
    ok(cli("org", "add", ORG2, "--founded", "2012-03-01", "--township", "河西镇"))
    ok(
        cli(
            "hardship",
            "open",
            "王建国",
            "--id",
            HEAD,
            "--org",
            "1",
            "--category",
            "深度困难",
            "--cause",
            "患重特大疾病",
            "--size",
            "3",
            "--income",
            "400",
            "--opened",
            "2022-03-01",
        )
    )
    ok(
        cli(
            "member",
            "add",
            "赵强",
            "--id",
            MIGRANT,
            "--org",
            "1",
            "--joined",
            "2020-01-02",
            "--migrant",
        )
    )
    ok(
        cli(
            "grant",
            "standards",
            "2023",
            "--level",
            "本科",
            "--on-file",
            "4000",
            "--off-file",
            "3000",
        )
    )
    return ledger


def figures(target: Target, year: int, scope: Scope | None = None) -> dict[str, Any]:
    """The report's grants.* and services/grants/figures.year_figures, which must agree."""
    rep = report.year_report(target, year, scope)
    with UnitOfWork(target) as uow:
        fig = gfigures.year_figures(uow.session, year, scope)
    assert (rep["grants.students"], rep["grants.amount_fen"]) == (fig.students, fig.amount_fen)
    return {k: v for k, v in rep.items() if k.startswith("grants.")}


def _engine(target: Target) -> Any:
    from unioncli.db.engine import make_engine

    return make_engine(target)


# --- the reproduction: a past round imported whole ------------------------------------------------


def past_round() -> list[list[str]]:
    return [
        row(
            0,
            HEAD,
            "王建国",
            状态="已发放",
            申请日期="2023-07-05",
            审批日期="2023-08-04",
            发放日期="2023-08-20",
        ),
        row(1, MIGRANT, "赵强", 金额="3000", 状态="已发放", 发放日期="2023/8/21"),
        row(
            2,
            HEAD,
            "王建国",
            状态="不予资助",
            申请日期="2023-07-06",
            决定日期="2023-08-04",
            原因="已获定向生资助",
        ),
        row(
            3, MIGRANT, "赵强", 金额="3000", 状态="撤回", 申请日期="2023-07-07", 原因="家长申请撤回"
        ),
        # the parent is in no register: rejected for it, no 资格说明 needed for a refusal
        row(4, STRANGER, "李梅", 金额="3000", 状态="不予资助", 原因="不符合条件"),
        # student 0 again, refused at first at another level: beside the paid grant, fine
        row(0, HEAD, "王建国", 学段="高中", 金额="2000", 状态="不予资助", 原因="学段填错"),
    ]


def test_a_past_round_with_paid_rejected_and_withdrawn_rows_imports_whole(
    cli: Any, county: Target, tmp_path: Path
) -> None:
    before = json.loads(ok(cli("report", "year", "2023", "--format", "json")))
    assert before["grants.students"] == 0
    f = write(tmp_path / "2023年金秋助学.csv", past_round())
    out = ok(cli("import", "grants", str(f)))
    assert "新建 6 · 更新 0 · 未变 0 · 跳过 0 · 文件内重复 0 · 拒绝 0" in out
    assert dbutil.dated(
        dbutil.rows(
            county,
            "SELECT level, status, applied_on, approved_on, paid_on, decided_on, status_reason "
            "FROM student_grant ORDER BY id",
        )
    ) == [
        ("bachelor", "paid", "2023-07-05", "2023-08-04", "2023-08-20", None, None),
        ("bachelor", "paid", "2023-08-21", "2023-08-21", "2023-08-21", None, None),
        ("bachelor", "rejected", "2023-07-06", None, None, "2023-08-04", "已获定向生资助"),
        # a withdrawal with no 决定日期 is dated on its application (the latest date it gives)
        ("bachelor", "withdrawn", "2023-07-07", None, None, "2023-07-07", "家长申请撤回"),
        (
            "bachelor",
            "rejected",
            today().isoformat(),
            None,
            None,
            today().isoformat(),
            "不符合条件",
        ),
        ("senior", "rejected", today().isoformat(), None, None, today().isoformat(), "学段填错"),
    ]
    after = json.loads(ok(cli("report", "year", "2023", "--format", "json")))
    assert (after["grants.students"], after["grants.amount_fen"]) == (2, 700_000)
    assert after["grants.hardship_children"] == after["grants.migrant_children"] == 1
    assert after["grants.by_level"] == {"bachelor": {"students": 2, "amount_fen": 700_000}}
    # the same sheet again: every row, the decisions included, is already there
    again = ok(cli("import", "grants", str(f)))
    assert "新建 0 · 更新 0 · 未变 6" in again


def test_a_decision_beside_a_pending_grant_is_a_status_change(
    cli: Any, county: Target, tmp_path: Path
) -> None:
    """Rejecting the student's applied grant is ``grant reject``: a 不予资助 row beside it is
    refused, not recorded as a second application."""
    ok(cli("import", "grants", str(write(tmp_path / "a.csv", [row(0, HEAD, "王建国")]))))
    r = cli(
        "import",
        "grants",
        str(write(tmp_path / "b.csv", [row(0, HEAD, "王建国", 状态="不予资助", 原因="收入超标")])),
    )
    assert r.exit_code == 5
    assert "grant 命令" in r.stderr
    assert dbutil.count(county, "student_grant") == 1


# --- the override reason, warnings, dates -------------------------------------------------------


def test_an_ineligible_parent_needs_the_override_column(
    cli: Any, county: Target, tmp_path: Path
) -> None:
    r = cli("import", "grants", str(write(tmp_path / "a.csv", [row(4, STRANGER, "李梅")])))
    assert r.exit_code == 5
    assert "“资格说明”列" in r.stderr and "--" not in r.stderr
    assert dbutil.count(county, "student_grant") == 0
    # the same row with its reason: taken, as an override, with a warning in the summary
    f = write(
        tmp_path / "b.csv", [row(4, STRANGER, "李梅", 金额="3000", 资格说明="房屋失火经县总特批")]
    )
    out = ok(cli("import", "grants", str(f)))
    assert "有提示的行：1" in out
    assert "第 2 行：提示：家长不符合资助条件，按特批记录（房屋失火经县总特批）" in out
    assert dbutil.rows(county, "SELECT eligibility, override_reason FROM student_grant") == [
        ("override", "房屋失火经县总特批")
    ]


def test_warnings_in_the_summary_are_not_rejections(
    cli: Any, county: Target, tmp_path: Path
) -> None:
    f = write(
        tmp_path / "w.csv",
        [
            row(
                0, HEAD, "王建国", 金额="4500", 金额说明="多子女家庭"
            ),  # non-standard, with a reason
            row(1, MIGRANT, "赵强", 年度="2022", 金额="1000"),  # 2022 has no standards
            row(2, STRANGER, "李梅", 金额="3000", 资格说明="特批"),  # an override
            row(3, MIGRANT, "赵强", 金额="3000"),  # nothing to say
        ],
    )
    out = ok(cli("import", "grants", str(f)))
    assert "新建 4" in out and "拒绝 0" in out
    assert "有提示的行：3" in out
    notes = [line for line in out.splitlines() if line.startswith("第 ")]
    assert [n.split("：")[0] for n in notes] == ["第 2 行", "第 3 行", "第 4 行"]
    assert "4,500.00" in notes[0] and "多子女家庭" in notes[0]
    assert "2022" in notes[1]
    assert dbutil.rows(
        county, "SELECT amount_fen, amount_reason FROM student_grant WHERE id = 1"
    ) == [(450_000, "多子女家庭")]
    # a non-standard amount without a reason is still refused, naming the column to fill
    r = cli(
        "import", "grants", str(write(tmp_path / "x.csv", [row(5, HEAD, "王建国", 金额="4800")]))
    )
    assert r.exit_code == 5 and "“金额说明”列" in r.stderr


@pytest.mark.parametrize(
    ("cells", "column", "value"),
    [
        (
            {"状态": "已发放", "审批日期": "2023-08-25", "发放日期": "2023-08-20"},
            "发放日期",
            "2023-08-20",
        ),
        (
            {"状态": "不予资助", "申请日期": "2023-08-10", "决定日期": "2023-08-01", "原因": "x"},
            "决定日期",
            "2023-08-01",
        ),
        (
            {"状态": "已批准", "申请日期": "2023-09-10", "审批日期": "2023-09-01"},
            "批准日期",
            "2023-09-01",
        ),
        ({"状态": "申请", "发放日期": "2023-08-20"}, "发放日期", "2023-08-20"),
        ({"状态": "已发放", "发放日期": "2030-01-01"}, "发放日期", "2030-01-01"),
    ],
)
def test_dates_out_of_order_refuse_the_file(
    cli: Any, county: Target, tmp_path: Path, cells: dict[str, str], column: str, value: str
) -> None:
    f = write(
        tmp_path / "d.csv", [row(1, MIGRANT, "赵强", 金额="3000"), row(0, HEAD, "王建国", **cells)]
    )
    r = cli("import", "grants", str(f))
    assert r.exit_code == 5
    problem = [line for line in r.stderr.splitlines() if line.startswith("第 3 行")]
    assert problem and column in problem[0] and value in problem[0], r.stderr
    assert dbutil.count(county, "student_grant") == 0  # nothing written


def test_parse_checks_every_date_of_the_history() -> None:
    raw = {
        "student_name": "甲",
        "student_id_number": KIDS[0],
        "parent_name": "乙",
        "parent_id_number": HEAD,
        "level": "本科",
        "year": "2023",
        "amount": "4000",
    }
    with pytest.raises(InvalidValue) as exc:
        grules.parse_grant_fields(
            raw | {"status": "撤回", "approved_on": "2023-08-05", "decided_on": "2023-08-01"}
        )
    assert (exc.value.field, exc.value.reason) == ("decided_on", "grant.date_before")


# --- the budget of a round imported whole --------------------------------------------------------


def test_a_past_rounds_budget_counts_approved_and_paid_only(
    cli: Any, county: Target, tmp_path: Path
) -> None:
    ok(cli("grant", "budget", "2023", "7000"))
    rows = [
        row(0, HEAD, "王建国", 状态="已发放", 发放日期="2023-08-20"),
        row(1, MIGRANT, "赵强", 金额="3000", 状态="已批准", 审批日期="2023-08-04"),
        # refused and withdrawn applications use no budget, however much they asked
        row(2, HEAD, "王建国", 状态="不予资助", 原因="超出预算"),
        row(3, MIGRANT, "赵强", 金额="3000", 状态="撤回"),
    ]
    ok(cli("import", "grants", str(write(tmp_path / "a.csv", rows))))
    # one more paid grant would take the round past its budget: refused, nothing written
    r = cli(
        "import",
        "grants",
        str(
            write(
                tmp_path / "b.csv",
                [row(5, MIGRANT, "赵强", 金额="3000", 状态="已发放", 发放日期="2023-08-20")],
            )
        ),
    )
    assert r.exit_code == 5 and "预算" in r.stderr
    assert dbutil.count(county, "student_grant") == 4


# --- reject and withdraw on a date; grant show's history ---------------------------------------


def test_reject_and_withdraw_take_a_date_and_show_prints_the_history(
    cli: Any, county: Target
) -> None:
    apply = ("grant", "apply", "学生", "--parent-id", HEAD, "--level", "本科", "--year", "2023")
    ok(cli(*apply[:3], "--id", KIDS[0], *apply[3:], "--date", "2023-07-05"))
    ok(cli(*apply[:3], "--id", KIDS[1], *apply[3:], "--date", "2023-07-06"))
    ok(cli("grant", "approve", "2", "--date", "2023-08-04"))
    r = cli("grant", "reject", "1", "--reason", "收入超标", "--date", "2023-07-01")
    assert r.exit_code == 2 and "早于申请日期 2023-07-05" in r.stderr
    r = cli("grant", "withdraw", "2", "--date", "2023-08-01")
    assert r.exit_code == 2 and "早于批准日期 2023-08-04" in r.stderr
    r = cli("grant", "reject", "1", "--reason", "收入超标", "--date", "2030-01-01")
    assert r.exit_code == 2 and "今天之后" in r.stderr
    ok(cli("grant", "reject", "1", "--reason", "收入超标", "--date", "2023-08-04"))
    ok(cli("grant", "withdraw", "2", "--date", "2023-08-10"))
    shown = ok(cli("grant", "show", "1"))
    assert "2023-07-05 申请 → 2023-08-04 不予资助" in shown
    shown = ok(cli("grant", "show", "2"))
    assert "2023-07-06 申请 → 2023-08-04 已批准 → 2023-08-10 撤回" in shown
    data = json.loads(ok(cli("grant", "show", "2", "--format", "json")))
    assert data["decided_on"] == "2023-08-10"
    assert data["history"] == [
        {"date": "2023-07-06", "status": "applied"},
        {"date": "2023-08-04", "status": "approved"},
        {"date": "2023-08-10", "status": "withdrawn"},
    ]
    # undated, it is today (as before)
    ok(cli(*apply[:3], "--id", KIDS[2], *apply[3:]))
    ok(cli("grant", "withdraw", "3"))
    assert dbutil.dated(
        dbutil.rows(county, "SELECT decided_on FROM student_grant WHERE id = 3")
    ) == [(today().isoformat(),)]


# --- the past stays true ------------------------------------------------------------------------


def test_a_payment_dated_after_the_year_does_not_count_in_it(
    cli: Any, county: Target, tmp_path: Path
) -> None:
    rows = [
        row(0, HEAD, "王建国", 状态="已发放", 发放日期="2023-12-31"),
        row(1, MIGRANT, "赵强", 金额="3000", 状态="已发放", 发放日期="2024-01-02"),
    ]
    ok(cli("import", "grants", str(write(tmp_path / "a.csv", rows))))
    for scope in (None, Scope(org_id=1), Scope(township="城关镇")):
        got = figures(county, 2023, scope)
        assert (got["grants.students"], got["grants.amount_fen"]) == (1, 400_000), scope
    # nor in 2024: it is not 2024's round
    assert figures(county, 2024)["grants.students"] == 0
    by_org = report.by_org(_engine(county), 2023)
    assert sum(r["grants.students"] for r in by_org) == 1


def test_a_later_transfer_of_the_parent_never_moves_a_past_grant(
    cli: Any, county: Target, tmp_path: Path
) -> None:
    """赵强 (migrant, ORG1 in 城关镇) is paid a 2023 grant; in 2026 he moves to ORG2 (河西镇). The
    2023 figures of every scope stay as they were; by_org still adds up to the whole."""
    ok(
        cli(
            "import",
            "grants",
            str(
                write(
                    tmp_path / "a.csv",
                    [row(1, MIGRANT, "赵强", 金额="3000", 状态="已发放", 发放日期="2023-08-20")],
                )
            ),
        )
    )
    scopes = [
        None,
        Scope(org_id=1),
        Scope(org_id=2),
        Scope(township="城关镇"),
        Scope(township="河西镇"),
        Scope(county="甲区"),
        Scope(county="乙区"),
    ]
    ok(cli("org", "update", "1", "--county", "甲区"))
    ok(cli("org", "update", "2", "--county", "乙区"))
    before = [figures(county, 2023, s) for s in scopes]
    assert [b["grants.students"] for b in before] == [1, 1, 0, 1, 0, 1, 0]
    ok(cli("member", "transfer", "1", "--to", "2", "--date", "2026-03-01"))
    assert [figures(county, 2023, s) for s in scopes] == before
    rows = report.by_org(_engine(county), 2023)
    assert {r["org"]: r["grants.students"] for r in rows} == {ORG1: 1, ORG2: 0}
    by_county = {r["county"]: r["grants.students"] for r in report.by_county(county, 2023)}
    assert by_county == {"甲区": 1, "乙区": 0}
    # the clerk's county lists the grant where the report counts it
    r = cli("--county", "甲区", "grant", "list", "--format", "json")
    assert [g["student_name"] for g in json.loads(ok(r))] == ["赵小明"]
    # the grant is 2026's ORG2's only in the figures of a year ending after the move
    assert figures(county, 2026, Scope(org_id=2))["grants.students"] == 0  # round 2023, not 2026


def test_a_transfer_by_the_year_end_counts_for_the_new_union(
    cli: Any, county: Target, tmp_path: Path
) -> None:
    ok(cli("member", "transfer", "1", "--to", "2", "--date", "2023-10-01"))
    ok(
        cli(
            "import",
            "grants",
            str(
                write(
                    tmp_path / "a.csv",
                    [row(1, MIGRANT, "赵强", 金额="3000", 状态="已发放", 发放日期="2023-08-20")],
                )
            ),
        )
    )
    assert figures(county, 2023, Scope(org_id=2))["grants.students"] == 1
    assert figures(county, 2023, Scope(org_id=1))["grants.students"] == 0


# --- the export writes every status; the round trip -------------------------------------------


def test_export_writes_every_status_and_reimports_unchanged(
    cli: Any, county: Target, tmp_path: Path
) -> None:
    rows = [*past_round(), row(5, STRANGER, "李梅", 金额="3100", 资格说明="特批", 金额说明="另加")]
    ok(cli("import", "grants", str(write(tmp_path / "a.csv", rows))))
    out = tmp_path / "grants.csv"
    ok(cli("export", "grants", "--out", str(out), "--unmasked", "--reason", "核对"))
    exported = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [e["状态"] for e in exported] == [
        "已发放",
        "已发放",
        "不予资助",
        "撤回",
        "不予资助",
        "不予资助",
        "申请",
    ]
    assert exported[2]["决定日期"] == "2023-08-04" and exported[2]["原因"] == "已获定向生资助"
    assert (exported[6]["资格说明"], exported[6]["金额说明"]) == ("特批", "另加")
    r = cli("import", "grants", str(out))
    assert "新建 0 · 更新 0 · 未变 7" in ok(r)


def test_migration_0012_dates_past_decisions(ledger: Target) -> None:
    """A ledger at 0011 with a rejected and an applied grant: 0012 dates the rejection on the day
    it was last changed (never before its application), leaves the applied one undated."""
    from unioncli.db import migrate
    from unioncli.db.engine import dispose_all

    pid = dbutil.execute
    dispose_all()
    migrate.downgrade(ledger, "0011")
    for n, (kid, name) in enumerate(((KIDS[0], "甲"), (KIDS[1], "乙"), (HEAD, "丙")), start=1):
        pid(
            ledger,
            "INSERT INTO person (id, id_number, id_rev, name, name_pinyin, name_initials, "
            "gender, birth_date, created_at, updated_at) VALUES (:n, :idn, :rev, :name, 'x', 'x', "
            "'female', '2004-05-01', '2024-01-01 00:00:00', '2024-01-01 00:00:00')",
            n=n,
            idn=kid,
            rev=kid[::-1],
            name=name,
        )
    for gid, student, status, applied, updated in (
        (1, 1, "rejected", "2023-07-05", "2023-08-04 09:30:00"),
        (2, 2, "applied", "2023-07-06", "2023-07-06 10:00:00"),
        (3, 2, "withdrawn", "2023-07-06", "2023-07-01 10:00:00"),  # changed "before" it began
    ):
        pid(
            ledger,
            "INSERT INTO student_grant (id, year, student_id, parent_id, level, amount_fen, "
            "eligibility, status, applied_on, created_at, updated_at) VALUES (:gid, 2023, :s, 3, "
            "'bachelor', 400000, 'override', :status, :applied, :at, :at)",
            gid=gid,
            s=student,
            status=status,
            applied=applied,
            at=updated,
        )
    dispose_all()
    migrate.upgrade(ledger)
    assert migrate.drift(ledger) == []
    assert dbutil.dated(
        dbutil.rows(ledger, "SELECT id, decided_on FROM student_grant ORDER BY id")
    ) == [(1, "2023-08-04"), (2, None), (3, "2023-07-06")]
    dispose_all()
    migrate.downgrade(ledger, "0011")
    assert "decided_on" not in dbutil.columns(ledger, "student_grant")
    assert dbutil.count(ledger, "student_grant") == 3
    dispose_all()
    migrate.upgrade(ledger)
