"""Hardship files and aid through the shared import engine, and back out through export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dbutil import dated, rows

from unioncli.config import Target
from unioncli.ids import make_id_number

ORG = "城关镇第一小学工会"
HEAD = make_id_number("230125", date(1975, 3, 4), 5, "male")
HEAD2 = make_id_number("230125", date(1980, 6, 7), 8, "female")
FILE_HEADER = ["档案编号", "姓名", "身份证号", "所属工会", "困难类别", "主要致困原因", "家庭人口",
               "家庭月人均收入", "建档日期", "状态", "退档日期", "退档原因"]  # fmt: skip
AID_HEADER = ["档案编号", "身份证号", "帮扶日期", "帮扶类型", "金额", "资金来源"]


def write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "gb18030") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def query(target: Target, sql: str) -> list[tuple[Any, ...]]:
    return dated(rows(target, sql))


@pytest.fixture
def county(cli, ledger: Target) -> Target:
    assert cli("org", "add", ORG, "--founded", "2010-05-01").exit_code == 0
    return ledger


def file_row(**over: str) -> list[str]:
    row = {
        "档案编号": "",
        "姓名": "王建国",
        "身份证号": HEAD,
        "所属工会": ORG,
        "困难类别": "深度困难",
        "主要致困原因": "患重特大疾病",
        "家庭人口": "3",
        "家庭月人均收入": "450",
        "建档日期": "2021/3/1",
        "状态": "",
        "退档日期": "",
        "退档原因": "",
    }
    row.update(over)
    return [row[h] for h in FILE_HEADER]


@pytest.mark.parametrize(
    ("label", "code"),
    [("特困", "deep"), ("极困", "deep"), ("低保户", "deep"), ("一般困难", "relative"),
     ("低保边缘户", "relative"), ("意外致困户", "accident"), ("relative", "relative")],
)  # fmt: skip
def test_legacy_category_labels_land_in_the_right_category(
    cli, county, tmp_path, label, code
) -> None:
    f = write(tmp_path / "h.csv", FILE_HEADER, [file_row(困难类别=label)])
    r = cli("import", "hardship", str(f))
    assert r.exit_code == 0, r.stderr
    assert query(county, "SELECT category, file_no FROM hardship_file") == [(code, "KN2021-00001")]


def test_history_comes_in_and_the_rules_hold(cli, county, tmp_path) -> None:
    rows = [
        # an old, closed file and the household's open one: history plus the present
        file_row(档案编号="KN2015-00007", 建档日期="2015-01-05", 状态="退档", 退档日期="2018-06-30",
                 退档原因="脱困"),
        file_row(),
        # a second open file for the same head is refused
        file_row(建档日期="2022-01-01"),
        # a closed file without its reason is refused
        file_row(姓名="李芳", 身份证号=HEAD2, 状态="已退档", 退档日期="2022-01-01"),
        # the same row again: a repeat, not a second file
        file_row(),
    ]  # fmt: skip
    f = write(tmp_path / "h.csv", FILE_HEADER, rows)
    r = cli("import", "hardship", str(f), "--skip-invalid")
    assert r.exit_code == 5
    assert "新建 2 · 更新 0 · 未变 0 · 跳过 0 · 文件内重复 1 · 拒绝 2" in r.stdout
    lines = r.stderr.splitlines()
    assert lines[0].startswith("第 4 行") and "KN2021-00001" in lines[0]
    assert lines[1].startswith("第 5 行") and "退档原因" in lines[1]
    assert query(county, "SELECT file_no, status, close_reason FROM hardship_file ORDER BY id") == [
        ("KN2015-00007", "closed", "recovered"),
        ("KN2021-00001", "open", None),
    ]
    # the person is stored once, for both files
    assert query(county, "SELECT COUNT(*) FROM person") == [(1,)]


def test_import_updates_the_household_but_not_the_lifecycle(cli, county, tmp_path) -> None:
    assert (
        cli(
            "import", "hardship", str(write(tmp_path / "a.csv", FILE_HEADER, [file_row()]))
        ).exit_code
        == 0
    )
    f = write(tmp_path / "b.csv", FILE_HEADER, [file_row(家庭人口="4", 家庭月人均收入="")])
    r = cli("import", "hardship", str(f), "--on-duplicate", "update")
    assert r.exit_code == 0, r.stderr
    assert "更新 1" in r.stdout
    # the blank income did not erase the stored one
    assert query(county, "SELECT household_size, income_fen FROM hardship_file") == [(4, 45000)]
    f = write(tmp_path / "c.csv", FILE_HEADER, [file_row(困难类别="相对困难")])
    r = cli("import", "hardship", str(f), "--on-duplicate", "update")
    assert r.exit_code == 5
    assert "hardship review" in r.stderr


def aid_rows() -> list[list[str]]:
    return [
        ["KN2021-00001", "", "2022-01-20", "两节慰问", "1000", "送温暖专项"],
        ["", HEAD, "2022-03-01", "大病救助", "5,000.00", "县总工会帮扶资金"],
        # before the file was opened
        ["KN2021-00001", "", "2020-12-31", "生活救助", "300", ""],
        # the same payment twice in one file: a repeat
        ["KN2021-00001", "", "2022-01-20", "送温暖", "1000", "送温暖专项"],
        # the same payment, but the file says otherwise about it
        ["KN2021-00001", "", "2022-01-20", "送温暖", "1000", "上级工会补助"],
        # an unknown file
        ["KN1999-00001", "", "2022-01-20", "送温暖", "1000", ""],
    ]


def test_aid_import_follows_the_aid_rules(cli, county, tmp_path) -> None:
    assert (
        cli(
            "import", "hardship", str(write(tmp_path / "h.csv", FILE_HEADER, [file_row()]))
        ).exit_code
        == 0
    )
    f = write(tmp_path / "aid.csv", AID_HEADER, aid_rows())
    r = cli("import", "aid", str(f), "--skip-invalid")
    assert r.exit_code == 5
    assert "新建 2 · 更新 0 · 未变 0 · 跳过 0 · 文件内重复 1 · 拒绝 3" in r.stdout
    rejected = [line.split("：")[0] for line in r.stderr.splitlines()]
    assert rejected == ["第 4 行", "第 6 行", "第 7 行"]
    assert query(county, "SELECT kind, amount_fen FROM aid ORDER BY aid_date") == [
        ("warmth", 100000),
        ("medical", 500000),
    ]
    # the same file again: nothing new, nothing doubled
    r = cli("import", "aid", str(write(tmp_path / "again.csv", AID_HEADER, aid_rows()[:2])))
    assert r.exit_code == 0, r.stderr
    assert "未变 2" in r.stdout
    # a reversal typed in by hand after the import blocks undoing that import
    assert cli("aid", "reverse", "1", "--reason", "金额录错").exit_code == 0
    r = cli("import", "undo", "2")
    assert r.exit_code == 4 and "帮扶记录" in r.stderr


def test_hardship_and_aid_export_round_trip(cli, county, tmp_path) -> None:
    assert (
        cli(
            "import", "hardship", str(write(tmp_path / "h.csv", FILE_HEADER, [file_row()]))
        ).exit_code
        == 0
    )
    assert (
        cli("import", "aid", str(write(tmp_path / "a.csv", AID_HEADER, aid_rows()[:2]))).exit_code
        == 0
    )
    masked = tmp_path / "files.csv"
    assert cli("export", "hardship", "--out", str(masked)).exit_code == 0
    text = masked.read_text(encoding="utf-8-sig")
    assert HEAD not in text and HEAD[:4] + "*" * 10 + HEAD[-4:] in text
    aid_out = tmp_path / "aid-out.csv"
    assert cli("export", "aid", "--out", str(aid_out)).exit_code == 0
    exported = list(csv.DictReader(io.StringIO(aid_out.read_text(encoding="utf-8-sig"))))
    assert "身份证号" not in exported[0]  # the file number is enough; no ID in a masked export
    assert [(e["档案编号"], e["帮扶类型"], e["金额"]) for e in exported] == [
        ("KN2021-00001", "送温暖", "1000.00"),
        ("KN2021-00001", "医疗救助", "5000.00"),
    ]
    # a masked export of aid imports back into the same ledger unchanged
    r = cli("import", "aid", str(aid_out))
    assert r.exit_code == 0, r.stderr
    assert "未变 2" in r.stdout
    # unmasked files re-import unchanged too
    full = tmp_path / "full.xlsx"
    assert (
        cli("export", "hardship", "--out", str(full), "--unmasked", "--reason", "核对").exit_code
        == 0
    )
    r = cli("import", "hardship", str(full))
    assert r.exit_code == 0, r.stderr
    assert "未变 1" in r.stdout
    entries = json.loads(cli("audit", "list", "--format", "json").stdout)
    assert any(e["action"] == "reveal" and e["reason"] == "核对" for e in entries)
