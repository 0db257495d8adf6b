"""Outdoor-workers' stations (户外劳动者服务站点 / 工会驿站), one room a module: ``rules`` (parsing,
lookups, the status history, months and years open to records), ``register`` (add, update),
``status`` (suspend, close, reopen), ``ratings``, ``logs`` (the monthly service ledger) and
``figures`` (the yearly figures). Reads — show, list, the standard check, the ledger's totals —
are ``views/stations`` (SPEC §2.4).

Rules kept here and nowhere else:

- which status change is allowed from which status is decided in ``TRANSITIONS``; a change is
  dated, not before the station opened nor before its last status change, and not in the future;
  every status is a dated ``station_event`` (the opening, each suspension, closing, reopening),
  and ``station.status``/``status_since``/``closed_on`` are the latest one's, kept for lists;
- the past reads the history: a ledger month or a rating year is refused only while the station
  was closed throughout it (a reopened station logs again from its reopening month);
- one rating per station per year: a second one for the same year replaces it (the audit log keeps
  what it was); lowering and withdrawing (``none``) are ratings too;
- one ledger entry per station per month; a second one is refused unless replacing, which is
  audited; no entry for a month before the opening month or after the closing month;
- yearly figures sum the monthly entries in SQL, never anything else.

Reads that imports need (``rules.resolve_station``, ``rules.check_log_month``,
``figures.year_figures``) take a Session or a Connection and select plain columns.
"""
