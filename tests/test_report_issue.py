"""Issued reports (定稿): ``report issue``, ``report diff``, ``report year --as-issued``, and the
HTML footer's 定稿/草稿 — on SQLite and PostgreSQL, through the commands a clerk types."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dbutil import rows, scalar

from unioncli.config import Target
from unioncli.ids import make_id_number
from unioncli.services.issued import BATCH_TABLES, DATED, changes
from unioncli.services.report import ledger_fingerprint

ORG1 = "城关镇第一小学工会"
ORG2 = "河西镇人民医院工会"
WANG_FANG = make_id_number("230125", date(1980, 7, 8), 12, "female")
LI_MING = make_id_number("230125", date(1975, 3, 4), 11, "male")


def ok(r: Any) -> Any:
    assert r.exit_code == 0, r.stdout + r.stderr
    return r


@pytest.fixture
def book(cli: Any) -> Any:
    """Two unions in two townships, a hardship file in each, three aid entries of 2024:
    王芳's (城关镇) #1 送温暖 1,000 and #2 医疗救助 5,000; 李明's (河西镇) #3 送温暖 800."""
    ok(cli("org", "add", ORG1, "--founded", "2010-05-01", "--township", "城关镇"))
    ok(cli("org", "add", ORG2, "--founded", "2012-03-01", "--township", "河西镇"))
    for name, idn, org, opened in (
        ("王芳", WANG_FANG, "1", "2023-05-01"),
        ("李明", LI_MING, "2", "2023-06-01"),
    ):
        ok(
            cli(
                *("hardship", "open", name, "--id", idn, "--org", org, "--category", "深度困难"),
                *("--cause", "患重特大疾病", "--size", "3", "--opened", opened),
            )
        )
    for idn, day, kind, amount in (
        (WANG_FANG, "2024-01-15", "送温暖", "1000"),
        (WANG_FANG, "2024-06-01", "医疗救助", "5000"),
        (LI_MING, "2024-02-01", "送温暖", "800"),
    ):
        ok(cli("aid", "add", idn, "--date", day, "--kind", kind, "--amount", amount))
    return cli


def figures(cli: Any, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(cli("report", "year", *args, "--format", "json")).stdout)
    return data


def diff_json(cli: Any, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(cli("report", "diff", *args, "--format", "json")).stdout)
    return data


def changed(diff: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {c["key"]: (c["issued"], c["now"]) for c in diff["changes"]}


def html_status(cli: Any, tmp_path: Path, *args: str) -> str:
    out = tmp_path / "report.html"
    ok(cli("report", "year", *args, "--out", str(out)))
    found = re.search(r'<span class="status">(.*?)</span>', out.read_text(encoding="utf-8"))
    assert found is not None
    return found.group(1)


# --- issue ------------------------------------------------------------------------------------


def test_issue_stores_the_json_report_and_diff_says_unchanged(book: Any, ledger: Target) -> None:
    before = figures(book, "2024")
    mark = scalar(ledger, "SELECT MAX(id) FROM audit_log")
    r = ok(book("report", "issue", "2024", "--note", "报市总工会"))
    assert "第 1 版" in r.stdout
    (stored,) = rows(
        ledger, "SELECT year, scope, figures, audit_mark, operator, note FROM report_issue"
    )
    assert stored[0] == 2024 and stored[1] == ""
    assert json.loads(stored[2]) == before
    assert list(json.loads(stored[2])) == list(before)  # every key, in the report's order
    assert stored[3] == mark and stored[4] == "tester" and stored[5] == "报市总工会"

    r = ok(book("report", "diff", "2024"))
    assert "与定稿一致" in r.stdout and "第 1 版" in r.stdout
    data = diff_json(book, "2024")
    assert data["year"] == 2024 and data["changes"] == [] and data["causes"] == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["issued_at"])

    assert "第 2 版" in ok(book("report", "issue", "2024")).stdout
    assert scalar(ledger, "SELECT COUNT(*) FROM report_issue WHERE year = 2024") == 2


def test_the_issue_is_audited_and_leaves_the_fingerprint(book: Any, ledger: Target) -> None:
    fingerprint = ledger_fingerprint(ledger)
    mark = scalar(ledger, "SELECT MAX(id) FROM audit_log")
    ok(book("report", "issue", "2024", "--note", "报市总工会"))
    (entry,) = rows(
        ledger,
        "SELECT id, action, entity, entity_id, operator, reason, after FROM audit_log "
        "WHERE id > :mark",
        mark=mark,
    )
    issue_id = scalar(ledger, "SELECT id FROM report_issue")
    assert entry[1:6] == ("report.issue", "report_issue", issue_id, "tester", "报市总工会")
    after = json.loads(entry[6])
    assert after["year"] == 2024 and after["version"] == 1 and after["audit_mark"] == mark
    assert after["fingerprint"] == fingerprint == ledger_fingerprint(ledger)
    assert scalar(ledger, "SELECT fingerprint FROM report_issue") == fingerprint
    ok(book("aid", "add", WANG_FANG, "--date", "2024-03-01", "--kind", "送温暖", "--amount", "1"))
    assert ledger_fingerprint(ledger) != fingerprint  # while a real write does change it


# --- what changed since -----------------------------------------------------------------------


def test_a_reversal_of_an_entry_of_the_year_names_its_keys_and_entry(
    book: Any, ledger: Target
) -> None:
    ok(book("report", "issue", "2024"))
    # an entry dated the next year: no cause of 2024's change
    ok(book("aid", "add", WANG_FANG, "--date", "2025-03-01", "--kind", "送温暖", "--amount", "500"))
    ok(book("aid", "reverse", "2", "--reason", "金额录错", "--date", "2025-01-10"))
    data = diff_json(book, "2024")
    assert changed(data) == {
        "aid.person_times": (3, 2),
        "aid.amount_fen": (680_000, 180_000),
        "aid.by_kind.medical.households": (1, 0),
        "aid.by_kind.medical.person_times": (1, 0),
        "aid.by_kind.medical.amount_fen": (500_000, 0),
    }
    reversal = scalar(ledger, "SELECT id FROM aid WHERE reverses_id = 2")
    audit_id = scalar(ledger, "SELECT id FROM audit_log WHERE action = 'aid.reverse'")
    (cause,) = data["causes"]
    assert cause["audit_id"] == audit_id
    assert (cause["action"], cause["entity"], cause["entity_id"]) == (
        "aid.reverse",
        "aid",
        reversal,
    )
    assert (cause["operator"], cause["reason"]) == ("tester", "金额录错")
    assert set(cause) == {"audit_id", "action", "entity", "entity_id", "at", "operator", "reason"}

    r = ok(book("report", "diff", "2024"))
    assert "5 项不同" in r.stdout
    assert "aid.by_kind.medical.amount_fen" in r.stdout and "500,000" in r.stdout
    assert "aid.reverse" in r.stdout and "金额录错" in r.stdout
    assert "aid.add" not in r.stdout  # the 2025 entry is not a cause


def test_a_late_import_of_rows_dated_in_the_year_names_the_batch(
    book: Any, ledger: Target, tmp_path: Path
) -> None:
    ok(book("report", "issue", "2023"))
    ok(book("report", "issue", "2024"))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["身份证号", "帮扶日期", "帮扶类型", "金额"])
    writer.writerow([LI_MING, "2024-09-01", "生活救助", "300"])
    path = tmp_path / "late.csv"
    path.write_bytes(buf.getvalue().encode("gb18030"))
    ok(book("import", "aid", str(path)))
    batch = scalar(ledger, "SELECT id FROM import_batch")
    data = diff_json(book, "2024")
    assert changed(data)["aid.by_kind.living.amount_fen"] == (0, 30_000)
    assert changed(data)["aid.amount_fen"] == (680_000, 710_000)
    (cause,) = data["causes"]
    assert cause["action"] == "import.aid"
    assert (cause["entity"], cause["entity_id"]) == ("import_batch", batch)
    # the 2023 report is untouched: the batch's rows are all of 2024
    assert diff_json(book, "2023")["changes"] == []


def test_an_undone_import_cannot_be_dated_and_is_named(
    book: Any, ledger: Target, tmp_path: Path
) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(
        f"身份证号,帮扶日期,帮扶类型,金额\r\n{LI_MING},2024-09-01,生活救助,300\r\n".encode()
    )
    ok(book("import", "aid", str(path)))
    batch = scalar(ledger, "SELECT id FROM import_batch")
    ok(book("report", "issue", "2024"))
    ok(book("report", "issue", "2025"))
    ok(book("import", "undo", str(batch)))
    data = diff_json(book, "2024")
    assert changed(data)["aid.amount_fen"] == (710_000, 680_000)
    # the rows it made are gone: what is left cannot say their dates, so the undo is named
    assert [(c["action"], c["entity_id"]) for c in data["causes"]] == [("import.undo", batch)]
    assert diff_json(book, "2025") == {**diff_json(book, "2025"), "changes": [], "causes": []}


def test_an_import_of_next_year_rows_is_no_cause(book: Any, tmp_path: Path) -> None:
    ok(book("org", "add", "红旗乡总工会", "--founded", "2015-01-01", "--township", "红旗乡"))
    ok(book("report", "issue", "2024"))
    path = tmp_path / "next.csv"
    path.write_bytes(
        f"身份证号,帮扶日期,帮扶类型,金额\r\n{LI_MING},2025-02-01,生活救助,300\r\n".encode()
    )
    ok(book("import", "aid", str(path)))
    ok(book("org", "update", "红旗乡总工会", "--founded", "2025-01-01"))  # a past record edited
    data = diff_json(book, "2024")
    # the union now founded in 2025: one union fewer at the end of 2024, the edit named
    assert changed(data) == {"orgs.total_end": (3, 2)}
    assert [c["action"] for c in data["causes"]] == ["org.update"]


def test_an_entry_dated_after_the_year_changes_nothing(book: Any) -> None:
    ok(book("report", "issue", "2024"))
    issued = figures(book, "2024")
    ok(book("aid", "add", LI_MING, "--date", "2025-01-02", "--kind", "送温暖", "--amount", "900"))
    assert figures(book, "2024") == issued
    data = diff_json(book, "2024")
    assert data["changes"] == [] and data["causes"] == []
    assert "与定稿一致" in ok(book("report", "diff", "2024")).stdout


# --- the issued figures, printed --------------------------------------------------------------


def test_as_issued_prints_the_issued_figures_after_a_change(book: Any, tmp_path: Path) -> None:
    issued_text = ok(book("report", "year", "2024", "--format", "json")).stdout
    ok(book("report", "issue", "2024"))
    ok(book("aid", "reverse", "1", "--reason", "重复录入"))
    now_text = ok(book("report", "year", "2024", "--format", "json")).stdout
    assert now_text != issued_text
    as_issued = ok(book("report", "year", "2024", "--as-issued", "--format", "json")).stdout
    assert as_issued == issued_text  # the very text, key order and all

    md = ok(book("report", "year", "2024", "--as-issued", "--format", "markdown")).stdout
    assert "0.68万元" in md and "第 1 版" in md
    assert "2023 年度未定稿" in md  # no 同比 against figures that were never issued
    now_md = ok(book("report", "year", "2024", "--format", "markdown")).stdout
    assert "0.58万元" in now_md and "0.68万元" not in now_md

    table = ok(book("report", "year", "2024", "--as-issued")).stdout
    assert "0.68万元" in table
    csv_text = ok(book("report", "year", "2024", "--as-issued", "--format", "csv")).stdout
    assert "0.68万元" in csv_text
    out = tmp_path / "issued.xlsx"
    ok(book("report", "year", "2024", "--as-issued", "--out", str(out)))
    from openpyxl import load_workbook

    values = [c.value for row in load_workbook(out).active.iter_rows() for c in row]
    assert 0.68 in values


def test_as_issued_shows_the_previous_year_as_issued(book: Any) -> None:
    ok(book("aid", "add", LI_MING, "--date", "2023-07-01", "--kind", "送温暖", "--amount", "2000"))
    ok(book("report", "issue", "2023"))
    ok(book("aid", "add", LI_MING, "--date", "2023-08-01", "--kind", "送温暖", "--amount", "3000"))
    ok(book("report", "issue", "2024"))
    md = ok(book("report", "year", "2024", "--as-issued", "--format", "markdown")).stdout
    assert "未定稿" not in md
    aid_row = next(line for line in md.splitlines() if line.startswith("| 帮扶金额"))
    # 2023 as issued (0.20万元), not as it stands now (0.50万元)
    assert "0.20万元" in aid_row and "0.50万元" not in aid_row


def test_a_year_never_issued(book: Any) -> None:
    r = ok(book("report", "diff", "2024"))
    assert r.stdout.strip().count("\n") == 0
    assert "尚未定稿" in r.stdout and "unioncli report issue 2024" in r.stdout
    data = diff_json(book, "2024")
    assert data == {"year": 2024, "issued_at": None, "changes": [], "causes": []}
    r = book("report", "year", "2024", "--as-issued")
    assert r.exit_code == 3
    assert "尚未定稿" in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0
    ok(book("report", "issue", "2024"))
    assert book("report", "year", "2023", "--as-issued", "--format", "json").exit_code == 3


def test_the_html_footer_says_issued_or_draft(book: Any, tmp_path: Path) -> None:
    assert html_status(book, tmp_path, "2024") == "草稿"
    ok(book("report", "issue", "2024"))
    status = html_status(book, tmp_path, "2024")
    assert re.fullmatch(r"定稿：\d{4}-\d\d-\d\d \d\d:\d\d UTC（第 1 版）", status), status
    day = status[3:13]
    ok(book("aid", "reverse", "3", "--reason", "重复录入"))
    assert html_status(book, tmp_path, "2024") == f"草稿（与 {day} 定稿不同，见 report diff）"
    assert html_status(book, tmp_path, "2024", "--as-issued").startswith("定稿：")
    ok(book("report", "issue", "2024"))
    assert "（第 2 版）" in html_status(book, tmp_path, "2024")


# --- scope ------------------------------------------------------------------------------------


def test_a_township_issue_is_its_own(book: Any, ledger: Target) -> None:
    ok(book("report", "issue", "2024", "--township", "城关镇"))
    assert scalar(ledger, "SELECT scope FROM report_issue") == "township=城关镇"
    assert "尚未定稿" in ok(book("report", "diff", "2024")).stdout
    assert diff_json(book, "2024", "--township", "城关镇")["changes"] == []
    town = figures(book, "2024", "--township", "城关镇")
    assert town["aid.amount_fen"] == 600_000
    ok(book("report", "issue", "2024"))  # the whole ledger's, beside the township's
    ok(book("aid", "reverse", "3", "--reason", "河西镇的录错"))  # 李明's: 河西镇
    assert diff_json(book, "2024", "--township", "城关镇")["changes"] == []
    assert changed(diff_json(book, "2024"))["aid.amount_fen"] == (680_000, 600_000)
    as_issued = ok(
        book("report", "year", "2024", "--township", "城关镇", "--as-issued", "-f", "json")
    )
    assert json.loads(as_issued.stdout) == town


# --- the mechanism ----------------------------------------------------------------------------


def test_maps_are_compared_entry_by_entry() -> None:
    issued = {"year": 2024, "aid.by_kind": {"warmth": {"households": 1, "amount_fen": 100}}}
    now = {"year": 2024, "aid.by_kind": {}, "stations.suspended_end": 2}
    assert [(c.key, c.issued, c.now) for c in changes(issued, now)] == [
        ("aid.by_kind.warmth.households", 1, 0),
        ("aid.by_kind.warmth.amount_fen", 100, 0),
        ("stations.suspended_end", None, 2),  # a key the issue did not have
    ]
    assert changes(now, now) == []


def test_every_dated_table_is_in_the_map() -> None:
    """A new table of dated rows (or of rows an import creates) must say how it touches a
    year, or ``report diff`` would not name the entries that changed it."""
    from sqlalchemy import Date, Integer

    from unioncli.models import metadata

    mapped = {table for table, _ in DATED.values()}
    batched = {t.name for t in metadata.sorted_tables if "batch_id" in t.c}
    assert set(BATCH_TABLES) == batched - {"import_change"}
    for table in metadata.sorted_tables:
        dated = [
            c.name
            for c in table.columns
            if isinstance(c.type, Date) and c.name not in ("birth_date", "applied_on")
        ]
        keyed = "id" in table.c and isinstance(table.c.id.type, Integer)
        if dated and keyed and table.name not in ("report_issue",):
            assert table.name in mapped, (table.name, dated)
    for table, columns in DATED.values():
        assert table in metadata.tables, table
        assert set(columns) <= set(metadata.tables[table].c.keys()), table


_NO_SQLALCHEMY = """
import sys
from unioncli.cli import main
sys.argv = ["unioncli", "--db", sys.argv[1], *sys.argv[2:]]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
assert "sqlalchemy" not in sys.modules, "SQLAlchemy was imported"
"""


@pytest.mark.sqlite_only("the read side on a SQLite file goes through sqlite3")
@pytest.mark.parametrize(
    "args",
    [
        ("report", "diff", "2024"),
        ("report", "diff", "2024", "--format", "json"),
        ("report", "year", "2024", "--as-issued", "--format", "json"),
        ("report", "year", "2024", "--as-issued", "--format", "markdown"),
        ("report", "year", "2024", "--format", "html"),
    ],
)
def test_the_read_side_needs_no_sqlalchemy(
    book: Any, ledger: Target, args: tuple[str, ...]
) -> None:
    import subprocess
    import sys

    ok(book("report", "issue", "2024"))
    ok(book("aid", "reverse", "1", "--reason", "重复录入"))
    done = subprocess.run(
        [sys.executable, "-c", _NO_SQLALCHEMY, str(ledger.path), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
