"""All terminal output: Rich tables, CSV and JSON. The only module that imports rich.

Output is deterministic when stdout is not a terminal: fixed width (``COLUMNS`` or 100), no colour.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from unioncli import i18n

FORMATS = ("table", "csv", "json")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    show: Callable[[Any], str] | None = None  # how the table and CSV show the raw value
    justify: str = "left"
    wrap: bool = False  # only long free text (union names, reasons) may wrap


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(file=stream, highlight=False)
    width = int(os.environ.get("COLUMNS", "100") or 100)
    return Console(
        file=stream,
        width=width,
        no_color=True,
        highlight=False,
        color_system=None,
        force_terminal=False,
        legacy_windows=False,
    )


def plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return i18n.t("yes") if value else i18n.t("no")
    if isinstance(value, datetime):
        # audit times are UTC and say so in their header
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cell(col: Column, row: dict[str, Any]) -> str:
    value = row.get(col.key)
    return col.show(value) if col.show is not None and value is not None else plain(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def dump_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n")


def rows(
    columns: Sequence[Column],
    data: Iterable[dict[str, Any]],
    fmt: str = "table",
    *,
    title: str | None = None,
    footer: str | None = None,
) -> None:
    """Print records as a Rich table, CSV (Chinese headers) or JSON (English keys, raw values)."""
    items = list(data)
    if fmt == "json":
        dump_json([{c.key: r.get(c.key) for c in columns} for r in items])
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([c.label for c in columns])
        for r in items:
            writer.writerow([_cell(c, r) for c in columns])
        return
    table = Table(
        title=title,
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for c in columns:
        table.add_column(
            c.label,
            justify=c.justify,  # type: ignore[arg-type]
            no_wrap=not c.wrap,
            # a wrapping column may narrow down to its header, never below
            min_width=cell_len(c.label) if c.wrap else None,
            overflow="fold" if c.wrap else "ellipsis",
        )
    for r in items:
        table.add_row(*(_cell(c, r) for c in columns))
    console = _console()
    console.print(table)
    if footer:
        console.print(Text(footer))


def listing(
    columns: Sequence[Column],
    data: Iterable[dict[str, Any]],
    fmt: str,
    *,
    total: int | None = None,
    empty: str | None = None,
    title: str | None = None,
    notes: Sequence[str] = (),
) -> None:
    """Every list command's output: the rows, and on screen a footer of ``notes`` and, given the
    ``total`` the rows were cut from, 显示 N 条，共 M 条. An empty list on screen prints ``empty``
    instead of a bare header. CSV and JSON carry the rows only."""
    items = list(data)
    if fmt == "table" and not items and empty is not None:
        line(empty)
        return
    footer: str | None = None
    if fmt == "table":
        lines = [n for n in notes if n]
        if total is not None:
            lines.append(i18n.t("list.showing", shown=len(items), total=total))
        footer = "\n".join(lines) or None
    rows(columns, items, fmt, title=title, footer=footer)


def record(title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    """One record as a two-column table of label and value."""
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in pairs:
        table.add_row(label, plain(value))
    _console().print(table)


def line(text: str = "") -> None:
    # soft_wrap: a message holding a long path stays one line that scripts and copy-paste can use
    _console().print(Text(text), soft_wrap=True)


def note(text: str) -> None:
    """A remark on stderr (progress, warnings), so piped stdout stays clean."""
    _console(stderr=True).print(Text(text), soft_wrap=True)


def progress(total: int, description: str, *, percent: bool = False) -> Any:
    """A progress bar on stderr for long work; silent when stderr is not a terminal.

    ``percent`` shows how far as a percentage (for bytes of a file) instead of "n/total".
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TimeRemainingColumn,
    )

    console = Console(file=sys.stderr)
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn() if percent else MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not sys.stderr.isatty(),
        transient=True,
    )
    return bar


def grouped(
    headers: Sequence[str],
    numeric: Sequence[bool],
    groups: Sequence[tuple[str | None, Sequence[tuple[Sequence[str], bool]]]],
    *,
    title: str | None = None,
    notes: Sequence[str] = (),
    footer: str | None = None,
) -> None:
    """One table in titled groups (a report's sections): each group's name on a row of its own,
    a rule between groups; ``numeric`` columns are right-aligned, total rows bold."""
    table = Table(
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for header, right in zip(headers, numeric, strict=True):
        table.add_column(
            header,
            justify="right" if right else "left",
            no_wrap=right,  # figures never wrap; names may, down to their header
            min_width=None if right else cell_len(header),
            overflow="fold",
        )
    for name, items in groups:
        if name:
            table.add_row(Text(name, style="bold"), *([""] * (len(headers) - 1)))
        for i, (cells, total) in enumerate(items):
            table.add_row(
                *cells,
                style="bold" if total else None,
                end_section=i == len(items) - 1,
            )
    console = _console()
    if title:
        console.print(Text(title, style="bold"))
    for text in notes:
        console.print(Text(text))
    console.print(table)
    if footer:
        console.print(Text(footer))
