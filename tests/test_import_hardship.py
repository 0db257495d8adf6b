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


# --- a file's history: hardship-reviews and hardship-visits -------------------------------------

REVIEW_HEADER = ["档案编号", "身份证号", "复核日期", "复核结果", "困难类别", "复核人"]
VISIT_HEADER = ["档案编号", "身份证号", "走访日期", "走访人", "备注"]


@pytest.fixture
def files(cli, county, tmp_path) -> Target:
    """KN2015-00007 (closed 2018-06-30) and KN2021-00001 (open), both deep, one head."""
    rows = [
        file_row(档案编号="KN2015-00007", 建档日期="2015-01-05", 状态="退档", 退档日期="2018-06-30",
                 退档原因="脱困"),
        file_row(),
    ]  # fmt: skip
    r = cli("import", "hardship", str(write(tmp_path / "files.csv", FILE_HEADER, rows)))
    assert r.exit_code == 0, r.stderr
    return county


def open_end(cli, year: int) -> dict[str, int]:
    r = cli("report", "year", str(year), "--format", "json")
    assert r.exit_code == 0, r.stderr
    return dict(json.loads(r.stdout)["hardship.open_end_by_category"])


def test_reviews_come_in_with_their_dates_and_set_each_year(cli, files, tmp_path) -> None:
    rows = [
        # out of date order, by file no. or by the head's ID number (the file open that day)
        ["KN2021-00001", "", "2023-05-01", "人均收入上升", "一般困难", "王芳"],
        ["", HEAD, "2022-05-01", "维持", "特困", ""],
        # a closed file's history, within its open period
        ["KN2015-00007", "", "2017-06-01", "好转", "相对困难", ""],
        ["", HEAD, "2016-06-01", "维持", "深度困难", "李强"],
    ]
    r = cli("import", "hardship-reviews", str(write(tmp_path / "r.csv", REVIEW_HEADER, rows)))
    assert r.exit_code == 0, r.stderr
    assert "新建 4 · 更新 0 · 未变 0" in r.stdout
    assert query(
        files, "SELECT f.file_no, r.review_date, r.category, r.reviewer, r.batch_id "
        "FROM hardship_review r JOIN hardship_file f ON f.id = r.file_id ORDER BY r.review_date"
    ) == [
        ("KN2015-00007", "2016-06-01", "deep", "李强", 2),
        ("KN2015-00007", "2017-06-01", "relative", None, 2),
        ("KN2021-00001", "2022-05-01", "deep", None, 2),
        ("KN2021-00001", "2023-05-01", "relative", "王芳", 2),
    ]  # fmt: skip
    # the current category is the latest review's by date; the opening one stays
    assert query(
        files, "SELECT file_no, category, opened_category FROM hardship_file ORDER BY id"
    ) == [
        ("KN2015-00007", "relative", "deep"),
        ("KN2021-00001", "relative", "deep"),
    ]
    assert open_end(cli, 2016) == {"deep": 1}
    assert open_end(cli, 2017) == {"relative": 1}
    assert open_end(cli, 2022) == {"deep": 1}
    assert open_end(cli, 2023) == {"relative": 1}
    # English headers read the same; the same rows again are unchanged
    en = ["file_no", "id_number", "date", "outcome", "category", "reviewer"]
    r = cli("import", "hardship-reviews", str(write(tmp_path / "en.csv", en, rows, "utf-8")))
    assert r.exit_code == 0, r.stderr
    assert "新建 0 · 更新 0 · 未变 4" in r.stdout


def test_bad_review_rows_name_row_field_and_value_and_write_nothing(cli, files, tmp_path) -> None:
    future = (date.today().replace(year=date.today().year + 1)).isoformat()
    rows = [
        ["KN2021-00001", "", "2023-05-01", "好转", "相对困难", ""],  # good
        ["KN2021-00001", "", future, "好转", "相对困难", ""],
        ["KN2021-00001", "", "2020-12-31", "好转", "相对困难", ""],
        ["KN2015-00007", "", "2019-01-01", "好转", "相对困难", ""],
        ["KN2099-00001", "", "2023-05-01", "好转", "相对困难", ""],
        ["KN2021-00001", "", "2023-06-01", "好转", "很困难", ""],
        ["KN2021-00001", "", "2023-07-01", "", "相对困难", ""],
        ["", "", "2023-08-01", "好转", "相对困难", ""],
    ]
    f = write(tmp_path / "r.csv", REVIEW_HEADER, rows)
    r = cli("import", "hardship-reviews", str(f))
    assert r.exit_code == 5
    assert "拒绝 7" in r.stdout
    lines = r.stderr.splitlines()
    assert lines[0].startswith("第 3 行") and "复核日期" in lines[0] and "今天之后" in lines[0]
    assert lines[1].startswith("第 4 行") and "2020-12-31" in lines[1] and "建档日期" in lines[1]
    assert lines[2].startswith("第 5 行") and "2019-01-01" in lines[2] and "退档" in lines[2]
    assert lines[3].startswith("第 6 行") and "KN2099-00001" in lines[3]
    assert lines[4].startswith("第 7 行") and "困难类别" in lines[4] and "很困难" in lines[4]
    assert lines[5].startswith("第 8 行") and "复核结" in lines[5]
    assert lines[6].startswith("第 9 行") and "档案编号或户主身份证号" in lines[6]
    # nothing was written: no review, the category as it was
    assert query(files, "SELECT COUNT(*) FROM hardship_review") == [(0,)]
    assert query(files, "SELECT category FROM hardship_file ORDER BY id") == [("deep",), ("deep",)]
    rejects = (tmp_path / "r.rejects.csv").read_text(encoding="gb18030")
    assert "错误原因" in rejects and "KN2099-00001" in rejects


def test_a_review_that_differs_follows_on_duplicate_and_undo_puts_everything_back(
    cli, files, tmp_path
) -> None:
    first = [["KN2021-00001", "", "2023-05-01", "好转", "相对困难", ""]]
    r = cli("import", "hardship-reviews", str(write(tmp_path / "a.csv", REVIEW_HEADER, first)))
    assert r.exit_code == 0, r.stderr
    before_2023 = open_end(cli, 2023)
    assert before_2023 == {"relative": 1}
    changed = [["KN2021-00001", "", "2023-05-01", "病情加重", "深度困难", "王芳"]]
    f = write(tmp_path / "b.csv", REVIEW_HEADER, changed)
    r = cli("import", "hardship-reviews", str(f))
    assert r.exit_code == 5 and "已存在且内容不同" in r.stderr
    r = cli("import", "hardship-reviews", str(f), "--on-duplicate", "skip")
    assert r.exit_code == 0 and "跳过 1" in r.stdout
    r = cli("import", "hardship-reviews", str(f), "--on-duplicate", "update")
    assert r.exit_code == 0, r.stderr
    assert "更新 1" in r.stdout
    assert query(files, "SELECT outcome, category, reviewer FROM hardship_review") == [
        ("病情加重", "deep", "王芳")
    ]
    assert query(files, "SELECT category FROM hardship_file WHERE id = 2") == [("deep",)]
    assert open_end(cli, 2023) == {"deep": 1}
    batches = json.loads(cli("import", "list", "--format", "json").stdout)
    update_batch = batches[0]["id"]
    # undo the correction: the review and the file's category as they were
    r = cli("import", "undo", str(update_batch))
    assert r.exit_code == 0, r.stderr
    assert query(files, "SELECT outcome, category, reviewer FROM hardship_review") == [
        ("好转", "relative", None)
    ]
    assert query(files, "SELECT category FROM hardship_file WHERE id = 2") == [("relative",)]
    assert open_end(cli, 2023) == before_2023
    # undo the first import: the review goes, the file is deep again
    first_batch = next(b["id"] for b in batches if b["file_name"] == "a.csv")
    r = cli("import", "undo", str(first_batch))
    assert r.exit_code == 0, r.stderr
    assert "档案复核 1" in r.stdout
    assert query(files, "SELECT COUNT(*) FROM hardship_review") == [(0,)]
    assert query(files, "SELECT category FROM hardship_file WHERE id = 2") == [("deep",)]
    # a file whose reviews came in by import cannot be undone from under them
    ok = cli("import", "hardship-reviews", str(write(tmp_path / "c.csv", REVIEW_HEADER, first)))
    assert ok.exit_code == 0
    r = cli("import", "undo", "1")
    assert r.exit_code == 4 and "档案复核" in r.stderr


def test_visits_come_in_by_the_rules_of_hardship_visit(cli, files, tmp_path) -> None:
    rows = [
        ["KN2021-00001", "", "2021-09-01", "王红", "子女已复学"],
        ["", HEAD, "2016-03-01", "", ""],  # the file open that day: the old one
        ["KN2021-00001", "", "2021-09-01", "王红", "子女已复学"],  # the same row again
        ["KN2015-00007", "", "2019-03-01", "王红", ""],  # after its closing
        ["KN2021-00001", "", "2022-03-01", "王红", "长" * 501],
        ["KN2021-00001", "", "2021-09-01", "李强", ""],  # the same day, another visitor
    ]
    f = write(tmp_path / "v.csv", VISIT_HEADER, rows)
    r = cli("import", "hardship-visits", str(f))
    assert r.exit_code == 5
    assert query(files, "SELECT COUNT(*) FROM hardship_visit") == [(0,)]
    lines = r.stderr.splitlines()
    assert lines[0].startswith("第 5 行") and "走访日期" in lines[0] and "2019-03-01" in lines[0]
    assert lines[1].startswith("第 6 行") and "备注" in lines[1]
    assert lines[2].startswith("第 7 行") and "本文件中已有" in lines[2]
    r = cli("import", "hardship-visits", str(f), "--skip-invalid")
    assert r.exit_code == 5
    assert "新建 2 · 更新 0 · 未变 0 · 跳过 0 · 文件内重复 1 · 拒绝 3" in r.stdout
    assert query(
        files, "SELECT f.file_no, v.visit_date, v.visitor, v.note FROM hardship_visit v "
        "JOIN hardship_file f ON f.id = v.file_id ORDER BY v.visit_date"
    ) == [
        ("KN2015-00007", "2016-03-01", None, None),
        ("KN2021-00001", "2021-09-01", "王红", "子女已复学"),
    ]  # fmt: skip
    # the due list counts an imported visit as any other
    due = json.loads(
        cli(
            "hardship", "due", "--as-of", "2022-01-31", "--kind", "visit", "--format", "json"
        ).stdout
    )
    assert [(d["file_no"], d["last_on"]) for d in due] == []
    due = json.loads(
        cli(
            "hardship", "due", "--as-of", "2022-03-01", "--kind", "visit", "--format", "json"
        ).stdout
    )
    assert [(d["file_no"], d["last_on"]) for d in due] == [("KN2021-00001", "2021-09-01")]


def test_history_export_reimports_unchanged(cli, files, tmp_path) -> None:
    assert cli("hardship", "review", "KN2021-00001", "--date", "2022-04-01", "--outcome",
               "收入好转，继续在档", "--category", "相对困难", "--reviewer", "王芳").exit_code == 0  # fmt: skip
    assert cli("hardship", "visit", "KN2021-00001", "--date", "2022-04-02", "--visitor", "王红",
               "--note", "子女已复学").exit_code == 0  # fmt: skip
    rows = [["KN2015-00007", "", "2017-06-01", "好转", "相对困难", ""]]
    assert cli("import", "hardship-reviews", str(write(tmp_path / "r.csv", REVIEW_HEADER, rows))).exit_code == 0  # fmt: skip
    for kind, header, count in (
        ("hardship-reviews", ["档案编号", "复核日期", "复核结果", "困难类别", "复核人"], 2),
        ("hardship-visits", ["档案编号", "走访日期", "走访人", "备注"], 1),
    ):
        out = tmp_path / f"{kind}.csv"
        r = cli("export", kind, "--out", str(out))
        assert r.exit_code == 0, r.stderr
        text = out.read_text(encoding="utf-8-sig")
        assert text.splitlines()[0] == ",".join(header)  # masked: no ID number column
        assert HEAD not in text
        r = cli("import", kind, str(out))
        assert r.exit_code == 0, r.stderr
        assert f"新建 0 · 更新 0 · 未变 {count} · 跳过 0 · 文件内重复 0 · 拒绝 0" in r.stdout
        full = tmp_path / f"{kind}.xlsx"
        r = cli("export", kind, "--out", str(full), "--unmasked", "--reason", "核对")
        assert r.exit_code == 0, r.stderr
        r = cli("import", kind, str(full))
        assert r.exit_code == 0, r.stderr
        assert f"未变 {count}" in r.stdout
    exported = list(csv.DictReader(io.StringIO((tmp_path / "hardship-reviews.csv").read_text(
        encoding="utf-8-sig"))))  # fmt: skip
    assert [(e["档案编号"], e["复核日期"], e["困难类别"]) for e in exported] == [
        ("KN2015-00007", "2017-06-01", "相对困难"),
        ("KN2021-00001", "2022-04-01", "相对困难"),
    ]
    # the file kind carries the opening category: a reviewed file re-imports unchanged
    out = tmp_path / "files-out.csv"
    r = cli("export", "hardship", "--out", str(out), "--unmasked", "--reason", "核对")
    assert r.exit_code == 0, r.stderr
    exported = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [(e["困难类别"], e["建档时类别"]) for e in exported] == [
        ("相对困难", "深度困难"),
        ("相对困难", "深度困难"),
    ]
    r = cli("import", "hardship", str(out))
    assert r.exit_code == 0, r.stderr
    assert "未变 2" in r.stdout
