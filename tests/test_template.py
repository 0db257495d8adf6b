"""``unioncli template KIND``: a sheet for every import kind that imports back as it is.

Parametrised over ``services.imports.kinds()``: a kind added later is covered without a line here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_ledger import build_demo
from openpyxl import load_workbook

from unioncli.services.imports import kinds
from unioncli.services.imports.template import (
    GUIDE,
    LISTS,
    TEXT,
    build_template,
    missing_examples,
)

KINDS = list(kinds())
# the order the example rows refer to each other in (see services/imports/template.py)
CHAIN = ["orgs", "members", "hardship", "aid", "grants", "stations", "station-logs"]
CHAIN += [k for k in KINDS if k not in CHAIN]


def _validations(ws: object) -> dict[str, object]:
    """Column letter -> the list validation covering its rows."""
    found = {}
    for dv in ws.data_validations.dataValidation:  # type: ignore[attr-defined]
        if dv.type == "list":
            for rng in dv.sqref.ranges:
                found[rng.coord.split(":")[0].rstrip("0123456789")] = dv
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_the_template_holds_every_column_its_lists_and_its_text_formats(
    kind: str, cli: object, tmp_path: Path
) -> None:
    out = tmp_path / f"{kind}.xlsx"
    result = cli("template", kind, "--out", str(out), db=False)  # type: ignore[operator]
    assert result.exit_code == 0, result.stdout + result.stderr
    t = build_template(kind)
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == [
        c.zh + ("*" if c.required else "") for c in kinds()[kind].columns
    ]
    assert wb.sheetnames[1] == GUIDE and LISTS in wb.sheetnames
    lists = _validations(ws)
    for i, column in enumerate(t.columns, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        if column.key in TEXT:
            assert ws.cell(row=3, column=i).number_format == "@", column.key
        if column.choices:
            dv = lists[letter]
            sheet, area = dv.formula1.split("!")  # type: ignore[attr-defined]
            assert sheet == LISTS
            shown = [c.value for row in wb[LISTS][area.replace("$", "")] for c in row]
            assert shown == list(column.choices)
        else:
            assert letter not in lists
    # 填写说明: every header the import accepts, column by column
    guide = {r[0].value: r for r in wb[GUIDE].iter_rows(min_row=4)}
    for column in t.columns:
        names = guide[column.header.rstrip("*")][2].value
        for name in kinds()[kind].columns[[c.key for c in t.columns].index(column.key)].names():
            assert name in names


def test_closed_lists_carry_the_chinese_labels() -> None:
    members = {c.key: c for c in build_template("members").columns}
    assert members["gender"].choices == ("男", "女")
    assert "网约送餐员(外卖)" in members["gig_group"].choices
    assert members["migrant"].choices == ("是", "否")
    assert members["status"].choices[0] == "在册"
    assert "深度困难" in {c.key: c for c in build_template("hardship").columns}["category"].choices
    assert "送温暖" in {c.key: c for c in build_template("aid").columns}["aid_kind"].choices
    grants = {c.key: c for c in build_template("grants").columns}
    assert grants["level"].choices[-1] == "研究生" and "已发放" in grants["status"].choices
    assert "示范" in {c.key: c for c in build_template("stations").columns}["rating"].choices
    # an unknown column is a plain one
    assert members["employer"].choices == () and members["employer"].format == ""
    assert members["joined"].format == "date" and "2018年3月5日" in members["joined"].note


def test_the_guide_lists_the_members_header_variants_of_real_forms() -> None:
    names = {c.key: c.names for c in build_template("members").columns}
    for key, variant in [
        ("id_number", "证件号码"), ("id_number", "公民身份证号码"), ("phone", "联系方式"),
        ("employer", "所在单位"), ("joined", "入会时间"), ("card_no", "会员证号"),
        ("migrant", "是否为农民工"),
    ]:  # fmt: skip
        assert variant in names[key]


@pytest.mark.parametrize("kind", KINDS)
def test_a_header_only_template_imports_with_nothing_to_do(
    kind: str, cli: object, tmp_path: Path
) -> None:
    for name, args in [("t.xlsx", ()), ("t.csv", ("--csv",))]:
        out = tmp_path / name
        made = cli("template", kind, "--no-example", "--out", str(out), *args, db=False)  # type: ignore[operator]
        assert made.exit_code == 0
        result = cli("import", kind, str(out))  # type: ignore[operator]
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "没有数据行" in result.stdout


def _chain(cli: object, tmp_path: Path, *, csv: bool = False) -> None:
    for kind in CHAIN:
        missing = missing_examples(build_template(kind))
        if missing:
            pytest.skip(f"kind {kind} has no example for {missing}: add it to template.EXAMPLES")
        out = tmp_path / (f"{kind}.csv" if csv else f"{kind}.xlsx")
        args = ("--csv",) if csv else ()
        assert cli("template", kind, "--out", str(out), *args, db=False).exit_code == 0  # type: ignore[operator]
        result = cli("import", kind, str(out))  # type: ignore[operator]
        assert result.exit_code == 0, (kind, result.stdout + result.stderr)
        assert "新建 1 " in result.stdout, (kind, result.stdout)


def test_the_example_rows_import_on_an_empty_ledger(cli: object, tmp_path: Path) -> None:
    _chain(cli, tmp_path)


def test_the_csv_templates_are_gbk_and_import(cli: object, tmp_path: Path) -> None:
    _chain(cli, tmp_path, csv=True)
    text = (tmp_path / "members.csv").read_bytes().decode("gb18030")
    assert text.startswith("姓名*,身份证号*,")


@pytest.mark.sqlite_only("the demo is built into a SQLite file")
def test_the_example_rows_import_on_the_demo_ledger(
    backend: str, template_db: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from unioncli.cli import app

    demo = tmp_path / "demo.sqlite3"
    build_demo(template_db, demo, members=300)
    runner = CliRunner()

    def run(*args: str, db: bool = True) -> object:
        return runner.invoke(app, (["--db", str(demo)] if db else []) + list(args))

    _chain(run, tmp_path)


def test_an_unknown_kind_is_a_usage_error(cli: object) -> None:
    result = cli("template", "payroll", db=False)  # type: ignore[operator]
    assert result.exit_code == 2
    assert "payroll" in result.stderr and "members" in result.stderr
