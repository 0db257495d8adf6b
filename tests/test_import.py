"""``unioncli import`` / ``export``: real-world shaped files, counts, rejects files, exit codes.

Every failed import must leave the ledger file byte for byte as it was.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbutil import count, dated, fingerprint, rows, scalar

from unioncli.config import Target, sqlite_target
from unioncli.ids import make_id_number, make_uscc

ORG1 = "城关镇第一小学工会"
ORG2 = "河西镇人民医院工会"
ORG1_USCC = make_uscc("81230125000000001")

HEADER = [
    "姓名",
    "身份证号",
    "性别",
    "手机号",
    "所属工会",
    "入会日期",
    "是否农民工",
    "新就业形态群体",
]


def pid(n: int, gender: str = "male") -> str:
    """A distinct valid ID number for each n (200 per birthday)."""
    birth = date(1960, 1, 1) + timedelta(days=n // 200)
    return make_id_number("230125", birth, (n % 200) * 2 + (gender == "male"), gender)


def row(n: int, **over: str) -> dict[str, str]:
    base = {
        "姓名": f"张{'伟芳娜秀英敏静丽强磊'[n % 10]}{'一二三四五六七八九十'[n // 10 % 10]}",
        "身份证号": pid(n),
        "性别": "男",
        "手机号": f"138{n:08d}",
        "所属工会": ORG1 if n % 2 else ORG2,
        "入会日期": "2020-03-05",
        "是否农民工": "是" if n % 3 == 0 else "否",
        "新就业形态群体": "快递员" if n % 4 == 0 else "",
    }
    base.update(over)
    return base


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    encoding: str = "gb18030",
    delimiter: str = ",",
) -> Path:
    header = header or HEADER
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def read_csv(path: Path, encoding: str = "gb18030", delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def members(target: Target) -> list[tuple[Any, ...]]:
    return dated(
        rows(
            target,
            "SELECT p.name, p.id_number, p.gender, p.phone, o.name, m.joined_on, m.migrant, "
            "m.gig_group, m.status FROM member m JOIN person p ON p.id = m.person_id "
            "JOIN org o ON o.id = m.org_id ORDER BY p.id_number",
        )
    )


@pytest.fixture
def unions(cli, ledger: Target) -> Target:
    assert cli("org", "add", ORG1, "--founded", "2010-05-01", "--uscc", ORG1_USCC).exit_code == 0
    assert cli("org", "add", ORG2, "--founded", "2012-03-01").exit_code == 0
    return ledger


# --- the happy paths, in every encoding ----------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "label"),
    [
        ("gb18030", "GBK/GB18030"),
        ("utf-8-sig", "UTF-8 (BOM)"),
        ("utf-8", "UTF-8"),
        ("utf-16", "UTF-16"),
    ],
)
def test_a_clean_file_in_any_encoding(cli, unions, tmp_path, encoding, label) -> None:
    delimiter = "\t" if encoding == "utf-16" else ","  # what Excel's "Unicode text" writes
    f = write_csv(
        tmp_path / "m.csv", [row(i) for i in range(1, 6)], encoding=encoding, delimiter=delimiter
    )
    r = cli("import", "members", str(f))
    assert r.exit_code == 0, r.stderr
    assert label in r.stdout
    assert "新建 5 · 更新 0 · 未变 0 · 跳过 0 · 文件内重复 0 · 拒绝 0" in r.stdout
    stored = members(unions)
    assert len(stored) == 5
    assert stored[0][:5] == ("张芳一", pid(1), "male", "13800000001", ORG1)
    assert count(unions, "member_event", "kind = 'join'") == 5
    assert not (tmp_path / "m.rejects.csv").exists()


def test_xlsx_cells_are_read_as_text(cli, unions, tmp_path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["李强", pid(7), "男", 13912345678, ORG1, date(2019, 6, 1), "否", ""])
    ws.append(["王芳", float(pid(8, "female")), "女", "", ORG2, "2019/6/2", "是", ""])
    wb.save(tmp_path / "m.xlsx")
    r = cli("import", "members", str(tmp_path / "m.xlsx"), "--skip-invalid")
    assert r.exit_code == 5
    assert "XLSX" in r.stdout
    assert "新建 1" in r.stdout and "拒绝 1" in r.stdout
    (name, number, _, phone, org, joined, *_rest) = members(unions)[0]
    assert (name, number, phone, org, joined) == ("李强", pid(7), "13912345678", ORG1, "2019-06-01")
    # the float lost its last digits, as Excel does: the rejects file says so, as XLSX
    assert "第 3 行" in r.stderr and "截掉" in r.stderr


def test_messy_values_are_cleaned(cli, unions, tmp_path) -> None:
    women = make_id_number("230125", date(1991, 2, 3), 10, "female")
    x_id = next(
        n
        for d in range(1, 28)
        for s in range(100)
        if (n := make_id_number("230125", date(1980, 1, d), 2 * s + 1, "male")).endswith("X")
    )
    full_width = x_id[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "ｘ"
    rows = [
        row(1, 身份证号=full_width, 性别="男"),
        row(2, 身份证号=f" {women} ", 性别="女", 手机号="+86 138-0000-0002"),
    ]
    f = write_csv(tmp_path / "m.csv", rows)
    r = cli("import", "members", str(f))
    assert r.exit_code == 0, r.stderr
    numbers = {m[1] for m in members(unions)}
    assert numbers == {x_id, women}
    assert scalar(unions, "SELECT phone FROM person WHERE id_number = :n", n=women) == "13800000002"


@pytest.mark.parametrize(
    "text",
    ["2018-03-05", "2018/3/5", "2018.3.5", "20180305", "2018年3月5日", "2018年03月05日", "43164"],
)
def test_every_date_form(cli, unions, tmp_path, text) -> None:
    f = write_csv(tmp_path / "m.csv", [row(1, 入会日期=text)])
    r = cli("import", "members", str(f))
    assert r.exit_code == 0, r.stderr
    assert members(unions)[0][5] == "2018-03-05"


def test_a_month_is_not_a_join_date(cli, unions, tmp_path) -> None:
    f = write_csv(tmp_path / "m.csv", [row(1, 入会日期="2018年3月")])
    r = cli("import", "members", str(f))
    assert r.exit_code == 5
    assert "入会日期" in r.stderr


def test_shuffled_columns_english_names_and_an_extra_column(cli, unions, tmp_path) -> None:
    header = ["备注", "joined", "ORG", "身份证号码", "联系电话", "name"]
    rows = [
        {
            "备注": "新会员",
            "joined": "2021-01-01",
            "ORG": ORG1_USCC,
            "身份证号码": pid(3),
            "联系电话": "13800000003",
            "name": "赵敏",
        },
    ]
    f = write_csv(tmp_path / "m.csv", rows, header=header)
    r = cli("import", "members", str(f))
    assert r.exit_code == 0, r.stderr
    assert "忽略的列：备注" in r.stdout
    assert members(unions)[0][:5] == ("赵敏", pid(3), "male", "13800000003", ORG1)


# --- files that are not what they should be -------------------------------------------------


def test_missing_required_columns_stop_before_any_row(cli, unions, tmp_path) -> None:
    f = write_csv(tmp_path / "m.csv", [row(1)], header=["姓名", "身份证号", "手机号"])
    before = fingerprint(unions)
    r = cli("import", "members", str(f))
    assert r.exit_code == 5
    assert r.stderr.startswith("错误：缺少必填列：所属工会、入会日期")
    assert fingerprint(unions) == before


def test_wrong_delimiter(cli, unions, tmp_path) -> None:
    f = write_csv(tmp_path / "m.csv", [row(1)], delimiter="|")
    r = cli("import", "members", str(f))
    assert r.exit_code == 5
    assert "缺少必填列" in r.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "空"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "不是"),
    ],
)
def test_empty_and_binary_files(cli, unions, tmp_path, content, message) -> None:
    f = tmp_path / "m.csv"
    f.write_bytes(content)
    before = fingerprint(unions)
    r = cli("import", "members", str(f))
    assert r.exit_code == 5
    assert message in r.stderr and len(r.stderr.splitlines()) == 1
    assert fingerprint(unions) == before


def test_a_header_only_file_imports_nothing(cli, unions, tmp_path) -> None:
    f = write_csv(tmp_path / "m.csv", [])
    r = cli("import", "members", str(f))
    assert r.exit_code == 0, r.stderr
    assert "没有数据行" in r.stdout
    assert count(unions, "import_batch") == 0


def test_a_missing_file_is_a_usage_error(cli, unions, tmp_path) -> None:
    r = cli("import", "members", str(tmp_path / "nope.csv"))
    assert r.exit_code == 2
    assert "找不到文件" in r.stderr


def test_a_truncated_character_rejects_its_row(cli, unions, tmp_path) -> None:
    f = write_csv(tmp_path / "m.csv", [row(1), row(2), row(3, 姓名="王芳")])
    data = f.read_bytes()
    cut = data.rindex("芳".encode("gb18030")) + 1  # half of the last name's second character
    f.write_bytes(data[:cut] + data[cut + 1 :])
    before = fingerprint(unions)
    r = cli("import", "members", str(f))
    assert r.exit_code == 5
    assert "第 4 行" in r.stderr
    assert "新建 2" in r.stdout and "拒绝 1" in r.stdout
    assert fingerprint(unions) == before
    rejects = read_csv(tmp_path / "m.rejects.csv")
    assert [x["行号"] for x in rejects] == ["4"]
    assert "无法按 GBK/GB18030 解码" in rejects[0]["错误原因"]


# --- bad rows: all problems, all-or-nothing, rejects file ----------------------------------


def test_every_problem_of_every_row_is_reported(cli, unions, tmp_path) -> None:
    rows = [
        row(1),
        row(2, 身份证号="5.10322E+17", 入会日期="2018-02-30"),
        row(3, 身份证号=pid(3)[:15] + "000"),
        row(4, 性别="女", 所属工会="不存在的工会"),
        row(5),
    ]
    f = write_csv(tmp_path / "m.csv", rows)
    before = fingerprint(unions)
    r = cli("import", "members", str(f))
    assert r.exit_code == 5
    assert "新建 2 · 更新 0 · 未变 0 · 跳过 0 · 文件内重复 0 · 拒绝 3" in r.stdout
    assert "未写入任何数据" in r.stdout
    problems = r.stderr.splitlines()
    assert problems[0].startswith("第 3 行：身份证号") and "科学计数法" in problems[0]
    assert "入会日期" in problems[0]
    assert problems[1].startswith("第 4 行：身份证号") and "000" in problems[1]
    assert problems[2].startswith("第 5 行：所属工会") and "性别“女”" in problems[2]
    # nothing written, not even the valid rows
    assert fingerprint(unions) == before
    rejects = read_csv(tmp_path / "m.rejects.csv")
    assert [x["行号"] for x in rejects] == ["3", "4", "5"]
    assert list(rejects[0])[: len(HEADER)] == HEADER
    assert rejects[0]["身份证号"] == "5.10322E+17"  # the row as sent, to be fixed
    assert "科学计数法" in rejects[0]["错误原因"]


def test_the_rejects_file_keeps_the_encoding_and_imports_again(cli, unions, tmp_path) -> None:
    f = write_csv(
        tmp_path / "m.csv",
        [row(1), row(2, 入会日期="2020/13/1")],
        encoding="utf-16",
        delimiter="\t",
    )
    assert cli("import", "members", str(f), "--skip-invalid").exit_code == 5
    rejects = tmp_path / "m.rejects.csv"
    assert rejects.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    fixed = [
        {k: ("2020/12/1" if k == "入会日期" else v) for k, v in r.items()}
        for r in read_csv(rejects, "utf-16", "\t")
    ]
    g = write_csv(
        tmp_path / "fixed.csv", fixed, header=list(fixed[0]), encoding="utf-16", delimiter="\t"
    )
    r = cli("import", "members", str(g))
    assert r.exit_code == 0, r.stderr
    assert "忽略的列" not in r.stdout  # 行号 and 错误原因 are ours
    assert len(members(unions)) == 2


def test_thousands_of_bad_rows(cli, unions, tmp_path) -> None:
    rows = [row(i) if i % 3 else row(i, 手机号="12345") for i in range(1, 6001)]
    f = write_csv(tmp_path / "m.csv", rows)
    before = fingerprint(unions)
    r = cli("import", "members", str(f))
    assert r.exit_code == 5
    assert "新建 4000" in r.stdout and "拒绝 2000" in r.stdout
    assert "另有 1980 行被拒绝" in r.stderr
    assert fingerprint(unions) == before
    assert len(read_csv(tmp_path / "m.rejects.csv")) == 2000

    r = cli("import", "members", str(f), "--skip-invalid")
    assert r.exit_code == 5
    # the one batch written; on a server the refused import above used up a number (a gap)
    assert count(unions, "import_batch") == 1
    batch = scalar(unions, "SELECT id FROM import_batch")
    assert f"已导入，批次 #{batch}" in r.stdout
    assert len(members(unions)) == 4000


def test_dry_run_writes_nothing(cli, unions, tmp_path) -> None:
    f = write_csv(tmp_path / "m.csv", [row(1), row(2), row(3, 入会日期="明天")])
    before = fingerprint(unions)
    r = cli("import", "members", str(f), "--dry-run", "--skip-invalid")
    assert r.exit_code == 5
    assert "新建 2" in r.stdout and "拒绝 1" in r.stdout and "试导入" in r.stdout
    assert fingerprint(unions) == before
    assert not (tmp_path / "m.rejects.csv").exists()


# --- matching -------------------------------------------------------------------------------


def test_matching_and_on_duplicate(cli, unions, tmp_path) -> None:
    assert (
        cli("import", "members", str(write_csv(tmp_path / "a.csv", [row(1), row(2)]))).exit_code
        == 0
    )
    # row 1 identical; row 2 with a new phone and a blank gig group; row 3 new
    again = [row(1), row(2, 手机号="13900000002", 是否农民工=""), row(3)]
    f = write_csv(tmp_path / "b.csv", again)

    r = cli("import", "members", str(f))
    assert r.exit_code == 5
    assert "已存在且内容不同：手机号" in r.stderr

    r = cli("import", "members", str(f), "--on-duplicate", "skip")
    assert r.exit_code == 0, r.stderr
    assert "新建 1 · 更新 0 · 未变 1 · 跳过 1" in r.stdout

    r = cli("import", "members", str(f), "--on-duplicate", "update")
    assert r.exit_code == 0, r.stderr
    assert "新建 0 · 更新 1 · 未变 2" in r.stdout
    assert (
        scalar(unions, "SELECT phone FROM person WHERE id_number = :n", n=pid(2)) == "13900000002"
    )
    # the blank 是否农民工 cell did not erase the stored value
    assert (
        scalar(
            unions,
            "SELECT migrant FROM member m JOIN person p ON p.id = m.person_id WHERE id_number = :n",
            n=pid(2),
        )
        == 0
    )


def test_history_is_not_rewritten_by_an_update(cli, unions, tmp_path) -> None:
    assert cli("import", "members", str(write_csv(tmp_path / "a.csv", [row(1)]))).exit_code == 0
    f = write_csv(tmp_path / "b.csv", [row(1, 所属工会=ORG2)])
    r = cli("import", "members", str(f), "--on-duplicate", "update")
    assert r.exit_code == 5
    assert "所属工会与台账不同" in r.stderr and "member transfer" in r.stderr


def test_a_known_id_under_another_name_is_refused(cli, unions, tmp_path) -> None:
    assert cli("import", "members", str(write_csv(tmp_path / "a.csv", [row(1)]))).exit_code == 0
    r = cli(
        "import",
        "members",
        str(write_csv(tmp_path / "b.csv", [row(1, 姓名="李四")])),
        "--on-duplicate",
        "update",
    )
    assert r.exit_code == 5
    assert "已登记为“张芳一”" in r.stderr


def test_duplicates_inside_one_file(cli, unions, tmp_path, monkeypatch) -> None:
    from unioncli.services.imports import engine

    monkeypatch.setattr(engine, "CHUNK", 2)  # the repeat lands in a later chunk too
    rows = [row(1), row(2), row(1), row(4), row(2, 手机号="13700000000")]
    r = cli("import", "members", str(write_csv(tmp_path / "m.csv", rows)), "--skip-invalid")
    assert r.exit_code == 5
    assert "新建 3" in r.stdout and "文件内重复 1" in r.stdout and "拒绝 1" in r.stdout
    assert "第 6 行：本文件中已有同一身份证号的行，且内容不同" in r.stderr
    assert len(members(unions)) == 3


def test_card_numbers_stay_unique(cli, unions, tmp_path) -> None:
    rows = [row(1, 会员卡号="GH001"), row(2, 会员卡号="GH001")]
    f = write_csv(tmp_path / "m.csv", rows, header=[*HEADER, "会员卡号"])
    r = cli("import", "members", str(f))
    assert r.exit_code == 5
    assert "第 3 行：会员卡号“GH001”" in r.stderr


def test_status_columns_create_the_history(cli, unions, tmp_path) -> None:
    sent = [row(1, 会籍状态="退会", 状态日期="2022-05-01"), row(2, 会籍状态="保留会籍")]
    f = write_csv(tmp_path / "m.csv", sent, header=[*HEADER, "会籍状态", "状态日期"])
    r = cli("import", "members", str(f), "--skip-invalid")
    assert r.exit_code == 5
    assert "第 3 行：状态日期" in r.stderr
    assert dated(rows(unions, "SELECT status, status_since FROM member")) == [
        ("left", "2022-05-01")
    ]
    kinds = rows(unions, "SELECT kind FROM member_event ORDER BY event_date")
    assert kinds == [("join",), ("leave",)]


# --- unions ----------------------------------------------------------------------------------


def test_import_orgs(cli, ledger, tmp_path) -> None:
    header = ["工会名称", "工会统一社会信用代码", "工会类型", "所属乡镇", "成立日期", "工会主席"]
    rows = [
        {
            "工会名称": "太平镇联合工会",
            "工会统一社会信用代码": make_uscc("81230125000000007"),
            "工会类型": "联合基层工会",
            "所属乡镇": "太平镇",
            "成立日期": "2015年7月1日",
            "工会主席": "刘洋",
        },
        {"工会名称": "红旗乡总工会", "工会类型": "乡镇(街道)工会", "成立日期": "2001/1/1"},
        {
            "工会名称": "坏工会",
            "工会统一社会信用代码": "91230125MA1234567X",
            "成立日期": "2001/1/1",
        },
    ]
    f = write_csv(tmp_path / "o.csv", rows, header=header)
    r = cli("import", "orgs", str(f), "--skip-invalid")
    assert r.exit_code == 5
    assert "新建 2" in r.stdout and "拒绝 1" in r.stdout
    listed = cli("org", "list", "--format", "json")
    names = {o["name"] for o in json.loads(listed.stdout)}
    assert names == {"太平镇联合工会", "红旗乡总工会"}
    # the same file again: unchanged, and matched by USCC even under a new name
    rows[0]["工会名称"] = "太平镇企业联合工会"
    f = write_csv(tmp_path / "o2.csv", rows[:2], header=header)
    r = cli("import", "orgs", str(f), "--on-duplicate", "update")
    assert r.exit_code == 0, r.stderr
    assert "更新 1 · 未变 1" in r.stdout
    assert count(ledger, "org") == 2


# --- batches ---------------------------------------------------------------------------------


def test_batches_list_show_and_undo(cli, unions, tmp_path) -> None:
    assert (
        cli("import", "members", str(write_csv(tmp_path / "a.csv", [row(1), row(2)]))).exit_code
        == 0
    )
    b = write_csv(tmp_path / "b.csv", [row(2, 手机号="13900000002"), row(3)])
    assert cli("import", "members", str(b), "--on-duplicate", "update").exit_code == 0

    listed = json.loads(cli("import", "list", "--format", "json").stdout)
    assert [(x["id"], x["file_name"], x["created"], x["updated"]) for x in listed] == [
        (2, "b.csv", 1, 1),
        (1, "a.csv", 2, 0),
    ]
    shown = cli("import", "show", "2")
    assert "b.csv" in shown.stdout and "tester" in shown.stdout

    r = cli("import", "undo", "2")
    assert r.exit_code == 0, r.stderr
    assert "已撤销批次 #2" in r.stdout and "恢复修改 1 处" in r.stdout
    assert (
        scalar(unions, "SELECT phone FROM person WHERE id_number = :n", n=pid(2)) == "13800000002"
    )
    assert len(members(unions)) == 2
    assert cli("import", "undo", "2").exit_code == 4

    # a member the first batch created has since left: that batch can no longer be undone
    assert cli("member", "leave", pid(1), "--reason", "本人申请").exit_code == 0
    r = cli("import", "undo", "1")
    assert r.exit_code == 4
    assert "会籍变动 #" in r.stderr and "引用了会员" in r.stderr
    assert len(members(unions)) == 2

    entries = json.loads(cli("audit", "list", "--format", "json").stdout)
    actions = [e["action"] for e in entries]
    assert actions.count("import.members") == 2 and "import.undo" in actions


def test_undo_of_unions_with_members_is_refused(cli, ledger, tmp_path) -> None:
    f = write_csv(
        tmp_path / "o.csv",
        [{"工会名称": ORG1, "成立日期": "2001-01-01"}],
        header=["工会名称", "成立日期"],
    )
    assert cli("import", "orgs", str(f)).exit_code == 0
    assert cli("import", "members", str(write_csv(tmp_path / "m.csv", [row(1)]))).exit_code == 0
    r = cli("import", "undo", "1")
    assert r.exit_code == 4 and "引用了工会" in r.stderr
    assert cli("import", "undo", "2").exit_code == 0
    assert cli("import", "undo", "1").exit_code == 0
    assert count(ledger, "org") == 0


def test_unknown_batch(cli, unions) -> None:
    r = cli("import", "undo", "99")
    assert r.exit_code == 3 and "找不到导入批次 #99" in r.stderr


# --- export ----------------------------------------------------------------------------------


def test_export_is_masked_by_default(cli, unions, tmp_path) -> None:
    assert cli("import", "members", str(write_csv(tmp_path / "a.csv", [row(1)]))).exit_code == 0
    out = tmp_path / "out.csv"
    r = cli("export", "members", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    (exported,) = read_csv(out, "utf-8-sig")
    assert exported["身份证号"] == pid(1)[:4] + "*" * 10 + pid(1)[-4:]
    assert exported["手机号"] == "138****0001"
    assert out.stat().st_mode & 0o077 == 0


def test_unmasked_export_needs_a_reason_and_is_audited(cli, unions, tmp_path) -> None:
    out = tmp_path / "out.csv"
    r = cli("export", "members", "--out", str(out), "--unmasked")
    assert r.exit_code == 2 and not out.exists()
    r = cli("export", "members", "--out", str(out), "--unmasked", "--reason", "报送市总工会")
    assert r.exit_code == 0, r.stderr
    entries = json.loads(cli("audit", "list", "--format", "json").stdout)
    assert entries[0]["action"] == "reveal" and entries[0]["reason"] == "报送市总工会"


def test_formulas_are_neutralised(cli, unions, tmp_path) -> None:
    rows = [row(1, 姓名="张伟"), row(2)]
    rows[0]["工作单位"] = '=HYPERLINK("http://x")'
    rows[1]["工作单位"] = "@SUM(A1)"
    f = write_csv(tmp_path / "a.csv", rows, header=[*HEADER, "工作单位"])
    assert cli("import", "members", str(f)).exit_code == 0
    out = tmp_path / "out.csv"
    assert cli("export", "members", "--out", str(out)).exit_code == 0
    employers = [r["工作单位"] for r in read_csv(out, "utf-8-sig")]
    assert employers == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_gives_the_same_records(
    cli, ledger, tmp_path, template_db, suffix
) -> None:
    """A county's SQLite ledger, exported and imported into the ledger under test (a fresh
    SQLite file, or the shared server), gives back every record."""
    from unioncli.db.engine import engine_for
    from unioncli.services.demo.builder import build

    demo = sqlite_target(tmp_path / "demo.sqlite3")
    assert demo.path is not None
    shutil.copy(template_db, demo.path)
    build(engine_for(demo), "tester", members=300, seed=3)
    orgs_out, members_out = tmp_path / f"orgs{suffix}", tmp_path / f"members{suffix}"
    db = ["--db", str(demo.path)]
    assert cli(*db, "export", "orgs", "--out", str(orgs_out), db=False).exit_code == 0
    r = cli(
        *db,
        "export",
        "members",
        "--out",
        str(members_out),
        "--unmasked",
        "--reason",
        "迁移",
        db=False,
    )
    assert r.exit_code == 0, r.stderr

    r = cli("import", "orgs", str(orgs_out))
    assert r.exit_code == 0, r.stderr
    r = cli("import", "members", str(members_out))
    assert r.exit_code == 0, r.stderr
    assert "新建 300" in r.stdout

    def records(target: Target) -> list[tuple[Any, ...]]:
        # sorted here, not by ORDER BY: the two backends collate Chinese names differently
        people = rows(
            target,
            "SELECT p.id_number, p.name, p.gender, p.birth_date, p.ethnicity, p.phone, "
            "p.education, p.political_status, p.hukou, o.name, m.joined_on, m.card_no, "
            "m.employer, m.migrant, m.gig_group, m.status, "
            "CASE m.status WHEN 'active' THEN NULL ELSE m.status_since END "
            "FROM member m JOIN person p ON p.id = m.person_id JOIN org o ON o.id = m.org_id",
        )
        orgs = rows(
            target,
            "SELECT name, uscc, employer, employer_uscc, type, township, founded, chair, phone "
            "FROM org",
        )
        return dated(sorted(people, key=lambda p: p[0]) + sorted(orgs, key=lambda o: o[0]))

    assert len(records(demo)) > 300
    assert records(ledger) == records(demo)


# --- PostgreSQL ------------------------------------------------------------------------------


def test_import_into_postgresql(pg_target, tmp_path) -> None:
    from typer.testing import CliRunner

    from unioncli.cli import app
    from unioncli.db import migrate

    migrate.upgrade(pg_target)
    env = {"UNIONCLI_DATABASE_URL": pg_target.url}
    runner = CliRunner()
    f = write_csv(
        tmp_path / "o.csv",
        [
            {"工会名称": ORG1, "成立日期": "2001-01-01"},
            {"工会名称": ORG2, "成立日期": "2001-01-01"},
        ],
        header=["工会名称", "成立日期"],
    )
    r = runner.invoke(app, ["import", "orgs", str(f)], env=env)
    assert r.exit_code == 0, r.output
    g = write_csv(tmp_path / "m.csv", [row(i) for i in range(1, 5)] + [row(1)])
    r = runner.invoke(app, ["import", "members", str(g)], env=env)
    assert r.exit_code == 0, r.output
    assert "新建 4" in r.stdout and "文件内重复 1" in r.stdout
    r = runner.invoke(app, ["import", "undo", "2"], env=env)
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["member", "list", "--format", "json"], env=env)
    assert json.loads(r.stdout) == []


def test_skip_invalid_with_every_row_bad_writes_no_batch(cli, unions, tmp_path) -> None:
    f = write_csv(tmp_path / "m.csv", [row(1, 入会日期="明天"), row(2, 入会日期="昨天")])
    before = fingerprint(unions)
    r = cli("import", "members", str(f), "--skip-invalid")
    assert r.exit_code == 5
    assert "拒绝 2" in r.stdout and "已导入" not in r.stdout
    assert "2 行全部不合格" in r.stdout
    assert fingerprint(unions) == before
