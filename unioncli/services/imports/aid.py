"""Aid entries from a spreadsheet: each to the file it names (by 档案编号, or the file of the
household head open on the aid's date), by the same rules as ``aid add``.

An entry identical to one recorded (file, kind, date, amount) is the same payment: unchanged when
its other cells agree, else a double entry under ``--on-duplicate error``. Money is never rewritten:
``update`` only fills in fund source, handler and note.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from unioncli.errors import UnionCliError
from unioncli.models import metadata
from unioncli.services import aid as rules
from unioncli.services.imports.engine import Column, Context, Item, Kind

COLUMNS = (
    Column("file_no", "档案编号", "file_no", ("档案号", "困难档案编号")),
    Column(
        "id_number",
        "身份证号",
        "id_number",
        ("户主身份证号", "身份证号码", "公民身份号码", "证件号码", "ID number"),
    ),
    Column("aid_date", "帮扶日期", "date", ("发放日期", "救助日期", "日期"), required=True),
    Column("aid_kind", "帮扶类型", "kind", ("救助类型", "帮扶类别", "类型"), required=True),
    Column("amount", "金额", "amount", ("帮扶金额", "救助金额", "金额(元)"), required=True),
    Column("fund_source", "资金来源", "fund_source"),
    Column("handler", "经办人", "handler"),
    Column("note", "备注", "note"),
)
TEXT = ("fund_source", "handler", "note")


class AidImport(Kind):
    name = "aid"
    columns = COLUMNS
    key_field = "file_no"

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        return rules.parse_aid_fields(raw)

    def apply(self, ctx: Context, items: list[Item]) -> None:
        table = metadata.tables["aid"]
        for item in items:
            p: dict[str, Any] = item.parsed
            try:
                found = rules.resolve_file(ctx.conn, p["file_no"], p["id_number"], p["aid_date"])
            except UnionCliError as exc:
                item.reject(exc)
                continue
            same = rules.find_double_entry(
                ctx.conn, found.id, p["aid_kind"], p["aid_date"], p["amount_fen"]
            )
            if same is None:
                ctx.conn.execute(
                    insert(table),
                    {
                        "file_id": found.id,
                        "aid_date": p["aid_date"],
                        "kind": p["aid_kind"],
                        "amount_fen": p["amount_fen"],
                        **{k: p[k] for k in TEXT},
                        "created_at": ctx.timestamp,
                        "batch_id": ctx.batch_id,
                    },
                )
                item.outcome = "created"
                continue
            row = ctx.conn.execute(select(table).where(table.c.id == same)).mappings().one()
            diff = [k for k in TEXT if p[k] is not None and row[k] != p[k]]
            if row["batch_id"] == ctx.batch_id:  # an earlier row of this file
                if diff:
                    item.reject(
                        rules.double_entry_error(
                            found.file_no, same, p["aid_kind"], p["aid_date"], p["amount_fen"]
                        )
                    )
                else:
                    item.outcome = "duplicate"
            else:
                ctx.settle(item, diff, table, "aid", same, dict(row), p)
