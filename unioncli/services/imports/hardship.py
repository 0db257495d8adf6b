"""Hardship files, their reviews and their home visits from spreadsheets, by the rules of
``hardship open`` / ``review`` / ``visit`` (services.hardship).

``hardship``: a file is matched by 档案编号, else by its head and opening date. Open and closed
files both come in: older files are history. A file's lifecycle (category, status, closing)
changes through the ``hardship`` commands or the review kind, never by the file kind; ``update``
changes the household's other data. A file created here was opened with its 建档时类别 (the
export writes it), else with its 困难类别; its current category is the 困难类别 given.

``hardship-reviews`` and ``hardship-visits``: a file's history, a row per review or visit, each
to the file it names (档案编号, or the file its head had open on the row's date), dated within
the file's open period and not in the future. A review or visit of a file on a date it already
has is the same one: unchanged when its cells agree (a blank never erases), else per
``--on-duplicate``. Unlike ``hardship review``, an import may bring reviews older than the
file's latest (history comes in after the fact) and reviews of files closed since; the file's
current category is then the latest review's by date, recomputed once per file at the end of the
batch (one ``import_change`` entry, so ``import undo`` puts it back).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from unioncli.db.uow import serialize
from unioncli.errors import Conflict, UnionCliError
from unioncli.i18n import register
from unioncli.ids import mask_id
from unioncli.models import metadata
from unioncli.services.common import clean_text
from unioncli.services.hardship import fields as hardship_fields
from unioncli.services.hardship import files as hardship_files
from unioncli.services.imports.engine import (
    Column,
    Context,
    Item,
    Kind,
    as_invalid,
    describe_fields,
    exists_error,
)
from unioncli.services.orgs import OrgIndex
from unioncli.services.people import person_fields

COLUMNS = (
    Column("file_no", "档案编号", "file_no", ("档案号", "困难档案编号")),
    Column("name", "姓名", "name", ("户主姓名", "职工姓名"), required=True),
    Column(
        "id_number",
        "身份证号",
        "id_number",
        ("户主身份证号", "身份证号码", "公民身份号码", "证件号码", "ID number"),
        required=True,
    ),
    Column("org", "所属工会", "org", ("工会", "工会名称", "基层工会")),
    Column("category", "困难类别", "category", ("困难类型", "困难程度"), required=True),
    # the category the file was opened with, when a review changed it since (blank: 困难类别)
    Column("opened_category", "建档时类别", "opened_category", ("建档类别",)),
    Column("cause", "主要致困原因", "cause", ("致困原因", "主要困难原因"), required=True),
    Column("secondary_causes", "次要致困原因", "secondary_causes", ("其他致困原因",)),
    Column("household_size", "家庭人口", "household_size", ("家庭人口数", "人口"), required=True),
    Column(
        "income_per_capita", "家庭月人均收入", "income_per_capita", ("月人均收入", "人均月收入")
    ),
    Column("health", "健康状况", "health"),
    Column("housing", "住房类型", "housing", ("住房情况",)),
    Column("opened", "建档日期", "opened", ("建档时间",), required=True),
    Column("phone", "手机号", "phone", ("手机", "联系电话", "手机号码", "电话")),
    Column("address", "家庭住址", "address", ("住址", "地址")),
    Column("status", "状态", "status", ("档案状态",)),
    Column("closed", "退档日期", "closed", ("退档时间",)),
    Column("close_reason", "退档原因", "close_reason"),
)

# what an import may correct on a file it finds; the rest is the file's lifecycle
HOUSEHOLD = ("org_id", "cause", "secondary_causes", "household_size", "income_fen", "health",
             "housing", "address", "phone")  # fmt: skip
LIFECYCLE = ("category", "opened_category", "status", "closed_on", "close_reason")
FIELD_OF = {"org_id": "org", "income_fen": "income_per_capita", "closed_on": "closed"}

register(
    {
        "hardship.closed_before_opened": (
            "退档日期早于建档日期",
            "the closing date is before the opening date",
        ),
        "import.file_lifecycle": (
            "{fields}与台账不同：档案的类别和退档请用 hardship review / close 办理（导入不改档案历史）",
            "{fields} differ from the ledger: change a file's category or close it with hardship "
            "review / close (imports do not rewrite a file's history)",
        ),
    }
)


class HardshipImport(Kind):
    name = "hardship"
    columns = COLUMNS
    key_field = "file_no"

    def begin(self, ctx: Context) -> None:
        self.orgs = OrgIndex.load(ctx.conn)
        self.next_no: dict[int, int] = {}

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        fields = hardship_fields.parse_file_fields(raw)
        if fields["org"] is not None:
            try:
                fields["org_id"] = self.orgs.find(fields["org"])
            except UnionCliError as exc:
                raise as_invalid("org", fields["org"], exc) from None
        else:
            fields["org_id"] = None
        return fields

    def apply(self, ctx: Context, items: list[Item]) -> None:
        files = metadata.tables["hardship_file"]
        people = metadata.tables["person"]
        for item in items:
            p: dict[str, Any] = item.parsed
            rid = p["rid"]
            person = ctx.conn.execute(
                select(people.c.id, people.c.name).where(people.c.id_number == rid.number)
            ).first()
            if person is not None and person.name != p["name"]:
                item.reject(
                    Conflict(
                        "hardship.name_mismatch",
                        id=mask_id(rid.number),
                        stored=person.name,
                        given=p["name"],
                    )
                )
                continue
            try:
                found = self._match(ctx, p, None if person is None else person.id)
                if found is None and person is not None and p["status"] == "open":
                    hardship_files.check_not_in_open_file(
                        ctx.conn, person.id, p["name"], rid.number
                    )
            except UnionCliError as exc:
                item.reject(exc)
                continue
            if found is not None:
                self._existing(ctx, item, found)
                continue
            if person is None:
                values = person_fields(rid, p["name"])
                person_id = ctx.conn.execute(
                    insert(people).returning(people.c.id),
                    {
                        **values,
                        "phone": p["phone"],
                        "created_at": ctx.timestamp,
                        "updated_at": ctx.timestamp,
                        "batch_id": ctx.batch_id,
                    },
                ).scalar_one()
            else:
                person_id = person.id
            file_no = p["file_no"] or self._file_no(ctx, p["opened_on"].year)
            ctx.conn.execute(
                insert(files),
                {
                    "file_no": file_no,
                    "head_id": person_id,
                    **{k: p[k] for k in HOUSEHOLD},
                    "category": p["category"],
                    "opened_category": p["opened_category"] or p["category"],
                    "opened_on": p["opened_on"],
                    "status": p["status"],
                    "closed_on": p["closed_on"],
                    "close_reason": p["close_reason"],
                    "created_at": ctx.timestamp,
                    "updated_at": ctx.timestamp,
                    "batch_id": ctx.batch_id,
                },
            )
            item.outcome = "created"

    def _file_no(self, ctx: Context, year: int) -> str:
        seq = self.next_no.get(year)
        if seq is None:
            # held to the commit: a clerk opening a file of this year meanwhile numbers after us
            serialize(ctx.conn, hardship_files.file_no_key(None, year))
            first = hardship_files.next_file_no(ctx.conn, year)
            seq = int(first.rsplit("-", 1)[1])
        self.next_no[year] = seq + 1
        return hardship_files.format_file_no(year, seq)

    def _match(self, ctx: Context, p: dict[str, Any], person_id: int | None) -> Any:
        files = metadata.tables["hardship_file"]
        if p["file_no"] is not None:
            row = ctx.conn.execute(select(files).where(files.c.file_no == p["file_no"])).first()
            if row is not None and row.head_id != person_id:
                # the number belongs to another household
                raise Conflict("hardship.file_no_taken", file_no=p["file_no"])
            return row
        if person_id is None:
            return None
        return ctx.conn.execute(
            select(files).where(files.c.head_id == person_id, files.c.opened_on == p["opened_on"])
        ).first()

    def _existing(self, ctx: Context, item: Item, found: Any) -> None:
        p: dict[str, Any] = item.parsed
        row = found._mapping
        stored = dict(row)
        diff = [k for k in (*HOUSEHOLD, *LIFECYCLE) if p[k] is not None and stored[k] != p[k]]
        if row["batch_id"] == ctx.batch_id:  # an earlier row of this file
            if diff:
                item.reject(UnionCliError("import.dup_in_file", what=describe_fields(["file_no"])))
            else:
                item.outcome = "duplicate"
            return
        if not diff:
            item.outcome = "unchanged"
        elif ctx.on_duplicate == "skip":
            item.outcome = "skipped"
        elif ctx.on_duplicate == "error":
            item.reject(exists_error(FIELD_OF.get(k, k) for k in diff))
        elif any(k in LIFECYCLE for k in diff):
            lifecycle = [FIELD_OF.get(k, k) for k in diff if k in LIFECYCLE]
            item.reject(UnionCliError("import.file_lifecycle", fields=describe_fields(lifecycle)))
        else:
            change = {k: p[k] for k in diff}
            ctx.update_row(
                metadata.tables["hardship_file"],
                "hardship_file",
                row["id"],
                {k: stored[k] for k in diff},
                change,
            )
            item.outcome = "updated"


# --- the file's history: reviews and home visits -----------------------------------------------

FILE_NO = Column("file_no", "档案编号", "file_no", ("档案号", "困难档案编号"))
HEAD_ID = Column(
    "id_number",
    "身份证号",
    "id_number",
    ("户主身份证号", "身份证号码", "公民身份号码", "证件号码", "ID number"),
)
REVIEW_COLUMNS = (
    FILE_NO,
    HEAD_ID,
    Column("review_date", "复核日期", "date", ("复核时间", "review date"), required=True),
    Column("outcome", "复核结果", "outcome", ("复核结论", "复核意见"), required=True),
    Column("category", "困难类别", "category", ("困难类型", "复核后类别"), required=True),
    Column("reviewer", "复核人", "reviewer", ("复核人员",)),
)
VISIT_COLUMNS = (
    FILE_NO,
    HEAD_ID,
    Column("visit_date", "走访日期", "date", ("走访时间", "visit date"), required=True),
    Column("visitor", "走访人", "visitor", ("走访人员",)),
    Column("note", "备注", "note", ("走访情况", "走访记录")),
)


def _differs(stored: Any, given: dict[str, Any]) -> list[str]:
    """The given values that differ from the stored row; a blank cell never erases. Stored text
    is compared as a cell is cleaned (NFKC, spaces folded): ``，`` typed or imported is ``,``."""
    out = []
    for key, value in given.items():
        if value is None:
            continue
        have = stored[key]
        if isinstance(have, str):
            have = clean_text(have, key, max_len=len(have) + 1)
        if have != value:
            out.append(key)
    return out


class _FileEvents(Kind):
    """A dated row of a file's history (a review, a visit): one per file and date."""

    table = ""
    date_field = ""
    compared: tuple[str, ...] = ()

    def begin(self, ctx: Context) -> None:
        self.touched: set[int] = set()

    def values(self, p: dict[str, Any]) -> dict[str, Any]:
        return {k: p[k] for k in self.compared}

    def apply(self, ctx: Context, items: list[Item]) -> None:
        table = metadata.tables[self.table]
        day = table.c[self.date_field]
        for item in items:
            p: dict[str, Any] = item.parsed
            on = p[self.date_field]
            try:
                found = hardship_files.event_file(
                    ctx.conn, p["file_no"], p["id_number"], on, self.date_field
                )
            except UnionCliError as exc:
                item.reject(exc)
                continue
            given = self.values(p)
            same_day = (
                ctx.conn.execute(
                    select(table).where(table.c.file_id == found.id, day == on).order_by(table.c.id)
                )
                .mappings()
                .all()
            )
            # a clerk may have typed two on one day: the row is the one it agrees with, if any
            row = next(
                (r for r in same_day if not _differs(r, given)),
                same_day[0] if same_day else None,
            )
            if row is None:
                ctx.conn.execute(
                    insert(table),
                    {
                        "file_id": found.id,
                        self.date_field: on,
                        **given,
                        "created_at": ctx.timestamp,
                        "batch_id": ctx.batch_id,
                    },
                )
                self.touched.add(found.id)
                item.outcome = "created"
                continue
            diff = _differs(row, given)
            if row["batch_id"] == ctx.batch_id:  # an earlier row of this file
                if diff:
                    item.reject(
                        UnionCliError("import.dup_in_file", what=describe_fields([self.date_field]))
                    )
                else:
                    item.outcome = "duplicate"
            else:
                ctx.settle(item, diff, table, self.table, row["id"], dict(row), given)
                if item.outcome == "updated":
                    self.touched.add(found.id)


class ReviewImport(_FileEvents):
    """``hardship-reviews``: each row a yearly review, by the rules of ``hardship review``."""

    name = "hardship-reviews"
    columns = REVIEW_COLUMNS
    key_field = "review_date"
    table = "hardship_review"
    date_field = "review_date"
    compared = ("outcome", "category", "reviewer")

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        return hardship_fields.parse_review_fields(raw)

    def finish(self, ctx: Context) -> None:
        """Each file reviewed here takes the category of its latest review by date."""
        files = metadata.tables["hardship_file"]
        for file_id in sorted(self.touched):
            stored = ctx.conn.execute(
                select(files.c.category).where(files.c.id == file_id)
            ).scalar_one()
            now = hardship_files.current_category(ctx.conn, file_id)
            if now != stored:
                ctx.update_row(
                    files, "hardship_file", file_id, {"category": stored}, {"category": now}
                )


class VisitImport(_FileEvents):
    """``hardship-visits``: each row a home visit, by the rules of ``hardship visit``."""

    name = "hardship-visits"
    columns = VISIT_COLUMNS
    key_field = "visit_date"
    table = "hardship_visit"
    date_field = "visit_date"
    compared = ("visitor", "note")

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        return hardship_fields.parse_visit_fields(raw)
