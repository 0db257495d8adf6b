"""A county's part of a source that holds several counties: which rows go (``Part``), and
whether a copy takes a part or stamps a county (``county_plan``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from unioncli import i18n
from unioncli.errors import NotFound, UsageError
from unioncli.services.copy.tables import COUNTY_COLUMN, TableInfo, driver_rows, entity_tables

i18n.register(
    {
        "copy.no_county": (
            "源台账中没有属于“{county}”的基层工会或服务站点（其中的区县：{known}）",
            "no union or station in the source belongs to “{county}” (its counties: {known})",
        ),
        "copy.county_needed": (
            "目标台账已按区县划分（{known}），而源台账的基层工会或站点没有区县：请用 --county 指明它们所属的区县",
            "the destination is divided into counties ({known}) and the source's unions or "
            "stations have none: name their county with --county",
        ),
    }
)


class Part:
    """The rows of one county's part of a source that holds several counties, by table.

    Seeds: the unions and stations of the county. Downward: every row naming a chosen row of a
    table that hangs off unions or stations (members, events, files and their aid, ratings…).
    Upward: every row a chosen row names (people, the union a member came from, import batches).
    Rows of no union or station (a grant without a hardship file, a file without a union) follow
    the people and batches they cannot exist without (their NOT NULL references), and rows they
    hang off follow them; an import change comes only with the row it changed.
    """

    def __init__(self, src: Connection, tables: list[TableInfo], county: str) -> None:
        self.src = src
        self.county = county
        self.id_tables = [t for t in tables if t.id_col is not None]
        self.entities = entity_tables(tables)
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

    def _rows(self, t: TableInfo, columns: list[str]) -> Iterator[tuple[Any, ...]]:
        # ids and references are integers to every driver: no conversion needed
        quote = self.src.dialect.identifier_preparer.quote
        sql = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(t.name)}"
        for batch in driver_rows(self.src, sql):
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


def county_plan(
    src: Connection, dst: Connection, tables: list[TableInfo], county: str | None, merge: bool
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
