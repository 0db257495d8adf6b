"""``db copy``: a ledger copied between a SQLite file and a server, or merged into a shared one.

Generic over the schema: every table of ``SQLModel.metadata`` and every column, in foreign-key
order, streamed a chunk at a time (a city's ledger never sits whole in memory). The destination
is brought to the schema head by the same Alembic migrations; the source must already be there
(it is only read, in one snapshot).

- An empty destination gets a plain copy: the same ids, the audit chain as it is (it stays valid),
  PostgreSQL's sequences moved past the copied ids.
- A destination that already holds a ledger (a city's server with other counties) gets a merge:
  every row a fresh id, foreign keys remapped through per-table maps; a person already there (same
  ID number) is reused, never stored twice; a settings row (a year's 低保 line, grant round and
  standards, ``ledger_meta``: tables keyed by their values, not by an ``id``) that is identical is
  reused. Any other unique value already there (a union's name or USCC, a card number, a file
  number, a station code, a person who is a member on both sides or heads an open file on both…)
  is a conflict: the copy is refused, listing the first few, and nothing is written. The source's
  audit entries, after its chain is verified, are appended to the destination's chain through the
  one audit writer (new ids and hashes; time, operator, action, reason, before and after kept; the
  entity's id remapped). Issued reports (``report_issue``) are not merged, nor copied with a
  county's part: they hold for the ledger they were issued from (a plain copy keeps them).
- ``county``: unions and stations without a county are stamped with it (a county's own ledger
  joining a city's). A source that holds other counties gives only that county's part: its unions
  and stations and every row hanging off them (downward along foreign keys), the rows those
  reference (upward: people, the unions members came from…), and the rows that belong to no union
  but to the part's people (a grant without a hardship file, through its parent or student).

One transaction on the destination: copy, then verify — every table's row count (copied = chosen
at the source) and the yearly report of every year with data (whole ledger, or the county's part),
the destination's figures equal to its figures before plus the source's — and the audit chain;
then one ``db.copy`` audit entry (counts only, no personal data) and the commit. Any difference
rolls everything back. On PostgreSQL the copy holds the audit chain's lock throughout: clerks'
saves queue until it commits, so the figures before and after are the copy's alone.

The rooms: ``where`` (a typed address, opening each side), ``tables`` (the schema as the copy
sees it, reading rows by the driver), ``values`` (each driver's column values), ``copier`` (rows
written as they are or merged: fresh ids, remapped references, conflicts, the audit chain),
``part`` (a county's part of a source), ``checks`` (the schema, counts, yearly reports, chain) and
``run`` (``copy_ledger``: the one transaction, from start to end).
"""
