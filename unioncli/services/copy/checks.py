"""What a copy checks: the source's schema, then on the destination before it commits every
table's row count, the yearly report of every year with data, and the audit chain."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select

from unioncli import i18n
from unioncli.config import Target
from unioncli.errors import DomainError
from unioncli.services.copy.copier import TableCount
from unioncli.services.copy.tables import TableInfo
from unioncli.services.figures import Scope

i18n.register(
    {
        "copy.source_empty": (
            "{where} 不是 unioncli 台账（没有结构版本）",
            "{where} is not a unioncli ledger (no schema revision)",
        ),
        "copy.source_behind": (
            "源台账 {where} 的结构版本 {found} 不是最新（{head}）：请先对它运行 unioncli db upgrade",
            "the source ledger {where} has schema {found}, not the newest ({head}): run "
            "unioncli db upgrade on it first",
        ),
        "copy.count_mismatch": (
            "行数核对不一致，已全部撤销：{table} 源选出 {selected} 行，目标新增 {written} 行、沿用 {reused} 行",
            "row counts differ, everything rolled back: {table}: {selected} chosen at the "
            "source, {written} added and {reused} reused in the destination",
        ),
        "copy.report_mismatch": (
            "年度数据核对不一致，已全部撤销：{diffs}",
            "the yearly figures differ, everything rolled back: {diffs}",
        ),
        "copy.report_diff": (
            "{year} 年 {figure}：应为 {expected}，实为 {found}",
            "{year} {figure}: expected {expected}, found {found}",
        ),
    }
)


# differences of the yearly reports named in the message
SHOWN_DIFFERENCES = 5

# How a report year is found: the registers' dates and years (what ``year_report`` counts).
_YEAR_COLUMNS = (
    ("org", "founded"),
    ("org", "dissolved_on"),
    ("member_event", "event_date"),
    ("hardship_file", "opened_on"),
    ("hardship_file", "closed_on"),
    ("aid", "aid_date"),
    ("student_grant", "year"),
    ("station", "opened_on"),
    ("station", "closed_on"),
    ("station_event", "event_date"),
    ("station_rating", "year"),
    ("station_log", "month"),
)


def check_source(target: Target, engine: Engine) -> None:
    from unioncli.db import migrate
    from unioncli.db.schema import stored_revision

    found = stored_revision(engine)
    head = migrate.script_head()
    if found is None:
        raise DomainError("copy.source_empty", where=target.describe())
    if found != head:
        if found in migrate.known_revisions():
            raise DomainError("copy.source_behind", where=target.describe(), found=found, head=head)
        raise DomainError("db.newer_schema", where=target.describe(), found=found, head=head)


def count_rows(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def is_empty(conn: Connection, tables: list[Table]) -> bool:
    return all(conn.execute(select(1).select_from(t).limit(1)).first() is None for t in tables)


def report_years(conn: Connection) -> list[int]:
    """Every year from the first with data in a register to the last (the years in between
    carry figures too: members at year end, files open)."""
    from sqlmodel import SQLModel

    found: list[int] = []
    for table_name, column in _YEAR_COLUMNS:
        table = SQLModel.metadata.tables.get(table_name)
        if table is None or column not in table.c:
            continue
        c = table.c[column]
        low, high = conn.execute(select(func.min(c), func.max(c))).one()
        for v in (low, high):
            if v is not None:
                found.append(v.year if isinstance(v, date) else int(v))
    return list(range(min(found), max(found) + 1)) if found else []


def _plus(a: Any, b: Any) -> Any:
    """Two figures added: counts and money summed, maps key by key."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _plus(a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys())}
    return a + b


def add_reports(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two yearly reports of the same year and scope added: what a ledger holding both parts
    reports (every figure counts rows of one union, file or station, and the parts share none
    of those). The year and the ``scope.*`` labels are kept."""
    return {
        k: a[k] if k == "year" or k.startswith("scope.") else _plus(a.get(k), b.get(k))
        for k in a.keys() | b.keys()
    }


def _differences(expected: Any, found: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(expected, dict) and isinstance(found, dict):
        out: list[tuple[str, Any, Any]] = []
        for k in sorted(expected.keys() | found.keys()):
            key = f"{path}.{k}" if path else str(k)
            out += _differences(expected.get(k, 0), found.get(k, 0), key)
        return out
    return [] if expected == found else [(path, expected, found)]


def check_chain(conn: Connection) -> None:
    from unioncli.services.audit import verify_chain_on

    verify_chain_on(conn)


def expected_reports(
    src: Connection, dst: Connection, years: list[int], scope: Scope | None, merge: bool
) -> dict[int, dict[str, Any]]:
    """Each year's report the destination must show once the copy is in: the source's (on the
    copy's snapshot), plus, for a merge, the destination's own before it."""
    from unioncli.services.report import known_counties, year_report

    expected = {y: year_report(src, y, scope) for y in years}
    if merge and (scope is None or scope.county in known_counties(dst)):
        expected = {y: add_reports(year_report(dst, y, scope), expected[y]) for y in years}
    return expected


def check_counts(
    dst: Connection,
    counts: list[TableCount],
    selected: dict[str, int],
    before: dict[str, int],
    tables: list[TableInfo],
    log: TableInfo,
    entries: int,
) -> None:
    """Every table: the rows chosen at the source are the rows read, and each was added or
    reused; the destination holds exactly the added ones more (counted there, not by us)."""
    for t, c in zip(tables, counts, strict=True):
        added = count_rows(dst, t.table) - before[t.name]
        if (
            c.selected != selected[t.name]
            or c.written + c.reused != c.selected
            or added != c.written
        ):
            raise DomainError(
                "copy.count_mismatch",
                table=t.name,
                selected=selected[t.name],
                written=added,
                reused=c.reused,
            )
    added = count_rows(dst, log.table) - before[log.name]
    if added != entries:
        raise DomainError(
            "copy.count_mismatch", table=log.name, selected=entries, written=added, reused=0
        )


def check_reports(
    dst: Connection,
    tables: list[TableInfo],
    years: list[int],
    scope: Scope | None,
    expected: dict[int, dict[str, Any]],
) -> None:
    from unioncli.services.report import year_report

    if dst.dialect.name == "postgresql":
        # the planner's statistics still describe the tables before the copy (a small server: a
        # few rows), and would plan the reports as if they still were
        for t in tables:
            dst.exec_driver_sql(f"ANALYZE {dst.dialect.identifier_preparer.quote(t.name)}")
    diffs = [
        (y, key, want, got)
        for y in years
        for key, want, got in _differences(expected[y], year_report(dst, y, scope))
    ]
    if diffs:
        sep = "; " if i18n.get_lang() == "en" else "；"
        raise DomainError(
            "copy.report_mismatch",
            diffs=sep.join(
                i18n.t("copy.report_diff", year=y, figure=k, expected=w, found=g)
                for y, k, w, g in diffs[:SHOWN_DIFFERENCES]
            ),
        )
