"""A document as a self-contained printable HTML page (A4, CJK fonts), with its footer's
定稿/草稿 line."""

from __future__ import annotations

import html
from typing import Any

from unioncli import i18n
from unioncli.cli.report_formats.document import Doc, english
from unioncli.cli.report_formats.text import terminal_headers

_CSS = """
@page { size: A4 portrait; margin: 16mm 15mm 16mm 15mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; } }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       "SimSun", sans-serif; font-size: 9.5pt; line-height: 1.25; color: #000; margin: 0; }
@media screen { body { max-width: 180mm; margin: 8mm auto; } }
header { text-align: center; margin-bottom: 4mm; }
h1 { font-size: 15pt; margin: 0 0 1.5mm; font-weight: bold; }
header p { margin: 0; font-size: 9.5pt; }
table { width: 100%; border-collapse: collapse; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.5pt solid #555; padding: 0.45mm 1.8mm; vertical-align: top; }
table.year td:first-child { width: 46%; }
thead th { background: #e8e8e8; font-weight: bold; text-align: center; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.section th { background: #f3f3f3; text-align: left; font-weight: bold;
                break-after: avoid; page-break-after: avoid; }
td.l1 { padding-left: 6mm; } td.l2 { padding-left: 10mm; }
tr.total td { font-weight: bold; border-top: 1pt solid #000; }
footer { margin-top: 4mm; font-size: 8pt; color: #333; border-top: 0.5pt solid #999;
         padding-top: 1.5mm; display: flex; flex-wrap: wrap; gap: 0 6mm; }
""".strip()


def to_html(
    doc: Doc, *, made: str, version: str, fingerprint: str, status: str | None = None
) -> str:
    """A self-contained page made for paper: A4 portrait, CJK fonts, rows never split.
    ``status``: the footer's 定稿/草稿 line (a yearly report's; none for the other reports)."""
    e = html.escape
    lang = "en" if english() else "zh-CN"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(doc.title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{e(doc.title)}</h1>",
        *(f"<p>{e(note)}</p>" for note in doc.notes),
        "</header>",
        f'<table class="{doc.kind}">',
        "<thead><tr>"
        + "".join(
            f"<th>{'<br>'.join(e(p) for p in h.split(chr(10)))}</th>" for h in terminal_headers(doc)
        )
        + "</tr></thead>",
    ]
    span = len(doc.headers)
    for s in doc.sections:
        out.append("<tbody>")
        if s.name:
            out.append(f'<tr class="section"><th colspan="{span}">{e(s.name)}</th></tr>')
        for r in s.rows:
            cls = ' class="total"' if r.total else ""
            cells = []
            for i, c in enumerate(r.cells):
                classes = []
                if doc.numeric[i]:
                    classes.append("num")
                if i == 0 and r.level:
                    classes.append(f"l{min(r.level, 2)}")
                attr = f' class="{" ".join(classes)}"' if classes else ""
                cells.append(f"<td{attr}>{e(c.text)}</td>")
            out.append(f"<tr{cls}>{''.join(cells)}</tr>")
        out.append("</tbody>")
    out += [
        "</table>",
        "<footer>",
        f'<span class="made">{e(i18n.t("rep.made", at=made))}</span>',
        f'<span class="version">{e(i18n.t("rep.version", version=version))}</span>',
        f'<span class="fingerprint">{e(i18n.t("rep.fingerprint", fp=fingerprint))}</span>',
        *([f'<span class="status">{e(status)}</span>'] if status else []),
        "</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)


def issue_status(issued: Any, printed_as_issued: bool) -> str:
    """The HTML footer's 定稿/草稿: 定稿 with the issue's time when the figures printed are the
    latest issued version (``issued``: a ``services.issued.Issued`` or None), else 草稿 — naming
    the issue's day when one exists but differs."""
    if issued is None:
        return i18n.t("rep.draft")
    if printed_as_issued:
        return i18n.t("rep.final", at=issued.shown_at, version=issued.version)
    return i18n.t("rep.draft_differs", day=issued.issued_on)
