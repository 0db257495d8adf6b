"""金秋助学 grants through the shared import engine, and back out through export."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import dbutil
import pytest

from unioncli.config import Target
from unioncli.ids import make_id_number

ORG = "城关镇第一小学工会"
HEAD = make_id_number("230125", date(1975, 3, 4), 5, "male")  # heads a hardship file
MIGRANT = make_id_number("410122", date(1980, 6, 7), 9, "male")  # a migrant-worker member
STRANGER = make_id_number("230125", date(1982, 1, 1), 20, "female")
KID1 = make_id_number("230125", date(2004, 5, 1), 30, "female")
KID2 = make_id_number("410122", date(2010, 9, 1), 31, "male")
KID3 = make_id_number("230125", date(2006, 2, 2), 32, "male")
KID4 = make_id_number("230125", date(2005, 7, 7), 33, "female")
HEADER = ["学生姓名", "学生身份证号", "家长姓名", "家长身份证号", "学段", "学校", "年度", "金额",
          "状态", "发放日期", "备注"]  # fmt: skip


def write(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path


def query(target: Target, sql: str) -> list[tuple[Any, ...]]:
    return dbutil.dated(dbutil.rows(target, sql))


@pytest.fixture
def county(cli, ledger: Target) -> Target:
    def ok(*args: str) -> None:
        r = cli(*args)
        assert r.exit_code == 0, r.stderr

    ok("org", "add", ORG, "--founded", "2010-05-01")
    ok("hardship", "open", "王建国", "--id", HEAD, "--org", "1", "--category", "深度困难",
       "--cause", "患重特大疾病", "--size", "3", "--income", "400", "--opened", "2023-03-01")  # fmt: skip
    ok(
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
    ok("grant", "standards", "2024", "--level", "本科", "--on-file", "4000", "--off-file", "3000")
    ok("grant", "standards", "2024", "--level", "初中", "--on-file", "1500", "--off-file", "1000")
    return ledger


def rows() -> list[list[str]]:
    return [
        [
            "王芳",
            KID1,
            "王建国",
            HEAD,
            "本科",
            "某某大学",
            "2024",
            "4000",
            "已发放",
            "2024-08-20",
            "",
        ],
        ["赵小明", KID2, "赵强", MIGRANT, "初中", "县第二中学", "2024", "1000", "", "", ""],
        # the same grant again: a repeat
        ["赵小明", KID2, "赵强", MIGRANT, "初中", "县第二中学", "2024", "1000", "", "", ""],
        # a parent with no open file and no migrant membership
        ["李雷", KID3, "李梅", STRANGER, "本科", "", "2024", "3000", "", "", ""],
        # not the standard amount, and no reason for it
        ["王丽", KID4, "王建国", HEAD, "本科", "某某大学", "2024", "4500", "", "", ""],
    ]


def test_grants_import_by_the_rules_of_apply(cli, county, tmp_path) -> None:
    f = write(tmp_path / "g.csv", rows())
    r = cli("import", "grants", str(f), "--skip-invalid")
    assert r.exit_code == 5
    assert "新建 2 · 更新 0 · 未变 0 · 跳过 0 · 文件内重复 1 · 拒绝 2" in r.stdout
    rejected = [line.split("：")[0] for line in r.stderr.splitlines()]
    assert rejected == ["第 5 行", "第 6 行"]
    assert query(
        county,
        "SELECT year, level, amount_fen, status, eligibility, paid_on "
        "FROM student_grant ORDER BY id",
    ) == [
        (2024, "bachelor", 400000, "paid", "hardship_file", "2024-08-20"),
        (2024, "junior", 100000, "applied", "migrant_member", None),
    ]
    # the same file again: unchanged; a changed amount is refused, never rewritten
    again = rows()[:2]
    assert "未变 2" in cli("import", "grants", str(write(tmp_path / "a.csv", again))).stdout
    again[1][7] = "1200"
    r = cli("import", "grants", str(write(tmp_path / "b.csv", again)), "--on-duplicate", "update")
    assert r.exit_code == 5 and "grant" in r.stderr


def test_grants_export_masks_minors_and_reimports(cli, county, tmp_path) -> None:
    assert cli("import", "grants", str(write(tmp_path / "g.csv", rows()[:2]))).exit_code == 0
    out = tmp_path / "grants.csv"
    assert cli("export", "grants", "--out", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert KID1 not in text and HEAD not in text
    assert KID1[:4] + "*" * 10 + KID1[-4:] in text
    full = tmp_path / "full.csv"
    assert (
        cli("export", "grants", "--out", str(full), "--unmasked", "--reason", "报送").exit_code == 0
    )
    exported = list(csv.DictReader(io.StringIO(full.read_text(encoding="utf-8-sig"))))
    assert [(e["学生身份证号"], e["学段"], e["金额"], e["状态"]) for e in exported] == [
        (KID1, "本科", "4000.00", "已发放"),
        (KID2, "初中", "1000.00", "申请"),
    ]
    r = cli("import", "grants", str(full))
    assert r.exit_code == 0, r.stderr
    assert "未变 2" in r.stdout
