"""The ledger's schema: Alembic migrations, first use of a file, health check, backup and restore."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from unioncli.config import Target, sqlite_target
from unioncli.db import migrate
from unioncli.db.schema import HEAD
from unioncli.db.uow import UnitOfWork
from unioncli.ids import make_id_number
from unioncli.services.members import enrol
from unioncli.services.orgs import add_org

TABLES = {
    "aid",
    "alembic_version",
    "audit_head",
    "audit_log",
    "student_grant",
    "grant_round",
    "grant_standard",
    "hardship_family",
    "hardship_file",
    "hardship_review",
    "hardship_visit",
    "import_batch",
    "import_change",
    "ledger_meta",
    "low_income_line",
    "member",
    "member_event",
    "org",
    "person",
    "station",
    "station_event",
    "station_log",
    "station_rating",
}


def sqlite_tables(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def sqlite_scalar(path: Path, sql: str) -> object:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fill(target: Target) -> None:
    """Two unions, one member with a join event, through the services."""
    with UnitOfWork(target) as uow:
        add_org(uow, {"org_name": "城关镇第一小学工会", "founded": "2010-05-01"})
        add_org(uow, {"org_name": "河西镇人民医院工会", "founded": "2012-03-01"})
        enrol(
            uow,
            {
                "name": "张伟",
                "id_number": make_id_number("230125", date(1990, 1, 1), 1, "male"),
                "org": "1",
                "joined": "2020-01-02",
            },
        )
        uow.commit()


# --- SQLite -----------------------------------------------------------------------------------


def test_empty_file_to_head(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    target = sqlite_target(path)
    migrate.upgrade(target)
    assert sqlite_tables(path) == TABLES
    assert sqlite_scalar(path, "SELECT version_num FROM alembic_version") == HEAD


def test_schema_head_constant_matches_the_scripts() -> None:
    assert migrate.script_head() == HEAD
    assert HEAD in migrate.known_revisions()


def test_no_drift_between_models_and_migrations(ledger: Target) -> None:
    assert migrate.drift(ledger) == []


@pytest.mark.sqlite_only(
    "reads the tables from the SQLite file (the PostgreSQL round trip is test_postgres_upgrade_drift_downgrade_upgrade)"
)
def test_downgrade_to_base_and_back(ledger: Target) -> None:
    assert ledger.path is not None
    migrate.downgrade(ledger, "base")
    # alembic keeps its (now empty) version table; every table of ours is gone
    assert sqlite_tables(ledger.path) == {"alembic_version"}
    assert sqlite_scalar(ledger.path, "SELECT COUNT(*) FROM alembic_version") == 0
    migrate.upgrade(ledger)
    assert sqlite_tables(ledger.path) == TABLES
    assert sqlite_scalar(ledger.path, "SELECT version_num FROM alembic_version") == HEAD
    assert migrate.drift(ledger) == []


@pytest.mark.sqlite_only(
    "reads the SQLite file itself (test_0008_adds_the_county_to_a_ledger_holding_rows runs on both)"
)
def test_upgrade_keeps_existing_rows(ledger: Target, cli) -> None:
    assert ledger.path is not None
    fill(ledger)
    migrate.upgrade(ledger)
    assert sqlite_scalar(ledger.path, "SELECT COUNT(*) FROM org") == 2
    assert sqlite_scalar(ledger.path, "SELECT name FROM person") == "张伟"
    assert sqlite_scalar(ledger.path, "SELECT kind FROM member_event") == "join"
    assert sqlite_scalar(ledger.path, "SELECT COUNT(*) FROM audit_log") == 3
    r = cli("db", "check")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == "检查通过"


@pytest.mark.sqlite_only("db check's lines name the SQLite file")
def test_db_check_fresh_ledger_passes(cli, ledger: Target) -> None:
    r = cli("db", "check")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines() == [
        f"台账：{ledger.path}",
        f"当前结构版本：{HEAD}（最新：{HEAD}）",
        "完整性检查：ok",
        "外键问题：0 处",
        "结构与程序不一致：0 处",
        "检查通过",
    ]


@pytest.mark.sqlite_only("plants the row with foreign keys off, a SQLite pragma")
def test_db_check_finds_a_dangling_foreign_key(cli, ledger: Target) -> None:
    assert ledger.path is not None
    fill(ledger)
    con = sqlite3.connect(ledger.path)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute(
        "INSERT INTO member_event (member_id, kind, event_date, org_id, migrant, created_at) "
        "VALUES (999, 'leave', '2021-01-01', 1, 0, '2021-01-01 00:00:00')"
    )
    con.commit()
    con.close()
    r = cli("db", "check")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert "外键问题：1 处" in lines
    assert lines[-1] == "检查未通过"


def test_new_ledger_file_is_owner_only(cli, tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "ledger.sqlite3"
    r = cli("--db", str(path), "db", "current", db=False)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines() == [f"台账：{path}", "（空台账，尚未建表）"]
    assert mode(path) == 0o600


def test_first_use_of_a_new_file_brings_it_to_head(cli, tmp_path: Path) -> None:
    path = tmp_path / "first.sqlite3"
    r = cli("--db", str(path), "org", "list", db=False)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "共 0 个基层工会"
    assert sqlite_scalar(path, "SELECT version_num FROM alembic_version") == HEAD
    assert mode(path) == 0o600
    r = cli("--db", str(path), "db", "current", db=False)
    assert r.stdout.splitlines()[-1] == f"当前结构版本：{HEAD}（最新：{HEAD}）"


def test_db_upgrade_command_reports_old_and_new(cli, tmp_path: Path) -> None:
    path = tmp_path / "up.sqlite3"
    r = cli("--db", str(path), "db", "upgrade", db=False)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines() == [f"台账：{path}", f"结构已升级：- → {HEAD}"]
    r = cli("--db", str(path), "db", "upgrade", db=False)
    assert r.stdout.splitlines() == [f"台账：{path}", f"结构已是最新：{HEAD}"]


@pytest.mark.sqlite_only("stamps the version in the SQLite file")
@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh",
            "错误：台账 {where} 的结构版本 9999 比本程序新（本程序支持到 {head}），请升级 unioncli。",
        ),
        (
            "en",
            "error: ledger {where} has schema 9999, newer than this unioncli knows ({head}): "
            "upgrade unioncli.",
        ),
    ],
)
def test_newer_schema_is_refused(cli, ledger: Target, lang: str, expected: str) -> None:
    assert ledger.path is not None
    con = sqlite3.connect(ledger.path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    r = cli("--lang", lang, "org", "list")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr == expected.format(where=ledger.path, head=HEAD) + "\n"
    # and nothing was touched
    assert sqlite_scalar(ledger.path, "SELECT version_num FROM alembic_version") == "9999"


def backed_up(cli, ledger: Target, tmp_path: Path) -> Path:
    """Two unions, a backup, then one union lost (there is no delete command: a SQL slip)."""
    assert ledger.path is not None
    assert cli("org", "add", "城关镇第一小学工会", "--founded", "2010-05-01").exit_code == 0
    assert cli("org", "add", "河西镇人民医院工会", "--founded", "2012-03-01").exit_code == 0
    dest = tmp_path / "copies" / "before.sqlite3"
    dest.parent.mkdir()
    r = cli("db", "backup", str(dest))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == f"已备份到 {dest}\n"
    con = sqlite3.connect(ledger.path)
    con.execute("DELETE FROM org WHERE name = '河西镇人民医院工会'")
    con.commit()
    con.close()
    r = cli("org", "list", "--format", "json")
    assert [o["name"] for o in json.loads(r.stdout)] == ["城关镇第一小学工会"]
    return dest


@pytest.mark.sqlite_only("backups are of the SQLite file")
def test_backup_is_an_owner_only_self_contained_ledger(cli, ledger: Target, tmp_path: Path) -> None:
    dest = backed_up(cli, ledger, tmp_path)
    assert mode(dest) == 0o600
    assert sqlite_scalar(dest, "SELECT COUNT(*) FROM org") == 2
    assert sqlite_scalar(dest, "SELECT version_num FROM alembic_version") == HEAD
    assert sqlite_scalar(dest, "PRAGMA journal_mode") == "delete"
    assert sqlite_scalar(dest, "PRAGMA integrity_check") == "ok"


@pytest.mark.sqlite_only("backups are of the SQLite file")
def test_backup_and_restore_round_trip(cli, ledger: Target, tmp_path: Path) -> None:
    assert ledger.path is not None
    dest = backed_up(cli, ledger, tmp_path)
    r = cli("db", "restore", str(dest), "--yes")
    assert r.exit_code == 0, r.stderr
    (safety,) = (ledger.path.parent / "backups").iterdir()
    assert safety.name.startswith("ledger-before-restore-")
    # long paths may wrap (see test_messages_with_long_paths_stay_on_one_line)
    expected = f"原台账已另存为 {safety}\n已从 {dest} 恢复（结构 {HEAD}）"
    assert "".join(r.stdout.split()) == "".join(expected.split())
    assert mode(safety) == 0o600
    assert sqlite_scalar(safety, "SELECT COUNT(*) FROM org") == 1
    assert mode(ledger.path) == 0o600

    r = cli("org", "list", "--format", "json")
    assert r.exit_code == 0, r.stderr
    names = sorted(o["name"] for o in json.loads(r.stdout))
    assert names == ["城关镇第一小学工会", "河西镇人民医院工会"]
    assert cli("db", "check").exit_code == 0


@pytest.mark.sqlite_only("backups are of the SQLite file")
def test_messages_with_long_paths_stay_on_one_line(cli, tmp_path: Path) -> None:
    dest = tmp_path / ("备份" * 30) / "ledger-backup.sqlite3"
    dest.parent.mkdir()
    r = cli("db", "backup", str(dest))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == f"已备份到 {dest}\n"


@pytest.mark.sqlite_only("backups are of the SQLite file")
def test_backup_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    dest = tmp_path / "b.sqlite3"
    assert cli("db", "backup", str(dest)).exit_code == 0
    r = cli("db", "backup", str(dest))
    assert r.exit_code == 4
    assert r.stderr == f"错误：文件已存在：{dest}\n"


@pytest.mark.sqlite_only("restores are of the SQLite file")
@pytest.mark.parametrize("kind", ["text", "empty", "other_sqlite"])
def test_restore_refuses_a_file_that_is_not_a_ledger(
    cli, ledger: Target, tmp_path: Path, kind: str
) -> None:
    assert cli("org", "add", "城关镇第一小学工会", "--founded", "2010-05-01").exit_code == 0
    bogus = tmp_path / "bogus.sqlite3"
    if kind == "text":
        bogus.write_text("姓名,身份证号\n张伟,230125199001010031\n", encoding="utf-8")
    elif kind == "empty":
        bogus.touch()
    else:
        con = sqlite3.connect(bogus)
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
    r = cli("db", "restore", str(bogus), "--yes")
    assert r.exit_code == 1
    assert r.stderr.startswith(f"错误：{bogus} 不是 unioncli 台账备份（")
    assert r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr
    # the ledger is untouched and no safety copy was made
    r = cli("org", "list", "--format", "csv")
    assert r.stdout.splitlines()[1].split(",")[1] == "城关镇第一小学工会"
    assert not (tmp_path / "backups").exists()


@pytest.mark.sqlite_only("restores are of the SQLite file")
def test_restore_from_a_file_with_a_hash_in_its_name(cli, ledger: Target, tmp_path: Path) -> None:
    dest = backed_up(cli, ledger, tmp_path)
    odd = dest.with_name("备份#1.sqlite3")
    dest.rename(odd)
    r = cli("db", "restore", str(odd), "--yes")
    assert "不是 unioncli 台账备份" not in r.stderr
    assert r.exit_code == 0, r.stderr


@pytest.mark.sqlite_only("restores are of the SQLite file")
def test_restore_of_a_missing_file_is_not_found(cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite3"
    r = cli("db", "restore", str(missing), "--yes")
    assert r.exit_code == 3
    assert r.stderr == f"错误：找不到文件：{missing}\n"


# --- PostgreSQL -------------------------------------------------------------------------------


def pg_tables(target: Target) -> set[str]:
    engine = create_engine(target.url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_upgrade_drift_downgrade_upgrade(pg_target: Target) -> None:
    assert pg_tables(pg_target) == set()
    migrate.upgrade(pg_target)
    assert pg_tables(pg_target) == TABLES
    assert migrate.drift(pg_target) == []
    fill(pg_target)
    engine = create_engine(pg_target.url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM org").scalar() == 2
    finally:
        engine.dispose()
    from unioncli.db.engine import dispose_all

    dispose_all()  # the unit of work's pooled connections would block DROP TABLE
    migrate.downgrade(pg_target, "base")
    assert pg_tables(pg_target) == {"alembic_version"}
    migrate.upgrade(pg_target)
    assert pg_tables(pg_target) == TABLES
    assert migrate.drift(pg_target) == []


def test_0008_adds_the_county_to_a_ledger_holding_rows(ledger: Target) -> None:
    """A county's ledger at 0007 with unions and a station: 0008 keeps every row, with no county
    (the ledger is its only county), and the county columns work afterwards."""
    from dbutil import execute, rows

    from unioncli.db.engine import dispose_all

    fill(ledger)
    dispose_all()
    migrate.downgrade(ledger, "0007")
    execute(
        ledger,
        "INSERT INTO station (code, name, township, opened_on, staffed, on_maps, has_premises, "
        "has_sign, has_rules, status, status_since, created_at, updated_at) VALUES ('ZD0001', "
        "'城关镇驿站', '城关镇', '2020-01-01', false, false, true, false, false, 'open', "
        "'2020-01-01', '2020-01-01 00:00:00', '2020-01-01 00:00:00')",
    )
    dispose_all()
    migrate.upgrade(ledger)
    assert migrate.drift(ledger) == []
    assert rows(ledger, "SELECT name, township, county FROM org ORDER BY id") == [
        ("城关镇第一小学工会", None, None),
        ("河西镇人民医院工会", None, None),
    ]
    assert rows(ledger, "SELECT code, county FROM station") == [("ZD0001", None)]
    assert rows(ledger, "SELECT COUNT(*) FROM member_event") == [(1,)]
    execute(ledger, "UPDATE org SET county = '道里区' WHERE id = 1")
    assert rows(ledger, "SELECT id FROM org WHERE county = '道里区'") == [(1,)]
    # and back: 0008's downgrade drops the columns and keeps the rows
    dispose_all()
    migrate.downgrade(ledger, "0007")
    assert rows(ledger, "SELECT COUNT(*) FROM org") == [(2,)]
    dispose_all()
    migrate.upgrade(ledger)
