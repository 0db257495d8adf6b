"""Blank sheets to send to grassroots unions: one per import kind, built from its ``Column``s.

A template holds the kind's columns in order (required ones marked *), ID number / phone / card
number / USCC columns formatted as text so that Excel and WPS keep every digit, a drop-down for
every closed list, one example row, and a sheet 填写说明 that explains each column, its accepted
headers and values. Everything comes from ``kinds()`` and each kind's columns, plus the small
maps below (column key → what it holds): a kind or a column these maps do not know still gets a
plain column, so new kinds have templates with no extra work.

The example rows form one chain that imports on an empty ledger and on the demo: the orgs
example is the union the members and hardship examples belong to; the hardship example's head
is the household the aid example pays and the parent of the grants example; the stations
example is the station of the station-logs example. 填写说明 says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unioncli import i18n
from unioncli.enums import (
    ETHNICITIES,
    AidKind,
    BuildModel,
    Choice,
    CloseReason,
    Education,
    FileStatus,
    Gender,
    GigGroup,
    GrantStatus,
    HardshipCategory,
    HardshipCause,
    Hukou,
    MemberStatus,
    OrgDissolution,
    OrgType,
    PoliticalStatus,
    SchoolLevel,
    StationRating,
    StationStatus,
)
from unioncli.errors import UsageError

i18n.register(
    {
        "template.unknown_kind": (
            "没有这种导入表格：{kind}（可选：{kinds}）",
            "no such import kind: {kind} (one of: {kinds})",
        ),
    }
)

YES_NO = ("是", "否")
DATE_FORMS = "2018-03-05、2018/3/5、2018.3.5、20180305、2018年3月5日"
MONTH_FORMS = "2018-03、2018/3、2018年3月"

# column key → its closed list (an enumeration, or the labels themselves)
CHOICES: dict[str, type[Choice] | tuple[str, ...]] = {
    "gender": Gender,
    "ethnicity": ETHNICITIES,
    "education": Education,
    "migrant": YES_NO,
    "gig_group": GigGroup,
    "political_status": PoliticalStatus,
    "hukou": Hukou,
    "org_type": OrgType,
    "dissolution": OrgDissolution,
    "opened_category": HardshipCategory,
    "category": HardshipCategory,
    "cause": HardshipCause,
    "close_reason": CloseReason,
    "aid_kind": AidKind,
    "level": SchoolLevel,
    "build_model": BuildModel,
    "rating": StationRating,
    "staffed": YES_NO,
    "on_map": YES_NO,
}
# where one key means different lists in different kinds
KIND_CHOICES: dict[tuple[str, str], type[Choice] | tuple[str, ...]] = {
    ("members", "status"): MemberStatus,
    ("hardship", "status"): FileStatus,
    ("grants", "status"): GrantStatus,  # a past round comes whole: every status imports
    ("stations", "status"): StationStatus,
    ("station-status", "status"): StationStatus,
    ("station-ratings", "rating"): StationRating,
}
# columns whose digits must survive a spreadsheet: formatted as text
TEXT = frozenset(
    {"id_number", "student_id_number", "parent_id_number", "phone", "card_no", "org_uscc",
     "employer_uscc", "uscc", "file_no", "code"}
)  # fmt: skip
DATES = frozenset(
    {"joined", "status_since", "founded", "opened", "closed", "aid_date", "paid_on", "date",
     "birth_date"}
)  # fmt: skip
MONTHS = frozenset({"month"})
MONEY = frozenset({"amount", "income_per_capita"})
YEARS = frozenset({"year", "rating_year", "enrolled_year"})
MULTI = {"facilities": "、", "secondary_causes": "、"}  # several values in one cell
MULTI_LISTS: dict[str, type[Choice]] = {"secondary_causes": HardshipCause}

# the sheet's name; a kind not listed is named by its command-line name
TITLES = {
    "orgs": "基层工会", "members": "会员", "hardship": "困难档案", "aid": "帮扶记录",
    "grants": "金秋助学", "stations": "服务站点", "station-logs": "服务台账",
    "station-status": "站点状态", "station-ratings": "站点评级", "hardship-reviews": "年度复核",
    "hardship-visits": "入户走访",
}  # fmt: skip
# the example chain (see the module docstring); IDs are made up and pass the check digit
EXAMPLE_ORG = "城关镇第一小学工会"
EXAMPLE_HEAD = ("李芳", "230102198203040262")  # hardship head, the grant's parent
EXAMPLE_STATION = "ZD-示例-001"
EXAMPLES: dict[str, dict[str, str]] = {
    "orgs": {
        "org_name": EXAMPLE_ORG, "org_uscc": "81230125MA1234567M", "employer": "城关镇第一小学",
        "employer_uscc": "12230125MA1234567R", "org_type": "独立基层工会", "township": "城关镇",
        "founded": "2019-05-01", "chair": "李红", "phone": "0451-55551234",
    },
    "members": {
        "name": "张伟", "id_number": "230102199001012356", "gender": "男", "ethnicity": "汉族",
        "phone": "13800138000", "education": "大专", "employer": "城关镇第一小学",
        "org": EXAMPLE_ORG, "joined": "2024-03-05", "card_no": "GH230125-900001",
        "migrant": "是", "gig_group": "网约送餐员(外卖)", "political_status": "群众",
        "hukou": "农业", "status": "在册",
    },
    "hardship": {
        "name": EXAMPLE_HEAD[0], "id_number": EXAMPLE_HEAD[1], "org": EXAMPLE_ORG,
        "category": "相对困难", "cause": "患重特大疾病", "secondary_causes": "子女上学",
        "household_size": "3", "income_per_capita": "650", "health": "慢性肾病",
        "housing": "租房", "opened": "2024-03-01", "phone": "13900139000",
        "address": "城关镇富民社区1组1号", "status": "在档",
    },
    "aid": {
        "id_number": EXAMPLE_HEAD[1], "aid_date": "2024-06-15", "aid_kind": "医疗救助",
        "amount": "2000", "fund_source": "县总工会帮扶资金", "handler": "王建华",
        "note": "住院费用救助",
    },
    "grants": {
        "student_name": "李明", "student_id_number": "230102200605060178",
        "parent_name": EXAMPLE_HEAD[0], "parent_id_number": EXAMPLE_HEAD[1], "level": "本科",
        "school": "黑龙江大学", "enrolled_year": "2024", "year": "2025", "amount": "4000",
        "status": "申请",
    },
    "stations": {
        "code": EXAMPLE_STATION, "name": "城关镇示例工会驿站", "address": "城关镇人民路1号",
        "township": "城关镇", "host": "银行网点", "build_model": "社会共建",
        "opened": "2024-05-01", "hours": "8:00-18:00", "facilities": "饮水、桌椅、应急药箱、手机充电",
        "rating": "达标", "rating_year": "2024", "status": "开放", "manager": "赵敏",
        "phone": "13700137000",
    },
    "station-logs": {
        "code": EXAMPLE_STATION, "month": "2024-06", "visits": "120", "activities": "2",
    },
    "hardship-reviews": {
        "id_number": EXAMPLE_HEAD[1], "review_date": "2024-12-10", "outcome": "维持",
        "category": "相对困难", "reviewer": "王建华",
    },
    "hardship-visits": {
        "id_number": EXAMPLE_HEAD[1], "visit_date": "2024-09-01", "visitor": "王建华",
        "note": "了解治疗进展",
    },
    "station-status": {
        "code": EXAMPLE_STATION, "status": "暂停", "date": "2024-07-01", "reason": "装修",
    },
    "station-ratings": {
        "code": EXAMPLE_STATION, "year": "2025", "rating": "示范", "rated_on": "2025-12-20",
    },
}  # fmt: skip
# what each kind's example row refers to, for 填写说明
REFERS = {
    "members": f"示例行的所属工会是基层工会模板示例行中的“{EXAMPLE_ORG}”：请先导入基层工会模板，"
    "或把它换成台账中已有的工会名称。",
    "hardship": f"示例行的所属工会是基层工会模板示例行中的“{EXAMPLE_ORG}”：请先导入基层工会模板，"
    "或换成台账中已有的工会名称（也可不填）。",
    "aid": f"示例行帮扶的是困难档案模板示例行中的户主 {EXAMPLE_HEAD[0]}（按身份证号找到其在档档案）："
    "请先导入困难档案模板。",
    "grants": f"示例行的家长是困难档案模板示例行中的户主 {EXAMPLE_HEAD[0]}（建档困难职工）："
    "请先导入困难档案模板。",
    "station-logs": f"示例行的站点是服务站点模板示例行中的“{EXAMPLE_STATION}”：请先导入服务站点模板。",
    "hardship-reviews": f"示例行复核的是困难档案模板示例行中的户主 {EXAMPLE_HEAD[0]} 的档案"
    "（按身份证号找到）：请先导入困难档案模板。",
    "hardship-visits": f"示例行走访的是困难档案模板示例行中的户主 {EXAMPLE_HEAD[0]} 的档案"
    "（按身份证号找到）：请先导入困难档案模板。",
    "station-status": f"示例行的站点是服务站点模板示例行中的“{EXAMPLE_STATION}”：请先导入服务站点模板。",
    "station-ratings": f"示例行的站点是服务站点模板示例行中的“{EXAMPLE_STATION}”：请先导入服务站点模板。",
}
NOTES = {
    "id_number": "18 位公民身份号码（旧 15 位也可）；本列已设为文本，请勿改成数字格式",
    "student_id_number": "学生的 18 位身份证号；本列为文本格式",
    "parent_id_number": "家长的 18 位身份证号；本列为文本格式",
    "phone": "11 位手机号（本列为文本格式）",
    "card_no": "本列为文本格式，前面的 0 不会丢",
    "org_uscc": "18 位统一社会信用代码，工会的以 81 开头；本列为文本格式",
    "employer_uscc": "18 位统一社会信用代码；本列为文本格式",
    "org": "台账中已有的基层工会全称（或其统一社会信用代码）",
    "file_no": "如 KN2024-00001；不填则自动编号",
    "household_size": "整数，1 以上",
    "visits": "整数",
    "activities": "整数",
}


@dataclass
class TemplateColumn:
    key: str
    header: str  # as written in the sheet: the Chinese name, * when required
    names: tuple[str, ...]  # every header the import accepts
    required: bool
    format: str  # text | date | month | money | year | ""
    choices: tuple[str, ...] = ()
    note: str = ""
    example: str = ""


@dataclass
class Template:
    kind: str
    title: str
    columns: list[TemplateColumn] = field(default_factory=list)
    refers: str = ""

    @property
    def header(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def example(self) -> list[str]:
        return [c.example for c in self.columns]


def _labels(choice: type[Choice] | tuple[str, ...]) -> tuple[str, ...]:
    return choice if isinstance(choice, tuple) else choice.labels("zh")


def _format(key: str) -> str:
    if key in TEXT:
        return "text"
    if key in MONTHS:
        return "month"
    if key in DATES or key.endswith("_on"):
        return "date"
    if key in MONEY:
        return "money"
    if key in YEARS:
        return "year"
    return ""


def _note(kind: str, key: str, fmt: str, choices: tuple[str, ...]) -> str:
    parts = [NOTES[key]] if key in NOTES else []
    if choices:
        parts.append("可选：" + "、".join(choices) + "（也接受英文代码和旧称）")
    elif key in MULTI_LISTS:
        parts.append(f"可填多个，用“{MULTI[key]}”分隔：" + "、".join(_labels(MULTI_LISTS[key])))
    elif key == "facilities":
        from unioncli.enums import Facility

        parts.append("可填多个，用“、”“；”“,”或“/”分隔：" + "、".join(Facility.labels("zh")))
    if fmt == "date":
        parts.append("日期，可写 " + DATE_FORMS)
    elif fmt == "month":
        parts.append("月份，可写 " + MONTH_FORMS)
    elif fmt == "money":
        parts.append("金额（元），如 1234.50、1,234.50、0.5万元；最多两位小数")
    elif fmt == "year":
        parts.append("四位年份，如 2024")
    return "；".join(parts)


def kind_names() -> list[str]:
    from unioncli.services.imports import kinds

    return list(kinds())


def build_template(kind: str) -> Template:
    """The template of one import kind, from its declared columns."""
    from unioncli.services.imports import kinds

    known = kinds()
    if kind not in known:
        raise UsageError("template.unknown_kind", kind=kind, kinds=i18n.join(known))
    title = TITLES.get(kind, kind)
    example = EXAMPLES.get(kind, {})
    out = Template(kind=kind, title=title, refers=REFERS.get(kind, ""))
    for c in known[kind].columns:
        fmt = _format(c.key)
        choice = KIND_CHOICES.get((kind, c.key)) or CHOICES.get(c.key)
        choices = _labels(choice) if choice is not None else ()
        out.columns.append(
            TemplateColumn(
                key=c.key,
                header=c.zh + ("*" if c.required else ""),
                names=c.names(),
                required=c.required,
                format=fmt,
                choices=choices,
                note=_note(kind, c.key, fmt, choices),
                example=example.get(c.key, ""),
            )
        )
    return out


def missing_examples(t: Template) -> list[str]:
    """The required columns a kind's example row leaves blank (a kind the map does not know)."""
    return [c.header for c in t.columns if c.required and not c.example]


# --- writing ----------------------------------------------------------------------------------

ROWS = 1000  # rows below the header formatted and given their drop-downs
GUIDE = "填写说明"
LISTS = "选项"


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(i))


def write_xlsx(t: Template, path: Path, *, example: bool = True) -> None:
    """The template as an XLSX workbook: the sheet to fill, 填写说明, and the lists."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = t.title[:31]
    lists = wb.create_sheet(LISTS)
    bold = Font(bold=True)
    need = PatternFill("solid", fgColor="FFF2CC")
    ws.append(t.header)
    for i, c in enumerate(t.columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = bold
        if c.required:
            cell.fill = need
        ws.column_dimensions[_letter(i)].width = max(10, min(30, 2 * len(c.header) + 4))
    if example:
        for i, c in enumerate(t.columns, start=1):
            ws.cell(row=2, column=i, value=_example_value(c))
    n_list = 0
    for i, c in enumerate(t.columns, start=1):
        col = _letter(i)
        area = f"{col}2:{col}{ROWS + 1}"
        if c.format in ("text", "date", "month"):
            # text: Excel and WPS keep every digit; dates as typed, in whatever accepted form
            for r in range(2, ROWS + 2):
                ws.cell(row=r, column=i).number_format = "@"
        if c.choices:
            n_list += 1
            lcol = _letter(n_list)
            lists.cell(row=1, column=n_list, value=c.header.rstrip("*")).font = bold
            for r, label in enumerate(c.choices, start=2):
                lists.cell(row=r, column=n_list, value=label)
            dv = DataValidation(
                type="list",
                formula1=f"{LISTS}!${lcol}$2:${lcol}${len(c.choices) + 1}",
                allow_blank=True,
                errorStyle="warning",  # a legacy label (特困, 两节慰问) still imports
                error="请从下拉列表中选择",
                errorTitle=c.header.rstrip("*"),
                prompt=c.note[:255],
                promptTitle=c.header.rstrip("*")[:32],
            )
            dv.showErrorMessage = True
            dv.showInputMessage = True
            ws.add_data_validation(dv)
            dv.add(area)
        elif c.note:
            tip = DataValidation(prompt=c.note[:255], promptTitle=c.header.rstrip("*")[:32])
            tip.showInputMessage = True
            ws.add_data_validation(tip)
            tip.add(area)
    ws.freeze_panes = "A2"
    lists.sheet_state = "hidden" if n_list else "visible"
    guide = wb.create_sheet(GUIDE, 1)
    for row in guide_rows(t):
        guide.append(row)
    for cell in guide[3]:
        cell.font = bold
    guide["A1"].font = Font(bold=True, size=14)
    for col, width in zip("ABCDE", (18, 8, 40, 70, 24), strict=True):
        guide.column_dimensions[col].width = width
        for cell in guide[col]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)


def _example_value(c: TemplateColumn) -> Any:
    return c.example or None


def guide_rows(t: Template) -> list[list[str]]:
    """填写说明: one row per column, every header the import accepts, its values."""
    rows = [
        [f"{t.title}导入模板（unioncli import {t.kind}）填写说明"],
        [
            "第一行是表头，不要改动；带 * 的列必填。第二行是示例，可以删去或改写。"
            "身份证号、手机号、卡号、信用代码等列已设为文本格式，请直接输入，不要改成数字。"
            + (t.refers and " " + t.refers)
        ],
        ["列名", "必填", "可用的表头（任选其一，中英文均可）", "填写要求和可选值", "示例"],
    ]
    for c in t.columns:
        rows.append(
            [
                c.header.rstrip("*"),
                "是" if c.required else "否",
                "、".join(c.names),
                c.note,
                c.example,
            ]
        )
    return rows


def write_csv(t: Template, path: Path, *, encoding: str = "gb18030", example: bool = True) -> None:
    """The template as a CSV: the header and the example row (GBK by default, for old Excel)."""
    from unioncli.tabular import TableWriter

    with TableWriter(path, t.header, format="csv", encoding=encoding) as sink:
        if example:
            sink.write(t.example)
