"""The command line: exit codes, one-line messages, output formats, masking, goldens, demo."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from datetime import date
from pathlib import Path

import dbutil
import pytest

from unioncli.ids import make_id_number, make_uscc

GOLDEN = Path(__file__).parent / "golden"

ZHANG_WEI = make_id_number("230125", date(1990, 1, 1), 1, "male")  # 23012519900101003X
ZHANG_LI = make_id_number("230125", date(1992, 5, 6), 2, "female")  # 230125199205060047
WANG_WEI = make_id_number("230125", date(1988, 8, 8), 3, "male")  # 230125198808080077
ZHAO_ZHIWEI = make_id_number("410122", date(1985, 12, 12), 4, "male")  # 410122198512120097

ORG1 = "城关镇第一小学工会"
ORG2 = "河西镇人民医院工会"


MEMBER_HEADERS = [
    "会员号",
    "姓名",
    "身份证号",
    "手机号",
    "所属工会",
    "状态",
    "入会日期",
    "农民工",
    "新就业形态",
]


def ok(run) -> str:
    assert run.exit_code == 0, run.stderr
    return run.stdout


@pytest.fixture
def one(cli):
    """One union and one member, 张伟, with a phone."""
    ok(cli("org", "add", ORG1, "--founded", "2010-05-01", "--township", "城关镇"))
    ok(cli("org", "add", ORG2, "--founded", "2012-03-01", "--township", "河西镇"))
    ok(
        cli(
            "member",
            "add",
            "张伟",
            "--id",
            ZHANG_WEI,
            "--org",
            "1",
            "--joined",
            "2020-01-02",
            "--phone",
            "13800138000",
        )
    )
    return cli


@pytest.fixture
def county(cli):
    """A small fixed ledger built through the commands: three unions, four members."""
    ok(
        cli(
            "org",
            "add",
            ORG1,
            "--founded",
            "2010-05-01",
            "--township",
            "城关镇",
            "--uscc",
            make_uscc("81230125MA0000001"),
        )
    )
    ok(
        cli(
            "org", "add", ORG2, "--founded", "2012-03-01", "--township", "河西镇", "--type", "joint"
        )
    )
    ok(
        cli(
            "org",
            "add",
            "新华街道快递行业工会联合会",
            "--founded",
            "2019-09-10",
            "--township",
            "新华街道",
            "--type",
            "行业工会联合会",
        )
    )
    members = [
        ("张伟", ZHANG_WEI, "1", "2020-01-02", ["--phone", "13800138000"]),
        ("张丽", ZHANG_LI, "1", "2019-07-01", ["--migrant", "--gig", "快递员"]),
        ("王伟", WANG_WEI, "2", "2018-03-05", ["--phone", "+86 139 0000 1111"]),
        ("赵志伟", ZHAO_ZHIWEI, "3", "2021-11-30", ["--migrant", "--gig", "truck_driver"]),
    ]
    for name, idn, org, joined, extra in members:
        ok(cli("member", "add", name, "--id", idn, "--org", org, "--joined", joined, *extra))
    ok(cli("member", "retain", ZHANG_LI, "--date", "2022-03-01", "--reason", "失业"))
    return cli


def golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to write it"
    assert actual == path.read_text(encoding="utf-8")


# --- errors: exit codes and one-line messages -------------------------------------------------


SCIENTIFIC_ZH = (
    "错误：身份证号“5.1*****+17”无效：被 Excel 改成了科学计数法，后几位已丢失；"
    "请把该列设为文本后重新录入\n"
)
SCIENTIFIC_EN = (
    "error: ID number “5.1*****+17” is invalid: was turned into scientific notation by Excel "
    "and its last digits are lost; format the column as text and enter the numbers again\n"
)
ADD_SCIENTIFIC = (
    "member",
    "add",
    "王五",
    "--id",
    "5.10322E+17",
    "--org",
    "1",
    "--joined",
    "2020-01-02",
)


def test_scientific_notation_id_is_refused(one) -> None:
    r = one(*ADD_SCIENTIFIC)
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", SCIENTIFIC_ZH)
    assert "科学计数法" in r.stderr
    assert "Traceback" not in r.stderr


def test_scientific_notation_id_in_english_by_option(one) -> None:
    r = one("--lang", "en", *ADD_SCIENTIFIC)
    assert (r.exit_code, r.stderr) == (2, SCIENTIFIC_EN)


def test_scientific_notation_id_in_english_by_environment(one, monkeypatch) -> None:
    monkeypatch.setenv("UNIONCLI_LANG", "en")
    r = one(*ADD_SCIENTIFIC)
    assert (r.exit_code, r.stderr) == (2, SCIENTIFIC_EN)


def test_unknown_member_is_exit_3(one) -> None:
    r = one("member", "show", "999")
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", "错误：找不到会员“999”\n")


def test_unknown_member_by_id_number_does_not_echo_the_number(one) -> None:
    r = one("member", "show", WANG_WEI)
    assert (r.exit_code, r.stderr) == (3, "错误：找不到会员“2301**********0077”\n")


def test_a_mistyped_id_number_is_explained_not_echoed(one) -> None:
    mistyped = WANG_WEI[:-1] + ("0" if WANG_WEI[-1] != "0" else "1")
    r = one("member", "show", mistyped)
    assert r.exit_code == 2
    assert r.stderr.startswith(
        f"错误：身份证号“{mistyped[:3]}************{mistyped[-3:]}”无效：校验位"
    )
    assert mistyped not in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["member", "show", "99999999999"],
        ["member", "show", "#99999999999"],
        ["member", "leave", "99999999999", "--reason", "x"],
        ["member", "show", "9" * 25],
        ["aid", "reverse", "99999999999", "--reason", "x"],
        ["aid", "list", "--file", "#99999999999"],
        ["grant", "show", "99999999999"],
        ["grant", "withdraw", "99999999999"],
        ["import", "show", "99999999999"],
        ["import", "undo", "9" * 25],
    ],
    ids=" ".join,
)
def test_a_record_number_too_big_to_exist_is_not_found(one, args) -> None:
    """A slip of many digits where a record number goes: not found, on either backend — never
    the database refusing the number (PostgreSQL past 32 bits, SQLite past 64)."""
    r = one(*args)
    assert r.exit_code == 3, r.stderr
    assert r.stderr.startswith("错误：找不到"), r.stderr


def test_audit_list_shows_status_labels(one) -> None:
    ok(one("member", "leave", "1", "--date", "2021-01-01", "--reason", "本人申请"))
    entry = json.loads(ok(one("audit", "list", "--action", "member.leave", "--format", "json")))[0]
    assert entry["change"] == "状态: 在册 → 退会"


def test_unknown_union_is_exit_3(one) -> None:
    r = one(
        "member", "add", "王伟", "--id", WANG_WEI, "--org", "县委工会", "--joined", "2020-01-02"
    )
    assert (r.exit_code, r.stderr) == (3, "错误：找不到工会“县委工会”\n")


def test_disallowed_transition_is_exit_4(one) -> None:
    r = one("member", "restore", "1", "--date", "2021-01-01")
    assert r.exit_code == 4
    assert r.stderr == "错误：张伟 当前状态为“在册”，不能办理“恢复”（可办理的状态：保留会籍）\n"


def test_disallowed_transition_in_english(one) -> None:
    r = one("--lang", "en", "member", "restore", "1", "--date", "2021-01-01")
    assert r.exit_code == 4
    assert (
        r.stderr == "error: 张伟 is “active”: “restore” is not allowed (allowed from: retained)\n"
    )


def test_leave_without_reason_is_exit_2(one) -> None:
    r = one("member", "leave", "1", "--date", "2021-01-01")
    assert (r.exit_code, r.stderr) == (2, "错误：请写明原因（--reason）\n")


def test_status_change_message(one) -> None:
    r = one("member", "transfer", "1", "--to", ORG2, "--date", "2021-07-01", "--reason", "工作调动")
    assert ok(r) == "张伟：转入（2021-07-01），当前状态：在册，所属工会：河西镇人民医院工会\n"
    r = one("member", "transfer", "1", "--out", "--date", "2022-01-01", "--reason", "调往外县")
    assert ok(r) == "张伟：转出（2022-01-01），当前状态：转出，所属工会：河西镇人民医院工会\n"


@pytest.mark.parametrize(
    ("args", "missing"),
    [
        ((), "姓名、身份证号、所属工会、入会日期"),
        (("王伟",), "身份证号、所属工会、入会日期"),
        (("王伟", "--org", "1"), "身份证号、入会日期"),
        (("王伟", "--id", WANG_WEI, "--org", "1"), "入会日期"),
        (("--id", WANG_WEI, "--joined", "2020-01-02"), "姓名、所属工会"),
    ],
)
def test_member_add_names_every_missing_field(one, args, missing) -> None:
    r = one("member", "add", *args)
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", f"错误：缺少必填项：{missing}\n")


def test_member_add_missing_fields_in_english(one) -> None:
    r = one("--lang", "en", "member", "add", "--org", "1")
    assert r.exit_code == 2
    assert r.stderr == "error: missing required fields: name, ID number, joined\n"


def test_member_add_reports_all_bad_values_on_one_line(one) -> None:
    r = one(
        "member",
        "add",
        "王伟",
        "--id",
        WANG_WEI,
        "--org",
        "1",
        "--joined",
        "2020-02-30",
        "--phone",
        "0451-86661234",
    )
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1
    assert r.stderr.startswith("错误：手机号“045*******234”无效：看起来是固定电话；")
    assert "入会日期“2020-02-30”无效：" in r.stderr


def test_bad_option_value_is_a_usage_error(one) -> None:
    r = one("member", "list", "--format", "xml")
    assert r.exit_code == 2
    assert "Traceback" not in r.stderr


def test_member_add_success_message_masks_the_id(one) -> None:
    r = one("member", "add", "王伟", "--id", WANG_WEI, "--org", ORG2, "--joined", "2018-03-05")
    assert ok(r) == f"已登记会员 #2：王伟（2301**********0077），{ORG2}，入会日期 2018-03-05\n"


# --- lists and formats ------------------------------------------------------------------------


def test_member_list_footer_and_limit(county) -> None:
    out = ok(county("member", "list"))
    assert out.splitlines()[-1] == "显示 4 条，共 4 条"
    out = ok(county("member", "list", "--limit", "2"))
    assert out.splitlines()[-1] == "显示 2 条，共 4 条"
    # newest joins first
    body = out.split("───")[-1]
    assert body.index("赵志伟") < body.index("张伟")
    assert "张丽" not in out and "王伟" not in out
    out = ok(county("member", "list", "--status", "保留会籍"))
    assert out.splitlines()[-1] == "显示 1 条，共 1 条"
    assert "张丽" in out


def test_member_list_json_is_masked(county) -> None:
    data = json.loads(ok(county("member", "list", "--format", "json")))
    assert [m["name"] for m in data] == ["赵志伟", "张伟", "张丽", "王伟"]
    assert data[1] == {
        "member_id": 1,
        "name": "张伟",
        "id_number": "2301**********003X",
        "phone": "138****8000",
        "org": ORG1,
        "status": "active",
        "joined_on": "2020-01-02",
        "migrant": False,
        "gig_group": None,
    }
    assert [m["id_number"] for m in data] == [
        "4101**********0097",
        "2301**********003X",
        "2301**********0047",
        "2301**********0077",
    ]
    assert data[3]["phone"] == "139****1111"


def test_member_list_csv_has_chinese_headers(county) -> None:
    rows = list(csv.reader(io.StringIO(ok(county("member", "list", "--format", "csv")))))
    assert rows[0] == MEMBER_HEADERS
    assert rows[3] == [
        "2",
        "张丽",
        "2301**********0047",
        "",
        ORG1,
        "保留会籍",
        "2019-07-01",
        "是",
        "快递员",
    ]
    assert len(rows) == 5


def test_show_id_needs_a_reason(one) -> None:
    r = one("member", "list", "--show-id")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == '错误：显示或导出完整身份证号须写明原因：--reason "…"\n'
    r = one("member", "show", "1", "--show-id")
    assert (r.exit_code, r.stdout) == (2, "")
    audit = json.loads(ok(one("audit", "list", "--action", "reveal", "--format", "json")))
    assert audit == []


def test_show_id_with_a_reason_shows_and_audits(one) -> None:
    out = ok(one("member", "list", "--show-id", "--reason", "核对低保资格"))
    assert ZHANG_WEI in out
    assert "13800138000" in out
    out = ok(one("member", "show", "1", "--show-id", "--reason", "本人来电"))
    assert ZHANG_WEI in out
    audit = json.loads(ok(one("audit", "list", "--action", "reveal", "--format", "json")))
    assert [(a["action"], a["operator"], a["reason"], a["record"]) for a in audit] == [
        ("reveal", "tester", "本人来电", "member#1"),
        ("reveal", "tester", "核对低保资格", "member#1"),
    ]


def test_ids_and_phones_are_masked_by_default(one) -> None:
    for args in (
        ("member", "list"),
        ("member", "find", "zw"),
        ("member", "show", "1"),
        ("member",),
    ):
        out = ok(one(*args))
        assert "2301**********003X" in out, args
        assert "138****8000" in out, args
        assert ZHANG_WEI not in out, args
        assert "13800138000" not in out, args
    out = ok(one("member", "show", "1", "--format", "json"))
    data = json.loads(out)
    assert (data["id_number"], data["phone"]) == ("2301**********003X", "138****8000")


def test_audit_list_masks_ids_and_phones(one) -> None:
    out = ok(one("audit", "list"))
    assert ZHANG_WEI not in out and "13800138000" not in out
    (entry,) = json.loads(ok(one("audit", "list", "--action", "member.add", "--format", "json")))
    assert "身份证号=2301**********003X" in entry["change"]
    assert "手机号=138****8000" in entry["change"]
    assert ZHANG_WEI not in entry["change"]


def test_id_mask_setting(one, monkeypatch) -> None:
    monkeypatch.setenv("UNIONCLI_ID_MASK", "6,4")
    data = json.loads(ok(one("member", "list", "--format", "json")))
    assert data[0]["id_number"] == "230125********003X"
    assert "230125********003X" in ok(one("member", "find", "zhangwei"))
    assert "230125********003X" in ok(one("member", "show", "1"))
    (entry,) = json.loads(ok(one("audit", "list", "--action", "member.add", "--format", "json")))
    assert "身份证号=230125********003X" in entry["change"]


def test_member_show_has_the_history(one) -> None:
    ok(one("member", "transfer", "1", "--to", "2", "--date", "2021-07-01", "--reason", "工作调动"))
    ok(one("member", "retain", "1", "--date", "2022-02-01", "--reason", "退休"))
    out = ok(one("member", "show", "1"))
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0].rstrip() == "张伟 #1"
    assert "  状态              保留会籍" in lines
    assert "会籍变动" in lines
    history = lines[lines.index("会籍变动") :]
    assert history[1].split() == ["日期", "事项", "所属工会", "原工会", "原因"]
    rows = [line.split() for line in history[3:] if line.strip()]
    assert rows == [
        ["2020-01-02", "入会", ORG1],
        ["2021-07-01", "转入", ORG2, ORG1, "工作调动"],
        ["2022-02-01", "保留", ORG2, "退休"],
    ]


def test_audit_list_shows_who_added_a_member(one) -> None:
    out = ok(one("audit", "list"))
    rows = [line.split() for line in out.splitlines() if "member.add" in line]
    assert len(rows) == 1
    assert rows[0][0] == "3"
    assert rows[0][3:6] == ["tester", "member.add", "member#1"]
    assert out.splitlines()[-1] == "显示 3 条，共 3 条"
    entries = json.loads(ok(one("audit", "list", "--format", "json")))
    assert [(e["action"], e["operator"], e["record"]) for e in entries] == [
        ("member.add", "tester", "member#1"),
        ("org.add", "tester", "org#2"),
        ("org.add", "tester", "org#1"),
    ]


def test_bare_nouns_list(one) -> None:
    assert ok(one("member")) == ok(one("member", "list"))
    assert ok(one("org")) == ok(one("org", "list"))
    assert ok(one("org")).splitlines()[-1] == "共 2 个基层工会"
    assert ok(one("audit")) == ok(one("audit", "list"))


def test_find_too_short_is_exit_2(one) -> None:
    r = one("member", "find", "z")
    assert r.exit_code == 2
    assert r.stderr == "错误：查询内容太短：姓名至少 1 个汉字，拼音至少 2 个字母，号码至少 4 位\n"


def test_find_nothing(one) -> None:
    assert ok(one("member", "find", "wangwei")) == "没有符合条件的会员\n"


def test_member_table_fits_the_terminal(county) -> None:
    from rich.cells import cell_len

    out = ok(county("member", "list"))
    assert max(cell_len(line) for line in out.splitlines()) <= 100
    header = out.splitlines()[0].split()
    assert header == MEMBER_HEADERS
    assert "货车司机" in out


# --- goldens ----------------------------------------------------------------------------------


def test_golden_org_list(county) -> None:
    golden("org_list.txt", ok(county("org", "list")))


def test_golden_member_find(county) -> None:
    golden("member_find.txt", ok(county("member", "find", "zh")))


# --- demo -------------------------------------------------------------------------------------


def test_demo_builds_a_ledger_and_prints_figures(cli, tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    first = cli("--db", str(path), "demo", "--members", "300", db=False)
    out = ok(first)
    lines = out.splitlines()
    assert lines[0].startswith("演示台账已生成：12 个基层工会，300 名会员，")
    assert "新发展会员" in out
    assert "2024年度工会工作主要数据" in out
    assert "Traceback" not in first.stderr
    # again on the same file: the demo data is replaced, not doubled
    second = cli("--db", str(path), "demo", "--members", "300", db=False)
    assert ok(second) == out
    # and the ledger it replaced was kept first
    (saved,) = (tmp_path / "backups").glob("demo-*.sqlite3")
    assert saved.name in second.stderr.replace("\n", "")
    with sqlite3.connect(saved) as kept:
        assert kept.execute("SELECT count(*) FROM member").fetchone() == (300,)
    members = json.loads(
        ok(cli("--db", str(path), "member", "list", "--all", "--format", "json", db=False))
    )
    assert len(members) == 300
    assert all("*" in m["id_number"] for m in members)


def test_demo_refuses_a_real_ledger(one) -> None:
    r = one("demo", "--members", "300")
    assert r.exit_code == 4
    assert r.stderr.splitlines()[-1] == (
        "错误：该台账里有不是演示生成的数据（审计日志里有其他操作），演示不会覆盖它。"
        "要两者都留，请把演示放在另一个文件：unioncli demo --db demo.sqlite3"
    )
    assert ok(one("org")).splitlines()[-1] == "共 2 个基层工会"
    assert json.loads(ok(one("member", "list", "--format", "json")))[0]["name"] == "张伟"


def test_demo_never_rebuilds_a_ledger_with_work_in_it(cli, ledger) -> None:
    """A clerk who starts working in the demo's ledger keeps that work: the demo refuses."""
    ok(cli("demo", "--members", "300"))
    before = dbutil.count(ledger, "member")
    ok(cli("member", "add", "张伟", "--id", "230125199001012350", "--org", "1",
           "--joined", "2024-03-05"))  # fmt: skip
    chain = dbutil.count(ledger, "audit_log")
    again = cli("demo", "--members", "300")
    assert again.exit_code == 4
    assert "unioncli demo --db demo.sqlite3" in again.stderr
    assert "Traceback" not in again.stderr
    assert dbutil.count(ledger, "member") == before + 1
    assert dbutil.count(ledger, "audit_log") == chain
    assert ok(cli("audit", "verify"))
    if ledger.is_sqlite:
        assert ledger.path is not None
        assert not (ledger.path.parent / "backups").exists()  # nothing to save: nothing rebuilt


def test_demo_keeps_a_ledger_whose_only_work_is_a_setting(cli, ledger) -> None:
    """Work is not only rows: a setting recorded in the audit log is work too."""
    ok(cli("report", "settings", "--federation", "示范县总工会"))
    assert cli("demo", "--members", "300").exit_code == 4


@pytest.mark.sqlite_only("about the process's own stdout, not the ledger")
def test_a_reader_that_stops_early_gets_no_error(tmp_path: Path) -> None:
    """``unioncli member list --all --format csv | head -1``: no "internal error" on stderr."""
    import subprocess
    import sys

    env = {**os.environ, "UNIONCLI_DB": str(tmp_path / "demo.sqlite3")}
    run = [sys.executable, "-m", "unioncli"]
    subprocess.run([*run, "demo", "--members", "1000"], env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [*run, "member", "list", "--all", "--format", "csv"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().decode().startswith("会员号,姓名")
    proc.stdout.close()  # the reader goes away with 100 kB still to come
    err = proc.stderr.read().decode()
    assert proc.wait() == 1
    assert err == ""
