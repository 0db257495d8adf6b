"""A document as one XLSX sheet: the CSV's rows, figures as numbers formatted with their unit
(openpyxl loads only when a workbook is written)."""

from __future__ import annotations

import io

from unioncli.cli.report_formats.document import Doc
from unioncli.cli.report_formats.text import csv_rows


def to_xlsx(doc: Doc) -> bytes:
    """One sheet with the rows of the CSV; figures are numbers formatted with their unit."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = doc.sheet[:31]
    for i, cells in enumerate(csv_rows(doc), start=1):
        for j, c in enumerate(cells, start=1):
            value = c.value if c.value is not None else c.text
            if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not c.numeric:
                value = "'" + value  # a label is never a formula
            cell = sheet.cell(row=i, column=j, value=value)
            if c.number_format and not isinstance(value, str):
                cell.number_format = c.number_format
            if i == 1:
                cell.font = Font(bold=True)
    widths: dict[int, int] = {}
    for cells in csv_rows(doc):
        for j, c in enumerate(cells, start=1):
            widths[j] = max(
                widths.get(j, 6), sum(2 if ord(ch) > 0x2E7F else 1 for ch in c.text) + 2
            )
    from openpyxl.utils import get_column_letter

    for j, w in widths.items():
        sheet.column_dimensions[get_column_letter(j)].width = min(w, 48)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
