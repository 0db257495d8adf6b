"""Grassroots unions from a spreadsheet, matched by USCC or exact name."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, or_, select

from unioncli.enums import MemberStatus, OrgDissolution
from unioncli.errors import Conflict, InvalidValue, UnionCliError
from unioncli.i18n import register
from unioncli.models import metadata
from unioncli.services.common import Collector, blank, clean_text, require
from unioncli.services.figures import county_name
from unioncli.services.imports.engine import (
    Column,
    Context,
    Item,
    Kind,
    as_invalid,
    describe_fields,
    exists_error,
)
from unioncli.services.orgs import (
    OrgIndex,
    dissolution_label,
    parse_org_fields,
    past_date,
)

register(
    {
        "import.org_end_pair": (
            "撤销日期和撤销方式须同时填写",
            "dissolved_on and dissolution go together",
        ),
        "import.org_merge_into": (
            "撤销方式为“合并”时须填写并入工会，其他方式不填",
            "a merger names the receiving union (并入工会); other kinds leave it blank",
        ),
        "import.org_end_members": (
            "工会“{name}”在 {date} 还有 {n} 名会员在籍：请用 {command} 办理（会员随之保留或转入）",
            "“{name}” has {n} members in force on {date}: use {command} (it keeps or moves them)",
        ),
    }
)

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
    Column("dissolved_on", "撤销日期", "dissolved_on", ("注销日期", "合并日期", "撤销时间")),
    Column("dissolution", "撤销方式", "dissolution", ("撤销类型",)),
    Column("merged_into", "并入工会", "merged_into", ("合并至", "并入")),
)

# the columns of a union's end: a row carrying them applies the dissolution as ``org dissolve``
# would, or refuses the row (a merger that moves members: ``org merge``)
END_FIELDS = ("dissolved_on", "dissolution", "merged_into_id")

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
        c = Collector()
        given = c.take(parse_org_fields, raw) or {}
        if not blank(raw.get("dissolved_on")):
            given["dissolved_on"] = c.take(past_date, raw["dissolved_on"], "dissolved_on")
        if not blank(raw.get("dissolution")):
            how = c.take(OrgDissolution.parse, raw["dissolution"], field="dissolution")
            given["dissolution"] = how.value if how is not None else None
        if not blank(raw.get("merged_into")):
            given["merged_into"] = clean_text(raw["merged_into"], "merged_into")
        c.check()
        if ("dissolved_on" in given) != ("dissolution" in given):
            raise InvalidValue("dissolution", raw.get("dissolution") or "", "import.org_end_pair")
        if (given.get("dissolution") == OrgDissolution.MERGED.value) != ("merged_into" in given):
            raise InvalidValue("merged_into", raw.get("merged_into") or "", "import.org_merge_into")
        if (
            "dissolved_on" in given
            and "founded" in given
            and given["dissolved_on"] < given["founded"]
        ):
            raise InvalidValue(
                "dissolved_on",
                raw["dissolved_on"],
                "org.before_founded",
                date=given["dissolved_on"],
                name=given.get("name", ""),
                founded=given["founded"],
            )
        return given

    def apply(self, ctx: Context, items: list[Item]) -> None:
        for item in items:
            given: dict[str, Any] = dict(item.parsed)
            if "merged_into" in given:
                ref = given.pop("merged_into")
                into = self.index.get(ref)
                if into is None:
                    item.reject(InvalidValue("merged_into", ref, "org.not_found", ref=ref))
                    continue
                given["merged_into_id"] = int(into["id"])
            by_uscc = self.index.by_uscc.get(given["uscc"]) if given.get("uscc") else None
            by_name = self.index.by_name.get(given["name"])
            if by_uscc is not None and by_name is not None and by_uscc is not by_name:
                item.reject(Conflict("org.name_taken", name=given["name"]))
                continue
            row = by_uscc or by_name
            problem = self._end_problem(ctx, row, given)
            if problem is not None:
                item.reject(problem)
                continue
            if row is None:
                self._create(ctx, given)
                item.outcome = "created"
                continue
            diff = [k for k, v in given.items() if v is not None and row.get(k) != v]
            if any(k in END_FIELDS for k in diff) and row.get("dissolved_on") is not None:
                item.reject(  # an end is terminal: only the same end is "unchanged"
                    as_invalid(
                        "dissolved_on",
                        given.get("dissolved_on"),
                        Conflict(
                            "org.already_dissolved",
                            name=row["name"],
                            date=row["dissolved_on"],
                            how=dissolution_label(row["dissolution"]),
                        ),
                    )
                )
                continue
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

    def _end_problem(
        self, ctx: Context, row: dict[str, Any] | None, given: dict[str, Any]
    ) -> InvalidValue | None:
        """Why a row's dissolution cannot be applied as ``org dissolve``/``org merge`` would
        (None: it can, or the row has none or the same one as the ledger)."""
        on: date | None = given.get("dissolved_on")
        if on is None or (row is not None and row.get("dissolved_on") is not None):
            return None  # nothing to end, or already ended (checked against the diff)
        name = given.get("name") or (row or {}).get("name", "")
        founded = given.get("founded") or (row or {}).get("founded")
        try:
            if founded is not None and on < founded:
                raise Conflict("org.before_founded", date=on, name=name, founded=founded)
            into_id = given.get("merged_into_id")
            if into_id is not None:
                into = self.index.by_id[into_id]
                if row is not None and into_id == row["id"]:
                    raise Conflict("org.merge_self", name=name)
                if into["founded"] > on:
                    raise Conflict(
                        "org.before_founded", date=on, name=into["name"], founded=into["founded"]
                    )
                # in force on that day (an import moves no members: a later end is no matter)
                if into.get("dissolved_on") is not None and into["dissolved_on"] <= on:
                    raise Conflict(
                        "org.into_dissolved",
                        name=into["name"],
                        date=into["dissolved_on"],
                        how=dissolution_label(into.get("dissolution")),
                    )
            if row is not None:
                self._check_members(ctx, row, on, merged=into_id is not None)
        except UnionCliError as exc:
            return as_invalid("dissolved_on", on, exc)
        return None

    def _check_members(self, ctx: Context, row: dict[str, Any], on: date, merged: bool) -> None:
        """A union whose members would have to be retained or moved is ended by the command,
        which records their events; nothing of it may be dated after the end either."""
        e = metadata.tables["member_event"]
        m = metadata.tables["member"]
        later = ctx.conn.execute(
            select(func.count())
            .select_from(e)
            .where(or_(e.c.org_id == row["id"], e.c.from_org_id == row["id"]), e.c.event_date > on)
        ).scalar_one()
        if later:
            raise Conflict("org.later_events", name=row["name"], n=int(later), date=on, example="—")
        statuses = [MemberStatus.ACTIVE.value]
        if merged:
            statuses.append(MemberStatus.RETAINED.value)
        n = ctx.conn.execute(
            select(func.count())
            .select_from(m)
            .where(m.c.org_id == row["id"], m.c.status.in_(statuses))
        ).scalar_one()
        if n:
            command = "org merge" if merged else "org dissolve --retain-members"
            raise Conflict(
                "import.org_end_members", name=row["name"], date=on, n=int(n), command=command
            )
