"""The yearly report as a document, and its writers: Markdown, CSV, printable HTML and XLSX.

A ``document.Doc`` holds what a reader sees — titled sections of rows of cells, each cell with the
text an annual review writes (``1,488人``, ``123.00万元``, ``1.3万人次``) and, for XLSX, the number
behind it with a number format that shows the same unit. The terminal table is drawn from the same
document by ``unioncli.cli.render``; no Rich here.

The rooms: ``document`` (cells, rows, units, and every ``rep.*`` message), ``reports`` (the year,
by-union, by-county and trend reports as documents), ``text`` (terminal rows, Markdown, CSV),
``html_page`` (the printable page), ``xlsx``, and ``writer`` (``write``: a document in a format).
"""
