"""Rows written to the destination, table by table: as they are (a plain copy) or merged (fresh
ids, references remapped, a person or a setting reused, conflicts gathered), and the source's
audit chain kept or appended."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, func, select, text, update

from unioncli import i18n
from unioncli.errors import DomainError
from unioncli.services.copy.tables import (
    CHUNK,
    COUNTY_COLUMN,
    IDENTITY,
    TableInfo,
    among,
    driver_rows,
    entity_tables,
)
from unioncli.services.copy.values import compared_columns, converters, utc

i18n.register(
    {
        "copy.conflict_unique": (
            "{table} {value} 已在目标台账中（{columns}）",
            "{table} {value} is already in the destination ({columns})",
        ),
        "copy.conflict_setting": (
            "{table} {row}：目标为 {theirs}，源为 {ours}",
            "{table} {row}: {theirs} in the destination, {ours} in the source",
        ),
        "copy.dangling": (
            "源台账 {table}.{column} = {value} 指向不存在的记录：请先运行 unioncli db check",
            "the source's {table}.{column} = {value} points at no record: run unioncli db check",
        ),
    }
)


# conflicts named in the message; the rest are counted
SHOWN_CONFLICTS = 5

# Columns of a settings row that say when it was set, not what it is.
_TIMESTAMP = re.compile(r"_at$")

# A reference to a later row of the same table is set once that row is written; these columns
# go with it (a merged union's end: the CHECKs want its date, kind and receiving union together).
_DEFERRED_WITH: dict[tuple[str, str], tuple[str, ...]] = {
    ("org", "merged_into_id"): ("dissolved_on", "dissolution"),
}

# a merged row's id at the source, while it is remapped
_SOURCE_ID = "__source_id"


@dataclass(frozen=True)
class TableCount:
    table: str
    selected: int  # rows chosen at the source
    written: int  # rows added to the destination
    reused: int  # rows already there: the same person, an identical setting


Progress = Callable[[int, int], None]  # (rows done, rows in all)


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

    def take(self, t: TableInfo, n: int) -> list[int]:
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


class Copier:
    """Writes the chosen rows of each table to the destination, as they are or remapped."""

    def __init__(
        self,
        src: Connection,
        dst: Connection,
        *,
        tables: list[TableInfo],
        merge: bool,
        stamp: str | None,
        chosen: dict[str, set[int]] | None,
        progress: Progress | None,
        total: int,
        extra: tuple[TableInfo, ...] = (),
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
        self.entities = entity_tables(tables)
        # tables whose rows may already be on the destination (the same person, a setting)
        self.reusing = {t.name for t in tables if t.id_col is None or t.name in IDENTITY}
        # (table, destination row id, column, source id it names): set once the table is done
        self.deferred: list[tuple[str, int, str, int, dict[str, Any]]] = []
        # per table, the columns whose values are converted on the way: (name, function)
        self.readers: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {}
        self.writers: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {}
        same = src.dialect.name == dst.dialect.name
        for t in [*tables, *extra]:
            typed = None if not same else compared_columns(t) if merge else set()
            self.readers[t.name] = converters(t.table, src.dialect, read=True, only=typed)
            self.writers[t.name] = converters(t.table, dst.dialect, read=False, only=typed)

    def _advance(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _chunks(self, t: TableInfo) -> Iterator[list[dict[str, Any]]]:
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
        for batch in driver_rows(self.src, sql):
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

    def _write(self, t: TableInfo, rows: list[dict[str, Any]]) -> None:
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

    def _unindexed(self, t: TableInfo) -> list[Any]:
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

    def copy_table(self, t: TableInfo) -> TableCount:
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

    def _defer_forward(self, t: TableInfo, rows: list[dict[str, Any]]) -> None:
        """A row naming a later row of its own table (by id) is written without the reference,
        which is set once the whole table is there."""
        if t.id_col is None:
            return
        for fk in t.fks:
            if fk.ref != t.name or not fk.nullable:
                continue
            along = _DEFERRED_WITH.get((t.name, fk.column), ())
            for row in rows:
                ref = row[fk.column]
                if ref is not None and ref >= row.get(_SOURCE_ID, row[t.id_col]):
                    extra = {c: row[c] for c in along}
                    self.deferred.append((t.name, row[t.id_col], fk.column, ref, extra))
                    row[fk.column] = None
                    row.update(dict.fromkeys(along))

    def _apply_deferred(self, t: TableInfo) -> None:
        todo = [d for d in self.deferred if d[0] == t.name]
        self.deferred = [d for d in self.deferred if d[0] != t.name]
        if not todo or self.conflicts.count:
            return
        assert t.id_col is not None
        id_col = t.table.c[t.id_col]
        for _, row_id, column, ref, extra in todo:
            target = self.maps[t.name].get(ref) if self.merge else ref
            if target is None:
                raise DomainError("copy.dangling", table=t.name, column=column, value=ref)
            if not extra:
                self.dst.execute(update(t.table).where(id_col == row_id).values({column: target}))
                continue
            # with the columns that go with it, in one statement (the table's CHECKs hold before
            # and after); their values as read from the source, written as ``_write`` writes
            writers = dict(self.writers[t.name])
            values = {
                k: writers[k](v) if v is not None and k in writers else v for k, v in extra.items()
            }
            values[column] = target
            quote = self.dst.dialect.identifier_preparer.quote
            sets = ", ".join(f"{quote(k)} = :{k}" for k in values)
            self.dst.execute(
                text(f"UPDATE {quote(t.name)} SET {sets} WHERE {quote(t.id_col)} = :row_id"),
                {**values, "row_id": row_id},
            )

    # -- merging ---------------------------------------------------------------------------

    def _merge_rows(
        self, t: TableInfo, rows: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], int]:
        """The rows to insert (fresh ids, references remapped) and how many were reused."""
        if t.id_col is None:
            return self._merge_settings(t, rows)
        # kept for the tables other rows or audit entries name; the others' only for the chunk
        mapping = self.maps.setdefault(t.name, {}) if t.name in self.mapped else {}
        reused = 0
        fresh = rows
        identity = IDENTITY.get(t.name)
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

    def _remap(self, t: TableInfo, row: dict[str, Any]) -> None:
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
        self, t: TableInfo, columns: tuple[str, ...], rows: list[dict[str, Any]], where: str = ""
    ) -> dict[tuple[Any, ...], int]:
        """Destination rows holding one of the rows' values in ``columns``: value → id."""
        keys = {tuple(r[c] for c in columns) for r in rows}
        keys = {k for k in keys if None not in k}  # NULLs never collide
        if not keys:
            return {}
        assert t.id_col is not None
        cols = [t.table.c[c] for c in columns]
        stmt = select(t.table.c[t.id_col], *cols).where(among(cols, keys))
        if where:
            stmt = stmt.where(text(where))
        return {tuple(r[1:]): int(r[0]) for r in self.dst.execute(stmt)}

    def _check_unique(
        self, t: TableInfo, rows: list[dict[str, Any]], skip: tuple[str, ...] | None
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

    def _shown(self, t: TableInfo, columns: tuple[str, ...], value: tuple[Any, ...]) -> str:
        """A conflicting value as a message may show it: a person by name and masked ID number."""
        from unioncli.ids import mask_id

        refs = {fk.column: fk.ref for fk in t.fks}
        parts = []
        for c, v in zip(columns, value, strict=True):
            if refs.get(c) in IDENTITY:
                person = self.dst.execute(
                    text("SELECT name, id_number FROM person WHERE id = :id"), {"id": v}
                ).first()
                parts.append(f"{person[0]}（{mask_id(str(person[1]))}）" if person else f"#{v}")
            else:
                parts.append(f"“{v}”")
        return "/".join(parts)

    def _merge_settings(
        self, t: TableInfo, rows: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], int]:
        """Rows keyed by their values: identical on both sides → reused; different → a conflict."""
        pk = t.pk
        cols = [t.table.c[c] for c in pk]
        keys = [tuple(r[c] for c in pk) for r in rows]
        there = {
            tuple(m[c] for c in pk): m
            for m in (
                dict(r._mapping) for r in self.dst.execute(select(t.table).where(among(cols, keys)))
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
                        at=utc(r.at),
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
