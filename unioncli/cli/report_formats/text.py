"""A document as text: the terminal's rows and headers (drawn by ``render``), CSV and Markdown."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from unioncli.cli.report_formats.document import Cell, Doc, text_cell


def terminal_headers(doc: Doc) -> list[str]:
    """Headers of figure columns on two lines when long, so a wide table fits the terminal."""
    out = []
    for header, numeric in zip(doc.headers, doc.numeric, strict=True):
        cjk = any(ord(ch) > 0x2E7F for ch in header)
        if numeric and not cjk and " " in header:
            header = header.replace(" ", "\n", 1)
        elif numeric and cjk and len(header) >= 4 and not header[:1].isdigit():
            half = len(header) // 2
            header = header[:half] + "\n" + header[half:]
        out.append(header)
    return out


def terminal_groups(doc: Doc) -> list[tuple[str | None, list[tuple[list[str], bool]]]]:
    """The document as groups of text rows for ``render.grouped`` (row text, is a total)."""
    return [
        (
            s.name,
            [([doc.label(r)] + [c.text for c in r.cells[1:]], r.total) for r in s.rows],
        )
        for s in doc.sections
    ]


def csv_rows(doc: Doc) -> list[list[Cell]]:
    """The rows CSV and XLSX share: the header, then every row (with its section when grouped)."""
    grouped = doc.group_header is not None
    first_col = [doc.group_header] if doc.group_header is not None else []
    out: list[list[Cell]] = [[text_cell(h) for h in first_col + doc.headers]]
    for s in doc.sections:
        for r in s.rows:
            first = text_cell(doc.label(r))
            out.append(([text_cell(s.name or "")] if grouped else []) + [first, *r.cells[1:]])
    return out


def to_csv(doc: Doc) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for cells in csv_rows(doc):
        writer.writerow([c.text if c.csv is None else c.csv for c in cells])
    return buf.getvalue()


def plain_csv(header: Sequence[str], body: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return buf.getvalue()


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: Doc) -> str:
    out = [f"# {_md(doc.title)}", ""]
    for note in doc.notes:
        out += [_md(note), ""]
    align = ["---:" if n else ":---" for n in doc.numeric]
    for s in doc.sections:
        if s.name:
            out += [f"## {_md(s.name)}", ""]
        out.append("| " + " | ".join(_md(h) for h in doc.headers) + " |")
        out.append("| " + " | ".join(align) + " |")
        for r in s.rows:
            cells = [doc.label(r)] + [c.text for c in r.cells[1:]]
            texts = [_md(c) for c in cells]
            if r.total:
                texts = [f"**{c}**" if c else c for c in texts]
            out.append("| " + " | ".join(texts) + " |")
        out.append("")
    return "\n".join(out)
