"""A document in the format asked for (markdown, csv, html, xlsx)."""

from __future__ import annotations

from collections.abc import Callable

from unioncli.cli.report_formats.document import Doc
from unioncli.cli.report_formats.html_page import to_html
from unioncli.cli.report_formats.text import to_csv, to_markdown
from unioncli.cli.report_formats.xlsx import to_xlsx


def write(doc: Doc, fmt: str, **html_meta: str) -> str | bytes:
    """The document in ``fmt`` (markdown, csv, html, xlsx)."""
    writers: dict[str, Callable[[], str | bytes]] = {
        "markdown": lambda: to_markdown(doc),
        "csv": lambda: to_csv(doc),
        "html": lambda: to_html(doc, **html_meta),
        "xlsx": lambda: to_xlsx(doc),
    }
    return writers[fmt]()
