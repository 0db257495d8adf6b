"""The yearly report (SPEC §4.3): every register's figures of a year, for the ledger or one part.

Read side only: plain SQL aggregates over integers (never rows loaded as objects), dates
compared as ranges so the date indexes serve them. Money is integer fen. Every reading function
takes an ``Engine`` or a ``Target``; given the Target of a SQLite ledger it reads through the
standard library's sqlite3 (``db.read``) and never imports SQLAlchemy — the fast way for a
command (a server database, or a ledger not at the schema head, goes through the engine).

Scope (``Scope``, from ``services/figures.py``): one union (``org_id``), the unions of one
township (``org.township``) or of one county (``org.county``, 区县: a city's shared ledger holds
several counties; a county's own ledger leaves it NULL); given together, they all apply.

- members.*: the events whose ``member_event.org_id`` is in the scope (the union the member was
  in, or moved to); moves out of the scope count as ``members.transferred_out``
  (``figures.member_figures``).
- orgs.*: the scope's unions.
- hardship.*: files whose ``hardship_file.org_id`` is in the scope; aid.*: entries to those files.
- grants.*: grants of the year's round paid by 31 December, whose file's union, else whose
  parent's union as in force on 31 December (the latest event of the membership by then), is
  in the scope (``grants.grant_org``); a grant with neither counts for the whole ledger only.
- stations.*: stations have a township and a county, no union: with a township or a county they
  are the stations there; with an org scope they are left out (0 and {}), and ``scope.stations``
  says so.

A scoped report carries ``scope.org_id``, ``scope.township``, ``scope.stations`` (``"township"``,
``"county"`` or ``"none"``) and ``scope.county``; the whole ledger's report has no ``scope.*``
key. A scope naming a county that no union and no station carries is refused (``NotFound``):
a misspelt county would otherwise print a report of zeros.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING, Any

from unioncli import i18n
from unioncli.db.read import reading
from unioncli.errors import NotFound
from unioncli.services.common import clean_text
from unioncli.services.figures import (
    ORG_IN_FORCE,
    Query,
    Scope,
    in_scope,
    member_figures_q,
    one,
    scope_params,
    year_bounds,
)

if TYPE_CHECKING:
    from unioncli.db.read import Source
    from unioncli.db.uow import UnitOfWork


__all__ = [
    "BY_COUNTY_KEYS",
    "BY_ORG_KEYS",
    "SPEC_KEYS",
    "TREND_KEYS",
    "Scope",
    "by_county",
    "by_county_totals",
    "by_org",
    "check_county",
    "county_order",
    "federation_name",
    "known_counties",
    "ledger_fingerprint",
    "report_with_previous",
    "set_federation_name",
    "trend",
    "year_report",
]

i18n.register_fields({"federation_name": ("总工会名称", "federation name")})
i18n.register(
    {
        "county.unknown": (
            "台账中没有属于“{county}”的基层工会或服务站点（台账中的区县：{known}）",
            "no union or station in the ledger belongs to “{county}” (counties: {known})",
        ),
        "county.none_in_ledger": (
            "本台账未划分区县，没有属于“{county}”的基层工会或服务站点；"
            "统计整个台账请去掉 --county（或设置的 UNIONCLI_COUNTY），或加 --city",
            "this ledger has no counties, so nothing belongs to “{county}”; for the whole "
            "ledger drop --county (or the UNIONCLI_COUNTY setting), or add --city",
        ),
    }
)

SPEC_KEYS: tuple[str, ...] = (
    "year",
    "members.new",
    "members.new_migrant",
    "members.new_gig",
    "members.new_gig_by_group",
    "members.transferred_in",
    "members.transferred_out",
    "members.retained",
    "members.left",
    "members.active_end",
    "orgs.new",
    "orgs.total_end",
    "hardship.opened",
    "hardship.closed",
    "hardship.closed_by_reason",
    "hardship.open_end",
    "hardship.open_end_by_category",
    "aid.households",
    "aid.person_times",
    "aid.amount_fen",
    "aid.by_kind",
    "grants.students",
    "grants.amount_fen",
    "grants.by_level",
    "grants.hardship_children",
    "grants.migrant_children",
    "stations.opened",
    "stations.open_end",
    "stations.rated",
    "stations.visits",
    "stations.activities",
)

TREND_KEYS: tuple[str, ...] = (
    "members.new",
    "members.active_end",
    "hardship.open_end",
    "aid.households",
    "aid.amount_fen",
    "grants.students",
    "grants.amount_fen",
    "stations.open_end",
    "stations.visits",
)

BY_ORG_KEYS: tuple[str, ...] = (
    "members.new",
    "members.new_migrant",
    "members.active_end",
    "hardship.opened",
    "hardship.open_end",
    "aid.households",
    "aid.person_times",
    "aid.amount_fen",
    "grants.students",
    "grants.amount_fen",
)

# the main figures of ``report by-county``: each is a sum over the counties (a county's
# transfers out include moves to another county's union, so members.transferred_out is not)
BY_COUNTY_KEYS: tuple[str, ...] = (
    "members.new",
    "members.new_migrant",
    "members.active_end",
    "orgs.total_end",
    "hardship.opened",
    "hardship.open_end",
    "aid.households",
    "aid.amount_fen",
    "grants.students",
    "grants.amount_fen",
    "stations.open_end",
    "stations.visits",
)

FEDERATION_NAME = "federation_name"

# --- hardship files and aid -------------------------------------------------------------------

_H_OPENED = """
SELECT COUNT(*) FROM hardship_file WHERE opened_on BETWEEN :start AND :end AND {scope}
"""
_H_CLOSED = """
SELECT close_reason, COUNT(*) FROM hardship_file
WHERE closed_on BETWEEN :start AND :end AND {scope}
GROUP BY close_reason
"""
# open at year end: opened by 31 December and not closed by then, by the category in force on
# 31 December: the latest review's by then (ties: the later entered), else the opening category
# (services/hardship/files.category_on, views/hardship/common.CATEGORY_ON). One correlated
# subquery per file, on ix_hardship_review_file_day_cover; the files come from
# ix_hardship_file_opened_on_cover.
_H_OPEN_END = """
SELECT cat, COUNT(*) FROM (
  SELECT COALESCE(
    (SELECT r.category FROM hardship_review r
     WHERE r.file_id = f.id AND r.review_date <= :end
     ORDER BY r.review_date DESC, r.id DESC LIMIT 1),
    f.opened_category) AS cat
  FROM hardship_file f
  WHERE f.opened_on <= :end AND (f.closed_on IS NULL OR f.closed_on > :end) AND {scope}
) AS year_end
GROUP BY cat
"""

# An entry counts unless it is a reversal or has been reversed (whenever): services/aid._counts.
# "reverses_id + 0" keeps SQLite off the unique index of reverses_id (most entries are NULL
# there): the date range on the covering index ix_aid_aid_date_kind_cover is what narrows.
_AID_COUNTS = """a.aid_date BETWEEN :start AND :end AND a.reverses_id + 0 IS NULL
  AND NOT EXISTS (SELECT 1 FROM aid r WHERE r.reverses_id = a.id)"""
_AID_BY_KIND = f"""
SELECT a.kind, COUNT(DISTINCT a.file_id), COUNT(*), COALESCE(SUM(a.amount_fen), 0) FROM aid a
WHERE {_AID_COUNTS} AND {{scope}}
GROUP BY a.kind
"""
_AID_HOUSEHOLDS = f"""
SELECT COUNT(DISTINCT a.file_id) FROM aid a WHERE {_AID_COUNTS} AND {{scope}}
"""


def _file_scope(scope: Scope | None) -> str:
    if scope is None or scope.whole:
        return "1 = 1"
    return f"a.file_id IN (SELECT id FROM hardship_file WHERE {in_scope(scope, 'org_id')})"


def _hardship(q: Query, params: dict[str, Any], scope: Scope | None) -> dict[str, Any]:
    where = in_scope(scope, "org_id")
    opened = one(q, _H_OPENED.format(scope=where), params)
    closed = {str(reason): int(n) for reason, n in q(_H_CLOSED.format(scope=where), params)}
    open_end_scope = in_scope(scope, "f.org_id")
    open_end = {str(cat): int(n) for cat, n in q(_H_OPEN_END.format(scope=open_end_scope), params)}
    return {
        "hardship.opened": int(opened),
        "hardship.closed": sum(closed.values()),
        "hardship.closed_by_reason": dict(sorted(closed.items())),
        "hardship.open_end": sum(open_end.values()),
        "hardship.open_end_by_category": dict(sorted(open_end.items())),
    }


def _aid(q: Query, params: dict[str, Any], scope: Scope | None) -> dict[str, Any]:
    where = _file_scope(scope)
    by_kind: dict[str, dict[str, int]] = {}
    for kind, households, n, fen in q(_AID_BY_KIND.format(scope=where), params):
        by_kind[str(kind)] = {
            "households": int(households),
            "person_times": int(n),
            "amount_fen": int(fen),
        }
    households = one(q, _AID_HOUSEHOLDS.format(scope=where), params) if by_kind else 0
    return {
        "aid.households": int(households),
        "aid.person_times": sum(k["person_times"] for k in by_kind.values()),
        "aid.amount_fen": sum(k["amount_fen"] for k in by_kind.values()),
        "aid.by_kind": dict(sorted(by_kind.items())),
    }


# --- grants and stations ----------------------------------------------------------------------
# The same rules as ``services/grants.year_figures`` and ``services/stations.year_figures`` (a
# test keeps them equal), in SQL here so that a report loads no table classes: the whole
# process stays well under a second on a county of a million members.

# a grant's union (grants.grant_org): its file's union, else the parent's union as in force on
# 31 December — the union of the latest event of the parent's membership dated by then (one
# seek per grant on member.person_id and ix_member_event_member_id_event_date)
_GRANT_ORG = """COALESCE(f.org_id, (
    SELECT e.org_id FROM member pm JOIN member_event e ON e.member_id = pm.id
    WHERE pm.person_id = g.parent_id AND e.event_date <= :end
    ORDER BY e.event_date DESC, e.id DESC LIMIT 1))"""
# the year's round, paid by 31 December: a payment dated in a later year never changes the year
_GRANTS_PAID = "g.year = :year AND g.status = 'paid' AND g.paid_on <= :end"
_GRANTS = f"""
SELECT g.level, g.eligibility, COUNT(DISTINCT g.student_id), COALESCE(SUM(g.amount_fen), 0)
FROM student_grant g{{joins}}
WHERE {_GRANTS_PAID} AND {{scope}}
GROUP BY g.level, g.eligibility
"""
_GRANT_JOINS = """
LEFT JOIN hardship_file f ON f.id = g.hardship_file_id"""

# The status of each station in force on 31 December: its latest event dated by then, one probe
# of ix_station_event_station_id_event_date a station (a station with no event, written by
# something older than the history, falls back on its closing date).
_STATION_STATE = """(SELECT e.status FROM station_event e
   WHERE e.station_id = s.id AND e.event_date <= :end
   ORDER BY e.event_date DESC, e.id DESC LIMIT 1)"""
_STATION_END = f"""
SELECT s.id, s.opened_on, s.township, s.county,
       COALESCE({_STATION_STATE},
                CASE WHEN s.closed_on <= :end THEN 'closed' ELSE 'open' END) AS state
FROM station s WHERE s.opened_on <= :end"""
_STATIONS = f"""
SELECT SUM(CASE WHEN opened_on >= :start THEN 1 ELSE 0 END),
       SUM(CASE WHEN state <> 'closed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN state = 'suspended' THEN 1 ELSE 0 END)
FROM ({_STATION_END}) x WHERE {{here}}
"""
_RATED = """
SELECT rating, COUNT(*) FROM station_rating
WHERE year = :year AND rating <> 'none' AND {of_here}
GROUP BY rating
"""
_LOGS = """
SELECT COALESCE(SUM(visits), 0), COALESCE(SUM(activities), 0) FROM station_log
WHERE month BETWEEN :start AND :last_month AND {of_here}
"""


def _grants(q: Query, params: dict[str, Any], scope: Scope | None) -> dict[str, Any]:
    if scope is None or scope.whole:
        statement = _GRANTS.format(joins="", scope="1 = 1")
    else:
        statement = _GRANTS.format(joins=_GRANT_JOINS, scope=in_scope(scope, _GRANT_ORG))
    by_level: dict[str, dict[str, int]] = {}
    by_elig: dict[str, int] = {}
    for level, elig, n, fen in q(statement, params):
        had = by_level.setdefault(str(level), {"students": 0, "amount_fen": 0})
        had["students"] += int(n)
        had["amount_fen"] += int(fen)
        by_elig[elig] = by_elig.get(elig, 0) + int(n)
    return {
        "grants.students": sum(f["students"] for f in by_level.values()),
        "grants.amount_fen": sum(f["amount_fen"] for f in by_level.values()),
        "grants.by_level": dict(sorted(by_level.items())),
        "grants.hardship_children": by_elig.get("hardship_file", 0),
        "grants.migrant_children": by_elig.get("migrant_member", 0),
    }


def _stations(q: Query, params: dict[str, Any], scope: Scope | None) -> dict[str, Any]:
    if scope is not None and scope.org_id is not None:
        return {
            "stations.opened": 0,
            "stations.open_end": 0,
            "stations.rated": {},
            "stations.visits": 0,
            "stations.activities": 0,
            "stations.suspended_end": 0,
        }
    conds = []
    if scope is not None and scope.township is not None:
        conds.append("township = :scope_township")
    if scope is not None and scope.county is not None:
        conds.append("county = :scope_county")
    here = of_here = "1 = 1"
    if conds:
        here = " AND ".join(conds)
        of_here = f"station_id IN (SELECT id FROM station WHERE {here})"
    opened, open_end, suspended_end = q(_STATIONS.format(here=here), params)[0]
    rated = {str(r): int(n) for r, n in q(_RATED.format(of_here=of_here), params)}
    visits, activities = q(_LOGS.format(of_here=of_here), params)[0]
    return {
        "stations.opened": int(opened or 0),
        "stations.open_end": int(open_end or 0),
        "stations.rated": dict(sorted(rated.items())),
        "stations.visits": int(visits),
        "stations.activities": int(activities),
        "stations.suspended_end": int(suspended_end or 0),
    }


# --- the report --------------------------------------------------------------------------------


def _report(q: Query, year: int, scope: Scope | None) -> dict[str, Any]:
    params = {
        **year_bounds(year),
        "year": year,
        "last_month": date(year, 12, 1),
        **scope_params(scope),
    }
    members = member_figures_q(q, year, scope).as_json()
    out: dict[str, Any] = {"year": year}
    out.update({k: v for k, v in members.items() if k.startswith("members.")})
    out.update({k: v for k, v in members.items() if k.startswith("orgs.")})
    out.update(_hardship(q, params, scope))
    out.update(_aid(q, params, scope))
    out.update(_grants(q, params, scope))
    out.update(_stations(q, params, scope))
    ordered = {k: out[k] for k in SPEC_KEYS}
    for k, v in out.items():  # the extras, after their register's SPEC keys
        if k not in ordered:
            ordered[k] = v
    if scope is not None and not scope.whole:
        ordered["scope.org_id"] = scope.org_id
        ordered["scope.township"] = scope.township
        ordered["scope.stations"] = (
            "none"
            if scope.org_id is not None
            else "township"
            if scope.township is not None
            else "county"
        )
        ordered["scope.county"] = scope.county
    return ordered


def _check_scope(q: Query, scope: Scope | None) -> None:
    if scope is not None and scope.county is not None:
        _check_county(q, scope.county)


def county_order(name: str) -> bytes:
    """Sort key of county names in the order a Chinese list takes: GB 2312 orders its common
    characters by pinyin (道里区, 南岗区, 平房区, …), without loading a pinyin table."""
    return name.encode("gb18030")


def _known_counties(q: Query) -> list[str]:
    found = q(
        "SELECT county FROM org WHERE county IS NOT NULL "
        "UNION SELECT county FROM station WHERE county IS NOT NULL",
        {},
    )
    return sorted((str(r[0]) for r in found), key=county_order)


def _check_county(q: Query, county: str) -> None:
    known = _known_counties(q)
    if county in known:
        return
    if not known:
        raise NotFound("county.none_in_ledger", county=county)
    raise NotFound("county.unknown", county=county, known=i18n.join(known))


def known_counties(source: Source) -> list[str]:
    """The counties (区县) some union or station carries, by pinyin; [] for a county's own
    ledger."""
    with reading(source) as q:
        return _known_counties(q)


def check_county(source: Source, county: str) -> None:
    """Refuse (``NotFound``, exit 3) a county that no union and no station carries."""
    with reading(source) as q:
        _check_county(q, county)


def year_report(source: Source, year: int, scope: Scope | None = None) -> dict[str, Any]:
    """Every SPEC §4.3 figure of ``year`` as one flat JSON-ready dict: first ``SPEC_KEYS`` in
    order, then the extras (``members.transferred_between_unions``, ``members.restored``,
    ``members.removed``, ``members.deceased``, ``members.retained_end``, ``orgs.dissolved``;
    ``stations.suspended_end``; ``scope.*``): counts int, money integer fen, maps keyed by the
    English codes and sorted; every key present (0 or {}
    when nothing). See the module for ``scope`` and ``source``."""
    with reading(source) as q:
        _check_scope(q, scope)
        return _report(q, year, scope)


def report_with_previous(
    source: Source, year: int, scope: Scope | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(this year's report, the previous year's), on one connection — for 同比."""
    with reading(source) as q:
        _check_scope(q, scope)
        return _report(q, year, scope), _report(q, year - 1, scope)


def trend(
    source: Source, from_year: int, to_year: int, scope: Scope | None = None
) -> list[dict[str, Any]]:
    """One dict per year from ``from_year`` to ``to_year``: ``year`` and ``TREND_KEYS``."""
    rows = []
    with reading(source) as q:
        _check_scope(q, scope)
        for year in range(from_year, to_year + 1):
            report = _report(q, year, scope)
            rows.append({"year": year, **{k: report[k] for k in TREND_KEYS}})
    return rows


# --- by union ----------------------------------------------------------------------------------

_BY_ORG_JOINS = """
SELECT org_id, COUNT(*), SUM(CASE WHEN migrant THEN 1 ELSE 0 END) FROM member_event
WHERE kind = 'join' AND event_date BETWEEN :start AND :end
GROUP BY org_id
"""
# members in each union at year end (see figures._IN_UNION_DELTA): entries and transfers in
# count +1 for the union they name, exits -1; a move counts -1 for the union it left
_BY_ORG_IN_UNION = """
SELECT org_id, SUM(CASE WHEN kind IN ('join', 'transfer_in') THEN 1 ELSE -1 END)
FROM member_event
WHERE kind IN ('join', 'transfer_in', 'transfer_out', 'leave', 'remove', 'death')
  AND event_date <= :end
GROUP BY org_id
UNION ALL
SELECT from_org_id, -COUNT(*) FROM member_event
WHERE kind = 'transfer_in' AND event_date <= :end AND from_org_id IS NOT NULL
GROUP BY from_org_id
"""
_BY_ORG_RETAINED = """
SELECT r.org_id, COUNT(*) FROM member_event r
WHERE r.kind = 'retain' AND r.event_date <= :end
  AND NOT EXISTS (
    SELECT 1 FROM member_event n
    WHERE n.member_id = r.member_id AND n.event_date <= :end
      AND (n.event_date > r.event_date OR (n.event_date = r.event_date AND n.id > r.id)))
GROUP BY r.org_id
"""
_BY_ORG_FILES = """
SELECT org_id,
       SUM(CASE WHEN opened_on >= :start THEN 1 ELSE 0 END),
       SUM(CASE WHEN closed_on IS NULL OR closed_on > :end THEN 1 ELSE 0 END)
FROM hardship_file WHERE opened_on <= :end
GROUP BY org_id
"""
_BY_ORG_AID = f"""
SELECT f.org_id, COUNT(DISTINCT a.file_id), COUNT(*), COALESCE(SUM(a.amount_fen), 0)
FROM aid a JOIN hardship_file f ON f.id = a.file_id
WHERE {_AID_COUNTS}
GROUP BY f.org_id
"""
_BY_ORG_GRANTS = f"""
SELECT org_id, COUNT(DISTINCT student_id), COALESCE(SUM(amount_fen), 0) FROM (
    SELECT g.student_id, g.amount_fen, {_GRANT_ORG} AS org_id
    FROM student_grant g
    LEFT JOIN hardship_file f ON f.id = g.hardship_file_id
    WHERE {_GRANTS_PAID}) t
GROUP BY org_id
"""


def _per_org(q: Query, params: dict[str, Any]) -> dict[int | None, dict[str, int]]:
    """``BY_ORG_KEYS`` of every union with any figure, by GROUP BY queries; the key None holds
    what belongs to no union (files without one and their aid; grants whose parent neither holds
    the grant's file nor is a member)."""
    rows: dict[int | None, dict[str, int]] = {}

    def add(org_id: Any, key: str, value: Any) -> None:
        oid = None if org_id is None else int(org_id)
        row = rows.setdefault(oid, dict.fromkeys(BY_ORG_KEYS, 0))
        row[key] += int(value or 0)

    for oid, n, migrant in q(_BY_ORG_JOINS, params):
        add(oid, "members.new", n)
        add(oid, "members.new_migrant", migrant)
    for oid, n in q(_BY_ORG_IN_UNION, params):
        add(oid, "members.active_end", n)
    for oid, n in q(_BY_ORG_RETAINED, params):
        add(oid, "members.active_end", -int(n))
    for oid, opened, open_end in q(_BY_ORG_FILES, params):
        add(oid, "hardship.opened", opened)
        add(oid, "hardship.open_end", open_end)
    for oid, households, n, fen in q(_BY_ORG_AID, params):
        add(oid, "aid.households", households)
        add(oid, "aid.person_times", n)
        add(oid, "aid.amount_fen", fen)
    for oid, students, fen in q(_BY_ORG_GRANTS, params):
        add(oid, "grants.students", students)
        add(oid, "grants.amount_fen", fen)
    return rows


def by_org(
    source: Source, year: int, township: str | None = None, county: str | None = None
) -> list[dict[str, Any]]:
    """One row per union (in force at some time of the year: founded by 31 December and not
    dissolved before 1 January; or with any figure in the year), ordered by
    county and township (none last) and name: ``org_id``, ``org``, ``township`` (and ``county``
    when the ledger has counties) and ``BY_ORG_KEYS``, scoped as ``year_report`` scopes each
    register, by GROUP BY queries. ``township`` and ``county`` keep the unions there.

    Figures that belong to no union (files without a union and their aid; grants whose parent
    neither holds the grant's file nor is a member) come in a last row with ``org_id``, ``org``
    and ``township`` None — only when there are any, and only for the whole ledger (no
    ``township``, no ``county``). So, for the ledger, each additive key summed over the rows is
    the ledger's figure.
    """
    params: dict[str, Any] = {**year_bounds(year), "year": year}
    with reading(source) as q:
        if county is not None:
            _check_county(q, county)
        orgs = {
            int(oid): (name, town, cty, founded, ended)
            for oid, name, town, cty, founded, ended in q(
                "SELECT id, name, township, county, founded, dissolved_on FROM org", {}
            )
        }
        rows = _per_org(q, params)

    with_county = any(o[2] is not None for o in orgs.values())
    bounds = year_bounds(year)
    start, end = bounds["start"].isoformat(), bounds["end"].isoformat()
    out = []
    for oid, (name, town, cty, founded, ended) in orgs.items():
        if township is not None and town != township:
            continue
        if county is not None and cty != county:
            continue
        figures = rows.get(oid)
        # listed while in force at some time of the year (founded by its end, not dissolved
        # before it began), else only with a figure
        listed = str(founded) <= end and (ended is None or str(ended) >= start)
        if not listed and (figures is None or not any(figures.values())):
            continue
        row: dict[str, Any] = {"org_id": oid, "org": name, "township": town}
        if with_county:
            row["county"] = cty
        out.append({**row, **(figures or dict.fromkeys(BY_ORG_KEYS, 0))})
    out.sort(
        key=lambda r: (
            r.get("county") is None,
            r.get("county") or "",
            r["township"] is None,
            r["township"] or "",
            r["org"],
        )
    )
    orphans = rows.get(None)
    if township is None and county is None and orphans is not None and any(orphans.values()):
        last: dict[str, Any] = {"org_id": None, "org": None, "township": None}
        if with_county:
            last["county"] = None
        out.append({**last, **orphans})
    return out


# --- by county ---------------------------------------------------------------------------------

_BY_COUNTY_ORGS = f"""
SELECT county, SUM(CASE WHEN {ORG_IN_FORCE} THEN 1 ELSE 0 END) FROM org GROUP BY county
"""
_BY_COUNTY_STATIONS = f"""
SELECT county, SUM(CASE WHEN state <> 'closed' THEN 1 ELSE 0 END)
FROM ({_STATION_END}) x
GROUP BY county
"""
_BY_COUNTY_VISITS = """
SELECT s.county, COALESCE(SUM(l.visits), 0)
FROM station_log l JOIN station s ON s.id = l.station_id
WHERE l.month BETWEEN :start AND :last_month
GROUP BY s.county
"""


def by_county(source: Source, year: int) -> list[dict[str, Any]]:
    """One row per county (区县) the ledger's unions and stations carry, by pinyin:
    ``county`` and ``BY_COUNTY_KEYS``, scoped as ``year_report`` with ``Scope(county=…)`` scopes
    them. A last row with ``county`` None holds the unions and stations with no county and the
    figures that belong to no union (only when there are any; for a county's own ledger it is the
    only row). Each key summed over the rows is the whole ledger's ``year_report`` figure.
    """
    params: dict[str, Any] = {**year_bounds(year), "year": year, "last_month": date(year, 12, 1)}
    rows: dict[str | None, dict[str, int]] = {}

    def add(county: Any, key: str, value: Any) -> None:
        row = rows.setdefault(county, dict.fromkeys(BY_COUNTY_KEYS, 0))
        row[key] += int(value or 0)

    with reading(source) as q:
        for known in _known_counties(q):  # a county whose unions came later: a row of 0
            rows[known] = dict.fromkeys(BY_COUNTY_KEYS, 0)
        county_of = {int(oid): cty for oid, cty in q("SELECT id, county FROM org", {})}
        for oid, figures in _per_org(q, params).items():
            of_org = None if oid is None else county_of.get(oid)
            for key, value in figures.items():
                if key in BY_COUNTY_KEYS:
                    add(of_org, key, value)
        for cty, n in q(_BY_COUNTY_ORGS, params):
            add(cty, "orgs.total_end", n)
        for cty, n in q(_BY_COUNTY_STATIONS, params):
            add(cty, "stations.open_end", n)
        for cty, n in q(_BY_COUNTY_VISITS, params):
            add(cty, "stations.visits", n)
    named = sorted((c for c in rows if c is not None), key=county_order)
    out = [{"county": c, **rows[c]} for c in named]
    rest = rows.get(None)
    if rest is not None and (any(rest.values()) or not named or None in county_of.values()):
        out.append({"county": None, **rest})
    elif not named:
        out.append({"county": None, **dict.fromkeys(BY_COUNTY_KEYS, 0)})
    return out


def by_county_totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The whole ledger's figures: each ``BY_COUNTY_KEYS`` summed over the rows."""
    return {key: sum(int(r[key]) for r in rows) for key in BY_COUNTY_KEYS}


# --- the ledger's fingerprint and the federation's name ----------------------------------------

# every register table with its key. Rows are added with growing keys, and every edit or removal
# through unioncli is audited, so the largest keys and the last audit entry see every change
# without counting a million rows.
_FINGERPRINT_TABLES = (
    "org",
    "person",
    "member",
    "member_event",
    "hardship_file",
    "hardship_family",
    "hardship_review",
    "hardship_visit",
    "aid",
    "student_grant",
    "station",
    "station_event",
    "station_rating",
    "station_log",
    "import_batch",
)
# small tables kept whole (settings: the 低保 line, grant rounds and standards, ledger facts)
_FINGERPRINT_SMALL = (
    ("low_income_line", "year"),
    ("grant_round", "year"),
    ("grant_standard", "year, level, on_file"),
    ("ledger_meta", "key"),
)


def ledger_fingerprint(source: Source) -> str:
    """12 hex characters: sha256 over every register table's largest id, the small settings
    tables' rows, and the last audit entry that is not a mere reveal of ID numbers nor an issue
    of a report (``report issue`` records the figures, it changes none; ``report_issue`` is left
    out too). Cheap (one index probe a table), and any write to the ledger changes it."""
    digest = hashlib.sha256()
    with reading(source) as q:
        for table in _FINGERPRINT_TABLES:
            top = q(f"SELECT MAX(id) FROM {table}", {})[0][0]
            digest.update(f"{table}:{top};".encode())
        for table, order in _FINGERPRINT_SMALL:
            for row in q(f"SELECT * FROM {table} ORDER BY {order}", {}):
                digest.update(f"{table}:{tuple(str(v) for v in row)!r};".encode())
        found = q(
            "SELECT id, at FROM audit_log WHERE action NOT IN ('reveal', 'report.issue') "
            "ORDER BY id DESC LIMIT 1",
            {},
        )
        last = found[0] if found else None
        mark = None if last is None else tuple(str(v) for v in last)
        digest.update(f"audit:{mark!r}".encode())
    return digest.hexdigest()[:12]


def federation_name(source: Source) -> str | None:
    """The federation's name for report headers (ledger_meta ``federation_name``), if set."""
    with reading(source) as q:
        found = q("SELECT value FROM ledger_meta WHERE key = :key", {"key": FEDERATION_NAME})
    return str(found[0][0]) if found else None


def set_federation_name(uow: UnitOfWork, name: str) -> None:
    """Set (or, with a blank name, clear) the federation's name; audited. The caller commits."""
    from unioncli.models import LedgerMeta

    value = clean_text(name, FEDERATION_NAME, max_len=100)
    row = uow.session.get(LedgerMeta, FEDERATION_NAME)
    before = None if row is None else row.value
    if value == before:
        return
    if value is None:
        if row is not None:
            uow.session.delete(row)
    elif row is None:
        uow.session.add(LedgerMeta(key=FEDERATION_NAME, value=value))
    else:
        row.value = value
        uow.session.add(row)
    uow.session.flush()
    uow.audit(
        "report.federation_name",
        "ledger_meta",
        None,
        before={FEDERATION_NAME: before} if before is not None else None,
        after={FEDERATION_NAME: value} if value is not None else None,
    )
