"""金秋助学 grants from a spreadsheet, by the rules of ``grant apply`` / ``approve`` / ``pay``.

A student has one standing grant per round year: a row for a student who has one is the same
grant — unchanged when it agrees, else refused (``update`` cannot rewrite money or a status: those
go through the ``grant`` commands). A row whose 状态 is 已发放 is a paid grant on its 发放日期.
"""

from __future__ import annotations

from typing import Any

from unioncli.errors import UnionCliError
from unioncli.i18n import register
from unioncli.services import grants as rules
from unioncli.services.imports.engine import Column, Context, Item, Kind, describe_fields

register(
    {
        "import.grant_differs": (
            "该学生 {year} 年已有金秋助学（#{id}），{fields}不同：请用 grant 命令办理变更",
            "the student already has a {year} grant (#{id}) with different {fields}: change it "
            "with the grant commands",
        ),
    }
)

COLUMNS = (
    Column("student_name", "学生姓名", "student_name", ("受助学生姓名",), required=True),
    Column(
        "student_id_number",
        "学生身份证号",
        "student_id_number",
        ("学生身份证号码", "受助学生身份证号"),
        required=True,
    ),
    Column("parent_name", "家长姓名", "parent_name", ("父母姓名", "监护人姓名"), required=True),
    Column(
        "parent_id_number",
        "家长身份证号",
        "parent_id_number",
        ("家长身份证号码", "父母身份证号", "监护人身份证号"),
        required=True,
    ),
    Column("level", "学段", "level", ("就读学段", "学历层次"), required=True),
    Column("school", "学校", "school", ("就读学校", "学校名称")),
    Column("enrolled_year", "入学年份", "enrolled_year", ("入学年度", "入学时间")),
    Column("year", "年度", "year", ("资助年度", "助学年度"), required=True),
    Column("amount", "金额", "amount", ("资助金额", "助学金额", "金额(元)"), required=True),
    Column("status", "状态", "status"),
    Column("paid_on", "发放日期", "paid_on", ("发放时间",)),
    Column("note", "备注", "note"),
)
COMPARED = ("level", "amount_fen", "status", "paid_on")


class GrantImport(Kind):
    name = "grants"
    columns = COLUMNS
    key_field = "student_id_number"

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        return rules.parse_grant_fields(raw)

    def apply(self, ctx: Context, items: list[Item]) -> None:
        for item in items:
            p: dict[str, Any] = item.parsed
            student = rules.find_person(ctx.conn, p["student_id_number"])
            standing = (
                None if student is None else rules.standing_grant(ctx.conn, student.id, p["year"])
            )
            if standing is None:
                try:
                    rules.import_grant(ctx.conn, p, timestamp=ctx.timestamp, batch_id=ctx.batch_id)
                except UnionCliError as exc:
                    item.reject(exc)
                    continue
                item.outcome = "created"
                continue
            stored = {
                "level": standing.level,
                "amount_fen": standing.amount_fen,
                "status": standing.status,
                "paid_on": standing.paid_on,
            }
            diff = [k for k in COMPARED if p[k] is not None and stored[k] != p[k]]
            if standing.batch_id == ctx.batch_id:  # an earlier row of this file
                if diff:
                    item.reject(
                        UnionCliError(
                            "import.dup_in_file", what=describe_fields(["student_id_number"])
                        )
                    )
                else:
                    item.outcome = "duplicate"
            elif not diff:
                item.outcome = "unchanged"
            elif ctx.on_duplicate == "skip":
                item.outcome = "skipped"
            else:
                item.reject(
                    UnionCliError(
                        "import.grant_differs",
                        year=p["year"],
                        id=standing.id,
                        fields=describe_fields("amount" if k == "amount_fen" else k for k in diff),
                    )
                )
