"""Issued yearly reports (定稿): ``report issue``, ``report diff``, ``report year --as-issued``.

The yearly report is what a federation signs and sends upward. A correction of a past record (an
aid reversal, a late import of past-dated rows, an edit) changes that year — that is what
corrections are for —, so the issued figures are kept, and what differs now is explained by the
audit entries recorded since.

- ``issue`` (the write, through the unit of work) stores the exact object ``report year YEAR
  --format json`` prints for the scope, the ledger fingerprint, the operator, the UTC time, the
  note and ``audit_mark``: the last audit entry before the issue. Issuing again adds a version.
- ``latest`` and ``diff`` (the read side) read through ``services.report``'s ``Query``: the
  standard library's sqlite3 on a SQLite ledger, no SQLAlchemy.

Changes (``diff``): maps are compared entry by entry, under a dotted key —
``aid.by_kind.warmth.amount_fen``, ``hardship.closed_by_reason.recovered`` —, a code absent
from one side's map counting 0 (the report leaves zero entries out of its maps); a key absent
from the issued object altogether (a key added by a later version of unioncli) is issued None.

Causes (``diff``): the audit entries after ``audit_mark`` (reveals and issues aside) that touch
the year, decided from what is stored by one mechanism over ``DATED`` (audit entity → table and
its date columns): the entry's record looked up by id, the dates in its before/after JSON, and
for an import batch the rows that carry its ``batch_id`` and the rows it changed
(``import_change``). A date *in* the year touches it (an aid entry, a month of a station's
ledger); a date a state holds *from* (opened, closed, founded, a status since, a review's
category) touches every year from its own on, because it changes the state in force on 31
December; a round year (``year``) touches that year. An entry that cannot be dated (its record
and its rows are gone, e.g. an undone import, and its JSON has no date) is listed as a possible
cause. Causes are listed only when something changed, and they are the whole ledger's entries,
whatever the scope of the diff (an entry is not traced to a union or a township).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from unioncli import i18n
from unioncli.errors import NotFound
from unioncli.services.common import clean_text
from unioncli.services.figures import Query, Scope, year_bounds

if TYPE_CHECKING:
    from unioncli.db.read import Source
    from unioncli.db.uow import UnitOfWork

__all__ = [
    "DATED",
    "Cause",
    "Change",
    "Diff",
    "Issued",
    "diff",
    "issue",
    "latest",
    "require_latest",
    "same_figures",
    "scope_key",
]

i18n.register_fields({"note": ("备注", "note")})
i18n.register(
    {
        "issued.none": (
            "{year} 年度（{scope}）尚未定稿；定稿：unioncli report issue {year}",
            "{year} ({scope}) has not been issued; issue it: unioncli report issue {year}",
        ),
    }
)

ISSUE_ACTION = "report.issue"
# entries that change no figure: a look at whole ID numbers, and an issue itself
QUIET_ACTIONS = ("reveal", ISSUE_ACTION)

IN, FROM, ROUND = "in", "from", "round"  # a date in the year; a state from a date; a round year

# audit entity (or import_change entity) → (table, {date column: how it touches a year}).
# Entities not here (settings: low_income_line, grant_round, grant_standard, ledger_meta) hold
# no figure. A table with no date column (person: a corrected ID number changes a sex) is
# looked up for nothing: its entries are dated by their JSON, else they cannot be dated.
DATED: dict[str, tuple[str, dict[str, str]]] = {
    "org": ("org", {"founded": FROM, "dissolved_on": FROM}),
    "person": ("person", {}),
    "member": ("member", {"status_since": FROM}),
    "member_event": ("member_event", {"event_date": FROM}),
    "hardship_file": ("hardship_file", {"opened_on": FROM, "closed_on": FROM}),
    "hardship_family": ("hardship_family", {}),
    "hardship_review": ("hardship_review", {"review_date": FROM}),
    "hardship_visit": ("hardship_visit", {"visit_date": IN}),
    "aid": ("aid", {"aid_date": IN}),
    "grant": ("student_grant", {"year": ROUND, "paid_on": FROM, "decided_on": FROM}),
    "student_grant": ("student_grant", {"year": ROUND, "paid_on": FROM, "decided_on": FROM}),
    "station": ("station", {"opened_on": FROM, "status_since": FROM, "closed_on": FROM}),
    "station_event": ("station_event", {"event_date": FROM}),
    "station_rating": ("station_rating", {"year": ROUND}),
    "station_log": ("station_log", {"month": IN}),
}
# the tables whose rows carry the import that created them (``batch_id``), parents first
BATCH_TABLES: tuple[str, ...] = (
    "org",
    "person",
    "member",
    "member_event",
    "hardship_file",
    "hardship_review",
    "hardship_visit",
    "aid",
    "student_grant",
    "station",
    "station_event",
    "station_rating",
    "station_log",
)
# how a key of an entry's before/after JSON touches a year; any other ISO date: FROM
_JSON_KEYS = {column: how for _, columns in DATED.values() for column, how in columns.items()}
_JSON_KEYS |= {"rating_year": ROUND, "date": IN}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def scope_key(scope: Scope | None) -> str:
    """The scope as ``report_issue.scope`` keeps it: '' for the whole ledger, else
    ``county=…;township=…;org=<id>`` (the parts given, in that order)."""
    if scope is None or scope.whole:
        return ""
    parts = []
    if scope.county is not None:
        parts.append(f"county={scope.county}")
    if scope.township is not None:
        parts.append(f"township={scope.township}")
    if scope.org_id is not None:
        parts.append(f"org={scope.org_id}")
    return ";".join(parts)


def _utc(value: Any) -> str:
    """A stored UTC time as ``2026-12-03T10:45:00Z``: SQLite's text (UTC, no offset) or a
    server's datetime. (Not ``models.audit.canonical_at``: importing the models package loads
    SQLAlchemy, which the read side on SQLite does without.)"""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    if at.utcoffset() is None:
        at = at.replace(tzinfo=UTC)
    return str(at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


@dataclass(frozen=True)
class Issued:
    """One issued version of a year's figures for a scope."""

    id: int
    year: int
    scope: str
    version: int  # 第 N 版: this one's place among the issues of its year and scope
    figures: dict[str, Any]
    fingerprint: str
    audit_mark: int
    operator: str
    issued_at: str  # UTC, ``2026-12-03T10:45:00Z``
    note: str | None

    @property
    def issued_on(self) -> str:
        return self.issued_at[:10]

    @property
    def shown_at(self) -> str:
        """``2026-12-03 10:45 UTC``: how a printout names the moment."""
        return f"{self.issued_at[:10]} {self.issued_at[11:16]} UTC"


def _as_json(data: dict[str, Any]) -> dict[str, Any]:
    """The figures as JSON gives them back (what ``report_issue.figures`` holds)."""
    loaded: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False))
    return loaded


def same_figures(figures: dict[str, Any], issued: Issued | None) -> bool:
    """Whether the figures printed are exactly the issued version's."""
    return issued is not None and _as_json(figures) == issued.figures


def issue(uow: UnitOfWork, year: int, scope: Scope | None, note: str | None = None) -> Issued:
    """Issue the year's figures for ``scope`` as a new version; audited (``report.issue``).
    The caller commits.

    On PostgreSQL the audit chain's lock is taken first: a writer committing meanwhile appends
    its audit entries after this issue (after ``audit_mark``), so no change ever lands unseen
    between the figures and the mark. The lock is the last any writer takes, and this
    transaction takes no other after it, so no two wait for each other.
    """
    from sqlalchemy import func, select
    from sqlmodel import col

    from unioncli.db.uow import lock_audit_chain
    from unioncli.models import AuditEntry, ReportIssue
    from unioncli.services.report import ledger_fingerprint, year_report

    text = clean_text(note, "note", max_len=500)
    session = uow.session
    conn = session.connection()
    lock_audit_chain(conn)
    mark = int(session.execute(select(func.max(col(AuditEntry.id)))).scalar() or 0)
    figures = _as_json(year_report(conn, year, scope))
    fingerprint = ledger_fingerprint(conn)
    key = scope_key(scope)
    row = ReportIssue(
        year=year,
        scope=key,
        figures=json.dumps(figures, ensure_ascii=False),
        fingerprint=fingerprint,
        audit_mark=mark,
        operator=uow.operator,
        note=text,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    version = int(
        session.execute(
            select(func.count())
            .select_from(ReportIssue)
            .where(
                col(ReportIssue.year) == year,
                col(ReportIssue.scope) == key,
                col(ReportIssue.id) <= row.id,
            )
        ).scalar_one()
    )
    uow.audit(
        ISSUE_ACTION,
        "report_issue",
        row.id,
        after={
            "year": year,
            "scope": key,
            "version": version,
            "fingerprint": fingerprint,
            "audit_mark": mark,
        },
        reason=text,
    )
    return Issued(
        id=row.id,
        year=year,
        scope=key,
        version=version,
        figures=figures,
        fingerprint=fingerprint,
        audit_mark=mark,
        operator=row.operator,
        issued_at=_utc(row.issued_at),
        note=text,
    )


_LATEST = """
SELECT r.id, r.figures, r.fingerprint, r.audit_mark, r.operator, r.issued_at, r.note,
       (SELECT COUNT(*) FROM report_issue v
        WHERE v.year = r.year AND v.scope = r.scope AND v.id <= r.id)
FROM report_issue r
WHERE r.year = :year AND r.scope = :scope
ORDER BY r.id DESC
LIMIT 1
"""


def _latest(q: Query, year: int, scope: Scope | None) -> Issued | None:
    key = scope_key(scope)
    found = q(_LATEST, {"year": year, "scope": key})
    if not found:
        return None
    rid, figures, fingerprint, mark, operator, at, note, version = found[0]
    return Issued(
        id=int(rid),
        year=year,
        scope=key,
        version=int(version),
        figures=json.loads(figures),
        fingerprint=str(fingerprint),
        audit_mark=int(mark),
        operator=str(operator),
        issued_at=_utc(at),
        note=note,
    )


def latest(source: Source, year: int, scope: Scope | None = None) -> Issued | None:
    """The latest issued version of ``year`` for ``scope``; None when never issued."""
    from unioncli.db.read import reading

    with reading(source) as q:
        return _latest(q, year, scope)


def require_latest(source: Source, year: int, scope: Scope | None, scope_name: str) -> Issued:
    """``latest``, or ``NotFound`` (exit 3) naming the year and how to issue it."""
    found = latest(source, year, scope)
    if found is None:
        raise NotFound("issued.none", year=year, scope=scope_name)
    return found


# --- report diff -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    key: str
    issued: Any
    now: Any


@dataclass(frozen=True)
class Cause:
    audit_id: int
    action: str
    entity: str
    entity_id: int | None
    at: str  # UTC
    operator: str
    reason: str | None


@dataclass(frozen=True)
class Diff:
    year: int
    issued: Issued
    changes: list[Change] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "issued_at": self.issued.issued_at,
            "changes": [{"key": c.key, "issued": c.issued, "now": c.now} for c in self.changes],
            "causes": [
                {
                    "audit_id": c.audit_id,
                    "action": c.action,
                    "entity": c.entity,
                    "entity_id": c.entity_id,
                    "at": c.at,
                    "operator": c.operator,
                    "reason": c.reason,
                }
                for c in self.causes
            ],
        }


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = prefix + key
        if isinstance(value, dict):
            out.update(_flat(value, name + "."))
        else:
            out[name] = value
    return out


def _leaves(data: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """Every value of the report under its dotted key, with the report key it lies in."""
    out: dict[str, tuple[str, Any]] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update({k: (key, v) for k, v in _flat(value, key + ".").items()})
        else:
            out[key] = (key, value)
    return out


def changes(issued: dict[str, Any], now: dict[str, Any]) -> list[Change]:
    """Each dotted key whose value differs, in the report's order (see the module)."""
    then_leaves, now_leaves = _leaves(issued), _leaves(now)
    keys = list(then_leaves) + [k for k in now_leaves if k not in then_leaves]

    def value(side: dict[str, Any], leaves: dict[str, tuple[str, Any]], key: str) -> Any:
        if key in leaves:
            return leaves[key][1]
        top = (then_leaves.get(key) or now_leaves[key])[0]
        # a code absent from a map the side has counts 0; a key the side lacks is None
        return 0 if top != key and isinstance(side.get(top), dict) else None

    out = []
    for key in keys:
        a, b = value(issued, then_leaves, key), value(now, now_leaves, key)
        if a != b:
            out.append(Change(key, a, b))
    return out


def _json_touch(text: str | None, bounds: dict[str, Any], year: int) -> bool | None:
    """Whether a before/after JSON dates its change in the year (None: it holds no date)."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    found: bool | None = None

    def walk(value: Any, key: str) -> None:
        nonlocal found
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        else:
            hit = _value_touch(key, value, bounds, year)
            if hit is not None:
                found = bool(found) or hit

    walk(data, "")
    return found


def _value_touch(key: str, value: Any, bounds: dict[str, Any], year: int) -> bool | None:
    if key.endswith("_at"):
        return None  # a time something was recorded (created_at, undone_at), not a business date
    how = _JSON_KEYS.get(key, FROM)
    if how == ROUND:
        return value == year if isinstance(value, int) and not isinstance(value, bool) else None
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    if how == IN:
        return bounds["start"] <= day <= bounds["end"]
    return day <= bounds["end"]


def _conditions(columns: dict[str, str]) -> str:
    """SQL: a row of these date columns touches the year (:start, :end, :year)."""
    parts = []
    for column, how in columns.items():
        if how == IN:
            parts.append(f"{column} BETWEEN :start AND :end")
        elif how == FROM:
            parts.append(f"{column} <= :end")
        else:
            parts.append(f"{column} = :year")
    return " OR ".join(parts)


def _record_touch(
    q: Query, entity: str, entity_id: int | None, params: dict[str, Any]
) -> bool | None:
    """Whether the entry's record has a date touching the year (None: no record, or no dates)."""
    mapped = DATED.get(entity)
    if mapped is None or entity_id is None:
        return None
    table, columns = mapped
    if not columns:
        return None
    found = q(
        f"SELECT CASE WHEN {_conditions(columns)} THEN 1 ELSE 0 END FROM {table} WHERE id = :id",
        {**params, "id": entity_id},
    )
    return None if not found else bool(found[0][0])


def _entry_touch(
    q: Query,
    entity: str,
    entity_id: int | None,
    before: str | None,
    after: str | None,
    params: dict[str, Any],
) -> bool | None:
    """Whether a change (an audit entry, a row an import changed) touches the year; None: it
    cannot be dated from what is stored."""
    if entity == "import_batch" and entity_id is not None:
        return _batch_touch(q, entity_id, params)
    if entity not in DATED:
        return False  # a setting (a year's 低保 line, a grant budget), the ledger: no figure
    year = int(params["year"])
    by_json = [_json_touch(t, params, year) for t in (before, after)]
    if any(by_json):
        return True
    by_record = _record_touch(q, entity, entity_id, params)
    if by_record is not None:
        return by_record
    return False if any(v is not None for v in by_json) else None


def _batch_touch(q: Query, batch_id: int, params: dict[str, Any]) -> bool | None:
    """An import batch touches the year when a row it created, or a row it changed, does."""
    left = False
    for table in BATCH_TABLES:
        columns = next((c for _, (t, c) in DATED.items() if t == table), {})
        keep = {**params, "batch": batch_id}
        if columns:
            hit = q(
                f"SELECT 1 FROM {table} WHERE batch_id = :batch AND ({_conditions(columns)}) "
                "LIMIT 1",
                keep,
            )
            if hit:
                return True
        if not left:
            left = bool(q(f"SELECT 1 FROM {table} WHERE batch_id = :batch LIMIT 1", keep))
    for entity, entity_id, before, after in q(
        "SELECT entity, entity_id, before, after FROM import_change WHERE batch_id = :batch "
        "ORDER BY id",
        {"batch": batch_id},
    ):
        left = True
        if _entry_touch(q, str(entity), int(entity_id), before, after, params):
            return True
    return False if left else None


_SINCE = """
SELECT id, action, entity, entity_id, at, operator, reason, before, after FROM audit_log
WHERE id > :mark AND action NOT IN ('reveal', 'report.issue')
ORDER BY id
"""


def causes(q: Query, year: int, mark: int, *, undated: bool) -> list[Cause]:
    """The audit entries after ``mark`` that touch ``year``; with ``undated``, those that cannot
    be dated too."""
    params: dict[str, Any] = {**year_bounds(year), "year": year}
    out = []
    for rid, action, entity, entity_id, at, operator, reason, before, after in q(
        _SINCE, {"mark": mark}
    ):
        eid = None if entity_id is None else int(entity_id)
        touch = _entry_touch(q, str(entity), eid, before, after, params)
        if touch or (touch is None and undated):
            out.append(
                Cause(
                    audit_id=int(rid),
                    action=str(action),
                    entity=str(entity),
                    entity_id=eid,
                    at=_utc(at),
                    operator=str(operator),
                    reason=reason,
                )
            )
    return out


def diff(source: Source, year: int, scope: Scope | None = None) -> Diff | None:
    """The year's figures now against its latest issued version for ``scope``: the keys that
    differ and the audit entries that touch the year since (see the module); None when the year
    was never issued for the scope."""
    from unioncli.db.read import reading
    from unioncli.services.report import _check_scope, _report

    with reading(source) as q:
        _check_scope(q, scope)
        found = _latest(q, year, scope)
        if found is None:
            return None
        now = _as_json(_report(q, year, scope))
        changed = changes(found.figures, now)
        # nothing changed: nothing to explain (an entry may touch the year and change no figure
        # of this scope, e.g. another township's)
        because = causes(q, year, found.audit_mark, undated=True) if changed else []
        return Diff(year=year, issued=found, changes=changed, causes=because)
