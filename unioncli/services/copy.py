"""``db copy``: a ledger copied between a SQLite file and a server, or merged into a shared one.

Generic over the schema: every table of ``SQLModel.metadata`` and every column, in foreign-key
order, streamed a chunk at a time (a city's ledger never sits whole in memory). The destination
is brought to the schema head by the same Alembic migrations; the source must already be there
(it is only read, in one snapshot).

- An empty destination gets a plain copy: the same ids, the audit chain as it is (it stays valid),
  PostgreSQL's sequences moved past the copied ids.
- A destination that already holds a ledger (a city's server with other counties) gets a merge:
  every row a fresh id, foreign keys remapped through per-table maps; a person already there (same
  ID number) is reused, never stored twice; a settings row (a year's 低保 line, grant round and
  standards, ``ledger_meta``: tables keyed by their values, not by an ``id``) that is identical is
  reused. Any other unique value already there (a union's name or USCC, a card number, a file
  number, a station code, a person who is a member on both sides or heads an open file on both…)
  is a conflict: the copy is refused, listing the first few, and nothing is written. The source's audit
  entries, after its chain is verified, are appended to the destination's chain through the one
  audit writer (new ids and hashes; time, operator, action, reason, before and after kept; the
  entity's id remapped).
- ``county``: unions and stations without a county are stamped with it (a county's own ledger
  joining a city's). A source that holds other counties gives only that county's part: its unions
  and stations and every row hanging off them (downward along foreign keys), the rows those
  reference (upward: people, the unions members came from…), and the rows that belong to no union
  but to the part's people (a grant without a hardship file, through its parent or student).

One transaction on the destination: copy, then verify — every table's row count (copied = chosen
at the source) and the yearly report of every year with data (whole ledger, or the county's part),
the destination's figures equal to its figures before plus the source's — and the audit chain;
then one ``db.copy`` audit entry (counts only, no personal data) and the commit. Any difference
rolls everything back. On PostgreSQL the copy holds the audit chain's lock throughout: clerks'
saves queue until it commits, so the figures before and after are the copy's alone.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Table,
    UniqueConstraint,
    func,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError

from unioncli import config, i18n
from unioncli.config import Target
from unioncli.errors import Conflict, DomainError, NotFound, UnionCliError, UsageError
from unioncli.services.figures import Scope, county_name

if TYPE_CHECKING:
    pass

CHUNK = 5_000
# conflicts named in the message; the rest are counted
SHOWN_CONFLICTS = 5
# differences of the yearly reports named in the message
SHOWN_DIFFERENCES = 5

i18n.register(
    {
        "copy.bad_url": (
            "不是数据库地址或文件路径：{url}（例：postgresql+psycopg://用户@服务器/库名、"
            "sqlite:///路径 或 SQLite 文件路径）",
            "not a database URL or file path: {url} (e.g. postgresql+psycopg://user@host/db, "
            "sqlite:///path, or a SQLite file's path)",
        ),
        "copy.unsupported": (
            "不支持的数据库类型：{backend}（只支持 PostgreSQL 和 SQLite）",
            "unsupported database: {backend} (PostgreSQL and SQLite only)",
        ),
        "copy.same": (
            "源台账与目标是同一个：{where}",
            "the source and the destination are the same ledger: {where}",
        ),
        "copy.no_source": ("找不到源台账文件：{path}", "no such ledger file: {path}"),
        "copy.unreachable": ("无法打开 {where}：{why}", "cannot open {where}: {why}"),
        "copy.source_empty": (
            "{where} 不是 unioncli 台账（没有结构版本）",
            "{where} is not a unioncli ledger (no schema revision)",
        ),
        "copy.source_behind": (
            "源台账 {where} 的结构版本 {found} 不是最新（{head}）：请先对它运行 unioncli db upgrade",
            "the source ledger {where} has schema {found}, not the newest ({head}): run "
            "unioncli db upgrade on it first",
        ),
        "copy.no_county": (
            "源台账中没有属于“{county}”的基层工会或服务站点（其中的区县：{known}）",
            "no union or station in the source belongs to “{county}” (its counties: {known})",
        ),
        "copy.county_needed": (
            "目标台账已按区县划分（{known}），而源台账的基层工会或站点没有区县：请用 --county 指明它们所属的区县",
            "the destination is divided into counties ({known}) and the source's unions or "
            "stations have none: name their county with --county",
        ),
        "copy.conflicts": (
            "目标台账中已有与源台账冲突的记录 {n} 处，未写入任何数据：{shown}",
            "{n} records of the source conflict with records already in the destination; "
            "nothing was written: {shown}",
        ),
        "copy.conflict_unique": (
            "{table} {value} 已在目标台账中（{columns}）",
            "{table} {value} is already in the destination ({columns})",
        ),
        "copy.conflict_setting": (
            "{table} {row}：目标为 {theirs}，源为 {ours}",
            "{table} {row}: {theirs} in the destination, {ours} in the source",
        ),
        "copy.integrity": (
            "写入目标台账时与已有记录冲突（约束 {constraint}；可能有人同时在写入），未写入任何数据",
            "a record conflicts with one in the destination (constraint {constraint}; perhaps "
            "written meanwhile); nothing was written",
        ),
        "copy.failed": (
            "复制中断（{why}），目标台账未写入任何数据；可稍后再试",
            "the copy was interrupted ({why}); nothing was written to the destination; try "
            "again later",
        ),
        "copy.dangling": (
            "源台账 {table}.{column} = {value} 指向不存在的记录：请先运行 unioncli db check",
            "the source's {table}.{column} = {value} points at no record: run unioncli db check",
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

# How a report year is found: the registers' dates and years (what ``year_report`` counts).
_YEAR_COLUMNS = (
    ("org", "founded"),
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
# One real person per ID number: the same person on both sides is one row (reused, not a conflict).
_IDENTITY = {"person": ("id_number",)}
# Columns of a settings row that say when it was set, not what it is.
_TIMESTAMP = re.compile(r"_at$")
# A county column: stamped with ``--county`` where empty; the county's part starts from its rows.
COUNTY_COLUMN = "county"
# a merged row's id at the source, while it is remapped
_SOURCE_ID = "__source_id"


# --- where ------------------------------------------------------------------------------------


def _masked_url(raw: str) -> str:
    return re.sub(r"(://[^/@:]*:)[^@/]*@", r"\1***@", raw)


def locate(typed: str) -> Target:
    """A destination or source as typed: a SQLAlchemy URL, or a SQLite file's path."""
    raw = typed.strip()
    if not raw:
        raise UsageError("copy.bad_url", url="''")
    if "://" not in raw:
        return config.sqlite_target(Path(raw))
    from sqlalchemy.engine import make_url

    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise UsageError("copy.bad_url", url=_masked_url(raw)) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # libpq's form: the driver unioncli ships
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise UsageError("copy.bad_url", url=_masked_url(raw))
        return config.sqlite_target(Path(url.database))
    if backend != "postgresql":
        raise UsageError("copy.unsupported", backend=backend)
    if not url.database:
        raise UsageError("copy.bad_url", url=_masked_url(raw))
    return Target(url=url.render_as_string(hide_password=False), path=None)


def same_ledger(a: Target, b: Target) -> bool:
    if a.path is not None or b.path is not None:
        if a.path is None or b.path is None:
            return False
        if a.path == b.path:
            return True
        try:
            return a.path.exists() and b.path.exists() and os.path.samefile(a.path, b.path)
        except OSError:
            return False
    from sqlalchemy.engine import make_url

    ua, ub = make_url(a.url), make_url(b.url)
    return (ua.host or "localhost", ua.port or 5432, ua.database) == (
        ub.host or "localhost",
        ub.port or 5432,
        ub.database,
    )


def _why(exc: BaseException, target: Target) -> str:
    """The driver's first line, any password in it blanked (only connecting is wrapped this
    way, so the text quotes no row)."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    from sqlalchemy.engine import make_url

    if target.path is None:
        password = make_url(target.url).password
        if password:
            first = first.replace(str(password), "***")
    return first[:200]


def _open(target: Target, *, source: bool) -> Engine:
    """An engine on ``target``, reached once now: a wrong address is one line, not a traceback."""
    from unioncli.db.engine import make_engine

    if source and target.path is not None and not target.path.is_file():
        raise NotFound("copy.no_source", path=target.path)
    try:
        engine = make_engine(target)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except (SQLAlchemyError, OSError, ImportError) as exc:
        raise DomainError(
            "copy.unreachable", where=target.describe(), why=_why(exc, target)
        ) from None
    return engine


# --- the tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fk:
    column: str
    ref: str  # the referenced table
    nullable: bool


@dataclass(frozen=True)
class _Unique:
    columns: tuple[str, ...]
    name: str
    where: dict[str, str]  # a partial unique index's condition, by dialect


@dataclass
class _Table:
    table: Table
    id_col: str | None  # the surrogate key ("id"); None for a settings table keyed by its values
    fks: list[_Fk]
    columns: list[str]
    uniques: list[_Unique]
    soft_ref: tuple[str, str] | None = None  # (entity, entity_id): a row named by table and id

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def pk(self) -> list[str]:
        return [c.name for c in self.table.primary_key.columns]


def _describe(table: Table) -> _Table:
    pk = list(table.primary_key.columns)
    id_col = pk[0].name if len(pk) == 1 and pk[0].name == "id" else None
    fks = [
        _Fk(fk.parent.name, fk.column.table.name, bool(fk.parent.nullable))
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name)
    ]
    uniques = [
        _Unique(tuple(c.name for c in con.columns), str(con.name), {})
        for con in table.constraints
        if isinstance(con, UniqueConstraint)
    ]
    for ix in table.indexes:
        if ix.unique and all(isinstance(e, Column) for e in ix.expressions):
            where = {
                d: str(ix.dialect_options[d].get("where"))
                for d in ("sqlite", "postgresql")
                if ix.dialect_options[d].get("where") is not None
            }
            uniques.append(_Unique(tuple(c.name for c in ix.columns), str(ix.name), where))
    soft = ("entity", "entity_id") if {"entity", "entity_id"} <= set(table.c.keys()) else None
    return _Table(table, id_col, fks, [c.name for c in table.columns], uniques, soft)


def _schema() -> tuple[list[_Table], _Table, _Table]:
    """The tables in foreign-key order (a table naming rows by table and id after every other),
    and the audit chain's two tables, which are copied their own way."""
    from sqlmodel import SQLModel

    import unioncli.models  # noqa: F401  (registers every table)
    from unioncli.models.audit import AuditEntry, AuditHead

    log = cast(Table, AuditEntry.__table__)  # type: ignore[attr-defined]
    head = cast(Table, AuditHead.__table__)  # type: ignore[attr-defined]
    tables = [
        _describe(t) for t in SQLModel.metadata.sorted_tables if t is not log and t is not head
    ]
    referenced = {fk.ref for t in tables for fk in t.fks}
    assert not any(t.soft_ref and t.name in referenced for t in tables)
    tables.sort(key=lambda t: t.soft_ref is not None)  # stable: foreign-key order otherwise
    return tables, _describe(log), _describe(head)


def _entity_tables(tables: list[_Table]) -> dict[str, str]:
    """An audit entry's or an import change's ``entity`` → its table: the table's name, or its
    model's name in snake case (``grant`` → ``student_grant``)."""
    from sqlmodel import SQLModel

    names = {t.name: t.name for t in tables}
    for mapper in SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        table = getattr(mapper.class_, "__tablename__", None)
        if table in names:
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", mapper.class_.__name__).lower()
            names.setdefault(snake, str(table))
    return names


def _among(columns: list[Column[Any]], keys: Iterable[tuple[Any, ...]]) -> Any:
    """``columns IN keys``: one column's values, or row values for several."""
    if len(columns) == 1:
        return columns[0].in_([k[0] for k in keys])
    return tuple_(*columns).in_(list(keys))


def _utc(value: Any) -> Any:
    """A datetime as UTC with its zone: SQLite keeps UTC without one, and a driver would take a
    naive time in the server's zone (and the audit chain hashes the instant)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _sqlite_datetime(value: Any) -> datetime:
    return _utc(datetime.fromisoformat(value))  # SQLAlchemy's text: UTC, no offset


def _sqlite_datetime_text(value: datetime) -> str:
    # the format SQLAlchemy stores (and the audit chain reads back): UTC, always microseconds
    return str(_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds"))


def _iso(value: date) -> str:
    return value.isoformat()


def _kind(type_: Any) -> str | None:
    from sqlalchemy import Boolean, Date, DateTime, Float, Integer, String, TypeDecorator

    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, DateTime):
        return "datetime"
    if isinstance(type_, Date):
        return "date"
    if isinstance(type_, Boolean):
        return "bool"
    if isinstance(type_, Integer | String | Float):
        return "plain"
    return None


# How each side's driver gives and takes the column types the models use (the same values
# SQLAlchemy's types would make, without their per-row cost); other types go through SQLAlchemy's.
_READ: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("sqlite", "datetime"): _sqlite_datetime,
    ("sqlite", "date"): date.fromisoformat,
    ("sqlite", "bool"): bool,
    ("postgresql", "datetime"): _utc,
}
_WRITE: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("sqlite", "datetime"): _sqlite_datetime_text,
    ("sqlite", "date"): _iso,
    ("sqlite", "bool"): int,
}


def _compared(t: _Table) -> set[str]:
    """The columns a merge compares with the destination's values (unique keys, a settings row):
    those must be the models' values; the rest may pass as the driver gave them."""
    if t.id_col is None:
        return set(t.columns)
    return {c for u in t.uniques for c in u.columns} | set(_IDENTITY.get(t.name, ()))


def _converters(
    table: Table, dialect: Any, *, read: bool, only: set[str] | None = None
) -> list[tuple[str, Callable[[Any], Any]]]:
    """The columns whose driver values differ from the models' values, with the conversion
    (``only``: of these columns; the same kind of database on both sides needs no other)."""
    out: list[tuple[str, Callable[[Any], Any]]] = []
    known = _READ if read else _WRITE
    for c in table.columns:
        if only is not None and c.name not in only:
            continue
        kind = _kind(c.type)
        fn: Callable[[Any], Any] | None
        if kind is None:
            fn = (
                c.type._cached_result_processor(dialect, None)
                if read
                else c.type._cached_bind_processor(dialect)
            )
        else:
            fn = known.get((dialect.name, kind))
        if fn is not None:
            out.append((c.name, fn))
    return out


_CURSORS = itertools.count(1)


def _driver_rows(conn: Connection, sql: str) -> Iterator[list[tuple[Any, ...]]]:
    """A SELECT's rows as the driver gives them, a chunk at a time, inside ``conn``'s
    transaction: a server-side cursor on PostgreSQL, SQLite's own lazy cursor."""
    dbapi: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = dbapi.cursor(name=f"unioncli_copy_{next(_CURSORS)}")
        cursor.itersize = CHUNK
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(CHUNK):
            yield batch
    finally:
        cursor.close()


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableCount:
    table: str
    selected: int  # rows chosen at the source
    written: int  # rows added to the destination
    reused: int  # rows already there: the same person, an identical setting


@dataclass(frozen=True)
class CopyResult:
    source: str
    destination: str
    merged: bool  # the destination held a ledger already: fresh ids, people reused
    county: str | None
    part: bool  # only the county's part of the source
    tables: list[TableCount]
    audit_entries: int  # the source's entries carried over (as they were, or appended)
    chain_kept: bool  # the audit chain copied as it is
    years: tuple[int, int] | None
    seconds: float
    dry_run: bool

    @property
    def rows(self) -> int:
        return sum(t.selected for t in self.tables) + self.audit_entries


Progress = Callable[[int, int], None]  # (rows done, rows in all)


# --- the copy ---------------------------------------------------------------------------------


@dataclass
class _Conflicts:
    count: int = 0
    shown: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.shown) < SHOWN_CONFLICTS:
            self.shown.append(message)


class _Ids:
    """Fresh ids on the destination: from the table's sequence on PostgreSQL (other clerks may be
    adding rows), past the largest id on SQLite (this transaction holds the write lock)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.next: dict[str, int] = {}
        self.sequence: dict[str, str | None] = {}

    def take(self, t: _Table, n: int) -> list[int]:
        if n == 0:
            return []
        assert t.id_col is not None
        if self.conn.dialect.name == "postgresql":
            if t.name not in self.sequence:
                found = self.conn.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": t.name, "c": t.id_col}
                ).scalar()
                self.sequence[t.name] = None if found is None else str(found)
            seq = self.sequence[t.name]
            if seq is not None:
                rows = self.conn.execute(
                    text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                    {"s": seq, "n": n},
                )
                return [int(r[0]) for r in rows]
        start = self.next.get(t.name)
        if start is None:
            col = t.table.c[t.id_col]
            start = int(self.conn.execute(select(func.coalesce(func.max(col), 0))).scalar_one()) + 1
        self.next[t.name] = start + n
        return list(range(start, start + n))


class _Copier:
    """Writes the chosen rows of each table to the destination, as they are or remapped."""

    def __init__(
        self,
        src: Connection,
        dst: Connection,
        *,
        tables: list[_Table],
        merge: bool,
        stamp: str | None,
        chosen: dict[str, set[int]] | None,
        progress: Progress | None,
        total: int,
        extra: tuple[_Table, ...] = (),
        bulk: set[str] | None = None,
        mapped: set[str] | None = None,
    ) -> None:
        self.src = src
        self.dst = dst
        self.tables = {t.name: t for t in tables}
        self.merge = merge
        self.stamp = stamp
        self.chosen = chosen
        self.progress = progress
        self.total = total
        self.done = 0
        # tables loaded without their plain indexes (see _unindexed)
        self.bulk = bulk or set()
        # merging: source id → destination id, for the tables rows or entries name (``mapped``)
        self.maps: dict[str, dict[int, int]] = {}
        self.mapped = mapped if mapped is not None else {t.name for t in tables}
        self.ids = _Ids(dst)
        self.conflicts = _Conflicts()
        self.entities = _entity_tables(tables)
        # tables whose rows may already be on the destination (the same person, a setting)
        self.reusing = {t.name for t in tables if t.id_col is None or t.name in _IDENTITY}
        # (table, destination row id, column, source id it names): set once the table is done
        self.deferred: list[tuple[str, int, str, int]] = []
        # per table, the columns whose values are converted on the way: (name, function)
        self.readers: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {}
        self.writers: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {}
        same = src.dialect.name == dst.dialect.name
        for t in [*tables, *extra]:
            typed = None if not same else _compared(t) if merge else set()
            self.readers[t.name] = _converters(t.table, src.dialect, read=True, only=typed)
            self.writers[t.name] = _converters(t.table, dst.dialect, read=False, only=typed)

    def _advance(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _chunks(self, t: _Table) -> Iterator[list[dict[str, Any]]]:
        """The table's chosen rows in key order, a chunk at a time, read by the driver itself
        (a server-side cursor on PostgreSQL): SQLAlchemy's row-by-row type handling would be most
        of the copy's time. Values as the models hold them, or as the driver gave them when both
        sides are the same kind of database and no row is remapped."""
        names = t.columns
        readers = self.readers[t.name]
        quote = self.src.dialect.identifier_preparer.quote
        sql = (
            f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(t.name)} "
            f"ORDER BY {', '.join(quote(c) for c in t.pk)}"
        )
        keep = None
        if self.chosen is not None and t.id_col is not None:
            keep = self.chosen.get(t.name)
        for batch in _driver_rows(self.src, sql):
            rows = [dict(zip(names, r, strict=True)) for r in batch]
            if keep is not None:
                id_col = str(t.id_col)
                rows = [r for r in rows if r[id_col] in keep]
            if readers:
                for row in rows:
                    for name, read in readers:
                        value = row[name]
                        if value is not None:
                            row[name] = read(value)
            if rows:
                yield rows

    def _write(self, t: _Table, rows: list[dict[str, Any]]) -> None:
        """Insert the rows as the destination's driver takes them: COPY on PostgreSQL, one
        executemany on SQLite."""
        names = t.columns
        writers = self.writers[t.name]
        if writers:
            for row in rows:
                for name, write in writers:
                    value = row[name]
                    if value is not None:
                        row[name] = write(value)
        data = [tuple(r[n] for n in names) for r in rows]
        quote = self.dst.dialect.identifier_preparer.quote
        columns = ", ".join(quote(n) for n in names)
        if self.dst.dialect.name == "postgresql":
            cursor = self.dst.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                with cursor.copy(f"COPY {quote(t.name)} ({columns}) FROM STDIN") as copy:
                    for row_values in data:
                        copy.write_row(row_values)
            finally:
                cursor.close()
            return
        marks = ", ".join("?" for _ in names)
        self.dst.exec_driver_sql(
            f"INSERT INTO {quote(t.name)} ({columns}) VALUES ({marks})",
            data,  # type: ignore[arg-type]
        )

    # -- one table -------------------------------------------------------------------------

    def _unindexed(self, t: _Table) -> list[Any]:
        """A table stripped, for the load, of what is faster built once at the end than row by
        row: its plain indexes and, on an empty PostgreSQL destination, its foreign keys (a
        check per row there). DDL is transactional on both: a rollback brings them back; what
        comes back is checked whole (a broken reference fails the copy)."""
        from sqlalchemy.schema import DropConstraint, DropIndex

        dropped: list[Any] = []
        for index in sorted(t.table.indexes, key=lambda i: str(i.name)):
            if not index.unique:
                self.dst.execute(DropIndex(index))
                dropped.append(index)
        if self.dst.dialect.name == "postgresql" and not self.merge:
            for fk in sorted(t.table.foreign_key_constraints, key=lambda c: str(c.name)):
                self.dst.execute(DropConstraint(fk))
                dropped.append(fk)
        return dropped

    def _rebuild(self, dropped: list[Any]) -> None:
        from sqlalchemy import Index
        from sqlalchemy.schema import AddConstraint, CreateIndex

        for item in dropped:
            self.dst.execute(CreateIndex(item) if isinstance(item, Index) else AddConstraint(item))

    def copy_table(self, t: _Table) -> TableCount:
        selected = written = reused = 0
        dropped = self._unindexed(t) if t.name in self.bulk else []
        for rows in self._chunks(t):
            selected += len(rows)
            if self.stamp is not None and COUNTY_COLUMN in t.table.c:
                for row in rows:
                    if row[COUNTY_COLUMN] is None:
                        row[COUNTY_COLUMN] = self.stamp
            n = len(rows)
            if self.merge:
                rows, n_reused = self._merge_rows(t, rows)
                reused += n_reused
            else:
                self._defer_forward(t, rows)
            if rows and not self.conflicts.count:
                self._write(t, rows)
            written += len(rows)
            self._advance(n)
        self._apply_deferred(t)
        self._rebuild(dropped)
        return TableCount(t.name, selected, written, reused)

    def _defer_forward(self, t: _Table, rows: list[dict[str, Any]]) -> None:
        """A row naming a later row of its own table (by id) is written without the reference,
        which is set once the whole table is there."""
        if t.id_col is None:
            return
        for fk in t.fks:
            if fk.ref != t.name or not fk.nullable:
                continue
            for row in rows:
                ref = row[fk.column]
                if ref is not None and ref >= row.get(_SOURCE_ID, row[t.id_col]):
                    self.deferred.append((t.name, row[t.id_col], fk.column, ref))
                    row[fk.column] = None

    def _apply_deferred(self, t: _Table) -> None:
        todo = [d for d in self.deferred if d[0] == t.name]
        self.deferred = [d for d in self.deferred if d[0] != t.name]
        if not todo or self.conflicts.count:
            return
        assert t.id_col is not None
        id_col = t.table.c[t.id_col]
        for _, row_id, column, ref in todo:
            target = self.maps[t.name].get(ref) if self.merge else ref
            if target is None:
                raise DomainError("copy.dangling", table=t.name, column=column, value=ref)
            self.dst.execute(update(t.table).where(id_col == row_id).values({column: target}))

    # -- merging ---------------------------------------------------------------------------

    def _merge_rows(
        self, t: _Table, rows: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], int]:
        """The rows to insert (fresh ids, references remapped) and how many were reused."""
        if t.id_col is None:
            return self._merge_settings(t, rows)
        # kept for the tables other rows or audit entries name; the others' only for the chunk
        mapping = self.maps.setdefault(t.name, {}) if t.name in self.mapped else {}
        reused = 0
        fresh = rows
        identity = _IDENTITY.get(t.name)
        if identity is not None:
            found = self._existing(t, identity, rows)
            fresh = []
            for row in rows:
                hit = found.get(tuple(row[c] for c in identity))
                if hit is None:
                    fresh.append(row)
                else:
                    mapping[row[t.id_col]] = hit
                    reused += 1
        for row, new in zip(fresh, self.ids.take(t, len(fresh)), strict=True):
            mapping[row[t.id_col]] = new
            row[_SOURCE_ID] = row[t.id_col]
            row[t.id_col] = new
        self._defer_forward(t, fresh)
        for row in fresh:
            self._remap(t, row)
        self._check_unique(t, fresh, skip=identity)
        for row in fresh:
            del row[_SOURCE_ID]
        return fresh, reused

    def _remap(self, t: _Table, row: dict[str, Any]) -> None:
        for fk in t.fks:
            value = row[fk.column]
            if value is None or fk.ref not in self.maps:
                continue  # a settings table's key is the same on both sides
            new = self.maps[fk.ref].get(value)
            if new is None:
                raise DomainError("copy.dangling", table=t.name, column=fk.column, value=value)
            row[fk.column] = new
        if t.soft_ref is not None:
            entity, entity_id = t.soft_ref
            table = self.entities.get(str(row[entity]))
            if table is not None and table in self.maps and row[entity_id] is not None:
                # 0 when the row it named is gone from the source: no row has id 0, so nothing
                # on the destination is taken for it
                row[entity_id] = self.maps[table].get(row[entity_id], 0)

    def _existing(
        self, t: _Table, columns: tuple[str, ...], rows: list[dict[str, Any]], where: str = ""
    ) -> dict[tuple[Any, ...], int]:
        """Destination rows holding one of the rows' values in ``columns``: value → id."""
        keys = {tuple(r[c] for c in columns) for r in rows}
        keys = {k for k in keys if None not in k}  # NULLs never collide
        if not keys:
            return {}
        assert t.id_col is not None
        cols = [t.table.c[c] for c in columns]
        stmt = select(t.table.c[t.id_col], *cols).where(_among(cols, keys))
        if where:
            stmt = stmt.where(text(where))
        return {tuple(r[1:]): int(r[0]) for r in self.dst.execute(stmt)}

    def _check_unique(
        self, t: _Table, rows: list[dict[str, Any]], skip: tuple[str, ...] | None
    ) -> None:
        refs = {fk.column: fk.ref for fk in t.fks}
        for key in t.uniques:
            if key.columns == skip:
                continue
            if any(c in refs and refs[c] not in self.reusing for c in key.columns):
                continue  # it names a row this copy adds, with a fresh id: never there yet
            candidates = rows
            if key.where:
                # a partial unique index: only the rows its condition holds for, on each side
                pred = key.where.get(self.src.dialect.name)
                if pred is None or self.dst.dialect.name not in key.where:
                    continue
                assert t.id_col is not None
                id_col = t.table.c[t.id_col]
                ids = [r[_SOURCE_ID] for r in rows]
                stmt = select(id_col).where(id_col.in_(ids)).where(text(pred))
                hits = {int(r[0]) for r in self.src.execute(stmt)}
                candidates = [r for r in rows if r[_SOURCE_ID] in hits]
            where = key.where.get(self.dst.dialect.name, "")
            found = self._existing(t, key.columns, candidates, where)
            for row in candidates:
                value = tuple(row[c] for c in key.columns)
                if value in found:
                    self.conflicts.add(
                        i18n.t(
                            "copy.conflict_unique",
                            table=_label(t.name),
                            columns=", ".join(key.columns),
                            value=self._shown(t, key.columns, value),
                        )
                    )

    def _shown(self, t: _Table, columns: tuple[str, ...], value: tuple[Any, ...]) -> str:
        """A conflicting value as a message may show it: a person by name and masked ID number."""
        from unioncli.ids import mask_id

        refs = {fk.column: fk.ref for fk in t.fks}
        parts = []
        for c, v in zip(columns, value, strict=True):
            if refs.get(c) in _IDENTITY:
                person = self.dst.execute(
                    text("SELECT name, id_number FROM person WHERE id = :id"), {"id": v}
                ).first()
                parts.append(f"{person[0]}（{mask_id(str(person[1]))}）" if person else f"#{v}")
            else:
                parts.append(f"“{v}”")
        return "/".join(parts)

    def _merge_settings(
        self, t: _Table, rows: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], int]:
        """Rows keyed by their values: identical on both sides → reused; different → a conflict."""
        pk = t.pk
        cols = [t.table.c[c] for c in pk]
        keys = [tuple(r[c] for c in pk) for r in rows]
        there = {
            tuple(m[c] for c in pk): m
            for m in (
                dict(r._mapping)
                for r in self.dst.execute(select(t.table).where(_among(cols, keys)))
            )
        }
        compared = [
            c.name for c in t.table.columns if c.name not in pk and not _TIMESTAMP.search(c.name)
        ]
        fresh: list[dict[str, Any]] = []
        reused = 0
        for row, key in zip(rows, keys, strict=True):
            theirs = there.get(key)
            if theirs is None:
                fresh.append(row)
                continue
            differs = [c for c in compared if theirs[c] != row[c]]
            if not differs:
                reused += 1
                continue
            self.conflicts.add(
                i18n.t(
                    "copy.conflict_setting",
                    table=_label(t.name),
                    row="/".join(str(k) for k in key),
                    theirs=", ".join(f"{c}={theirs[c]}" for c in differs),
                    ours=", ".join(f"{c}={row[c]}" for c in differs),
                )
            )
        return fresh, reused

    # -- the audit chain -------------------------------------------------------------------

    def append_chain(self, log: Table) -> int:
        """The source's entries appended to the destination's chain by the one audit writer (new
        ids and hashes), the entity's id remapped; entries about rows outside the county's part
        left out. How many were appended."""
        from unioncli.db.uow import AuditRecord, append_audits

        n = 0
        stmt = select(log).order_by(log.c.id).execution_options(yield_per=CHUNK)
        for part in self.src.execute(stmt).partitions():
            records = []
            for r in part:
                keep, entity_id = self._entity_id(str(r.entity), r.entity_id)
                if not keep:
                    continue
                records.append(
                    AuditRecord(
                        operator=r.operator,
                        action=r.action,
                        entity=r.entity,
                        entity_id=entity_id,
                        reason=r.reason,
                        before=r.before,
                        after=r.after,
                        at=_utc(r.at),
                    )
                )
            if not self.conflicts.count:
                append_audits(self.dst, records)
            n += len(records)
            self._advance(len(part))
        return n

    def _entity_id(self, entity: str, entity_id: int | None) -> tuple[bool, int | None]:
        """(keep the entry?, the entity's id on the destination)."""
        table = self.entities.get(entity)
        if table is None or entity_id is None or self.tables[table].id_col is None:
            return True, entity_id  # the ledger, a setting (its year), several rows
        if self.chosen is not None and entity_id not in self.chosen.get(table, {entity_id}):
            return False, None  # a row outside the county's part
        if not self.merge:
            return True, entity_id
        return True, self.maps.get(table, {}).get(entity_id)  # None: the row is gone


def _label(table: str) -> str:
    """A table as a clerk knows it (会员, 困难档案…), else its name."""
    from unioncli.services.imports.batches import entity_label

    shown = entity_label(table)
    return table if shown == f"entity.{table}" else shown


# --- a county's part --------------------------------------------------------------------------


class _Part:
    """The rows of one county's part of a source that holds several counties, by table.

    Seeds: the unions and stations of the county. Downward: every row naming a chosen row of a
    table that hangs off unions or stations (members, events, files and their aid, ratings…).
    Upward: every row a chosen row names (people, the union a member came from, import batches).
    Rows of no union or station (a grant without a hardship file, a file without a union) follow
    the people and batches they cannot exist without (their NOT NULL references), and rows they
    hang off follow them; an import change comes only with the row it changed.
    """

    def __init__(self, src: Connection, tables: list[_Table], county: str) -> None:
        self.src = src
        self.county = county
        self.id_tables = [t for t in tables if t.id_col is not None]
        self.entities = _entity_tables(tables)
        seeds = {t.name for t in self.id_tables if COUNTY_COLUMN in t.table.c}
        owned = set(seeds)
        grew = True
        while grew:
            grew = False
            for t in self.id_tables:
                if t.name not in owned and any(f.ref in owned for f in t.fks if f.ref != t.name):
                    owned.add(t.name)
                    grew = True
        referenced = {f.ref for t in tables for f in t.fks}
        self.seeds = seeds
        self.owned = owned
        self.hubs = {t.name for t in self.id_tables if t.name not in owned} & referenced
        # in the graph at all: the tables whose rows are chosen one by one (others come whole)
        linked = {t.name for t in self.id_tables if t.fks} | referenced
        self.down: dict[str, set[int]] = {t.name: set() for t in self.id_tables}
        self.chosen: dict[str, set[int]] = {
            t.name: set() for t in self.id_tables if t.name in linked
        }

    def _rows(self, t: _Table, columns: list[str]) -> Iterator[tuple[Any, ...]]:
        # ids and references are integers to every driver: no conversion needed
        quote = self.src.dialect.identifier_preparer.quote
        sql = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(t.name)}"
        for batch in _driver_rows(self.src, sql):
            yield from batch

    def _add(self, table: str, row_id: int, *, down: bool) -> bool:
        if down:
            if row_id in self.down[table]:
                return False
            self.down[table].add(row_id)
            self.chosen[table].add(row_id)
            return True
        if row_id in self.chosen[table]:
            return False
        self.chosen[table].add(row_id)
        return True

    def choose(self) -> dict[str, set[int]]:
        for name in self.seeds:
            t = next(t for t in self.id_tables if t.name == name)
            assert t.id_col is not None
            stmt = select(t.table.c[t.id_col]).where(t.table.c[COUNTY_COLUMN] == self.county)
            for (row_id,) in self.src.execute(stmt):
                self._add(name, int(row_id), down=True)
        grew = True
        while grew:
            self._downward()
            self._upward()
            grew = self._unowned()
        return self.chosen

    def _downward(self) -> None:
        for t in self.id_tables:
            fks = [f for f in t.fks if f.ref in self.owned]
            if t.name not in self.owned or not fks:
                continue
            assert t.id_col is not None
            again = True
            while again:  # a table naming its own rows: until nothing more comes
                again = False
                for r in self._rows(t, [t.id_col, *(f.column for f in fks)]):
                    if r[0] in self.down[t.name]:
                        continue
                    if any(
                        v is not None and v in self.down[f.ref]
                        for f, v in zip(fks, r[1:], strict=True)
                    ):
                        self._add(t.name, r[0], down=True)
                        again = again or any(f.ref == t.name for f in fks)

    def _upward(self) -> None:
        for t in reversed(self.id_tables):
            if not t.fks or t.name not in self.chosen:
                continue
            assert t.id_col is not None
            again = True
            while again:
                again = False
                for r in self._rows(t, [t.id_col, *(f.column for f in t.fks)]):
                    if r[0] not in self.chosen[t.name]:
                        continue
                    for f, v in zip(t.fks, r[1:], strict=True):
                        if v is not None and self._add(f.ref, v, down=False) and f.ref == t.name:
                            again = True

    def _unowned(self) -> bool:
        grew = False
        for t in self.id_tables:
            if t.name in self.hubs or t.name not in self.chosen:
                continue
            needs = [f for f in t.fks if not f.nullable and f.ref in self.hubs]
            owners = [f for f in t.fks if f.ref not in self.hubs]
            if not needs:
                continue
            assert t.id_col is not None
            soft = list(t.soft_ref or ())
            columns = [t.id_col, *(f.column for f in needs), *(f.column for f in owners), *soft]
            for r in self._rows(t, columns):
                if r[0] in self.down[t.name]:
                    continue
                values = list(r[1:])
                need_values = values[: len(needs)]
                owner_values = values[len(needs) : len(needs) + len(owners)]
                if any(v is not None for v in owner_values):
                    continue  # it belongs to a union or station: downward decides
                if not any(
                    v in self.chosen[f.ref] for f, v in zip(needs, need_values, strict=True)
                ):
                    continue
                if soft:
                    entity, entity_id = values[-2:]
                    table = self.entities.get(str(entity))
                    if table in self.chosen and entity_id not in self.chosen[str(table)]:
                        continue
                grew = self._add(t.name, r[0], down=True) or grew
        return grew


def _county_plan(
    src: Connection, dst: Connection, tables: list[_Table], county: str | None, merge: bool
) -> tuple[bool, str | None]:
    """(copy only the county's part?, the county to stamp on unions and stations without one)."""
    from unioncli.services.report import known_counties

    named: set[str] = set()
    blank = False
    for t in tables:
        if COUNTY_COLUMN in t.table.c:
            for (value,) in src.execute(select(t.table.c[COUNTY_COLUMN]).distinct()):
                if value is None:
                    blank = True
                else:
                    named.add(str(value))
    if county is None:
        if merge and blank:
            there = known_counties(dst)
            if there:
                raise UsageError("copy.county_needed", known=i18n.join(there))
        return False, None
    if not named - {county}:
        return False, county  # the county's own ledger: all of it, the blanks stamped
    if county not in named:
        raise NotFound("copy.no_county", county=county, known=i18n.join(sorted(named)))
    return True, None


# --- checks -----------------------------------------------------------------------------------


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _empty(conn: Connection, tables: list[Table]) -> bool:
    return all(conn.execute(select(1).select_from(t).limit(1)).first() is None for t in tables)


def _years(conn: Connection) -> list[int]:
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


def _verify_chain(conn: Connection) -> None:
    from unioncli.services.audit import verify_chain_on

    verify_chain_on(conn)


def _named(src: Connection, tables: list[_Table], log: _Table) -> set[str]:
    """The tables whose rows are named elsewhere: by a foreign key, or as an audit entry's or an
    import change's entity. A merge keeps their id maps (a city's event tables need none)."""
    entities = _entity_tables(tables)
    named = {f.ref for t in tables for f in t.fks}
    for t in (*tables, log):
        if t.soft_ref is not None:
            column = t.table.c[t.soft_ref[0]]
            for (entity,) in src.execute(select(column).distinct()):
                if str(entity) in entities:
                    named.add(entities[str(entity)])
    return named


def _bulk(
    dst: Connection,
    tables: list[_Table],
    merge: bool,
    before: dict[str, int],
    selected: dict[str, int],
) -> set[str]:
    """The tables to load without their plain indexes: all of an empty destination's; on a SQLite
    one in use, those the copy more than doubles (rebuilding a big table's indexes for a few rows
    would cost more than it saves). A server in use keeps them: clerks are reading it."""
    if not merge:
        return {t.name for t in tables}
    if dst.dialect.name != "sqlite":
        return set()
    return {t.name for t in tables if selected.get(t.name, 0) > before.get(t.name, 0)}


# --- the command ------------------------------------------------------------------------------


def copy_ledger(
    source: Target,
    destination: Target,
    *,
    county: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> CopyResult:
    """Copy (or merge) ``source`` into ``destination`` in one verified transaction; see the
    module. ``dry_run``: everything, checks included, then rolled back."""
    county = county_name(county) if county else None
    if same_ledger(source, destination):
        raise Conflict("copy.same", where=destination.describe())
    started = time.perf_counter()
    src_engine = _open(source, source=True)
    try:
        _check_source(source, src_engine)
        created = destination.path is not None and not destination.path.exists()
        dst_engine = None
        finished = False
        try:
            dst_engine = _open(destination, source=False)
            upgrade = _prepare_destination(destination, dst_engine)
            result = _run(
                source,
                destination,
                src_engine,
                dst_engine,
                upgrade=upgrade,
                county=county,
                dry_run=dry_run,
                progress=progress,
                started=started,
            )
            finished = True
            return result
        finally:
            if dst_engine is not None:
                dst_engine.dispose()
            if created and (dry_run or not finished) and destination.path is not None:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{destination.path}{suffix}").unlink(missing_ok=True)
    finally:
        src_engine.dispose()


def _check_source(target: Target, engine: Engine) -> None:
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


def _prepare_destination(target: Target, engine: Engine) -> bool:
    """Bring a SQLite destination to the schema head now; say whether a server's must be (then
    inside the copy's transaction, so that a refused or dry run leaves no tables behind)."""
    from unioncli.db import migrate
    from unioncli.db.schema import stored_revision

    found = stored_revision(engine)
    head = migrate.script_head()
    if found is not None and found not in migrate.known_revisions():
        raise DomainError("db.newer_schema", where=target.describe(), found=found, head=head)
    if found == head:
        return False
    if target.path is not None:
        migrate.upgrade(target)  # its own connection: SQLite's batch migrations need FKs off
        return False
    return True


def _failure(exc: DBAPIError) -> UnionCliError:
    """A database's refusal while writing, as one line that quotes no row."""
    if isinstance(exc, IntegrityError):
        diag = getattr(exc.orig, "diag", None)
        name = getattr(diag, "constraint_name", None)
        if name is None:  # SQLite: "UNIQUE constraint failed: person.id_number"
            name = str(exc.orig).split(":", 1)[-1].strip()
        return Conflict("copy.integrity", constraint=name)
    return DomainError("copy.failed", why=type(exc.orig).__name__)


def _run(
    source: Target,
    destination: Target,
    src_engine: Engine,
    dst_engine: Engine,
    *,
    upgrade: bool,
    county: str | None,
    dry_run: bool,
    progress: Progress | None,
    started: float,
) -> CopyResult:
    from unioncli.db.migrate import alembic_config
    from unioncli.db.schema import move_sequences
    from unioncli.db.uow import lock_audit_chain

    tables, log, head = _schema()
    with (
        src_engine.connect() as src,
        dst_engine.execution_options(sqlite_begin="IMMEDIATE").connect() as dst,
    ):
        if src.dialect.name == "postgresql":
            # one snapshot of the source, however long the copy takes
            src.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        try:
            # the source's chain first: a tampered log is not carried anywhere
            _verify_chain(src)
            # clerks' saves on a server queue behind the copy (each takes this lock to audit), so
            # the destination's figures before and after are the copy's alone
            lock_audit_chain(dst)
            if upgrade:
                from alembic import command

                command.upgrade(alembic_config(dst), "head")

            merge = not _empty(dst, [t.table for t in (*tables, log, head)])
            part, stamp = _county_plan(src, dst, tables, county, merge)
            chosen = _Part(src, tables, county).choose() if part and county else None
            selected = {
                t.name: len(chosen[t.name])
                if chosen is not None and t.name in chosen
                else _count(src, t.table)
                for t in tables
            }
            years = _years(src)
            scope = Scope(county=county) if part else None
            expected = _expected(src, dst, years, scope, merge)
            before = {t.name: _count(dst, t.table) for t in (*tables, log)}

            copier = _Copier(
                src,
                dst,
                tables=tables,
                merge=merge,
                stamp=stamp,
                chosen=chosen,
                progress=progress,
                total=sum(selected.values()) + _count(src, log.table),
                extra=(log, head),
                bulk=_bulk(dst, [*tables, log, head], merge, before, selected),
                mapped=_named(src, tables, log),
            )
            counts = [copier.copy_table(t) for t in tables]
            keep_chain = not merge and not part
            if keep_chain:
                entries = copier.copy_table(log).written
                copier.copy_table(head)
            else:
                entries = copier.append_chain(log.table)
            if copier.conflicts.count:
                sep = "; " if i18n.get_lang() == "en" else "；"
                raise Conflict(
                    "copy.conflicts",
                    n=copier.conflicts.count,
                    shown=sep.join(copier.conflicts.shown),
                )

            _check_counts(dst, counts, selected, before, tables, log, entries)
            _check_reports(dst, [*tables, log], years, scope, expected)
            if not merge:  # the ids came along: the server's sequences go past them
                move_sequences(dst, [t.name for t in (*tables, log, head) if t.id_col])
            _record(dst, source, merge, county, part, counts, entries, years)
            _verify_chain(dst)
            if dry_run:
                dst.rollback()
            else:
                dst.commit()
        except DBAPIError as exc:
            raise _failure(exc) from None
    return CopyResult(
        source=source.describe(),
        destination=destination.describe(),
        merged=merge,
        county=county,
        part=part,
        tables=counts,
        audit_entries=entries,
        chain_kept=keep_chain,
        years=(years[0], years[-1]) if years else None,
        seconds=time.perf_counter() - started,
        dry_run=dry_run,
    )


def _expected(
    src: Connection, dst: Connection, years: list[int], scope: Scope | None, merge: bool
) -> dict[int, dict[str, Any]]:
    """Each year's report the destination must show once the copy is in: the source's (on the
    copy's snapshot), plus, for a merge, the destination's own before it."""
    from unioncli.services.report import known_counties, year_report

    expected = {y: year_report(src, y, scope) for y in years}
    if merge and (scope is None or scope.county in known_counties(dst)):
        expected = {y: add_reports(year_report(dst, y, scope), expected[y]) for y in years}
    return expected


def _check_counts(
    dst: Connection,
    counts: list[TableCount],
    selected: dict[str, int],
    before: dict[str, int],
    tables: list[_Table],
    log: _Table,
    entries: int,
) -> None:
    """Every table: the rows chosen at the source are the rows read, and each was added or
    reused; the destination holds exactly the added ones more (counted there, not by us)."""
    for t, c in zip(tables, counts, strict=True):
        added = _count(dst, t.table) - before[t.name]
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
    added = _count(dst, log.table) - before[log.name]
    if added != entries:
        raise DomainError(
            "copy.count_mismatch", table=log.name, selected=entries, written=added, reused=0
        )


def _check_reports(
    dst: Connection,
    tables: list[_Table],
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


def _record(
    dst: Connection,
    source: Target,
    merge: bool,
    county: str | None,
    part: bool,
    counts: list[TableCount],
    entries: int,
    years: list[int],
) -> None:
    """The copy's one audit entry on the destination: where from and how many, no record."""
    from unioncli.db.uow import append_audit, to_json

    append_audit(
        dst,
        operator=config.operator(),
        action="db.copy",
        entity="ledger",
        entity_id=None,
        after=to_json(
            {
                "from": source.describe(),
                "mode": "merge" if merge else "copy",
                "county": county,
                "part": part,
                "rows": {c.table: c.written for c in counts if c.written},
                "reused": {c.table: c.reused for c in counts if c.reused},
                "audit_entries": entries,
                "years": [years[0], years[-1]] if years else None,
            }
        ),
    )
