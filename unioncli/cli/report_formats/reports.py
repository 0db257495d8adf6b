"""The reports as documents: the year (with the previous year and 同比), by union, by county,
and the trend over years."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from unioncli import i18n
from unioncli.cli.report_formats.document import (
    HOUSEHOLD,
    MONEY,
    PERSON,
    SESSION,
    TIMES,
    UNIT,
    VISITS,
    Cell,
    Doc,
    Row,
    Section,
    change,
    english,
    figure,
    plain_figure,
    text_cell,
)
from unioncli.enums import (
    AidKind,
    Choice,
    CloseReason,
    GigGroup,
    HardshipCategory,
    SchoolLevel,
    StationRating,
)

# --- the year report -------------------------------------------------------------------------


def _get(data: dict[str, Any], path: tuple[str, ...]) -> int:
    value: Any = data.get(path[0])
    for part in path[1:]:
        value = value.get(part) if isinstance(value, dict) else None
    return int(value or 0)


def _codes(enum: type[Choice], *maps: Any, skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(code, label) for every code of ``enum`` and any unknown code found in the maps."""
    skipped = set(skip)
    found = [(m.value, m.label()) for m in enum if m.value not in skipped]
    known = {code for code, _ in found} | skipped
    for data in maps:
        for code in data if isinstance(data, dict) else ():
            if code not in known:
                found.append((code, code))
                known.add(code)
    return found


Line = tuple[str, int, tuple[str, ...], str]  # label, level, path into the report, unit


def year_lines(cur: dict[str, Any], prev: dict[str, Any]) -> list[tuple[str, list[Line]]]:
    """The rows of the yearly report, grouped the way an annual review reads them."""

    def t(key: str) -> str:
        return i18n.t("rep." + key)

    def maps(key: str) -> tuple[Any, Any]:
        return cur.get(key), prev.get(key)

    members: list[Line] = [
        (t("members.new"), 0, ("members.new",), PERSON),
        (t("members.new_migrant"), 1, ("members.new_migrant",), PERSON),
        (t("members.new_gig"), 1, ("members.new_gig",), PERSON),
    ]
    for code, label in _codes(GigGroup, *maps("members.new_gig_by_group")):
        members.append((label, 2, ("members.new_gig_by_group", code), PERSON))
    for key in ("transferred_in", "transferred_out", "retained", "left", "active_end"):
        members.append((t(f"members.{key}"), 0, (f"members.{key}",), PERSON))

    orgs: list[Line] = [
        (t("orgs.new"), 0, ("orgs.new",), UNIT),
        (t("orgs.dissolved"), 0, ("orgs.dissolved",), UNIT),
        (t("orgs.total_end"), 0, ("orgs.total_end",), UNIT),
    ]

    hardship: list[Line] = [(t("hardship.opened"), 0, ("hardship.opened",), HOUSEHOLD)]
    hardship.append((t("hardship.closed"), 0, ("hardship.closed",), HOUSEHOLD))
    for code, label in _codes(CloseReason, *maps("hardship.closed_by_reason")):
        hardship.append((label, 1, ("hardship.closed_by_reason", code), HOUSEHOLD))
    hardship.append((t("hardship.open_end"), 0, ("hardship.open_end",), HOUSEHOLD))
    for code, label in _codes(HardshipCategory, *maps("hardship.open_end_by_category")):
        hardship.append((label, 1, ("hardship.open_end_by_category", code), HOUSEHOLD))
    kinds = _codes(AidKind, *maps("aid.by_kind"))
    for key, sub, unit in (
        ("aid.households", "households", HOUSEHOLD),
        ("aid.person_times", "person_times", TIMES),
        ("aid.amount_fen", "amount_fen", MONEY),
    ):
        hardship.append((t(key), 0, (key,), unit))
        for code, label in kinds:
            hardship.append((label, 1, ("aid.by_kind", code, sub), unit))

    levels = _codes(SchoolLevel, *maps("grants.by_level"))
    grants: list[Line] = [
        (t("grants.students"), 0, ("grants.students",), PERSON),
        (t("grants.hardship_children"), 1, ("grants.hardship_children",), PERSON),
        (t("grants.migrant_children"), 1, ("grants.migrant_children",), PERSON),
    ]
    grants += [(label, 1, ("grants.by_level", code, "students"), PERSON) for code, label in levels]
    grants.append((t("grants.amount_fen"), 0, ("grants.amount_fen",), MONEY))
    grants += [(label, 1, ("grants.by_level", code, "amount_fen"), MONEY) for code, label in levels]

    stations: list[Line] = [
        (t("stations.opened"), 0, ("stations.opened",), UNIT),
        (t("stations.open_end"), 0, ("stations.open_end",), UNIT),
        (t("stations.suspended_end"), 1, ("stations.suspended_end",), UNIT),
    ]
    for code, label in _codes(StationRating, *maps("stations.rated"), skip=("none",)):
        stations.append((i18n.t("rep.rated", rating=label), 1, ("stations.rated", code), UNIT))
    stations.append((t("stations.visits"), 0, ("stations.visits",), VISITS))
    stations.append((t("stations.activities"), 0, ("stations.activities",), SESSION))

    return [
        (i18n.t("rep.sec.members"), members),
        (i18n.t("rep.sec.orgs"), orgs),
        (i18n.t("rep.sec.hardship"), hardship),
        (i18n.t("rep.sec.grants"), grants),
        (i18n.t("rep.sec.stations"), stations),
    ]


def _name_prefix(name: str | None) -> str:
    if not name:
        return ""
    return name if not english() else f"{name}: "


def year_doc(
    year: int,
    cur: dict[str, Any],
    prev: dict[str, Any] | None,
    *,
    federation: str | None = None,
    scope: str | None = None,
    notes: Sequence[str] = (),
) -> Doc:
    """The yearly report with the previous year and 同比 beside every figure; ``prev`` None
    (``--as-issued`` when the previous year was never issued): those two columns left blank.
    ``notes``: lines under the scope."""
    lines_of = [i18n.t("rep.scope", scope=scope or i18n.t("rep.scope.county"))]
    if cur.get("scope.stations") == "none":
        lines_of.append(i18n.t("rep.scope.no_stations"))
    lines_of += notes
    blank = Cell("", "", None, True)
    sections = []
    for name, lines in year_lines(cur, prev or {}):
        rows = []
        for label, level, path, unit in lines:
            now = _get(cur, path)
            if prev is None:
                beside = [blank, blank]
            else:
                before = _get(prev, path)
                beside = [figure(before, unit), change(now, before)]
            rows.append(Row([text_cell(label), figure(now, unit), *beside], level))
        sections.append(Section(name, rows))
    return Doc(
        title=i18n.t("rep.title", name=_name_prefix(federation), year=year),
        headers=[
            i18n.t("rep.item"),
            i18n.t("rep.year_col", year=year),
            i18n.t("rep.year_col", year=year - 1),
            i18n.t("rep.change"),
        ],
        numeric=[False, True, True, True],
        sections=sections,
        notes=lines_of,
        group_header=i18n.t("rep.group"),
        sheet=str(year),
    )


# --- by union --------------------------------------------------------------------------------

BY_ORG_KEYS: tuple[tuple[str, str], ...] = (
    ("members.new", PERSON),
    ("members.new_migrant", PERSON),
    ("members.active_end", PERSON),
    ("hardship.opened", HOUSEHOLD),
    ("hardship.open_end", HOUSEHOLD),
    ("aid.households", HOUSEHOLD),
    ("aid.person_times", TIMES),
    ("aid.amount_fen", MONEY),
    ("grants.students", PERSON),
    ("grants.amount_fen", MONEY),
)


def by_org_totals(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    return {key: sum(int(r.get(key) or 0) for r in rows) for key, _ in BY_ORG_KEYS}


def city_scope() -> str:
    """How a report names the whole of a ledger that holds several counties."""
    return i18n.t("rep.scope.city")


def by_org_doc(
    year: int, data: Sequence[dict[str, Any]], *, federation: str | None, scope: str | None
) -> Doc:
    """One row per union, grouped by township (the service's order) — by county and township
    when the unions are of several counties — and the totals last."""
    sections: list[Section] = []
    counties = {r.get("county") for r in data if r.get("org")}
    for r in data:
        town = str(r.get("township") or "") or i18n.t("rep.org.no_township")
        if len(counties) > 1 and r.get("org"):
            town = f"{r.get('county') or i18n.t('rep.county.none')} · {town}"
        if not sections or sections[-1].name != town:
            sections.append(Section(town, []))
        name = str(r["org"]) if r.get("org") else i18n.t("rep.org.none")
        sections[-1].rows.append(
            Row(
                [text_cell(name)]
                + [plain_figure(int(r.get(key) or 0), unit) for key, unit in BY_ORG_KEYS]
            )
        )
    totals = by_org_totals(data)
    total = Row(
        [text_cell(i18n.t("rep.org.total"))]
        + [plain_figure(totals[key], unit) for key, unit in BY_ORG_KEYS],
        total=True,
    )
    sections.append(Section(None, [total]))
    return Doc(
        title=i18n.t("rep.title.by_org", name=_name_prefix(federation), year=year),
        headers=[i18n.t("rep.org.name")] + [i18n.t(f"rep.col.{key}") for key, _ in BY_ORG_KEYS],
        numeric=[False] + [True] * len(BY_ORG_KEYS),
        sections=sections,
        notes=[i18n.t("rep.scope", scope=scope or i18n.t("rep.scope.county"))],
        group_header=i18n.t("rep.org.township"),
        sheet=str(year),
        kind="by-org",
    )


# --- by county -------------------------------------------------------------------------------

BY_COUNTY_KEYS: tuple[tuple[str, str], ...] = (
    ("members.new", PERSON),
    ("members.new_migrant", PERSON),
    ("members.active_end", PERSON),
    ("orgs.total_end", UNIT),
    ("hardship.opened", HOUSEHOLD),
    ("hardship.open_end", HOUSEHOLD),
    ("aid.households", HOUSEHOLD),
    ("aid.amount_fen", MONEY),
    ("grants.students", PERSON),
    ("grants.amount_fen", MONEY),
    ("stations.open_end", UNIT),
    ("stations.visits", VISITS),
)


def by_county_doc(
    year: int,
    data: Sequence[dict[str, Any]],
    totals: dict[str, int],
    *,
    federation: str | None,
) -> Doc:
    """One row per county (the service's order, 未分区县 last), and the city's totals last."""

    def cells(label: str, figures: dict[str, Any]) -> list[Cell]:
        return [text_cell(label)] + [
            plain_figure(int(figures.get(key) or 0), unit) for key, unit in BY_COUNTY_KEYS
        ]

    rows = [Row(cells(str(r["county"] or i18n.t("rep.county.none")), r)) for r in data]
    rows.append(Row(cells(i18n.t("rep.county.total"), totals), total=True))
    notes = [i18n.t("rep.scope", scope=city_scope())]
    if any(r["county"] is None for r in data):
        notes.append(i18n.t("rep.county.none_note"))
    return Doc(
        title=i18n.t("rep.title.by_county", name=_name_prefix(federation), year=year),
        headers=[i18n.t("rep.county.name")]
        + [i18n.t(f"rep.col.{key}") for key, _ in BY_COUNTY_KEYS],
        numeric=[False] + [True] * len(BY_COUNTY_KEYS),
        sections=[Section(None, rows)],
        notes=notes,
        sheet=str(year),
        kind="by-county",
    )


# --- trend -----------------------------------------------------------------------------------

TREND_UNITS = {
    "members.new": PERSON,
    "members.active_end": PERSON,
    "hardship.open_end": HOUSEHOLD,
    "aid.households": HOUSEHOLD,
    "aid.amount_fen": MONEY,
    "grants.students": PERSON,
    "grants.amount_fen": MONEY,
    "stations.open_end": UNIT,
    "stations.visits": VISITS,
}

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: int, top: int, width: int = 30) -> str:
    """A bar of ``width`` cells at ``top``, drawn in eighths of a cell; a sliver for any value > 0."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value * width * 8 / top))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def trend_doc(
    data: Sequence[dict[str, Any]],
    keys: Sequence[str],
    *,
    start: int,
    end: int,
    federation: str | None,
    scope: str | None,
    width: int = 30,
) -> Doc:
    """One section per indicator: a row per year with the figure and a bar scaled to its maximum."""
    sections = []
    for key in keys:
        unit = TREND_UNITS.get(key, UNIT)
        top = max((int(r.get(key) or 0) for r in data), default=0)
        rows = []
        for r in data:
            n = int(r.get(key) or 0)
            rows.append(
                Row([text_cell(str(r["year"])), figure(n, unit), text_cell(bar(n, top, width))])
            )
        sections.append(Section(i18n.t(f"rep.trend.{key}"), rows))
    return Doc(
        title=i18n.t("rep.title.trend", name=_name_prefix(federation), start=start, end=end),
        headers=[i18n.t("rep.trend.year"), i18n.t("rep.trend.value"), ""],
        numeric=[False, True, False],
        sections=sections,
        notes=[i18n.t("rep.scope", scope=scope or i18n.t("rep.scope.county"))],
        sheet=f"{start}-{end}",
        kind="trend",
    )


def trend_table(
    data: Sequence[dict[str, Any]], keys: Sequence[str]
) -> tuple[list[str], list[list[Any]]]:
    """Trend as a plain table for CSV: a row per year; money in 万元 (or yuan in English)."""
    header = [i18n.t("rep.trend.year")] + [i18n.t(f"rep.trend.{key}") for key in keys]
    body = []
    for r in data:
        line: list[Any] = [r["year"]]
        for key in keys:
            n = int(r.get(key) or 0)
            line.append(
                plain_figure(n, MONEY).text.replace(",", "") if TREND_UNITS.get(key) == MONEY else n
            )
        body.append(line)
    return header, body
