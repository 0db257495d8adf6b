"""The one import engine every register uses (SPEC §4.2).

A file is read as a stream of rows; each row is parsed by its kind (pure validation, every bad
value collected), then rows are applied to the ledger a chunk at a time (matching, inserts,
updates). The whole file is one transaction: when a row is rejected and ``--skip-invalid`` is not
given, or on ``--dry-run``, the transaction is rolled back and the ledger is as it was.

Memory does not grow with the file: rows live for one chunk; duplicates inside the file are found
in the ledger itself, since earlier chunks are already written (uncommitted) when later ones run.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, update
from sqlalchemy.exc import DBAPIError

from unioncli import i18n
from unioncli.config import Target
from unioncli.db.uow import UnitOfWork, to_json
from unioncli.errors import InvalidValue, InvalidValues, UnionCliError, UsageError
from unioncli.i18n import register
from unioncli.models import ImportBatch, ImportChange
from unioncli.services.imports.repair import Repaired, Repairer
from unioncli.tabular import (
    FileRejected,
    Row,
    Source,
    Table,
    TableWriter,
    open_table,
    problem_error,
    writer_like,
)

register(
    {
        "import.missing_columns": (
            "缺少必填列：{missing}（文件的列：{found}）",
            "required columns missing: {missing} (the file has: {found})",
        ),
        "import.duplicate_column": (
            "列“{a}”和“{b}”都对应{field}，请删去一列",
            "columns “{a}” and “{b}” both mean {field}: remove one",
        ),
        "import.rejects_is_input": (
            "拒绝文件不能与导入文件相同：{path}",
            "the rejects file cannot be the input file: {path}",
        ),
        "import.exists": (
            "已存在且内容不同：{fields}（可用 --on-duplicate update 更新，或 skip 跳过）",
            "already exists with different {fields} (use --on-duplicate update or skip)",
        ),
        "import.dup_in_file": (
            "本文件中已有同一{what}的行，且内容不同",
            "another row of this file has the same {what} with different values",
        ),
        "import.unknown_row_error": ("该行无法导入", "this row cannot be imported"),
        "import.on_duplicate": (
            "--on-duplicate 只能是 error、skip 或 update",
            "--on-duplicate takes error, skip or update",
        ),
    }
)

CHUNK = 2000
RACE_ATTEMPTS = 5  # a chunk that raced another writer is applied again, at most this often
# PostgreSQL's codes for "another transaction wrote the same unique value" and "deadlock"
RACE_SQLSTATES = frozenset({"23505", "40P01"})
SHOWN_CHARS = 60  # a header or a value longer than this is cut short in a message
SHOWN_COLUMNS = 30  # headers listed at most in a "missing columns" message
IMPORT_CACHE_KIB = 64 * 1024
REJECTS_LINE = ("行号", "line")
REJECTS_REASON = ("错误原因", "reason")


@dataclass(frozen=True)
class Column:
    """A column of an import file: its field key, its Chinese and English headers, variants."""

    key: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.zh, self.en, *self.aliases)


def header_key(text: str) -> str:
    """How a header cell is compared: 身份证号码*, ＩＤ_Number and "id number " all fold."""
    text = unicodedata.normalize("NFKC", text).strip().strip("*＊").strip()
    for mark in ("(必填)", "(选填)"):
        text = text.replace(mark, "")
    return "".join(text.lower().replace("_", " ").split())


class Item:
    """One data row on its way in."""

    __slots__ = ("cells", "errors", "line", "outcome", "parsed", "raw", "repairs", "warnings")

    def __init__(self, line: int, cells: list[str]) -> None:
        self.line = line
        self.cells = cells
        self.parsed: Any = None
        self.raw: dict[str, str] | None = None  # field key -> cell, for a repair
        self.repairs: dict[str, tuple[str, str]] = {}  # field key -> (as the file had it, repaired)
        self.outcome = ""  # created, updated, unchanged, skipped, duplicate, rejected
        self.errors: list[UnionCliError] = []
        # what the row was taken with but the clerk should know (never a rejection)
        self.warnings: list[str] = []

    def reject(self, error: UnionCliError) -> None:
        if isinstance(error, InvalidValues):
            self.errors.extend(error.errors)
        else:
            self.errors.append(error)
        self.outcome = "rejected"

    def reason(self, lang: str | None = None) -> str:
        sep = "; " if (lang or i18n.get_lang()) == "en" else "；"
        return sep.join(e.message(lang) for e in self.errors)


@dataclass
class Problem:
    line: int
    reason: str


@dataclass
class ImportResult:
    kind: str
    file: Path
    encoding: str
    delimiter: str | None
    ignored_columns: list[str]
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # the first few, for the screen
    warned: int = 0  # rows taken with a warning
    warnings: list[Problem] = field(default_factory=list)  # the first few, for the screen
    rejects_file: Path | None = None
    repaired: list[Repaired] = field(default_factory=list)  # every repaired cell, masked
    written: bool = False
    dry_run: bool = False
    batch_id: int | None = None

    @property
    def rejected(self) -> int:
        return self.counts.get("rejected", 0)


class Context:
    """What a kind needs while it applies rows: the connection, the batch, the options."""

    def __init__(
        self,
        conn: Connection,
        batch_id: int,
        on_duplicate: str,
        expected_rows: int,
    ) -> None:
        self.conn = conn
        self.batch_id = batch_id
        self.on_duplicate = on_duplicate
        self.expected_rows = expected_rows
        self.dialect = conn.dialect.name
        # one time for every row of the batch: as a datetime for SQLAlchemy statements, and as
        # the driver takes it for bulk inserts (SQLAlchemy's text format on SQLite)
        self.timestamp = datetime.now(UTC)
        self.now: Any = self.timestamp
        if self.dialect == "sqlite":
            self.now = self.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f")
        self._deferred: list[Any] = []
        self._cache: int | None = None
        self.placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self._next_id: dict[str, int] = {}

    def ids(self, table: str, n: int) -> list[int]:
        """``n`` fresh primary keys for ``table``, so that rows can be inserted with executemany."""
        if n == 0:
            return []
        if self.dialect == "postgresql":
            rows = self.conn.exec_driver_sql(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                f"FROM generate_series(1, {int(n)})"
            )
            return [r[0] for r in rows]
        # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), so max(id) is ours
        start = self._next_id.get(table)
        if start is None:
            top = self.conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            start = int(top.scalar_one())
        self._next_id[table] = start + n
        return list(range(start, start + n))

    def big_cache(self) -> None:
        """A larger SQLite page cache while importing: the unique indexes are written at random."""
        if self.dialect == "sqlite":
            self._cache = self.conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
            self.conn.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")

    def default_cache(self) -> None:
        # the connection goes back to the pool: leave no setting behind
        if self.dialect == "sqlite" and self._cache is not None:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={int(self._cache)}")

    def now_value(self) -> datetime:
        return self.timestamp

    def defer_indexes(self, tables: tuple[str, ...]) -> None:
        """Drop the plain (non-unique) indexes of ``tables`` until ``restore_indexes``.

        A big import into a small ledger is several times faster building each index once,
        sorted, than updating it a row at a time. DDL is transactional in SQLite: a rollback
        brings the indexes back. Unique constraints stay, so duplicates are still refused.
        """
        from sqlalchemy.schema import DropIndex

        from unioncli.models import metadata

        for name in tables:
            for index in sorted(metadata.tables[name].indexes, key=lambda i: str(i.name)):
                if not index.unique:
                    self.conn.execute(DropIndex(index))
                    self._deferred.append(index)

    def restore_indexes(self) -> None:
        from sqlalchemy.schema import CreateIndex

        while self._deferred:
            self.conn.execute(CreateIndex(self._deferred.pop(0)))

    def insert_many(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        marks = ", ".join([self.placeholder] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        self.conn.exec_driver_sql(sql, rows)

    def day(self, value: date | None) -> Any:
        """A date as the driver takes it: ISO text on SQLite (SQLAlchemy's format), else a date."""
        if value is None or self.dialect != "sqlite":
            return value
        return value.isoformat()

    def settle(
        self,
        item: Item,
        diff: Iterable[str],
        table: Any,
        entity: str,
        row_id: int,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> None:
        """A row that matches a stored one of an earlier import (or typed in): ``unchanged`` when
        nothing in ``diff`` differs, else as ``--on-duplicate`` says — ``skipped``, refused
        naming the fields, or ``updated`` (the fields of ``diff`` from ``before`` to ``after``,
        remembered for ``import undo``)."""
        keys = list(diff)
        if not keys:
            item.outcome = "unchanged"
        elif self.on_duplicate == "skip":
            item.outcome = "skipped"
        elif self.on_duplicate == "error":
            item.reject(exists_error(keys))
        else:
            self.update_row(
                table, entity, row_id, {k: before[k] for k in keys}, {k: after[k] for k in keys}
            )
            item.outcome = "updated"

    def update_row(
        self, table: Any, entity: str, row_id: int, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        """Change one row and remember how it was, for ``import undo``."""
        values = dict(after)
        if "updated_at" in table.c:
            values["updated_at"] = self.timestamp
        self.conn.execute(update(table).where(table.c.id == row_id).values(**values))
        self.conn.execute(
            insert(ImportChange.__table__),  # type: ignore[attr-defined]
            {
                "batch_id": self.batch_id,
                "entity": entity,
                "entity_id": row_id,
                "before": to_json(before),
                "after": to_json(after),
            },
        )


class Kind:
    """A kind of row (orgs, members, …). Subclasses parse one row and apply a chunk."""

    name: str = ""
    columns: tuple[Column, ...] = ()
    # the entity whose key identifies a row, for "duplicate in file" messages
    key_field: str = ""
    # whether ``apply`` may run again on the same chunk after a rollback to a savepoint: true
    # for a kind that keeps no state of its own between chunks (only what is in the ledger)
    retry_on_race: bool = False
    # the clerk's county: what a kind that registers unions or stations gives a new one whose
    # row names none (the 区县 column)
    county: str | None = None

    def begin(self, ctx: Context) -> None:
        """Load what lookups need (e.g. the unions by name); prepare bulk writes."""

    def parse(self, raw: dict[str, str]) -> Any:
        """Validate one row's cells; raise ``InvalidValue(s)`` naming every bad field."""
        raise NotImplementedError

    def apply(self, ctx: Context, items: list[Item]) -> None:
        """Match and write the valid rows of a chunk; set each item's outcome or reject it."""
        raise NotImplementedError

    def finish(self, ctx: Context) -> None:
        """Called once after the last chunk, before the commit decision."""


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """Text as a message shows it: a hostile file's 100,000-character cell is cut short."""
    return text if len(text) <= limit else text[:limit] + "…"


def map_header(kind: Kind, header: list[str]) -> tuple[list[tuple[str, int]], list[str]]:
    """(field key → cell index for the known columns, the ignored headers), or an error."""
    lookup: dict[str, Column] = {}
    for known in kind.columns:
        for name in known.names():
            lookup[header_key(name)] = known
    own = {header_key(n) for n in (*REJECTS_LINE, *REJECTS_REASON)}
    mapping: list[tuple[str, int]] = []
    seen: dict[str, str] = {}
    ignored: list[str] = []
    for i, text in enumerate(header):
        key = header_key(text)
        column = lookup.get(key)
        if column is None:
            if key and key not in own:
                ignored.append(shorten(text))
            continue
        if column.key in seen:
            raise FileRejected(
                "import.duplicate_column",
                a=shorten(seen[column.key]),
                b=shorten(text),
                field=i18n.field_label(column.key),
            )
        seen[column.key] = text
        mapping.append((column.key, i))
    missing = [
        c.zh if i18n.get_lang() != "en" else c.en
        for c in kind.columns
        if c.required and c.key not in seen
    ]
    if missing:
        named = [shorten(h) for h in header if h.strip()]
        if len(named) > SHOWN_COLUMNS:
            named[SHOWN_COLUMNS:] = ["…"]
        found = i18n.join(named) or "-"
        raise FileRejected("import.missing_columns", missing=i18n.join(missing), found=found)
    return mapping, ignored


def rejects_path(source: Path, given: Path | None) -> Path:
    if given is not None:
        return given
    return source.with_name(f"{source.stem}.rejects{source.suffix or '.csv'}")


class _Rejects:
    """The rejects file, opened at the first rejected row: same columns, plus 行号 and 错误原因."""

    def __init__(self, table: Table, path: Path, enabled: bool) -> None:
        self.table = table
        self.path = path
        self.enabled = enabled
        self.writer: TableWriter | None = None

    def write(self, item: Item) -> None:
        if not self.enabled:
            return
        if self.writer is None:
            lang = i18n.get_lang()
            extra = [REJECTS_LINE[lang == "en"], REJECTS_REASON[lang == "en"]]
            self.writer = writer_like(self.table.source, self.path, [*self.table.header, *extra])
        self.writer.write([*item.cells, item.line, item.reason()])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _parse_row(
    kind: Kind, mapping: list[tuple[str, int]], row: Row, item: Item, source: Source
) -> None:
    if row.problem is not None:
        item.reject(problem_error(row.problem, source))
        return
    cells = row.cells
    raw = {key: cells[i] for key, i in mapping}
    item.raw = raw
    try:
        item.parsed = kind.parse(raw)
    except UnionCliError as exc:
        item.reject(exc)
        for error in item.errors:  # a huge cell is not repeated in full on screen
            if isinstance(error, InvalidValue) and len(error.value) > SHOWN_CHARS:
                error.value = shorten(error.value)


def _repair(kind: Kind, item: Item, repairer: Repairer) -> None:
    """A row refused only for cells a spreadsheet made numbers of: given back from the ledger.

    Without ``--repair-ids`` the row stays refused, and its reason says when the repair would
    have worked; with it, a row whose every damaged cell is recovered is parsed again, and a cell
    that cannot be recovered says why.
    """
    raw = item.raw
    if raw is None:
        return
    spans = repairer.damaged(item.errors, raw)
    if not spans:
        return
    values, problems = repairer.recover(kind.name, raw, spans)
    if not repairer.enabled:
        if values:
            item.errors.append(
                UnionCliError(
                    "repair.possible", columns=describe_fields(k for k in spans if k in values)
                )
            )
        return
    if problems:
        item.errors.extend(problems)
        return
    item.errors, item.outcome = [], ""
    try:
        item.parsed = kind.parse({**raw, **values})
    except UnionCliError as exc:
        item.reject(exc)
    item.repairs = {k: (raw[k], v) for k, v in values.items()}


def run_import(
    target: Target,
    kind: Kind,
    path: Path,
    *,
    on_duplicate: str = "error",
    skip_invalid: bool = False,
    dry_run: bool = False,
    rejects: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    keep_problems: int = 20,
    repair_ids: bool = False,
) -> ImportResult:
    """Import one file. Nothing is written unless every row passed, or ``skip_invalid``.

    ``repair_ids``: an ID number, USCC or mobile a spreadsheet damaged is taken from the one
    record of the ledger that agrees with its surviving digits and the row (``repair.py``).
    """
    if on_duplicate not in ("error", "skip", "update"):
        raise UsageError("import.on_duplicate")
    rejects_file = rejects_path(path, rejects)
    if rejects_file.resolve() == path.resolve():
        raise UsageError("import.rejects_is_input", path=path)
    with open_table(path) as table:
        mapping, ignored = map_header(kind, table.header)
        src = table.source
        result = ImportResult(
            kind=kind.name,
            file=path,
            encoding=src.encoding_label,
            delimiter=src.delimiter,
            ignored_columns=ignored,
            dry_run=dry_run,
        )
        counts = dict.fromkeys(
            ("created", "updated", "unchanged", "skipped", "duplicate", "rejected"), 0
        )
        result.counts = counts
        out = _Rejects(table, rejects_file, enabled=not dry_run)
        with UnitOfWork(target, dry_run=dry_run) as uow:
            conn = uow.session.connection()
            batch_id = conn.execute(
                insert(ImportBatch.__table__).returning(ImportBatch.__table__.c.id),  # type: ignore[attr-defined]
                {
                    "kind": kind.name,
                    "file_name": path.name[:255],
                    "encoding": src.encoding_label[:20],
                    "on_duplicate": on_duplicate,
                    "operator": uow.operator,
                    "started_at": datetime.now(UTC),
                    "status": "done",
                },
            ).scalar_one()
            if conn.dialect.name == "postgresql":
                # The planner's statistics are those of the tables before the import: on a young
                # ledger it takes person/member for tiny and scans them whole for every chunk's
                # lookup by ID number, which grows with each chunk written. Every lookup of an
                # import goes by a key, so an index is always the right path (this transaction
                # only; ANALYZE would lock the tables against a second import until commit).
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            ctx = Context(conn, batch_id, on_duplicate, expected_rows=_expected_rows(table))
            repairer = Repairer(conn, ctx.placeholder, enabled=repair_ids)
            kind.begin(ctx)
            try:
                ctx.big_cache()
                for chunk in _chunks(table.rows(), CHUNK):
                    items = []
                    for row in chunk:
                        item = Item(row.line, row.cells)
                        _parse_row(kind, mapping, row, item, src)
                        if item.outcome == "rejected":
                            _repair(kind, item, repairer)
                        items.append(item)
                    valid = [i for i in items if i.outcome != "rejected"]
                    if valid:
                        _apply(kind, ctx, valid)
                    for item in items:
                        counts[item.outcome or "rejected"] += 1
                        if item.repairs and item.outcome != "rejected":
                            for key, (before, after) in item.repairs.items():
                                repairer.note(item.line, key, before, after)
                        if item.outcome == "rejected":
                            if not item.errors:
                                item.errors.append(UnionCliError("import.unknown_row_error"))
                            out.write(item)
                            if len(result.problems) < keep_problems:
                                result.problems.append(Problem(item.line, item.reason()))
                        elif item.warnings:
                            result.warned += 1
                            if len(result.warnings) < keep_problems:
                                sep = "；" if i18n.get_lang() != "en" else "; "
                                result.warnings.append(Problem(item.line, sep.join(item.warnings)))
                    result.rows += len(items)
                    if progress is not None:
                        progress(table.progress(), table.total)
                kind.finish(ctx)
                ctx.restore_indexes()
            finally:
                ctx.default_cache()
                out.close()
            if out.writer is not None:
                result.rejects_file = rejects_file
            result.repaired = repairer.repaired
            # all or nothing, unless --skip-invalid; a file whose every row failed writes no batch
            write = counts["rejected"] < result.rows and (counts["rejected"] == 0 or skip_invalid)
            if write and not dry_run:
                conn.execute(
                    update(ImportBatch.__table__)  # type: ignore[attr-defined]
                    .where(ImportBatch.__table__.c.id == batch_id)  # type: ignore[attr-defined]
                    .values(
                        rows=result.rows,
                        created=counts["created"],
                        updated=counts["updated"],
                        unchanged=counts["unchanged"] + counts["duplicate"],
                        skipped=counts["skipped"],
                        rejected=counts["rejected"],
                    )
                )
                uow.audit(
                    f"import.{kind.name}",
                    "import_batch",
                    batch_id,
                    after={
                        "file": path.name,
                        "encoding": src.encoding_label,
                        "rows": result.rows,
                        **{k: v for k, v in counts.items() if v},
                        **({"warned": result.warned} if result.warned else {}),
                        **(
                            {"repaired": [r.as_dict() for r in repairer.repaired]}
                            if repairer.repaired
                            else {}
                        ),
                    },
                )
                uow.commit()
                result.written = True
                result.batch_id = batch_id
            # otherwise leaving the block rolls everything back, the batch row included
    return result


def _apply(kind: Kind, ctx: Context, items: list[Item]) -> None:
    """Apply a chunk; on PostgreSQL, again after losing a race with another writer.

    Another import or a clerk may write the same person (a unique ID number, a card number)
    while this import runs: this chunk's insert waits for the other's commit and then fails, or
    two imports wait for each other and the server cancels one (a deadlock). Rolled back to the
    chunk's savepoint, the chunk is matched again against what the other committed, and its rows
    come out as they would have if the two had run one after the other. SQLite needs none of it:
    an import holds the file's write lock from its first statement.
    """
    if not (kind.retry_on_race and ctx.dialect == "postgresql"):
        kind.apply(ctx, items)
        return
    for attempt in range(1, RACE_ATTEMPTS + 1):
        savepoint = ctx.conn.begin_nested()
        try:
            kind.apply(ctx, items)
        except DBAPIError as exc:
            savepoint.rollback()
            if attempt == RACE_ATTEMPTS or getattr(exc.orig, "sqlstate", None) not in (
                RACE_SQLSTATES
            ):
                raise
            for item in items:
                item.outcome, item.errors = "", []
            continue
        savepoint.commit()
        return


def _expected_rows(table: Table) -> int:
    if table.source.format == "csv":
        return table.total // 100  # a members row is ~100 bytes; a guess, used for strategy only
    return table.total


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def changed_fields(stored: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The given (non-None) values that differ from what is stored: a blank never erases."""
    return {k: v for k, v in given.items() if v is not None and stored.get(k) != v}


def describe_fields(keys: Iterable[str]) -> str:
    return i18n.join(i18n.field_label(k) for k in keys)


def exists_error(keys: Iterable[str]) -> UnionCliError:
    return UnionCliError("import.exists", fields=describe_fields(keys))


def as_invalid(field_key: str, value: object, error: UnionCliError) -> InvalidValue:
    """A rule's error (not found, conflict) reported as a bad value of one column of the row."""
    return InvalidValue(field_key, value, error.key, **error.params)


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
