"""All terminal output: Rich tables, CSV and JSON. The only module that imports rich.

Output is deterministic when stdout is not a terminal: fixed width (``COLUMNS`` or 100), no colour.
"""

from __future__ import annotations

import copy
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

# A table of more rows than this is laid out by Rich from two sample rows and then written line
# by line here (``_print_table``): Rich renders ~4,000 cells a second, so the by-union report of
# a city (8,000 unions, 12 columns) took 20 s on screen. The lines are the ones Rich would write
# (tests/test_render.py compares them).
FAST_ROWS = 200


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
    console = _console()
    _print_table(console, table, [([_cell(c, r) for c in columns], None, False) for r in items])
    if footer:
        console.print(Text(footer))


# a row of a table: its cells, its style ("bold" for totals) and whether a section ends after it
TableRow = tuple[Sequence[str], str | None, bool]


def _print_table(console: Console, table: Table, body: Sequence[TableRow]) -> None:
    """Print ``table`` (columns set, no rows yet) with ``body``: through Rich for a short table,
    else in Rich's layout written line by line."""
    if len(body) <= FAST_ROWS:
        _rich_rows(console, table, body)
        return
    # Rich's column widths depend on each column's widest cell and longest word only: lay out
    # a table of those two sample rows, then write every row in that layout
    columns = table.columns
    probe = copy.deepcopy(table)  # the original stays empty, for Rich if it must draw it after all
    widest: list[str] = []
    longest_word: list[str] = []
    for i in range(len(columns)):
        column_cells = [cells[i] for cells, _, _ in body]
        widest.append(max(column_cells, key=_widest_line, default=""))
        longest_word.append(max(column_cells, key=_longest_word, default=""))
    probe.add_row(*(Text(c) for c in widest))
    probe.add_row(*(Text(c) for c in longest_word))
    extra = probe._extra_width
    widths = probe._calculate_column_widths(
        console, console.options.update_width(console.options.max_width - extra)
    )
    table_width = sum(widths) + extra
    last = len(columns) - 1
    pads = [0 if i == last else 1 for i in range(len(columns))]  # padding (0, 1, 0, 0), no edge
    if table_width > console.options.max_width or any(
        w - p < 1 for w, p in zip(widths, pads, strict=True)
    ):
        # a terminal too narrow for the columns: Rich squeezes and crops them its own way
        _rich_rows(console, table, body)
        return

    def lines_of(cells: Sequence[str], bottom: bool = False) -> list[str]:
        blocks = []
        for i, (text, column) in enumerate(zip(cells, columns, strict=True)):
            width = widths[i] - pads[i]
            justify = column.justify
            if (
                cell_len(text) <= width
                and justify in ("left", "right")
                and not text.endswith(" ")
                and "\n" not in text
                and "\t" not in text
            ):
                gap = " " * (width - cell_len(text))
                blocks.append([(text + gap if justify == "left" else gap + text) + " " * pads[i]])
                continue
            wrapped = Text(text).wrap(
                console,
                width,
                justify=justify,
                overflow=column.overflow,
                no_wrap=column.no_wrap,
            )
            blocks.append([w.plain + " " * (width - w.cell_len + pads[i]) for w in wrapped])
        height = max(len(b) for b in blocks)
        for i, b in enumerate(blocks):  # cells align to the top, headers to the bottom
            blank = [" " * widths[i]] * (height - len(b))
            blocks[i] = blank + b if bottom else b + blank
        return [" ".join(b[n] for b in blocks) for n in range(height)]

    styled: list[tuple[str, str | None]] = []
    if table.title:
        title = Text(str(table.title)).wrap(console, table_width, justify=table.title_justify)
        styled += [(t.plain + " " * (table_width - t.cell_len), "bold") for t in title]
    if table.show_header:
        styled += [(ln, "bold") for ln in lines_of([str(c.header) for c in columns], bottom=True)]
        styled.append(("─" * table_width, None))
    for n, (cells, style, end) in enumerate(body):
        styled += [(ln, style) for ln in lines_of(cells)]
        if end and n < len(body) - 1:  # a section's rule, between sections only
            styled.append((" " * table_width, None))
    if console.is_terminal:
        for text, style in styled:
            console.print(Text(text, style=style or ""), soft_wrap=True)
    else:
        console.file.write("".join(text + "\n" for text, _ in styled))


def _rich_rows(console: Console, table: Table, body: Sequence[TableRow]) -> None:
    # cells are Text, not markup: a reason "[补录]" or a name with ":" prints as typed
    for cells, style, end in body:
        table.add_row(*(Text(c) for c in cells), style=style, end_section=end)
    console.print(table)


def _widest_line(text: str) -> int:
    return max((cell_len(ln) for ln in text.splitlines()), default=0)


def _longest_word(text: str) -> int:
    return max((cell_len(w) for w in text.split()), default=0)


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
    body: list[TableRow] = []
    for name, items in groups:
        if name:
            body.append(([name, *([""] * (len(headers) - 1))], "bold", False))
        for i, (cells, total) in enumerate(items):
            body.append((cells, "bold" if total else None, i == len(items) - 1))
    console = _console()
    if title:
        console.print(Text(title, style="bold"))
    for text in notes:
        console.print(Text(text))
    _print_table(console, table, body)
    if footer:
        console.print(Text(footer))
