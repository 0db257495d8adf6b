"""A report as a document: units, cells (text and the XLSX number behind it), rows, sections;
and the messages every report and writer uses (registered here, whichever room is loaded)."""

from __future__ import annotations

from dataclasses import dataclass, field

from unioncli import i18n
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
        "rep.final": ("定稿：{at}（第 {version} 版）", "issued: {at} (version {version})"),
        "rep.draft": ("草稿", "draft"),
        "rep.draft_differs": (
            "草稿（与 {day} 定稿不同，见 report diff）",
            "draft (differs from the version issued {day}: see report diff)",
        ),
        "rep.as_issued": (
            "定稿：第 {version} 版，{at}，经办人 {operator}",
            "as issued: version {version}, {at}, by {operator}",
        ),
        "rep.as_issued_note": ("定稿备注：{note}", "note: {note}"),
        "rep.prev_not_issued": (
            "{year} 年度未定稿：不列上年数与同比",
            "{year} was not issued: no previous year or change shown",
        ),
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
        "rep.orgs.dissolved": ("撤销、注销、合并基层工会", "unions dissolved or merged"),
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


def english() -> bool:
    return i18n.get_lang() == "en"


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
    if english():
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
        if english():
            return Cell("¥" + format_money(n), n / 100, '"¥"#,##0.00', True)
        return Cell(format_wan(n), _wan_hundredths(n) / 100, '0.00"万元"', True)
    if unit == VISITS:
        if not english() and abs(n) >= 10_000:
            tenths = (n + 500) // 1000
            return Cell(format_visits(n), tenths / 10, '0.0"万人次"', True)
        suffix = "" if english() else "人次"
        return Cell(format_visits(n), n, f'#,##0"{suffix}"' if suffix else "#,##0", True)
    suffix = "" if english() else _SUFFIX[unit]
    return Cell(f"{n:,}{suffix}", n, f'#,##0"{suffix}"' if suffix else "#,##0", True)


def plain_figure(n: int, unit: str) -> Cell:
    """A figure in a column whose header carries the unit: ``1,234``; money ``12.34`` (万元)."""
    if unit == MONEY:
        if english():
            return Cell(
                format_money(n), n / 100, "#,##0.00", True, format_money(n).replace(",", "")
            )
        hundredths = _wan_hundredths(n)
        sign = "-" if hundredths < 0 else ""
        whole, frac = divmod(abs(hundredths), 100)
        text = f"{sign}{whole:,}.{frac:02d}"
        return Cell(text, hundredths / 100, "#,##0.00", True, text.replace(",", ""))
    return Cell(f"{n:,}", n, "#,##0", True, str(n))


def change(now: int, before: int) -> Cell:
    """同比: ``+12.5%``; ``—`` when the previous year is 0."""
    if before == 0:
        return Cell("—", "—", None, True)
    ratio = (now - before) / before
    return Cell(f"{ratio * 100:+.1f}%", ratio, "+0.0%;-0.0%;+0.0%", True)
