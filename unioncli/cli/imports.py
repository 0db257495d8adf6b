"""``unioncli import`` and ``unioncli export``: spreadsheets in, clean files out."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from unioncli import i18n
from unioncli.cli.common import (
    AllOption,
    Format,
    FormatOption,
    ReasonOption,
    limit_of,
    state,
    uow,
)
from unioncli.cli.nouns import help_of
from unioncli.errors import ExitCode

import_app = typer.Typer(
    help=help_of("import"),
    no_args_is_help=True,
)
export_app = typer.Typer(
    help=help_of("export"),
    no_args_is_help=True,
)

i18n.register(
    {
        "import.file": (
            "文件：{file}（{encoding}{delimiter}，{rows} 行）",
            "file: {file} ({encoding}{delimiter}, {rows} rows)",
        ),
        "import.delim.,": ("，逗号分隔", ", comma-separated"),
        "import.delim.\t": ("，制表符分隔", ", tab-separated"),
        "import.delim.;": ("，分号分隔", ", semicolon-separated"),
        "import.ignored": ("忽略的列：{cols}", "ignored columns: {cols}"),
        "import.counts": (
            "新建 {created} · 更新 {updated} · 未变 {unchanged} · 跳过 {skipped} · 文件内重复 {duplicate} · 拒绝 {rejected}",
            "created {created} · updated {updated} · unchanged {unchanged} · skipped {skipped} "
            "· repeated in file {duplicate} · rejected {rejected}",
        ),
        "import.problem": ("第 {line} 行：{reason}", "row {line}: {reason}"),
        "import.repaired": (
            "按台账修复了 {n} 个被表格软件损坏的号码：",
            "{n} numbers damaged by a spreadsheet repaired from the ledger:",
        ),
        "import.repair": (
            "  第 {line} 行 {column}：{before} → {after}",
            "  row {line} {column}: {before} → {after}",
        ),
        "import.more_problems": ("……另有 {n} 行被拒绝", "… and {n} more rejected rows"),
        "import.warned": ("有提示的行：{n}", "rows taken with a note: {n}"),
        "import.warning": ("第 {line} 行：{reason}", "row {line}: {reason}"),
        "import.more_warnings": ("……另有 {n} 行有提示", "… and {n} more rows with a note"),
        "import.rejects_written": (
            "被拒绝的行已写入 {path}（改正后可再次导入）",
            "rejected rows written to {path} (fix them and import it again)",
        ),
        "import.done": ("已导入，批次 #{id}", "imported as batch #{id}"),
        "import.none_written": (
            "未写入任何数据：有 {n} 行不合格，整个文件未导入（加 --skip-invalid 可只导入合格的行）",
            "nothing written: {n} rows were rejected, so the whole file was not imported "
            "(--skip-invalid imports the valid rows)",
        ),
        "import.all_rejected": (
            "未写入任何数据：{n} 行全部不合格",
            "nothing written: all {n} rows were rejected",
        ),
        "import.dry_run": ("试导入（--dry-run）：未写入任何数据", "dry run: nothing was written"),
        "import.empty_rows": ("文件只有表头，没有数据行", "the file has a header but no rows"),
        "import.progress": ("导入", "importing"),
        "import.col.id": ("批次", "batch"),
        "import.col.at": ("时间（UTC）", "time (UTC)"),
        "import.kind.orgs": ("基层工会", "unions"),
        "import.kind.members": ("会员", "members"),
        "import.kind.hardship": ("困难档案", "hardship files"),
        "import.kind.hardship-reviews": ("档案复核", "file reviews"),
        "import.kind.hardship-visits": ("入户走访", "home visits"),
        "import.kind.aid": ("帮扶记录", "aid"),
        "import.kind.grants": ("金秋助学", "grants"),
        "import.kind.stations": ("服务站点", "stations"),
        "import.kind.station-logs": ("服务台账", "station logs"),
        "import.kind.station-status": ("站点状态变动", "station status changes"),
        "import.kind.station-ratings": ("站点评级", "station ratings"),
        "import.dup.error": ("拒绝该行", "reject the row"),
        "import.dup.skip": ("跳过", "skip"),
        "import.dup.update": ("更新", "update"),
        "import.col.kind": ("类型", "kind"),
        "import.col.file": ("文件", "file"),
        "import.col.encoding": ("编码", "encoding"),
        "import.col.rows": ("行数", "rows"),
        "import.col.created": ("新建", "created"),
        "import.col.updated": ("更新", "updated"),
        "import.col.unchanged": ("未变", "unchanged"),
        "import.col.skipped": ("跳过", "skipped"),
        "import.col.rejected": ("拒绝", "rejected"),
        "import.col.operator": ("经办人", "operator"),
        "import.col.status": ("状态", "status"),
        "import.col.on_duplicate": ("重复时", "on duplicate"),
        "import.status.done": ("已导入", "imported"),
        "import.status.undone": ("已撤销", "undone"),
        "import.count": ("显示 {shown} 个批次，共 {total} 个", "{shown} of {total} batches"),
        "import.undone": (
            "已撤销批次 #{id}：删除 {removed}，恢复修改 {restored} 处",
            "batch #{id} undone: removed {removed}, {restored} changes put back",
        ),
        "import.nothing_removed": ("无", "nothing"),
        "export.done": ("已导出 {n} 行到 {path}", "{n} rows exported to {path}"),
        "export.format": (
            "只能导出为 .csv 或 .xlsx：{path}",
            "export writes .csv or .xlsx files only: {path}",
        ),
    }
)

KIND_HELP = {
    "orgs": ("基层工会", "unions.csv"),
    "members": ("会员", "会员.csv"),
    "hardship": ("困难职工档案", "困难档案.csv"),
    "hardship-reviews": ("困难档案年度复核", "复核.csv"),
    "hardship-visits": ("困难档案入户走访", "走访.csv"),
    "aid": ("帮扶记录", "帮扶.csv"),
    "grants": ("金秋助学", "金秋助学.csv"),
    "stations": ("户外劳动者服务站点", "站点.csv"),
    "station-logs": ("站点服务台账", "服务台账.csv"),
    "station-status": ("站点状态变动（暂停、撤销、恢复开放）", "站点状态.csv"),
    "station-ratings": ("站点历年评级", "站点评级.csv"),
}


def _summary(result: Any) -> None:
    from unioncli.cli.render import line, note

    delim = i18n.t(f"import.delim.{result.delimiter}") if result.delimiter else ""
    line(
        i18n.t(
            "import.file",
            file=result.file.name,
            encoding=result.encoding,
            delimiter=delim,
            rows=result.rows,
        )
    )
    if result.ignored_columns:
        line(i18n.t("import.ignored", cols=i18n.join(result.ignored_columns)))
    if result.rows == 0:
        line(i18n.t("import.empty_rows"))
        return
    line(i18n.t("import.counts", **result.counts))
    if result.repaired:
        line(i18n.t("import.repaired", n=len(result.repaired)))
        for r in result.repaired:
            line(
                i18n.t(
                    "import.repair", line=r.line, column=r.column, before=r.before, after=r.after
                )
            )
    for problem in result.problems:
        note(i18n.t("import.problem", line=problem.line, reason=problem.reason))
    more = result.rejected - len(result.problems)
    if more > 0:
        note(i18n.t("import.more_problems", n=more))
    if result.warned:
        line(i18n.t("import.warned", n=result.warned))
        for warning in result.warnings:
            line(i18n.t("import.warning", line=warning.line, reason=warning.reason))
        if result.warned > len(result.warnings):
            line(i18n.t("import.more_warnings", n=result.warned - len(result.warnings)))
    if result.rejects_file is not None:
        line(i18n.t("import.rejects_written", path=result.rejects_file))
    if result.dry_run:
        line(i18n.t("import.dry_run"))
    elif result.written:
        line(i18n.t("import.done", id=result.batch_id))
    elif result.rejected == result.rows:
        line(i18n.t("import.all_rejected", n=result.rejected))
    elif result.rejected:
        line(i18n.t("import.none_written", n=result.rejected))


def _make_import(kind: str) -> Any:
    label, example = KIND_HELP[kind]

    def command(
        file: Path = typer.Argument(..., help="CSV（UTF-8/GBK/UTF-16，自动识别）或 XLSX 文件"),
        on_duplicate: str = typer.Option(
            "error",
            "--on-duplicate",
            help="台账里已有且内容不同时：error 拒绝该行 | skip 跳过 | update 更新（空单元格不会清掉已有内容）",
            metavar="error|skip|update",
        ),
        skip_invalid: bool = typer.Option(
            False,
            "--skip-invalid",
            help="只导入合格的行，不合格的写入拒绝文件（默认一行不合格则整个文件不导入）",
        ),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="完整校验和比对，报告将新建/更新/拒绝的行数，不写入任何数据"
        ),
        rejects: Path | None = typer.Option(
            None, "--rejects", help="拒绝文件的位置（默认在导入文件旁：<文件名>.rejects.csv）"
        ),
        repair_ids: bool = typer.Option(
            False,
            "--repair-ids",
            help="被表格软件改成数字的身份证号、信用代码、手机号（如 2.30125E+17），"
            "台账中恰有一条记录与残存数字和本行姓名等相符时按台账修复，逐格列出",
        ),
    ) -> None:
        from unioncli.cli.render import progress
        from unioncli.errors import UsageError
        from unioncli.services.imports import kinds
        from unioncli.services.imports.engine import run_import

        if not file.is_file():
            raise UsageError("import.no_file", path=file)
        with progress(0, i18n.t("import.progress"), percent=True) as bar:
            task = bar.add_task(i18n.t("import.progress"), total=None)

            def report(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total or None)

            made = kinds()[kind]()
            made.county = state.county
            result = run_import(
                state.target(),
                made,
                file,
                on_duplicate=on_duplicate,
                skip_invalid=skip_invalid,
                dry_run=dry_run,
                rejects=rejects,
                progress=report,
                repair_ids=repair_ids,
            )
        _summary(result)
        if result.rejected:
            raise typer.Exit(int(ExitCode.IMPORT_REJECTED))

    command.__doc__ = f"导入{label}。Example: unioncli import {kind} {example} --dry-run"
    return command


for _kind in KIND_HELP:
    import_app.command(_kind)(_make_import(_kind))

i18n.register(
    {
        "import.no_file": ("找不到文件：{path}", "no such file: {path}"),
    }
)


def _batch_columns() -> list[Any]:
    from unioncli.cli.render import Column

    def t(key: str) -> str:
        return i18n.t(f"import.col.{key}")

    return [
        Column("id", t("id"), justify="right"),
        Column("started_at", t("at"), show=lambda v: f"{v:%Y-%m-%d %H:%M}"),
        Column("kind", t("kind"), show=lambda v: i18n.t(f"import.kind.{v}")),
        Column("file_name", t("file"), wrap=True),
        Column("rows", t("rows"), justify="right"),
        Column("created", t("created"), justify="right"),
        Column("updated", t("updated"), justify="right"),
        Column("rejected", t("rejected"), justify="right"),
        Column("operator", t("operator")),
        Column("status", t("status"), show=lambda v: i18n.t(f"import.status.{v}")),
    ]


@import_app.command("list")
def list_(
    limit: int = typer.Option(50, "--limit", "-n", help="最多显示几个批次"),
    all_rows: bool = AllOption,
    fmt: Format = FormatOption,
) -> None:
    """导入批次，最近的在前。Example: unioncli import list"""
    from dataclasses import asdict

    from unioncli.cli.render import listing
    from unioncli.db.read import reading
    from unioncli.views.imports import list_batches

    with reading(state.target()) as r:
        page = list_batches(r, limit=limit_of(limit, all_rows))
    listing(
        _batch_columns(),
        [asdict(b) for b in page.rows],
        fmt.value,
        notes=[i18n.t("import.count", shown=len(page.rows), total=page.total)],
    )


@import_app.command("show")
def show(batch_id: int = typer.Argument(..., help="批次号（import list 的第一列）")) -> None:
    """一个导入批次的详情。Example: unioncli import show 3"""
    from unioncli.cli.render import record
    from unioncli.db.read import reading
    from unioncli.views.imports import show_batch

    with reading(state.target()) as r:
        b = show_batch(r, batch_id)
    t = i18n.t
    record(
        f"{t('import.col.id')} #{b.id}",
        [
            (t("import.col.kind"), t(f"import.kind.{b.kind}")),
            (t("import.col.file"), b.file_name),
            (t("import.col.encoding"), b.encoding),
            (t("import.col.at"), f"{b.started_at:%Y-%m-%d %H:%M:%S}"),
            (t("import.col.operator"), b.operator),
            (t("import.col.on_duplicate"), t(f"import.dup.{b.on_duplicate}")),
            (t("import.col.rows"), b.rows),
            (t("import.col.created"), b.created),
            (t("import.col.updated"), b.updated),
            (t("import.col.unchanged"), b.unchanged),
            (t("import.col.skipped"), b.skipped),
            (t("import.col.rejected"), b.rejected),
            (
                t("import.col.status"),
                t(f"import.status.{b.status}")
                + (f" {b.undone_at:%Y-%m-%d %H:%M}" if b.undone_at else ""),
            ),
        ],
    )


@import_app.command("undo")
def undo(batch_id: int = typer.Argument(..., help="批次号")) -> None:
    """撤销一个导入批次：删除它新建的，恢复它修改的。Example: unioncli import undo 3"""
    from unioncli.cli.render import line
    from unioncli.services.imports.batches import entity_label, undo_batch

    with uow() as work:
        result = undo_batch(work, batch_id)
        work.commit()
    removed = i18n.join(f"{entity_label(k)} {v}" for k, v in result.removed.items())
    line(
        i18n.t(
            "import.undone",
            id=batch_id,
            removed=removed or i18n.t("import.nothing_removed"),
            restored=result.restored,
        )
    )


def _make_export(kind: str) -> Any:
    label, example = KIND_HELP[kind]

    def command(
        out: Path | None = typer.Option(
            None, "--out", "-o", help="输出文件，.csv 或 .xlsx（默认 <类型>-<日期>.csv）"
        ),
        encoding: str = typer.Option(
            "utf-8-sig",
            "--encoding",
            help="CSV 编码：utf-8-sig（默认，Excel 可直接打开）| gbk | utf-8",
        ),
        unmasked: bool = typer.Option(
            False, "--unmasked", help="导出完整身份证号和手机号（须写 --reason，记入审计日志）"
        ),
        reason: str | None = ReasonOption,
    ) -> None:
        from unioncli.cli.render import line
        from unioncli.errors import UsageError
        from unioncli.services.imports.export import export
        from unioncli.tabular import TableWriter

        path = out or Path(f"{kind}-{date.today():%Y%m%d}.csv")
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise UsageError("export.format", path=path)
        codec = {"gbk": "gb18030", "utf8": "utf-8"}.get(encoding.lower().replace("-", ""), encoding)
        try:
            "".encode(codec)
        except LookupError:
            raise UsageError("export.encoding", encoding=encoding) from None
        data = export(state.target(), kind, unmasked=unmasked, reason=reason, county=state.county)
        # written beside the target and renamed at the end: a failed export leaves no half file
        part = path.with_name(f".{path.name}.part")
        try:
            with TableWriter(part, data.header, format=suffix.lstrip("."), encoding=codec) as sink:
                for row in data.rows:
                    sink.write(row)
            part.replace(path)
        finally:
            part.unlink(missing_ok=True)
        line(i18n.t("export.done", n=sink.rows_written, path=path))

    command.__doc__ = f"导出{label}。Example: unioncli export {kind} --out {example}"
    return command


i18n.register({"export.encoding": ("不认识的编码：{encoding}", "unknown encoding: {encoding}")})

for _kind in KIND_HELP:
    export_app.command(_kind)(_make_export(_kind))


i18n.register(
    {
        "template.done": (
            "已生成{title}导入模板：{path}（{n} 列{example}）",
            "{title} import template written to {path} ({n} columns{example})",
        ),
        "template.with_example": ("，含一行示例", ", with one example row"),
    }
)


def template(
    kind: str = typer.Argument(
        ..., help="导入类型：orgs、members、hardship、aid、grants、stations…"
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="输出文件（默认 <类型>-模板.xlsx；--csv 时 .csv）"
    ),
    csv: bool = typer.Option(False, "--csv", help="CSV 模板（只有表头和示例行），给老版本 Excel"),
    encoding: str = typer.Option(
        "gbk", "--encoding", help="CSV 模板的编码：gbk（默认）| utf-8-sig | utf-8"
    ),
    example: bool = typer.Option(True, "--example/--no-example", help="是否带一行示例（默认带）"),
) -> None:
    """给基层工会填写的空白表格：列、必填标记、下拉选项、文本格式、填写说明。Example: unioncli template members --out 会员模板.xlsx"""
    from unioncli.cli.render import line
    from unioncli.errors import UsageError
    from unioncli.services.imports.template import build_template, write_csv, write_xlsx

    made = build_template(kind)
    suffix = ".csv" if csv else ".xlsx"
    path = out or Path(f"{kind}-模板{suffix}")
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError("export.format", path=path)
    if path.suffix.lower() == ".csv" or csv:
        codec = {"gbk": "gb18030", "utf8": "utf-8"}.get(encoding.lower().replace("-", ""), encoding)
        try:
            "".encode(codec)
        except LookupError:
            raise UsageError("export.encoding", encoding=encoding) from None
        write_csv(made, path, encoding=codec, example=example)
    else:
        write_xlsx(made, path, example=example)
    line(
        i18n.t(
            "template.done",
            title=made.title,
            path=path,
            n=len(made.columns),
            example=i18n.t("template.with_example") if example else "",
        )
    )
