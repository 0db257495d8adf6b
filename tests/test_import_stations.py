"""Stations and their service ledger through the shared import engine, and back out."""

from __future__ import annotations

import csv
import io
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
