"""Stations and their service ledger through the shared import engine, and back out."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from dbutil import dated, rows

from unioncli.config import Target

STATIONS = ["站点编号", "站点名称", "所属乡镇", "依托单位", "建设模式", "建成日期", "设施",
            "评级", "评级年度", "状态", "撤销日期", "联系电话"]  # fmt: skip
LOGS = ["站点编号", "站点名称", "月份", "服务人次", "活动场次"]


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path


def query(target: Target, sql: str) -> list[tuple[Any, ...]]:
    return dated(rows(target, sql))


def stations() -> list[list[str]]:
    return [
        ["ZD-001", "城关镇邮政驿站", "城关镇", "银行网点", "社会共建", "2019-05-01",
         "饮水、桌椅、应急药箱、手机充电", "达标", "2020", "", "", "0451-56781234"],
        ["ZD-002", "河西环卫驿站", "河西镇", "环卫站", "工会自建", "2018年6月1日",
         "饮水/桌椅", "", "", "撤销", "2022-12-31", ""],
        # a rating without its year
        ["ZD-003", "东风加油站驿站", "东风镇", "加油站", "", "2021-01-01", "饮水", "示范", "", "", "", ""],
    ]  # fmt: skip


def test_stations_and_logs_import(cli, ledger, tmp_path) -> None:
    r = cli(
        "import", "stations", str(write(tmp_path / "s.csv", STATIONS, stations())), "--skip-invalid"
    )
    assert r.exit_code == 5
    assert "新建 2 · 更新 0 · 未变 0 · 跳过 0 · 文件内重复 0 · 拒绝 1" in r.stdout
    assert query(
        ledger, "SELECT code, status, closed_on, facilities FROM station ORDER BY code"
    ) == [
        ("ZD-001", "open", None, "water,seating,first_aid,phone_charging"),
        ("ZD-002", "closed", "2022-12-31", "water,seating"),
    ]
    assert query(ledger, "SELECT year, rating FROM station_rating") == [(2020, "standard")]

    logs = [
        ["ZD-001", "", "2024-06", "120", "2"],
        ["", "河西环卫驿站", "2022年12月", "80", ""],
        ["ZD-002", "", "2023-01", "10", "0"],  # after the station was closed
        ["ZD-001", "", "2019-04", "5", "0"],  # before it opened
        ["ZD-001", "", "2024-06", "120", "2"],  # the same entry twice
    ]
    r = cli("import", "station-logs", str(write(tmp_path / "l.csv", LOGS, logs)), "--skip-invalid")
    assert r.exit_code == 5
    assert "新建 2 · 更新 0 · 未变 0 · 跳过 0 · 文件内重复 1 · 拒绝 2" in r.stdout
    assert [line.split("：")[0] for line in r.stderr.splitlines()] == ["第 4 行", "第 5 行"]
    # the yearly figures come from these entries, and a replaced month keeps only its new count
    fixed = write(tmp_path / "fix.csv", LOGS, [["ZD-001", "", "2024-06", "150", "2"]])
    assert cli("import", "station-logs", str(fixed)).exit_code == 5
    r = cli("import", "station-logs", str(fixed), "--on-duplicate", "update")
    assert r.exit_code == 0, r.stderr
    assert query(ledger, "SELECT SUM(visits) FROM station_log") == [(230,)]
    # and undoing that batch puts the old figure back (on a server a refused import leaves a gap
    # in the numbers: the batch is the newest one, not necessarily #3)
    (newest,) = rows(ledger, "SELECT MAX(id) FROM import_batch")[0]
    assert cli("import", "undo", str(newest)).exit_code == 0
    assert query(ledger, "SELECT SUM(visits) FROM station_log") == [(200,)]


def test_a_known_station_keeps_its_status_and_a_closing_needs_the_command(
    cli, ledger, tmp_path
) -> None:
    assert (
        cli(
            "import", "stations", str(write(tmp_path / "s.csv", STATIONS, stations()[:2]))
        ).exit_code
        == 0
    )
    assert (
        cli("station", "suspend", "ZD-001", "--date", "2024-01-01", "--reason", "装修").exit_code
        == 0
    )
    # the same file again: the blank 状态 does not reopen the suspended station
    r = cli("import", "stations", str(write(tmp_path / "again.csv", STATIONS, stations()[:2])))
    assert r.exit_code == 0, r.stderr
    assert "未变 2" in r.stdout
    closing = stations()[:1]
    closing[0][9], closing[0][10] = "撤销", "2024-06-30"
    r = cli(
        "import",
        "stations",
        str(write(tmp_path / "c.csv", STATIONS, closing)),
        "--on-duplicate",
        "update",
    )
    assert r.exit_code == 5 and "station suspend / close / reopen" in r.stderr


def test_stations_export_round_trip(cli, ledger, tmp_path) -> None:
    rows = stations()[:2]
    rows[0][11] = "13812345678"  # a manager's mobile
    assert cli("import", "stations", str(write(tmp_path / "s.csv", STATIONS, rows))).exit_code == 0
    logs = [["ZD-001", "", "2024-06", "120", "2"], ["ZD-001", "", "2024-07", "130", "1"]]
    assert cli("import", "station-logs", str(write(tmp_path / "l.csv", LOGS, logs))).exit_code == 0
    out, log_out = tmp_path / "st.csv", tmp_path / "logs.xlsx"
    assert cli("export", "stations", "--out", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "13812345678" not in text and "138****5678" in text
    assert cli("export", "station-logs", "--out", str(log_out)).exit_code == 0
    r = cli("import", "station-logs", str(log_out))
    assert r.exit_code == 0, r.stderr
    assert "未变 2" in r.stdout
    # a masked export cannot overwrite the real number, even with --on-duplicate update
    r = cli("import", "stations", str(out), "--on-duplicate", "update")
    assert r.exit_code == 5 and "遮蔽" in r.stderr
    full = tmp_path / "full.csv"
    assert (
        cli("export", "stations", "--out", str(full), "--unmasked", "--reason", "核对").exit_code
        == 0
    )
    r = cli("import", "stations", str(full))
    assert r.exit_code == 0, r.stderr
    assert "未变 2" in r.stdout


# --- station-status and station-ratings ---------------------------------------------------------

STATUS = ["站点编号", "站点名称", "状态", "日期", "原因"]
RATINGS = ["站点编号", "站点名称", "评级年度", "评级", "评定日期"]


def events(target: Target) -> list[tuple[Any, ...]]:
    return query(
        target,
        "SELECT s.code, e.event_date, e.status, e.reason FROM station_event e "
        "JOIN station s ON s.id = e.station_id ORDER BY s.code, e.event_date, e.id",
    )


def load(cli: Any, tmp_path: Path, n: int) -> None:
    """The first ``n`` stations of ``stations()``, imported."""
    r = cli("import", "stations", str(write(tmp_path / "s.csv", STATIONS, stations()[:n])))
    assert r.exit_code == 0, r.stderr


def newest_batch(target: Target) -> str:
    return str(rows(target, "SELECT MAX(id) FROM import_batch")[0][0])


def test_an_imported_station_has_its_events_and_undo_removes_them(cli, ledger, tmp_path) -> None:
    r = cli("import", "stations", str(write(tmp_path / "s.csv", STATIONS, stations()[:2])))
    assert r.exit_code == 0, r.stderr
    assert events(ledger) == [
        ("ZD-001", "2019-05-01", "open", None),
        ("ZD-002", "2018-06-01", "open", None),
        ("ZD-002", "2022-12-31", "closed", None),
    ]
    assert cli("import", "undo", newest_batch(ledger)).exit_code == 0
    assert events(ledger) == [] and rows(ledger, "SELECT COUNT(*) FROM station") == [(0,)]


def test_station_status_import(cli, ledger, tmp_path) -> None:
    load(cli, tmp_path, 2)
    good = [
        # out of date order: the rows of a station apply by date
        ["ZD-001", "", "恢复开放", "2021-03-01", ""],
        ["", "城关镇邮政驿站", "暂停", "2020-07-01", "装修"],
        ["ZD-002", "", "reopen", "2024-05-06", "重建"],
        ["ZD-001", "", "开放", "2019-05-01", ""],  # the opening itself: unchanged
    ]
    r = cli("import", "station-status", str(write(tmp_path / "g.csv", STATUS, good)))
    assert r.exit_code == 0, r.stderr
    assert "新建 3 · 更新 0 · 未变 1" in r.stdout
    assert events(ledger) == [
        ("ZD-001", "2019-05-01", "open", None),
        ("ZD-001", "2020-07-01", "suspended", "装修"),
        ("ZD-001", "2021-03-01", "open", None),
        ("ZD-002", "2018-06-01", "open", None),
        ("ZD-002", "2022-12-31", "closed", None),
        ("ZD-002", "2024-05-06", "open", "重建"),
    ]
    # the current state follows the latest event, and the past years read the history
    assert query(
        ledger, "SELECT code, status, status_since, closed_on FROM station ORDER BY code"
    ) == [
        ("ZD-001", "open", "2021-03-01", None),
        ("ZD-002", "open", "2024-05-06", None),
    ]
    figures = {
        y: json.loads(cli("report", "year", str(y), "--format", "json").stdout)
        for y in (2020, 2023, 2024)
    }
    assert figures[2020]["stations.suspended_end"] == 1
    assert figures[2020]["stations.open_end"] == 2
    assert figures[2023]["stations.open_end"] == 1
    assert figures[2024]["stations.open_end"] == 2
    before = events(ledger)

    bad = [
        ["ZD-001", "", "暂停", "2021-02-01", ""],  # before its latest change
        ["ZD-009", "", "暂停", "2022-01-01", ""],  # no such station
        ["ZD-002", "", "停业", "2024-06-01", ""],  # not a status
        ["ZD-002", "", "恢复开放", "2024-07-01", ""],  # already open
        ["ZD-001", "", "撤销", "", ""],  # no date
    ]
    r = cli("import", "station-status", str(write(tmp_path / "b.csv", STATUS, bad)))
    assert r.exit_code == 5
    reasons = r.stderr.splitlines()
    assert [ln.split("：")[0] for ln in reasons] == [
        "第 2 行",
        "第 3 行",
        "第 4 行",
        "第 5 行",
        "第 6 行",
    ]
    assert "2021-03-01" in reasons[0]
    assert "ZD-009" in reasons[1]
    assert "状态" in reasons[2] and "停业" in reasons[2]
    assert "开放" in reasons[3]
    assert "日期" in reasons[4]
    assert events(ledger) == before  # nothing written

    # export, import back: every row unchanged
    out = tmp_path / "status.csv"
    assert cli("export", "station-status", "--out", str(out)).exit_code == 0
    r = cli("import", "station-status", str(out))
    assert r.exit_code == 0, r.stderr
    assert "新建 0 · 更新 0 · 未变 6" in r.stdout

    # undo of the first file: its events go, the stations' status is put back
    first = rows(ledger, "SELECT MIN(id) FROM import_batch WHERE kind = 'station-status'")[0][0]
    r = cli("import", "undo", str(first))
    assert r.exit_code == 0, r.stderr
    assert events(ledger) == [
        ("ZD-001", "2019-05-01", "open", None),
        ("ZD-002", "2018-06-01", "open", None),
        ("ZD-002", "2022-12-31", "closed", None),
    ]
    assert query(
        ledger, "SELECT code, status, status_since, closed_on FROM station ORDER BY code"
    ) == [
        ("ZD-001", "open", "2019-05-01", None),
        ("ZD-002", "closed", "2022-12-31", "2022-12-31"),
    ]


def test_a_closing_by_import_keeps_the_ledger_rule(cli, ledger, tmp_path) -> None:
    load(cli, tmp_path, 1)
    assert cli("station", "log", "ZD-001", "--month", "2024-06", "--visits", "5").exit_code == 0
    rows_ = [["ZD-001", "", "撤销", "2024-03-31", "合并"]]
    r = cli("import", "station-status", str(write(tmp_path / "c.csv", STATUS, rows_)))
    assert r.exit_code == 5 and "2024-06" in r.stderr


def test_station_ratings_import(cli, ledger, tmp_path) -> None:
    load(cli, tmp_path, 2)
    good = [
        ["ZD-001", "", "2021", "示范", "2021-12-15"],
        ["", "河西环卫驿站", "2019", "达标", ""],
        ["ZD-001", "", "2020", "达标", ""],  # as the stations file rated it: unchanged
    ]
    r = cli("import", "station-ratings", str(write(tmp_path / "g.csv", RATINGS, good)))
    assert r.exit_code == 0, r.stderr
    assert "新建 2 · 更新 0 · 未变 1" in r.stdout
    ratings = "SELECT s.code, r.year, r.rating, r.rated_on FROM station_rating r JOIN station s ON s.id = r.station_id ORDER BY 1, 2"
    assert query(ledger, ratings) == [
        ("ZD-001", 2020, "standard", None),
        ("ZD-001", 2021, "demonstration", "2021-12-15"),
        ("ZD-002", 2019, "standard", None),
    ]
    bad = [
        ["ZD-001", "", "2018", "达标", ""],  # before it opened
        ["ZD-002", "", "2024", "达标", ""],  # closed throughout 2024
        ["ZD-001", "", "2022", "五星", ""],  # not a rating
        ["ZD-001", "", "2099", "达标", ""],  # a future year
    ]
    r = cli("import", "station-ratings", str(write(tmp_path / "b.csv", RATINGS, bad)))
    assert r.exit_code == 5
    reasons = r.stderr.splitlines()
    assert [ln.split("：")[0] for ln in reasons] == ["第 2 行", "第 3 行", "第 4 行", "第 5 行"]
    assert "2018" in reasons[0] and "2022-12-31" in reasons[1] and "五星" in reasons[2]
    assert len(query(ledger, ratings)) == 3  # nothing written

    # lowering a year's rating replaces it, with --on-duplicate update, and undo puts it back
    lower = [["ZD-001", "", "2021", "达标", ""]]
    path = write(tmp_path / "l.csv", RATINGS, lower)
    assert cli("import", "station-ratings", str(path)).exit_code == 5
    r = cli("import", "station-ratings", str(path), "--on-duplicate", "update")
    assert r.exit_code == 0 and "更新 1" in r.stdout
    assert query(ledger, ratings)[1] == ("ZD-001", 2021, "standard", "2021-12-15")
    assert cli("import", "undo", newest_batch(ledger)).exit_code == 0
    assert query(ledger, ratings)[1] == ("ZD-001", 2021, "demonstration", "2021-12-15")

    out = tmp_path / "ratings.xlsx"
    assert cli("export", "station-ratings", "--out", str(out)).exit_code == 0
    r = cli("import", "station-ratings", str(out))
    assert r.exit_code == 0, r.stderr
    assert "新建 0 · 更新 0 · 未变 3" in r.stdout
