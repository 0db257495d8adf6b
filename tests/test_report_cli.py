"""``unioncli report``: the yearly report in every format, scoped, by union, as a trend; the demo.

One 3,000-member demo ledger is built per module; goldens under tests/golden/report/ (regenerate
with ``UPDATE_GOLDEN=1``). The HTML golden has its time, version and fingerprint normalised.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
from datetime import date
from pathlib import Path

import pytest

from unioncli.cli.report_formats import document as rf
from unioncli.cli.report_formats.reports import bar
from unioncli.config import sqlite_target
from unioncli.db.engine import make_engine
from unioncli.services.demo.builder import build
from unioncli.services.demo.common import LAST_YEAR
from unioncli.services.report import Scope, by_org, trend, year_report

GOLDEN = Path(__file__).parent / "golden" / "report"
YEAR = LAST_YEAR  # the demo's last full year (built as of 2025-06-30)


def golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to write it"
    assert actual == path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def county(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "county.sqlite3"
    shutil.copy(template_db, path)
    engine = make_engine(sqlite_target(path))
    try:
        build(engine, "tester", members=3000, today=date(2025, 6, 30))
    finally:
        engine.dispose()
    return path


@pytest.fixture
def engine(county: Path):
    eng = make_engine(sqlite_target(county))
    yield eng
    eng.dispose()


@pytest.fixture
def run(cli, county: Path):
    """``run("year", "2024")`` → unioncli --db <the demo ledger> report year 2024."""

    def go(*args: str, lang: str | None = None):
        pre = ["--lang", lang] if lang else []
        return cli("--db", str(county), *pre, "report", *args, db=False)

    return go


@pytest.fixture
def own(cli, county: Path, tmp_path: Path):
    """A private copy of the demo ledger, for commands that write."""
    path = tmp_path / "own.sqlite3"
    shutil.copy(county, path)

    def go(*args: str):
        return cli("--db", str(path), *args, db=False)

    return go


def ok(r) -> str:
    assert r.exit_code == 0, r.stderr
    return r.stdout


def normalise_html(text: str) -> str:
    text = re.sub(r'(<span class="made">[^：:]*[：:]\s*)[^<]*', r"\1TIME", text)
    text = re.sub(r'(<span class="version">[^<]*unioncli )[^<]*', r"\1VERSION", text)
    return re.sub(
        r'(<span class="fingerprint">[^：:]*[：:]\s*)[0-9a-f]{12}', r"\1FINGERPRINT", text
    )


def xlsx_rows(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


# --- goldens for every format ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("table", "year.txt"), ("markdown", "year.md"), ("csv", "year.csv"), ("json", "year.json")],
)
def test_year_golden(run, fmt: str, name: str) -> None:
    golden(name, ok(run("year", str(YEAR), "--format", fmt)))


def test_year_html_golden(run) -> None:
    out = ok(run("year", str(YEAR), "--format", "html"))
    golden("year.html", normalise_html(out))


def test_year_xlsx_golden(run, tmp_path: Path) -> None:
    path = tmp_path / "年报.xlsx"
    assert ok(run("year", str(YEAR), "--out", str(path))) == f"已写入 {path}\n"
    rows = xlsx_rows(path)
    golden("year.xlsx.json", json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    # the same rows as the CSV: labels alike, figures as numbers in the unit the CSV writes
    csv_rows = [
        r for r in __import__("csv").reader(io.StringIO(ok(run("year", str(YEAR), "-f", "csv"))))
    ]
    assert [r[:2] for r in rows] == [r[:2] for r in csv_rows]
    new = next(r for r in rows if r[1] == "新发展会员")
    assert (
        isinstance(new[2], int)
        and f"{new[2]:,}人" == next(c for c in csv_rows if c[1] == "新发展会员")[2]
    )


def test_english_table_golden(run) -> None:
    golden("year.en.txt", ok(run("year", str(YEAR), lang="en")))


def test_by_org_golden(run) -> None:
    golden("by-org.txt", ok(run("by-org", str(YEAR))))
    golden("by-org.csv", ok(run("by-org", str(YEAR), "--format", "csv")))


def test_trend_golden(run) -> None:
    golden("trend.txt", ok(run("trend", "--from", str(YEAR - 6), "--to", str(YEAR))))


# --- the figures are the service's ----------------------------------------------------------


def test_json_is_exactly_year_report(run, engine) -> None:
    out = ok(run("year", str(YEAR), "--format", "json"))
    assert json.loads(out) == year_report(engine, YEAR)
    assert out == json.dumps(year_report(engine, YEAR), ensure_ascii=False, indent=2) + "\n"


def test_table_shows_every_figure_with_the_previous_year(run, engine) -> None:
    cur, prev = year_report(engine, YEAR), year_report(engine, YEAR - 1)
    out = ok(run("year", str(YEAR)))
    line = next(ln for ln in out.splitlines() if ln.startswith("新发展会员"))
    change = rf.change(cur["members.new"], prev["members.new"]).text
    assert line.split() == [
        "新发展会员",
        f"{cur['members.new']:,}人",
        f"{prev['members.new']:,}人",
        change,
    ]
    money = next(ln for ln in out.splitlines() if ln.startswith("帮扶金额"))
    assert rf.figure(cur["aid.amount_fen"], rf.MONEY).text in money
    assert money.split()[1].endswith("万元")
    visits = next(ln for ln in out.splitlines() if ln.startswith("服务人次"))
    assert visits.split()[1] == rf.format_visits(cur["stations.visits"])
    for heading in ("会员", "基层工会", "困难职工帮扶", "金秋助学", "户外劳动者服务站点"):
        assert heading in [ln.rstrip() for ln in out.splitlines()]


def test_change_and_units() -> None:
    assert rf.change(1125, 1000).text == "+12.5%"
    assert rf.change(5, 0).text == "—"
    assert rf.change(0, 4).text == "-100.0%"
    assert rf.format_visits(12_960) == "1.3万人次"
    assert rf.format_visits(9_876) == "9,876人次"
    assert rf.figure(1_230_000_00, rf.MONEY).text == "123.00万元"
    assert rf.figure(1488, rf.PERSON).text == "1,488人"


# --- files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "fmt"), [(".md", "markdown"), (".csv", "csv"), (".json", "json")]
)
def test_out_picks_the_format_by_extension(run, tmp_path: Path, suffix: str, fmt: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / f"report{suffix}"
    assert ok(run("year", str(YEAR), "--out", str(path))) == f"已写入 {path}\n"
    assert path.read_text(encoding="utf-8") == ok(run("year", str(YEAR), "--format", fmt))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temp file left


def test_out_html_is_private_and_self_contained(run, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o644)
    ok(run("year", str(YEAR), "--out", str(path)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    page = path.read_text(encoding="utf-8")
    assert "@page { size: A4 portrait" in page
    assert '"Noto Sans CJK SC"' in page and "SimSun" in page
    assert "break-inside: avoid" in page
    assert not re.search(r"<(link|script|img)\b|src=|url\(|https?://", page)
    assert re.search(r'<span class="fingerprint">台账指纹：[0-9a-f]{12}</span>', page)


def test_format_and_extension_must_agree(run, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    r = run("year", str(YEAR), "--format", "csv", "--out", str(tmp_path / "a.md"))
    assert r.exit_code == 2 and "--format csv" in r.stderr
    r = run("year", str(YEAR), "--out", str(tmp_path / "a.pdf"))
    assert r.exit_code == 2 and "a.pdf" in r.stderr
    r = run("year", str(YEAR), "--format", "xlsx")
    assert r.exit_code == 2 and "--out" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_year_is_one_line(run) -> None:
    r = run("year", "24")
    assert r.exit_code == 2 or r.exit_code == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "24" in r.stderr


# --- scope ----------------------------------------------------------------------------------


def test_org_scope_changes_the_figures(run, engine) -> None:
    rows = by_org(engine, YEAR)
    busy = max((r for r in rows if r["org_id"]), key=lambda r: r["members.new"])
    scoped = json.loads(ok(run("year", str(YEAR), "--org", str(busy["org_id"]), "-f", "json")))
    assert scoped == year_report(engine, YEAR, Scope(org_id=busy["org_id"]))
    assert scoped["members.new"] == busy["members.new"] < year_report(engine, YEAR)["members.new"]
    table = ok(run("year", str(YEAR), "--org", busy["org"]))
    assert f"范围：{busy['org']}" in table
    assert "本范围不统计站点数据" in table


def test_township_scope_changes_the_figures(run, engine) -> None:
    town = by_org(engine, YEAR)[0]["township"]
    scoped = json.loads(ok(run("year", str(YEAR), "--township", town, "-f", "json")))
    assert scoped == year_report(engine, YEAR, Scope(township=town))
    county = year_report(engine, YEAR)
    assert scoped["members.new"] < county["members.new"]
    assert scoped["stations.open_end"] < county["stations.open_end"]
    assert f"范围：{town}" in ok(run("year", str(YEAR), "--township", town))


def test_unknown_org_is_not_found(run) -> None:
    r = run("year", str(YEAR), "--org", "没有这个工会")
    assert r.exit_code == 3


# --- by union, trend --------------------------------------------------------------------------


def test_by_org_totals(run, engine) -> None:
    data = json.loads(ok(run("by-org", str(YEAR), "--format", "json")))
    assert data["orgs"] == by_org(engine, YEAR)
    county = year_report(engine, YEAR)
    for key in ("members.new", "members.new_migrant", "aid.amount_fen", "grants.students"):
        assert data["total"][key] == sum(r[key] for r in data["orgs"]) == county[key]
    last = ok(run("by-org", str(YEAR))).splitlines()[-1].split()
    assert last[0] == "合计" and last[1] == f"{county['members.new']:,}"


def test_by_org_township_keeps_its_unions(run, engine) -> None:
    town = by_org(engine, YEAR)[0]["township"]
    data = json.loads(ok(run("by-org", str(YEAR), "--township", town, "-f", "json")))
    assert data["orgs"] and {r["township"] for r in data["orgs"]} == {town}
    assert (
        data["total"]["members.new"]
        == year_report(engine, YEAR, Scope(township=town))["members.new"]
    )


def test_by_org_xlsx_has_numbers(run, tmp_path: Path) -> None:
    path = tmp_path / "by-org.xlsx"
    ok(run("by-org", str(YEAR), "--out", str(path)))
    rows = xlsx_rows(path)
    assert rows[0][:2] == ["乡镇", "基层工会"]
    assert rows[-1][1] == "合计" and all(isinstance(v, int | float) for v in rows[-1][2:])


def test_trend_shows_bars(run, engine) -> None:
    out = ok(run("trend", "--from", str(YEAR - 4), "--to", str(YEAR)))
    data = trend(engine, YEAR - 4, YEAR)
    top = max(r["members.active_end"] for r in data)
    block = out.split("年末在册会员（人）")[1].split("\n\n")[0]
    best = next(
        ln
        for ln in block.splitlines()
        if ln.startswith(str(next(r["year"] for r in data if r["members.active_end"] == top)))
    )
    assert "█" * 30 in best
    assert (
        json.loads(ok(run("trend", "--from", str(YEAR - 4), "--to", str(YEAR), "-f", "json")))
        == data
    )
    assert run("trend", "--from", "2024", "--to", "2020").exit_code == 2


def test_bar() -> None:
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 4) == "██"
    assert bar(1, 1000, 4) == "▏"
    assert bar(0, 10, 4) == ""


# --- the federation's name ------------------------------------------------------------------


def test_federation_name_heads_the_report(own, tmp_path: Path) -> None:
    assert "尚未设置报表抬头" in ok(own("report", "settings"))
    assert ok(own("report", "settings", "--federation", "示范县<总工会>")) == (
        "已设置报表抬头：示范县<总工会>\n"
    )
    assert ok(own("report", "settings")) == "报表抬头：示范县<总工会>\n"
    assert ok(own("report", "year", str(YEAR))).startswith(
        f"示范县<总工会>{YEAR}年度工会工作主要数据"
    )
    page = tmp_path / "r.html"
    ok(own("report", "year", str(YEAR), "--out", str(page)))
    html = page.read_text(encoding="utf-8")
    assert f"<h1>示范县&lt;总工会&gt;{YEAR}年度工会工作主要数据</h1>" in html
    assert "<总工会>" not in html
    audit = json.loads(ok(own("audit", "list", "--format", "json")))
    assert any(a["action"] == "report.federation_name" for a in audit)


# --- the demo -------------------------------------------------------------------------------


def test_demo_ends_with_the_report(cli, tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    out = ok(cli("--db", str(path), "demo", "--members", "300", db=False))
    assert out.splitlines()[0].startswith("演示台账已生成：")
    report = ok(cli("--db", str(path), "report", "year", str(YEAR), db=False))
    assert out.endswith(report)
    assert out.splitlines()[-1].startswith("活动场次")
