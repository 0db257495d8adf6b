"""Tamper evidence: the audit log is a hash chain, and ``audit verify`` names the first entry that
was changed, removed or inserted behind the program's back (edited here with plain SQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from dbutil import columns, execute, execute_many, rows

from unioncli.audit_chain import GENESIS, entry_hash
from unioncli.config import Target
from unioncli.db import migrate
from unioncli.ids import make_id_number

ORG1 = "城关镇第一小学工会"
ORG2 = "河西镇人民医院工会"
ZHANG_WEI = make_id_number("230125", date(1990, 1, 1), 1, "male")
ZHANG_LI = make_id_number("230125", date(1992, 5, 6), 2, "female")


def ok(run) -> str:
    assert run.exit_code == 0, run.stdout + run.stderr
    return run.stdout


def sql(ledger: Target, statement: str, **params: object) -> list[tuple]:
    """Read, or write and commit, behind the program's back."""
    if statement.lstrip().upper().startswith("SELECT"):
        return rows(ledger, statement, **params)
    execute(ledger, statement, **params)
    return []


def utc(ledger: Target, stamp: str) -> str:
    """A UTC time as a literal the ledger stores as the program does: SQLite keeps the text
    without a zone; PostgreSQL must be told it is UTC, whatever the session's time zone."""
    return stamp if ledger.is_sqlite else f"{stamp}+00:00"


NAMES = ("id", "at", "operator", "action", "entity", "entity_id", "reason", "before", "after",
         "prev_hash", "hash")  # fmt: skip
INSERT = f"INSERT INTO audit_log ({', '.join(NAMES)}) VALUES ({', '.join(':' + n for n in NAMES)})"


def failure(cli) -> str:
    r = cli("audit", "verify")
    assert r.exit_code == 1, r.stdout + r.stderr
    message = (r.stdout + r.stderr).strip()
    assert len(message.splitlines()) == 1, message
    return message


@pytest.fixture
def logged(cli, ledger: Target) -> int:
    """A ledger whose audit log was written by real commands; the number of entries."""
    ok(cli("org", "add", ORG1, "--founded", "2010-05-01", "--township", "城关镇"))
    ok(cli("org", "add", ORG2, "--founded", "2012-03-01", "--township", "河西镇"))
    ok(cli("member", "add", "张伟", "--id", ZHANG_WEI, "--org", ORG1, "--joined", "2015-03-01"))
    ok(cli("member", "add", "张丽", "--id", ZHANG_LI, "--org", ORG2, "--joined", "2016-04-01"))
    ok(cli("member", "leave", "1", "--date", "2021-01-01", "--reason", "本人申请"))
    n = sql(ledger, "SELECT COUNT(*) FROM audit_log")[0][0]
    assert n >= 5
    assert [r[0] for r in sql(ledger, "SELECT id FROM audit_log ORDER BY id")] == list(
        range(1, n + 1)
    )
    return n


def test_an_untouched_log_verifies(cli, logged: int) -> None:
    r = cli("audit", "verify")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == f"审计日志完整：{logged} 条"


def test_every_entry_links_to_the_one_before(ledger: Target, logged: int) -> None:
    entries = sql(
        ledger,
        "SELECT id, at, operator, action, entity, entity_id, reason, before, after, prev_hash, "
        "hash FROM audit_log ORDER BY id",
    )
    assert entries[0][9] == GENESIS
    for before, row in pairwise(entries):
        assert row[9] == before[10]
    for row in entries:
        assert row[10] == entry_hash(*row[:10])
    assert sql(ledger, "SELECT id, last_id, last_hash FROM audit_head") == [
        (1, entries[-1][0], entries[-1][10])
    ]


def test_an_empty_log_verifies(cli) -> None:
    assert ok(cli("audit", "verify")).strip() == "审计日志完整：0 条"


@pytest.mark.parametrize(
    "change",
    [
        "after = replace(after, '张伟', '张三')",
        "operator = 'someone'",
        "at = '2020-01-01 00:00:00.000000'",
        "action = 'org.edit'",
        "reason = 'x'",
        "entity_id = 99",
    ],
)
def test_a_changed_entry_is_named(cli, ledger: Target, logged: int, change: str) -> None:
    sql(ledger, f"UPDATE audit_log SET {change} WHERE id = 3")
    message = failure(cli)
    assert "#3" in message and "已被修改" in message


def test_a_changed_and_rehashed_entry_is_named(cli, ledger: Target, logged: int) -> None:
    row = sql(
        ledger,
        "SELECT id, at, operator, action, entity, entity_id, reason, before, after, prev_hash "
        "FROM audit_log WHERE id = 3",
    )[0]
    forged = list(row)
    forged[2] = "someone"
    sql(
        ledger,
        "UPDATE audit_log SET operator = :operator, hash = :hash WHERE id = 3",
        operator=forged[2],
        hash=entry_hash(*forged),
    )
    message = failure(cli)
    assert "#4" in message and "#3" in message and "插入" in message


def test_a_removed_entry_is_named(cli, ledger: Target, logged: int) -> None:
    sql(ledger, "DELETE FROM audit_log WHERE id = 3")
    message = failure(cli)
    assert "#4" in message and "#3 被删除" in message


def test_several_removed_entries_are_named(cli, ledger: Target, logged: int) -> None:
    sql(ledger, "DELETE FROM audit_log WHERE id IN (2, 3)")
    assert "#2–#3 被删除" in failure(cli)


def test_a_removed_first_entry_is_named(cli, ledger: Target, logged: int) -> None:
    sql(ledger, "DELETE FROM audit_log WHERE id = 1")
    message = failure(cli)
    assert "#2" in message and "最早条目被删除" in message


def test_a_removed_last_entry_shows_through_the_recorded_head(
    cli, ledger: Target, logged: int
) -> None:
    sql(ledger, "DELETE FROM audit_log WHERE id = :id", id=logged)
    message = failure(cli)
    assert f"最后一条应为 #{logged}" in message and f"现只到 #{logged - 1}" in message


def test_an_emptied_log_shows(cli, ledger: Target, logged: int) -> None:
    sql(ledger, "DELETE FROM audit_log")
    assert "末尾的条目被删除" in failure(cli)


def test_a_removed_head_record_shows(cli, ledger: Target, logged: int) -> None:
    sql(ledger, "DELETE FROM audit_head")
    assert "audit_head" in failure(cli)


def _forge(ledger: Target, entry_id: int, prev_hash: str | None, *, rehash: bool = True) -> None:
    content: list = [
        entry_id,
        "2024-06-01 08:00:00.000000",
        "tester",
        "member.add",
        "member",
        7,
        None,
        None,
        '{"name": "冒名"}',
        prev_hash,
    ]
    digest = entry_hash(*content) if rehash and prev_hash is not None else "f" * 64
    values = dict(zip(NAMES, [*content, digest], strict=True))
    values["at"] = utc(ledger, values["at"])
    sql(ledger, INSERT, **values)


def test_an_entry_inserted_at_the_end_is_named(cli, ledger: Target, logged: int) -> None:
    _forge(ledger, logged + 1, "a" * 64)
    message = failure(cli)
    assert f"#{logged + 1}（2024-06-01 08:00:00，member.add）" in message and "插入" in message


def test_an_entry_appended_without_a_hash_is_named(cli, ledger: Target, logged: int) -> None:
    _forge(ledger, logged + 1, None)
    message = failure(cli)
    assert f"#{logged + 1}" in message and "插入" in message


def test_a_well_forged_entry_at_the_end_shows_through_the_recorded_head(
    cli, ledger: Target, logged: int
) -> None:
    last_hash = sql(ledger, "SELECT hash FROM audit_log WHERE id = :id", id=logged)[0][0]
    _forge(ledger, logged + 1, last_hash)  # links and hashes correctly: only the head knows
    message = failure(cli)
    assert f"#{logged + 1}" in message and "不是经本程序写入的" in message


def test_an_entry_inserted_before_the_first_is_named(cli, ledger: Target, logged: int) -> None:
    _forge(ledger, 0, GENESIS)
    message = failure(cli)
    assert "#0" in message and "插入在最前面" in message


def test_an_entry_slipped_into_a_gap_is_named(cli, ledger: Target, logged: int) -> None:
    # a gap in the ids (as PostgreSQL sequences leave them) holds no secret: the links do
    sql(ledger, "UPDATE audit_log SET id = id + 10 WHERE id >= 3")  # breaks hashes: rebuild
    entries = sql(
        ledger,
        "SELECT id, at, operator, action, entity, entity_id, reason, before, after "
        "FROM audit_log ORDER BY id",
    )
    prev = GENESIS
    for row in entries:
        digest = entry_hash(*row, prev)
        sql(
            ledger,
            "UPDATE audit_log SET prev_hash = :prev, hash = :hash WHERE id = :id",
            prev=prev,
            hash=digest,
            id=row[0],
        )
        prev = digest
    sql(
        ledger,
        "UPDATE audit_head SET last_id = :id, last_hash = :hash",
        id=entries[-1][0],
        hash=prev,
    )
    ok(cli("audit", "verify"))  # a gap alone is no tampering
    second = sql(ledger, "SELECT hash FROM audit_log WHERE id = 2")[0][0]
    _forge(ledger, 5, second)
    message = failure(cli)
    assert "#5" in message and "#2 与 #13 之间" in message


def test_english_message(cli, ledger: Target, logged: int) -> None:
    sql(ledger, "UPDATE audit_log SET reason = 'x' WHERE id = 2")
    r = cli("--lang", "en", "audit", "verify")
    assert r.exit_code == 1
    assert "entry #2" in r.stderr + r.stdout and "changed" in r.stderr + r.stdout


def test_writes_after_a_verified_log_keep_it_verified(cli, ledger: Target, logged: int) -> None:
    ok(cli("audit", "verify"))
    ok(
        cli(
            "member",
            "add",
            "王伟",
            "--id",
            make_id_number("230125", date(1988, 8, 8), 3, "male"),
            "--org",
            ORG1,
            "--joined",
            "2018-01-01",
        )
    )
    assert ok(cli("audit", "verify")).strip() == f"审计日志完整：{logged + 1} 条"


def test_a_demo_ledger_verifies(cli, tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    ok(cli("--db", str(path), "demo", "--members", "300", db=False))
    r = cli("--db", str(path), "audit", "verify", db=False)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "审计日志完整：1 条"
    # building the demo again starts a new chain
    ok(cli("--db", str(path), "demo", "--members", "300", db=False))
    assert ok(cli("--db", str(path), "audit", "verify", db=False)).strip() == "审计日志完整：1 条"


def test_an_import_keeps_the_chain(cli, ledger: Target, logged: int, tmp_path: Path) -> None:
    f = tmp_path / "orgs.csv"
    f.write_text("工会名称,成立日期\n太平镇联合工会,2015-07-01\n红旗乡总工会,2001-01-01\n", "utf-8")
    ok(cli("import", "orgs", str(f)))
    n = sql(ledger, "SELECT COUNT(*) FROM audit_log")[0][0]
    assert n > logged
    assert ok(cli("audit", "verify")).strip() == f"审计日志完整：{n} 条"


def test_a_0006_ledger_with_entries_upgrades_to_a_verified_chain(
    cli, ledger: Target, logged: int
) -> None:
    migrate.downgrade(ledger, "0006")
    assert "hash" not in columns(ledger, "audit_log")
    sql(
        ledger,
        "INSERT INTO audit_log (id, at, operator, action, entity, entity_id, reason, before, "
        "after) VALUES (:id, :at, 'old', 'org.edit', 'org', 1, NULL, "
        '\'{"chair": "刘洋"}\', \'{"chair": "李强"}\')',
        id=logged + 5,  # an id gap, as old ledgers may have
        at=utc(ledger, "2024-01-02 03:04:05.000006"),
    )
    migrate.upgrade(ledger)
    assert ok(cli("audit", "verify")).strip() == f"审计日志完整：{logged + 1} 条"
    chain = sql(ledger, "SELECT id, prev_hash, hash FROM audit_log ORDER BY id")
    assert chain[0][1] == GENESIS and all(r[2] for r in chain)
    # and the chain goes on from the migrated entries
    ok(cli("org", "add", "红旗乡总工会", "--founded", "2001-01-01"))
    assert ok(cli("audit", "verify")).strip() == f"审计日志完整：{logged + 2} 条"
    assert sql(ledger, "SELECT MAX(id) FROM audit_log")[0][0] == logged + 6
    sql(ledger, "UPDATE audit_log SET after = NULL WHERE id = :id", id=logged + 5)
    assert f"#{logged + 5}" in failure(cli)


def test_a_large_log_verifies(cli, ledger: Target) -> None:
    """100,000 entries verify whole (the time it takes is a benchmark's business, not a test's:
    a timed assertion fails on a loaded machine and proves nothing on a quiet one)."""
    n = 100_000
    at = datetime(2025, 1, 1, tzinfo=UTC)
    stored = utc(ledger, "2025-01-01 00:00:00.000000")
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        content = (i, at, "tester", "member.edit", "member", i, None, '{"a": 1}', '{"a": 2}')
        digest = entry_hash(*content, prev)
        entries.append(dict(zip(NAMES, (i, stored, *content[2:], prev, digest), strict=True)))
        prev = digest
    execute_many(ledger, INSERT, entries)
    sql(ledger, "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, :n, :h)", n=n, h=prev)
    assert ok(cli("audit", "verify")).strip() == f"审计日志完整：{n} 条"


def test_postgresql_chain(pg_target: Target) -> None:
    from typer.testing import CliRunner

    from unioncli.cli import app

    migrate.upgrade(pg_target)
    env = {"UNIONCLI_DATABASE_URL": pg_target.url}
    runner = CliRunner()
    for args in (
        ["org", "add", ORG1, "--founded", "2010-05-01"],
        ["member", "add", "张伟", "--id", ZHANG_WEI, "--org", ORG1, "--joined", "2015-03-01"],
        ["member", "leave", "1", "--date", "2021-01-01", "--reason", "本人申请"],
    ):
        r = runner.invoke(app, args, env=env)
        assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["audit", "verify"], env=env)
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "审计日志完整：3 条"
