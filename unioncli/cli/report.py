"""``unioncli report``: the yearly figures of the annual review — on screen, in files, on paper."""

from __future__ import annotations

import json
import os
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from unioncli import i18n
from unioncli.cli.common import state, uow
from unioncli.cli.nouns import help_of
from unioncli.errors import UsageError

app = typer.Typer(
    help=help_of("report"),
    no_args_is_help=True,
)

i18n.register(
    {
        "report.written": ("已写入 {path}", "written to {path}"),
        "report.extension": (
            "不认识的文件类型：{path}（可用 .md .csv .json .html .xlsx）",
            "unknown file type: {path} (use .md .csv .json .html .xlsx)",
        ),
        "report.format_clash": (
            "--format {fmt} 与输出文件 {path} 的类型不符",
            "--format {fmt} does not match the output file {path}",
        ),
        "report.needs_out": (
            "{fmt} 格式须写入文件：--out 文件名.{fmt}",
            "the {fmt} format is written to a file: --out NAME.{fmt}",
        ),
        "report.not_here": (
            "该报表不提供 {fmt} 格式（可用 {choices}）",
            "this report has no {fmt} form (use {choices})",
        ),
        "report.range": (
            "起始年度 {start} 晚于截止年度 {end}",
            "the first year {start} is after the last year {end}",
        ),
        "report.federation": ("报表抬头：{name}", "report heading: {name}"),
        "report.federation_none": (
            "尚未设置报表抬头；设置：unioncli report settings --federation “XX县总工会”",
            "no report heading set; set one: unioncli report settings --federation “XX县总工会”",
        ),
        "report.federation_set": ("已设置报表抬头：{name}", "report heading set: {name}"),
        "report.township_scope": ("{township}", "{township}"),
        "report.org_scope": ("{org}", "{org}"),
        "report.issued": (
            "已定稿：{year} 年度（{scope}）第 {version} 版，{at}，台账指纹 {fp}",
            "issued: {year} ({scope}) version {version}, {at}, ledger fingerprint {fp}",
        ),
        "report.diff.same": (
            "{year} 年度（{scope}）与定稿一致（第 {version} 版，{at}）",
            "{year} ({scope}) is as issued (version {version}, {at})",
        ),
        "report.diff.head": (
            "{year} 年度（{scope}）与第 {version} 版定稿（{at}，{operator}）相比，{n} 项不同：",
            "{year} ({scope}) differs from version {version} as issued ({at}, {operator}) "
            "in {n} figures:",
        ),
        "report.diff.causes": (
            "定稿之后记录的、涉及 {year} 年的操作：",
            "recorded since the issue, touching {year}:",
        ),
        "report.diff.no_causes": (
            "定稿之后没有记录涉及 {year} 年的操作",
            "nothing recorded since the issue touches {year}",
        ),
        "report.col.key": ("项目", "key"),
        "report.col.issued": ("定稿", "issued"),
        "report.col.now": ("现在", "now"),
        "report.col.audit_id": ("审计号", "audit #"),
        "report.col.action": ("操作", "action"),
        "report.col.record": ("记录", "record"),
        "report.col.at": ("时间（UTC）", "at (UTC)"),
        "report.col.operator": ("经办人", "operator"),
        "report.col.reason": ("原因", "reason"),
        "report.city_and_county": (
            "--city 与 --county 不能同时使用",
            "--city and --county cannot be used together",
        ),
    }
)


class ReportFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"
    html = "html"
    xlsx = "xlsx"


class TrendFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


EXTENSIONS = {
    ".md": ReportFormat.markdown,
    ".markdown": ReportFormat.markdown,
    ".csv": ReportFormat.csv,
    ".json": ReportFormat.json,
    ".html": ReportFormat.html,
    ".htm": ReportFormat.html,
    ".xlsx": ReportFormat.xlsx,
}

FORMAT_HELP = "输出格式 table|markdown|csv|json|html|xlsx（写文件时按 --out 的扩展名）"
OrgOption = typer.Option(None, "--org", help="只统计一个基层工会（编号、名称或统一社会信用代码）")
TownshipOption = typer.Option(None, "--township", help="只统计一个乡镇/街道")
CountyOption = typer.Option(
    None, "--county", help="只统计一个区县（默认本人所在区县：全局 --county / UNIONCLI_COUNTY）"
)
CityOption = typer.Option(False, "--city", help="全市：整个台账，不论本人所在区县")
OutOption = typer.Option(
    None, "--out", "-o", help="写入文件（.md .csv .json .html .xlsx，仅本人可读）"
)


def choose_format(fmt: ReportFormat | None, out: Path | None) -> ReportFormat:
    """The format: from --out's extension when writing a file, else --format (table)."""
    if out is None:
        chosen = fmt or ReportFormat.table
        if chosen is ReportFormat.xlsx:
            raise UsageError("report.needs_out", fmt=chosen.value)
        return chosen
    by_ext = EXTENSIONS.get(out.suffix.lower())
    if by_ext is None:
        raise UsageError("report.extension", path=out)
    if fmt is not None and fmt is not by_ext:
        raise UsageError("report.format_clash", fmt=fmt.value, path=out)
    return by_ext


def write_private(path: Path, content: str | bytes) -> None:
    """Write beside the target (owner-only) and rename at the end: no half file, no open file."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    part = path.with_name(f".{path.name}.part")
    try:
        fd = os.open(
            part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600
        )
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)


def _emit(content: str | bytes, out: Path | None) -> None:
    from unioncli.cli.render import line

    if out is None:
        assert isinstance(content, str)
        import sys

        sys.stdout.write(content if content.endswith("\n") else content + "\n")
        return
    write_private(out, content)
    line(i18n.t("report.written", path=out))


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _county(county: str | None, city: bool) -> str | None:
    """The county a report covers: ``--county``, else the clerk's; None (``--city``): all."""
    from unioncli.services.figures import county_name

    if city and county:
        raise UsageError("report.city_and_county")
    return None if city else county_name(county or state.county)


def _whole(eng: Any) -> str | None:
    """How the report names the whole ledger: 全县 for a county's own ledger (None), or the
    counties' city."""
    from unioncli.cli.report_formats.reports import city_scope
    from unioncli.services.report import known_counties

    return city_scope() if known_counties(eng) else None


def _scope(org: str | None, township: str | None, county: str | None) -> tuple[Any, str | None]:
    """The service's Scope and how the report names it (None: the whole ledger)."""
    from unioncli.services.report import Scope

    if org is None and township is None and county is None:
        return None, None
    names = []
    org_id = None
    if org is not None:
        from unioncli.services.orgs import find_org, in_county

        with uow() as work:
            found = find_org(work, org)
            in_county(found, county)
            org_id, org_name = found.id, found.name
        names.append(org_name)
    if township is not None:
        township = township.strip()
        names.insert(0, township)
    if county is not None:
        names.insert(0, county)
    return Scope(org_id=org_id, township=township, county=county), " · ".join(names)


def _meta(eng: Any, fingerprint: str | None = None) -> dict[str, str]:
    from importlib.metadata import version

    from unioncli.services.report import ledger_fingerprint

    made = datetime.now().astimezone()
    return {
        "made": made.isoformat(sep=" ", timespec="minutes"),
        "version": version("unioncli"),
        "fingerprint": fingerprint or ledger_fingerprint(eng),
    }


def _show(
    doc: Any,
    fmt: ReportFormat,
    out: Path | None,
    eng: Any,
    *,
    status: str | None = None,
    fingerprint: str | None = None,
) -> None:
    from unioncli.cli.report_formats.text import terminal_groups, terminal_headers
    from unioncli.cli.report_formats.writer import write

    if fmt is ReportFormat.table:
        from unioncli.cli.render import grouped

        grouped(
            terminal_headers(doc),
            doc.numeric,
            terminal_groups(doc),
            title=doc.title,
            notes=doc.notes,
        )
        return
    meta = _meta(eng, fingerprint) if fmt is ReportFormat.html else {}
    if status is not None and fmt is ReportFormat.html:
        meta["status"] = status
    _emit(write(doc, fmt.value, **meta), out)


def print_year(
    year: int,
    *,
    org: str | None = None,
    township: str | None = None,
    county: str | None = None,
    fmt: ReportFormat = ReportFormat.table,
    out: Path | None = None,
    as_issued: bool = False,
) -> None:
    """The yearly report in ``fmt``: printed, or written to ``out``; ``county`` None: the whole
    ledger. ``as_issued``: the latest issued version's figures instead of today's."""
    from unioncli.cli.report_formats.html_page import issue_status
    from unioncli.cli.report_formats.reports import year_doc
    from unioncli.services.issued import latest, same_figures
    from unioncli.services.report import federation_name, report_with_previous, year_report

    scope, scope_name = _scope(org, township, county)
    eng = state.target()
    if as_issued:
        _print_issued(year, scope, scope_name, fmt, out, eng)
        return
    if fmt is ReportFormat.json:
        _emit(_json(year_report(eng, year, scope)), out)
        return
    cur, prev = report_with_previous(eng, year, scope)
    scope_name = scope_name or _whole(eng)
    doc = year_doc(year, cur, prev, federation=federation_name(eng), scope=scope_name)
    status = None
    if fmt is ReportFormat.html:
        issued = latest(eng, year, scope)
        status = issue_status(issued, same_figures(cur, issued))
    _show(doc, fmt, out, eng, status=status)


def _scope_label(scope_name: str | None, eng: Any) -> str:
    return scope_name or _whole(eng) or i18n.t("rep.scope.county")


def _print_issued(
    year: int,
    scope: Any,
    scope_name: str | None,
    fmt: ReportFormat,
    out: Path | None,
    eng: Any,
) -> None:
    """``report year --as-issued``: the latest issued figures exactly; beside them (同比) the
    previous year as issued, or, never issued, nothing (blank columns and a note)."""
    from unioncli.cli.report_formats.html_page import issue_status
    from unioncli.cli.report_formats.reports import year_doc
    from unioncli.services.issued import latest, require_latest
    from unioncli.services.report import federation_name

    issued = require_latest(eng, year, scope, _scope_label(scope_name, eng))
    if fmt is ReportFormat.json:
        _emit(_json(issued.figures), out)
        return
    before = latest(eng, year - 1, scope)
    notes = [
        i18n.t(
            "rep.as_issued", version=issued.version, at=issued.shown_at, operator=issued.operator
        )
    ]
    if issued.note:
        notes.append(i18n.t("rep.as_issued_note", note=issued.note))
    if before is None:
        notes.append(i18n.t("rep.prev_not_issued", year=year - 1))
    doc = year_doc(
        year,
        issued.figures,
        None if before is None else before.figures,
        federation=federation_name(eng),
        scope=scope_name or _whole(eng),
        notes=notes,
    )
    _show(
        doc,
        fmt,
        out,
        eng,
        status=issue_status(issued, True),
        fingerprint=issued.fingerprint,
    )


def _year(raw: str, field: str = "year") -> int:
    from unioncli.dates import parse_year

    return parse_year(raw, field)


@app.command("year")
def year_cmd(
    year: str = typer.Argument(..., help="年度，如 2024"),
    org: str | None = OrgOption,
    township: str | None = TownshipOption,
    county: str | None = CountyOption,
    city: bool = CityOption,
    fmt: ReportFormat | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    out: Path | None = OutOption,
    as_issued: bool = typer.Option(
        False, "--as-issued", help="打印定稿时的数据（report issue 所存最新一版），不是现在的"
    ),
) -> None:
    """年度工作数据（每项与上年同比），可存为 Markdown、CSV、JSON、可打印的 HTML 或 XLSX. Example: unioncli report year 2024"""
    chosen = choose_format(fmt, out)
    where = _county(county, city)
    print_year(
        _year(year),
        org=org,
        township=township,
        county=where,
        fmt=chosen,
        out=out,
        as_issued=as_issued,
    )


class DiffFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("issue")
def issue_cmd(
    year: str = typer.Argument(..., help="年度，如 2024"),
    org: str | None = OrgOption,
    township: str | None = TownshipOption,
    county: str | None = CountyOption,
    city: bool = CityOption,
    note: str | None = typer.Option(None, "--note", help="备注，如 报市总工会"),
) -> None:
    """定稿：存下本年度此范围的全部数据（再次定稿为新的一版），记入审计日志. Example: unioncli report issue 2024 --note 报市总工会"""
    from unioncli.cli.render import line
    from unioncli.services.issued import issue

    number = _year(year)
    scope, scope_name = _scope(org, township, _county(county, city))
    with uow() as work:
        done = issue(work, number, scope, note)
        work.commit()
    line(
        i18n.t(
            "report.issued",
            year=number,
            scope=_scope_label(scope_name, state.target()),
            version=done.version,
            at=done.shown_at,
            fp=done.fingerprint,
        )
    )


@app.command("diff")
def diff_cmd(
    year: str = typer.Argument(..., help="年度，如 2024"),
    org: str | None = OrgOption,
    township: str | None = TownshipOption,
    county: str | None = CountyOption,
    city: bool = CityOption,
    fmt: DiffFormat = typer.Option(DiffFormat.table, "--format", "-f", help="table|json"),
) -> None:
    """现在的数据与最新定稿相比：哪些项目不同，定稿后哪些操作涉及该年. Example: unioncli report diff 2024"""
    from unioncli.cli.render import Column, line, rows
    from unioncli.services.issued import diff

    number = _year(year)
    scope, scope_name = _scope(org, township, _county(county, city))
    eng = state.target()
    found = diff(eng, number, scope)
    label = _scope_label(scope_name, eng)
    if found is None:
        if fmt is DiffFormat.json:
            empty: dict[str, Any] = {"year": number, "issued_at": None, "changes": [], "causes": []}
            _emit(_json(empty), None)
            return
        line(i18n.t("issued.none", year=number, scope=label))
        return
    if fmt is DiffFormat.json:
        _emit(_json(found.as_json()), None)
        return
    issued = found.issued
    if not found.changes:
        line(
            i18n.t(
                "report.diff.same",
                year=number,
                scope=label,
                version=issued.version,
                at=issued.shown_at,
            )
        )
        return
    line(
        i18n.t(
            "report.diff.head",
            year=number,
            scope=label,
            version=issued.version,
            at=issued.shown_at,
            operator=issued.operator,
            n=len(found.changes),
        )
    )
    shown = [
        {"key": c.key, "issued": _value(c.issued), "now": _value(c.now)} for c in found.changes
    ]
    rows(
        [
            Column("key", i18n.t("report.col.key")),
            Column("issued", i18n.t("report.col.issued"), justify="right"),
            Column("now", i18n.t("report.col.now"), justify="right"),
        ],
        shown,
    )
    line()
    if not found.causes:
        line(i18n.t("report.diff.no_causes", year=number))
        return
    line(i18n.t("report.diff.causes", year=number))
    rows(
        [
            Column("audit_id", i18n.t("report.col.audit_id"), justify="right"),
            Column("action", i18n.t("report.col.action")),
            Column("record", i18n.t("report.col.record")),
            Column("at", i18n.t("report.col.at")),
            Column("operator", i18n.t("report.col.operator")),
            Column("reason", i18n.t("report.col.reason"), wrap=True),
        ],
        [
            {
                "audit_id": c.audit_id,
                "action": c.action,
                "record": c.entity if c.entity_id is None else f"{c.entity} #{c.entity_id}",
                "at": c.at.replace("T", " ").removesuffix("Z"),
                "operator": c.operator,
                "reason": c.reason,
            }
            for c in found.causes
        ],
    )


def _value(value: Any) -> str:
    """A figure as the diff table shows it: the number, or — when the issue had no such key."""
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


@app.command("by-org")
def by_org_cmd(
    year: str = typer.Argument(..., help="年度，如 2024"),
    township: str | None = TownshipOption,
    county: str | None = CountyOption,
    city: bool = CityOption,
    fmt: ReportFormat | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    out: Path | None = OutOption,
) -> None:
    """各基层工会的年度数据，一个工会一行，末行合计. Example: unioncli report by-org 2024 --township 城关镇"""
    from unioncli.cli.report_formats.reports import by_org_doc, by_org_totals
    from unioncli.services.report import by_org, federation_name

    chosen = choose_format(fmt, out)
    number = _year(year)
    where = _county(county, city)
    eng = state.target()
    data = by_org(eng, number, township.strip() if township else None, where)
    if chosen is ReportFormat.json:
        payload: dict[str, Any] = {"year": number, "township": township}
        if where is not None:
            payload["county"] = where
        payload.update({"orgs": data, "total": by_org_totals(data)})
        _emit(_json(payload), out)
        return
    names = [n for n in (where, township.strip() if township else None) if n]
    scope = " · ".join(names) if names else _whole(eng)
    doc = by_org_doc(number, data, federation=federation_name(eng), scope=scope)
    _show(doc, chosen, out, eng)


@app.command("by-county")
def by_county_cmd(
    year: str = typer.Argument(..., help="年度，如 2024"),
    fmt: ReportFormat | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    out: Path | None = OutOption,
) -> None:
    """各区县的年度主要数据，一个区县一行，末行全市合计（不论本人所在区县）. Example: unioncli report by-county 2024"""
    from unioncli.cli.report_formats.reports import by_county_doc
    from unioncli.services.report import by_county, by_county_totals, federation_name

    chosen = choose_format(fmt, out)
    number = _year(year)
    eng = state.target()
    data = by_county(eng, number)
    if chosen is ReportFormat.json:
        payload = {"year": number, "counties": data, "total": by_county_totals(data)}
        _emit(_json(payload), out)
        return
    doc = by_county_doc(number, data, by_county_totals(data), federation=federation_name(eng))
    _show(doc, chosen, out, eng)


@app.command("trend")
def trend_cmd(
    start: str = typer.Option(..., "--from", help="起始年度，如 2018"),
    end: str = typer.Option(..., "--to", help="截止年度，如 2024"),
    org: str | None = OrgOption,
    township: str | None = TownshipOption,
    county: str | None = CountyOption,
    city: bool = CityOption,
    fmt: TrendFormat = typer.Option(TrendFormat.table, "--format", "-f", help="table|csv|json"),
) -> None:
    """主要数据逐年走势（终端里画成条形）. Example: unioncli report trend --from 2018 --to 2024"""
    from unioncli.cli.report_formats.reports import trend_doc, trend_table
    from unioncli.cli.report_formats.text import plain_csv, terminal_groups
    from unioncli.services.report import TREND_KEYS, federation_name, trend

    first, last = _year(start, "from"), _year(end, "to")
    if first > last:
        raise UsageError("report.range", start=first, end=last)
    scope, scope_name = _scope(org, township, _county(county, city))
    eng = state.target()
    data = trend(eng, first, last, scope)
    if fmt is TrendFormat.json:
        _emit(_json(data), None)
        return
    if fmt is TrendFormat.csv:
        header, body = trend_table(data, TREND_KEYS)
        _emit(plain_csv(header, body), None)
        return
    from unioncli.cli.render import grouped

    doc = trend_doc(
        data,
        TREND_KEYS,
        start=first,
        end=last,
        federation=federation_name(eng),
        scope=scope_name or _whole(eng),
    )
    grouped(doc.headers, doc.numeric, terminal_groups(doc), title=doc.title, notes=doc.notes)


@app.command("settings")
def settings_cmd(
    federation: str | None = typer.Option(
        None, "--federation", help="报表抬头：县总工会的名称，如 XX县总工会"
    ),
) -> None:
    """查看或设置报表抬头（县总工会名称）. Example: unioncli report settings --federation 示范县总工会"""
    from unioncli.cli.render import line
    from unioncli.services.report import federation_name, set_federation_name

    if federation is None:
        name = federation_name(state.target())
        line(i18n.t("report.federation", name=name) if name else i18n.t("report.federation_none"))
        return
    with uow() as work:
        set_federation_name(work, federation)
        work.commit()
    line(i18n.t("report.federation_set", name=federation.strip()))
