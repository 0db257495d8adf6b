"""Grassroots unions from a spreadsheet, matched by USCC or exact name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from unioncli.errors import Conflict, InvalidValue
from unioncli.models import metadata
from unioncli.services.common import require
from unioncli.services.figures import county_name
from unioncli.services.imports.engine import (
    Column,
    Context,
    Item,
    Kind,
    describe_fields,
    exists_error,
)
from unioncli.services.orgs import OrgIndex, parse_org_fields

COLUMNS = (
    Column("org_name", "工会名称", "name", ("基层工会名称", "工会"), required=True),
    Column("org_uscc", "工会统一社会信用代码", "uscc", ("工会社会信用代码", "工会信用代码")),
    Column("employer", "单位名称", "employer", ("单位", "所在单位", "工作单位")),
    Column("employer_uscc", "单位统一社会信用代码", "employer_uscc", ("单位社会信用代码",)),
    Column("org_type", "工会类型", "type", ("类型", "组建形式")),
    Column("township", "所属乡镇", "township", ("乡镇", "乡镇街道", "所属乡镇(街道)", "街道")),
    Column("county", "区县", "county", ("所属区县", "县区")),
    Column("founded", "成立日期", "founded", ("成立时间", "建会日期", "建会时间"), required=True),
    Column("chair", "工会主席", "chair", ("主席",)),
    Column("phone", "联系电话", "phone", ("电话", "手机", "手机号", "联系方式")),
)

# a column of the table -> the field key its messages use
_FIELD = {"name": "org_name", "uscc": "org_uscc", "type": "org_type", "employer": "org_employer"}


class OrgKind(Kind):
    name = "orgs"
    columns = COLUMNS
    key_field = "org_name"

    def begin(self, ctx: Context) -> None:
        self.index = OrgIndex.load(ctx.conn)

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        require(raw, ("org_name", "founded"))
        return parse_org_fields(raw)

    def apply(self, ctx: Context, items: list[Item]) -> None:
        for item in items:
            given: dict[str, Any] = item.parsed
            by_uscc = self.index.by_uscc.get(given["uscc"]) if given.get("uscc") else None
            by_name = self.index.by_name.get(given["name"])
            if by_uscc is not None and by_name is not None and by_uscc is not by_name:
                item.reject(Conflict("org.name_taken", name=given["name"]))
                continue
            row = by_uscc or by_name
            if row is None:
                self._create(ctx, given)
                item.outcome = "created"
                continue
            diff = [k for k, v in given.items() if v is not None and row.get(k) != v]
            if row.get("batch_id") == ctx.batch_id:  # an earlier row of this file
                if diff:
                    item.reject(
                        InvalidValue(
                            "org_name",
                            given["name"],
                            "import.dup_in_file",
                            what=describe_fields(["org_name"]),
                        )
                    )
                else:
                    item.outcome = "duplicate"
                continue
            if not diff:
                item.outcome = "unchanged"
            elif ctx.on_duplicate == "skip":
                item.outcome = "skipped"
            elif ctx.on_duplicate == "error":
                item.reject(exists_error(_FIELD.get(k, k) for k in diff))
            else:
                change = {k: given[k] for k in diff}
                ctx.update_row(
                    metadata.tables["org"], "org", row["id"], {k: row[k] for k in diff}, change
                )
                if "name" in change:
                    self.index.by_name.pop(row["name"], None)
                row.update(change)
                self.index.add(row)
                item.outcome = "updated"

    def _create(self, ctx: Context, given: dict[str, Any]) -> None:
        values = {
            "type": "independent",
            "county": county_name(self.county),
            **given,
            "created_at": ctx.now_value(),
            "updated_at": ctx.now_value(),
            "batch_id": ctx.batch_id,
        }
        table = metadata.tables["org"]
        new_id = ctx.conn.execute(insert(table).returning(table.c.id), values).scalar_one()
        self.index.add({**values, "id": new_id})
