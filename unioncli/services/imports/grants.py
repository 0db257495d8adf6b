"""金秋助学 grants from a spreadsheet, by the rules of ``grant apply`` / ``approve`` / ``pay``.

A whole past round comes in: every status (申请, 已批准, 已发放, 不予资助, 撤回) with its dates
(申请日期, 批准日期, 发放日期, 决定日期) and reasons (原因, 资格说明 for an ineligible parent, 金额说明
for a non-standard amount). A student has one standing grant (applied, approved, paid) per round
year: a standing row for a student who has one is the same grant — unchanged when it agrees,
else refused (``update`` cannot rewrite money or a status: those go through the ``grant``
commands). A rejected or withdrawn row is a decision of its own: unchanged when the ledger holds
the same one, else recorded beside a paid grant (a student refused once and funded later); beside
an applied or approved grant it is refused (the grant itself is rejected with ``grant reject``).
Each row's warnings (a year without standards, a non-standard amount with its reason, an
override used) go into the summary.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from unioncli.errors import UnionCliError
from unioncli.i18n import register
from unioncli.models import metadata
from unioncli.services.grants import rules
from unioncli.services.grants.plan import import_grant
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
    Column("applied_on", "申请日期", "applied_on", ("申请时间",)),
    Column("approved_on", "批准日期", "approved_on", ("审批日期", "批准时间", "审批时间")),
    Column("paid_on", "发放日期", "paid_on", ("发放时间",)),
    Column(
        "decided_on",
        "决定日期",
        "decided_on",
        ("不予资助日期", "撤回日期", "决定时间", "不予资助时间", "撤回时间"),
    ),
    Column("status_reason", "原因", "status_reason", ("不予资助原因", "撤回原因")),
    Column("override_reason", "资格说明", "override_reason", ("特批原因",)),
    Column("amount_reason", "金额说明", "amount_reason", ("金额与标准不同的原因",)),
    Column("note", "备注", "note"),
)
COMPARED = ("level", "amount_fen", "status", "applied_on", "approved_on", "paid_on", "decided_on")
DECIDED = (rules.S.REJECTED.value, rules.S.WITHDRAWN.value)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


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
            if p["status"] in DECIDED:
                self._decided(ctx, item, None if student is None else student.id, standing)
                continue
            if standing is None:
                self._create(ctx, item)
                continue
            stored = {
                "level": standing.level,
                "amount_fen": standing.amount_fen,
                "status": standing.status,
                "applied_on": standing.applied_on,
                "approved_on": standing.approved_on,
                "paid_on": standing.paid_on,
                "decided_on": None,
            }
            self._compare(ctx, item, standing.id, standing.batch_id, stored)

    def _create(self, ctx: Context, item: Item) -> None:
        try:
            _, warnings = import_grant(
                ctx.conn, item.parsed, timestamp=ctx.timestamp, batch_id=ctx.batch_id
            )
        except UnionCliError as exc:
            item.reject(exc)
            return
        item.warnings.extend(warnings)
        item.outcome = "created"

    def _compare(
        self,
        ctx: Context,
        item: Item,
        grant_id: int,
        batch_id: int | None,
        stored: dict[str, Any],
    ) -> None:
        p = item.parsed
        diff = [k for k in COMPARED if p[k] is not None and stored[k] != p[k]]
        if batch_id == ctx.batch_id:  # an earlier row of this file
            if diff:
                item.reject(
                    UnionCliError("import.dup_in_file", what=describe_fields(["student_id_number"]))
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
                    id=grant_id,
                    fields=describe_fields("amount" if k == "amount_fen" else k for k in diff),
                )
            )

    def _decided(
        self,
        ctx: Context,
        item: Item,
        student_id: int | None,
        standing: rules.StandingGrant | None,
    ) -> None:
        """A rejected or withdrawn row: the same decision already in the ledger, or a new one."""
        p = item.parsed
        if student_id is not None:
            g = metadata.tables["student_grant"]
            found = ctx.conn.execute(
                select(g.c.id, g.c.batch_id, g.c.applied_on, g.c.approved_on, g.c.decided_on).where(
                    g.c.student_id == student_id,
                    g.c.year == p["year"],
                    g.c.status == p["status"],
                    g.c.level == p["level"],
                    g.c.amount_fen == p["amount_fen"],
                )
            ).first()
            if found is not None:
                stored = {
                    "level": p["level"],
                    "amount_fen": p["amount_fen"],
                    "status": p["status"],
                    "applied_on": _day(found.applied_on),
                    "approved_on": _day(found.approved_on),
                    "paid_on": None,
                    "decided_on": _day(found.decided_on),
                }
                self._compare(ctx, item, int(found.id), found.batch_id, stored)
                return
        if standing is not None and standing.status != rules.S.PAID.value:
            # the standing grant itself was refused or withdrawn: a status change, not a new grant
            self._compare(
                ctx,
                item,
                standing.id,
                standing.batch_id,
                {k: None for k in COMPARED} | {"status": standing.status},
            )
            return
        self._create(ctx, item)
