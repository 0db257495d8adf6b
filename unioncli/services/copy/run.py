"""``copy_ledger``: one copy from start to end — both sides opened, the destination migrated, the
rows copied or merged, everything checked, one ``db.copy`` audit entry, then the commit (or,
on any difference, nothing)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from unioncli import config, i18n
from unioncli.config import Target
from unioncli.errors import Conflict, DomainError, UnionCliError
from unioncli.services.copy.checks import (
    check_chain,
    check_counts,
    check_reports,
    check_source,
    count_rows,
    expected_reports,
    is_empty,
    report_years,
)
from unioncli.services.copy.copier import Copier, Progress, TableCount
from unioncli.services.copy.part import Part, county_plan
from unioncli.services.copy.tables import TableInfo, describe_schema, entity_tables
from unioncli.services.copy.where import open_engine, same_ledger
from unioncli.services.figures import Scope, county_name

i18n.register(
    {
        "copy.same": (
            "源台账与目标是同一个：{where}",
            "the source and the destination are the same ledger: {where}",
        ),
        "copy.conflicts": (
            "目标台账中已有与源台账冲突的记录 {n} 处，未写入任何数据：{shown}",
            "{n} records of the source conflict with records already in the destination; "
            "nothing was written: {shown}",
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
    }
)


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


def copy_ledger(
    source: Target,
    destination: Target,
    *,
    county: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> CopyResult:
    """Copy (or merge) ``source`` into ``destination`` in one verified transaction; see the
    package (``unioncli.services.copy``). ``dry_run``: everything, checks included, then rolled back."""
    county = county_name(county) if county else None
    if same_ledger(source, destination):
        raise Conflict("copy.same", where=destination.describe())
    started = time.perf_counter()
    src_engine = open_engine(source, source=True)
    try:
        check_source(source, src_engine)
        created = destination.path is not None and not destination.path.exists()
        dst_engine = None
        finished = False
        try:
            dst_engine = open_engine(destination, source=False)
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

    tables, log, head = describe_schema()
    with (
        src_engine.connect() as src,
        dst_engine.execution_options(sqlite_begin="IMMEDIATE").connect() as dst,
    ):
        if src.dialect.name == "postgresql":
            # one snapshot of the source, however long the copy takes
            src.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        try:
            # the source's chain first: a tampered log is not carried anywhere
            check_chain(src)
            # clerks' saves on a server queue behind the copy (each takes this lock to audit), so
            # the destination's figures before and after are the copy's alone
            lock_audit_chain(dst)
            if upgrade:
                from alembic import command

                command.upgrade(alembic_config(dst), "head")

            merge = not is_empty(dst, [t.table for t in (*tables, log, head)])
            part, stamp = county_plan(src, dst, tables, county, merge)
            if merge or part:
                # an issued report (定稿) is a fact of the ledger it was issued from: its scope
                # ('' is that whole ledger) and its audit mark (that chain's ids) mean nothing in
                # a merged ledger or a county's part, so they stay behind; a plain copy keeps them
                tables = [t for t in tables if t.name != "report_issue"]
            chosen = Part(src, tables, county).choose() if part and county else None
            selected = {
                t.name: len(chosen[t.name])
                if chosen is not None and t.name in chosen
                else count_rows(src, t.table)
                for t in tables
            }
            years = report_years(src)
            scope = Scope(county=county) if part else None
            expected = expected_reports(src, dst, years, scope, merge)
            before = {t.name: count_rows(dst, t.table) for t in (*tables, log)}

            copier = Copier(
                src,
                dst,
                tables=tables,
                merge=merge,
                stamp=stamp,
                chosen=chosen,
                progress=progress,
                total=sum(selected.values()) + count_rows(src, log.table),
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

            check_counts(dst, counts, selected, before, tables, log, entries)
            check_reports(dst, [*tables, log], years, scope, expected)
            if not merge:  # the ids came along: the server's sequences go past them
                move_sequences(dst, [t.name for t in (*tables, log, head) if t.id_col])
            _record(dst, source, merge, county, part, counts, entries, years)
            check_chain(dst)
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


def _named(src: Connection, tables: list[TableInfo], log: TableInfo) -> set[str]:
    """The tables whose rows are named elsewhere: by a foreign key, or as an audit entry's or an
    import change's entity. A merge keeps their id maps (a city's event tables need none)."""
    entities = entity_tables(tables)
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
    tables: list[TableInfo],
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
