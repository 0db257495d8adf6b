"""The yearly report as a document, and its writers: Markdown, CSV, printable HTML and XLSX.

A :class:`Doc` holds what a reader sees — titled sections of rows of cells, each cell with the text
an annual review writes (``1,488人``, ``123.00万元``, ``1.3万人次``) and, for XLSX, the number
behind it with a number format that shows the same unit. The terminal table is drawn from the same
document by ``unioncli.cli.render``; no Rich here.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from unioncli import i18n
from unioncli.enums import (
    AidKind,
    Choice,
    CloseReason,
    GigGroup,
    HardshipCategory,
    SchoolLevel,
    StationRating,
)
from unioncli.money import format_money, format_wan

i18n.register(
    {
        "rep.title": ("{name}{year}年度工会工作主要数据", "{name}trade-union figures for {year}"),
        "rep.title.by_org": ("{name}{year}年度各基层工会数据", "{name}figures by union for {year}"),
        "rep.title.by_county": (
            "{name}{year}年度各区县主要数据",
            "{name}main figures by county for {year}",
        ),
        "rep.title.trend": (
            "{name}{start}—{end}年主要数据走势",
            "{name}main figures {start}–{end}",
        ),
        "rep.group": ("分组", "group"),
        "rep.item": ("项目", "item"),
        "rep.change": ("同比", "change"),
        "rep.year_col": ("{year}年", "{year}"),
        "rep.scope": ("范围：{scope}", "scope: {scope}"),
        "rep.scope.county": ("全县", "the whole county"),
        "rep.scope.city": ("全市（全部区县）", "the whole city (every county)"),
        "rep.made": ("生成时间：{at}", "made {at}"),
        "rep.version": ("工具版本：unioncli {version}", "tool: unioncli {version}"),
        "rep.fingerprint": ("台账指纹：{fp}", "ledger fingerprint: {fp}"),
        "rep.sec.members": ("会员", "Members"),
        "rep.sec.orgs": ("基层工会", "Grassroots unions"),
        "rep.sec.hardship": ("困难职工帮扶", "Hardship files and aid"),
        "rep.sec.grants": ("金秋助学", "Golden-autumn school grants (金秋助学)"),
        "rep.sec.stations": ("户外劳动者服务站点", "Outdoor workers' stations"),
        "rep.members.new": ("新发展会员", "new members"),
        "rep.members.new_migrant": ("其中农民工", "of which migrant workers"),
        "rep.members.new_gig": ("其中新就业形态劳动者", "of which new forms of employment"),
        "rep.members.transferred_in": ("转入会员", "transferred in"),
        "rep.members.transferred_out": ("转出会员", "transferred out"),
        "rep.members.retained": ("保留会籍", "membership retained"),
        "rep.members.left": ("退会", "left"),
        "rep.members.active_end": ("年末在册会员", "active members at year end"),
        "rep.orgs.new": ("新建基层工会", "new grassroots unions"),
        "rep.orgs.total_end": ("年末基层工会", "grassroots unions at year end"),
        "rep.hardship.opened": ("新建档困难职工", "hardship files opened (households)"),
        "rep.hardship.closed": ("退档", "files closed (households)"),
        "rep.hardship.open_end": ("年末在档困难职工", "files open at year end (households)"),
        "rep.aid.households": ("帮扶困难职工", "households aided"),
        "rep.aid.person_times": ("帮扶人次", "aid entries (person-times)"),
        "rep.aid.amount_fen": ("帮扶金额", "aid paid"),
        "rep.grants.students": ("资助学生", "students granted"),
        "rep.grants.hardship_children": (
            "其中建档困难职工子女",
            "of which children of hardship-file households",
        ),
        "rep.grants.migrant_children": ("其中农民工子女", "of which children of migrant workers"),
        "rep.grants.amount_fen": ("资助金额", "grants paid"),
        "rep.stations.opened": ("本年新建站点", "stations opened in the year"),
        "rep.stations.open_end": ("年末开放站点", "stations open at year end"),
        "rep.stations.suspended_end": ("其中暂停开放", "of which suspended"),
        "rep.stations.visits": ("服务人次", "visits (person-times)"),
        "rep.stations.activities": ("活动场次", "activities held"),
        "rep.rated": ("其中{rating}", "of which rated {rating}"),
        "rep.org.township": ("乡镇", "township"),
        "rep.org.name": ("基层工会", "union"),
        "rep.org.total": ("合计", "total"),
        "rep.org.none": ("（未归属基层工会）", "(no union)"),
        "rep.org.no_township": ("（未填乡镇）", "(no township)"),
        "rep.county.name": ("区县", "county"),
        "rep.county.none": ("未分区县", "no county"),
        "rep.county.total": ("全市合计", "city total"),
        "rep.county.none_note": (
            "未分区县：未填区县的基层工会和站点，以及不属于任何基层工会的档案、帮扶和助学",
            "no county: unions and stations without a county, and the files, aid and grants "
            "of no union",
        ),
        "rep.scope.no_stations": (
            "服务站点按乡镇登记，不属于某个基层工会，本范围不统计站点数据",
            "stations belong to townships, not unions: no station figures for this scope",
        ),
        "rep.col.members.new": ("新会员", "new"),
        "rep.col.members.new_migrant": ("农民工", "migrant"),
        "rep.col.members.active_end": ("年末会员", "members"),
        "rep.col.hardship.opened": ("新建档", "opened"),
        "rep.col.hardship.open_end": ("年末在档", "open"),
        "rep.col.aid.households": ("帮扶户", "aided"),
        "rep.col.aid.person_times": ("帮扶人次", "aid entries"),
        "rep.col.aid.amount_fen": ("帮扶万元", "aid yuan"),
        "rep.col.grants.students": ("助学人数", "students"),
        "rep.col.grants.amount_fen": ("助学万元", "grant yuan"),
        "rep.col.orgs.total_end": ("基层工会", "unions"),
        "rep.col.stations.open_end": ("开放站点", "stations"),
        "rep.col.stations.visits": ("站点服务人次", "station visits"),
        "rep.trend.year": ("年度", "year"),
        "rep.trend.value": ("数值", "value"),
        "rep.trend.members.new": ("新发展会员（人）", "new members"),
        "rep.trend.members.active_end": ("年末在册会员（人）", "active members at year end"),
        "rep.trend.hardship.open_end": (
            "年末在档困难职工（户）",
            "hardship files open at year end",
        ),
        "rep.trend.aid.households": ("帮扶困难职工（户）", "households aided"),
        "rep.trend.aid.amount_fen": ("帮扶金额（万元）", "aid paid (yuan)"),
        "rep.trend.grants.students": ("金秋助学资助学生（人）", "students granted"),
        "rep.trend.grants.amount_fen": ("金秋助学金额（万元）", "grants paid (yuan)"),
        "rep.trend.stations.open_end": ("年末开放站点（个）", "stations open at year end"),
        "rep.trend.stations.visits": ("站点服务人次", "station visits (person-times)"),
    }
)

# How a figure is counted; each unit says how it is written and how XLSX formats the number.
PERSON, HOUSEHOLD, TIMES, UNIT, SESSION, MONEY, VISITS = (
    "person",
    "household",
    "times",
    "unit",
    "session",
    "money",
    "visits",
)
_SUFFIX = {PERSON: "人", HOUSEHOLD: "户", TIMES: "人次", UNIT: "个", SESSION: "场次"}
INDENT = "\u3000"  # an ideographic space: survives Markdown and keeps CJK columns even


def _en() -> bool:
    return i18n.get_lang() == "en"


# ---------------------------------------------------------------------------------------------
# Cells and documents


@dataclass(frozen=True)
class Cell:
    text: str
    value: int | float | str | None = None  # what XLSX stores (defaults to the text)
    number_format: str | None = None
    numeric: bool = False  # right-aligned
    csv: str | None = None  # CSV text when it differs (no thousands separators in plain columns)


def text_cell(text: str) -> Cell:
    return Cell(text, text)


@dataclass
class Row:
    cells: list[Cell]
    level: int = 0  # indentation of the first cell (其中…)
    total: bool = False


@dataclass
class Section:
    name: str | None
    rows: list[Row]


@dataclass
class Doc:
    title: str
    headers: list[str]
    numeric: list[bool]
    sections: list[Section]
    notes: list[str] = field(default_factory=list)  # lines under the title (the scope)
    group_header: str | None = None  # CSV/XLSX: a first column naming each row's section
    kind: str = "year"  # year, by-org, trend (a class for the HTML table)
    sheet: str = "report"

    def label(self, row: Row) -> str:
        first = row.cells[0].text
        return INDENT * row.level + first


def format_visits(n: int) -> str:
    """人次 as a review writes them: ``1.3万人次`` from 10,000 up (one decimal), else ``9,876人次``."""
    if _en():
        return f"{n:,}"
    if abs(n) >= 10_000:
        tenths = (n + 500) // 1000
        return f"{tenths // 10}.{tenths % 10}万人次"
    return f"{n:,}人次"


def _wan_hundredths(fen: int) -> int:
    return (abs(fen) + 5_000) // 10_000 * (1 if fen >= 0 else -1)


def figure(n: int, unit: str) -> Cell:
    """One figure as text and as an XLSX number in the same unit."""
    if unit == MONEY:
        if _en():
            return Cell("¥" + format_money(n), n / 100, '"¥"#,##0.00', True)
        return Cell(format_wan(n), _wan_hundredths(n) / 100, '0.00"万元"', True)
    if unit == VISITS:
        if not _en() and abs(n) >= 10_000:
            tenths = (n + 500) // 1000
            return Cell(format_visits(n), tenths / 10, '0.0"万人次"', True)
        suffix = "" if _en() else "人次"
        return Cell(format_visits(n), n, f'#,##0"{suffix}"' if suffix else "#,##0", True)
    suffix = "" if _en() else _SUFFIX[unit]
    return Cell(f"{n:,}{suffix}", n, f'#,##0"{suffix}"' if suffix else "#,##0", True)


def change(now: int, before: int) -> Cell:
    """同比: ``+12.5%``; ``—`` when the previous year is 0."""
    if before == 0:
        return Cell("—", "—", None, True)
    ratio = (now - before) / before
    return Cell(f"{ratio * 100:+.1f}%", ratio, "+0.0%;-0.0%;+0.0%", True)


# ---------------------------------------------------------------------------------------------
# The year report


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
    return name if not _en() else f"{name}: "


def year_doc(
    year: int,
    cur: dict[str, Any],
    prev: dict[str, Any],
    *,
    federation: str | None = None,
    scope: str | None = None,
) -> Doc:
    """The yearly report with the previous year and 同比 beside every figure."""
    notes = [i18n.t("rep.scope", scope=scope or i18n.t("rep.scope.county"))]
    if cur.get("scope.stations") == "none":
        notes.append(i18n.t("rep.scope.no_stations"))
    sections = []
    for name, lines in year_lines(cur, prev):
        rows = []
        for label, level, path, unit in lines:
            now, before = _get(cur, path), _get(prev, path)
            rows.append(
                Row(
                    [
                        text_cell(label),
                        figure(now, unit),
                        figure(before, unit),
                        change(now, before),
                    ],
                    level,
                )
            )
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
        notes=notes,
        group_header=i18n.t("rep.group"),
        sheet=str(year),
    )


# ---------------------------------------------------------------------------------------------
# By union

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


def _plain_figure(n: int, unit: str) -> Cell:
    """A figure in a column whose header carries the unit: ``1,234``; money ``12.34`` (万元)."""
    if unit == MONEY:
        if _en():
            return Cell(
                format_money(n), n / 100, "#,##0.00", True, format_money(n).replace(",", "")
            )
        hundredths = _wan_hundredths(n)
        sign = "-" if hundredths < 0 else ""
        whole, frac = divmod(abs(hundredths), 100)
        text = f"{sign}{whole:,}.{frac:02d}"
        return Cell(text, hundredths / 100, "#,##0.00", True, text.replace(",", ""))
    return Cell(f"{n:,}", n, "#,##0", True, str(n))


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
                + [_plain_figure(int(r.get(key) or 0), unit) for key, unit in BY_ORG_KEYS]
            )
        )
    totals = by_org_totals(data)
    total = Row(
        [text_cell(i18n.t("rep.org.total"))]
        + [_plain_figure(totals[key], unit) for key, unit in BY_ORG_KEYS],
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


# ---------------------------------------------------------------------------------------------
# By county

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
            _plain_figure(int(figures.get(key) or 0), unit) for key, unit in BY_COUNTY_KEYS
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


# ---------------------------------------------------------------------------------------------
# Trend

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
                _plain_figure(n, MONEY).text.replace(",", "")
                if TREND_UNITS.get(key) == MONEY
                else n
            )
        body.append(line)
    return header, body


# ---------------------------------------------------------------------------------------------
# Writers


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


def to_html(doc: Doc, *, made: str, version: str, fingerprint: str) -> str:
    """A self-contained page made for paper: A4 portrait, CJK fonts, rows never split."""
    e = html.escape
    lang = "en" if _en() else "zh-CN"
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
        "</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)


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


def write(doc: Doc, fmt: str, **html_meta: str) -> str | bytes:
    """The document in ``fmt`` (markdown, csv, html, xlsx)."""
    writers: dict[str, Callable[[], str | bytes]] = {
        "markdown": lambda: to_markdown(doc),
        "csv": lambda: to_csv(doc),
        "html": lambda: to_html(doc, **html_meta),
        "xlsx": lambda: to_xlsx(doc),
    }
    return writers[fmt]()
