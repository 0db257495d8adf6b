"""Members from a spreadsheet: people matched by ID number, unions by exact name or USCC.

The values are checked by the same parsers as ``member add`` (``services.members``), cached per
distinct value; rows are written with bulk inserts. A member's history (union, join date, status)
is never rewritten by an import: a row that disagrees with it is refused with a pointer to the
command that records the change as a dated event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from unioncli.dates import parse_date
from unioncli.enums import MemberEventKind, MemberStatus
from unioncli.errors import InvalidValue, InvalidValues, UnionCliError
from unioncli.i18n import register
from unioncli.ids import ResidentId, check_gender, parse_id_number
from unioncli.models import metadata
from unioncli.services.imports.engine import (
    Column,
    Context,
    Item,
    Kind,
    as_invalid,
    describe_fields,
    exists_error,
)
from unioncli.services.members import FIELD_PARSERS, TRANSITIONS, check_join_age, event_date
from unioncli.services.orgs import OrgIndex, refuse_if_dissolved
from unioncli.services.people import person_fields

register(
    {
        "import.history_fields": (
            "{fields}与台账不同：这是会籍变动，请用 member transfer / rejoin 等命令办理（导入不改历史）",
            "{fields} differ from the ledger: that is a membership change; record it with member "
            "transfer / rejoin etc. (imports do not rewrite history)",
        ),
        "import.status_since_required": (
            "会籍状态不是在册时，请填写状态日期",
            "give the status date when the status is not active",
        ),
        "import.status_before_joined": (
            "状态日期早于入会日期",
            "the status date is before the join date",
        ),
    }
)

S = MemberStatus
K = MemberEventKind

COLUMNS = (
    Column("name", "姓名", "name", ("会员姓名",), required=True),
    Column(
        "id_number",
        "身份证号",
        "id_number",
        ("身份证号码", "公民身份号码", "公民身份证号码", "证件号码", "身份证", "ID number"),
        required=True,
    ),
    Column("gender", "性别", "gender"),
    Column("ethnicity", "民族", "ethnicity"),
    Column("phone", "手机号", "phone", ("手机", "联系电话", "手机号码", "电话", "联系方式")),
    Column("education", "学历", "education", ("文化程度",)),
    Column("employer", "工作单位", "employer", ("单位名称", "单位", "工作单位名称", "所在单位")),
    Column("org", "所属工会", "org", ("工会", "工会名称", "基层工会"), required=True),
    Column("joined", "入会日期", "joined", ("入会时间",), required=True),
    Column("card_no", "会员卡号", "card_no", ("会员证号", "卡号")),
    Column("migrant", "是否农民工", "migrant", ("农民工", "是否为农民工")),
    Column("gig_group", "新就业形态群体", "gig_group", ("新就业形态", "新就业形态劳动者")),
    Column("political_status", "政治面貌", "political_status"),
    Column("hukou", "户籍类型", "hukou", ("户口类型", "户口性质", "户籍性质")),
    Column("status", "会籍状态", "status"),
    Column("status_since", "状态日期", "status_since", ("状态变更日期",)),
)

PERSON_FIELDS = ("ethnicity", "phone", "education", "political_status", "hukou")
MEMBER_FIELDS = ("card_no", "employer", "migrant", "gig_group")
HISTORY_FIELDS = ("org", "joined", "status")

# the event that takes an active member to each other status, from the one transitions table
STATUS_EVENT: dict[MemberStatus, MemberEventKind] = {
    result: kind
    for kind, (starts, result) in TRANSITIONS.items()
    if S.ACTIVE in starts and kind not in (K.JOIN, K.TRANSFER_IN) and result != S.ACTIVE
}

_MISS = object()
MEMO_LIMIT = 20_000


def memo(parse: Callable[[str], Any], limit: int = MEMO_LIMIT) -> Callable[[str], Any]:
    """Remember a parser's answers per raw value: a column of 是/否 is parsed twice, not 10⁶ times."""
    cache: dict[str, Any] = {}

    def run(raw: str) -> Any:
        found = cache.get(raw, _MISS)
        if found is _MISS:
            found = parse(raw)  # a bad value raises and is not remembered
            if len(cache) < limit:
                cache[raw] = found
        return found

    return run


class Parsed:
    """One valid row, as the ledger would store it (``None``: the cell was blank)."""

    __slots__ = ("given", "name", "org_name", "rid", "status_since")

    def __init__(
        self,
        rid: ResidentId,
        name: str,
        given: dict[str, Any],
        org_name: str,
        status_since: date | None,
    ) -> None:
        self.rid = rid
        self.name = name
        self.given = given  # field key -> value, for every field a row may carry
        self.org_name = org_name
        self.status_since = status_since


class MemberKind(Kind):
    name = "members"
    columns = COLUMNS
    key_field = "id_number"
    retry_on_race = True  # ``apply`` keeps nothing between chunks but caches of parsed values

    def __init__(self) -> None:
        self.orgs: OrgIndex | None = None
        self.org_ids: dict[str, int] = {}  # as written in the file -> union id
        # (column, parser, answers remembered per raw value); phones and card numbers are
        # nearly all distinct, so theirs are not remembered
        self.fields: list[tuple[str, Callable[[str], Any], dict[str, Any], int]] = [
            (key, FIELD_PARSERS[key], {}, 0 if key in ("phone", "card_no") else MEMO_LIMIT)
            for key in (
                "gender",
                "ethnicity",
                "phone",
                "education",
                "employer",
                "card_no",
                "migrant",
                "gig_group",
                "political_status",
                "hukou",
            )
        ]
        self.joined = memo(lambda v: event_date(parse_date(v, "joined"), "joined"))
        self.since = memo(lambda v: event_date(parse_date(v, "status_since"), "status_since"))
        self.status = memo(lambda v: S.parse(v, field="status").value)

    # --- parsing: pure, every bad value of the row at once ----------------------------------

    def begin(self, ctx: Context) -> None:
        self.orgs = OrgIndex.load(ctx.conn)
        if ctx.dialect == "sqlite":
            existing = ctx.conn.exec_driver_sql("SELECT COUNT(*) FROM person").scalar_one()
            if ctx.expected_rows >= max(100_000, existing):
                ctx.defer_indexes(("person", "member", "member_event"))

    def parse(self, raw: dict[str, str]) -> Parsed:
        errors: list[InvalidValue] = []
        rid = name = joined = None
        try:
            rid = parse_id_number(raw["id_number"])
        except InvalidValue as exc:
            errors.append(exc)
        try:
            name = FIELD_PARSERS["name"](raw["name"])
        except InvalidValue as exc:
            errors.append(exc)
        given: dict[str, Any] = {}
        for key, parse, known, limit in self.fields:
            value = raw.get(key)
            if not value:
                given[key] = None
                continue
            parsed = known.get(value, _MISS)
            if parsed is _MISS:
                try:
                    parsed = parse(value)
                except InvalidValue as exc:
                    errors.append(exc)
                    continue
                if len(known) < limit:
                    known[value] = parsed
            given[key] = parsed
        org_name = raw["org"]
        org_id = self.org_ids.get(org_name)
        if org_id is None:
            assert self.orgs is not None
            try:
                org_id = self.org_ids[org_name] = self.orgs.find(org_name)
            except UnionCliError as exc:
                errors.append(as_invalid("org", org_name, exc))
        given["org"] = org_id
        try:
            joined = self.joined(raw["joined"]) if raw["joined"] else None
            if joined is None:
                raise InvalidValue("joined", "", "dates.empty")
        except InvalidValue as exc:
            errors.append(exc)
        if org_id is not None and joined is not None:
            assert self.orgs is not None
            org = self.orgs.by_id[org_id]
            try:
                refuse_if_dissolved(
                    org["name"], org.get("dissolved_on"), org.get("dissolution"), joined
                )
            except UnionCliError as exc:
                errors.append(as_invalid("org", org_name, exc))
        status = since = None
        if raw.get("status"):
            try:
                status = self.status(raw["status"])
            except InvalidValue as exc:
                errors.append(exc)
        if status is not None and status != S.ACTIVE.value:
            try:
                since = self.since(raw["status_since"]) if raw.get("status_since") else None
                if since is None:
                    raise InvalidValue("status_since", "", "import.status_since_required")
                if joined is not None and since < joined:
                    raise InvalidValue(
                        "status_since", raw["status_since"], "import.status_before_joined"
                    )
            except InvalidValue as exc:
                errors.append(exc)
        if rid is not None:
            if given.get("gender") not in (None, rid.gender):
                try:
                    check_gender(rid, raw["gender"])  # says which one the ID number means
                except InvalidValue as exc:
                    errors.append(exc)
            if joined is not None:
                try:
                    check_join_age(rid, joined, raw["joined"])
                except InvalidValue as exc:
                    errors.append(exc)
        if errors:
            raise errors[0] if len(errors) == 1 else InvalidValues(errors)
        assert rid is not None and name is not None
        del given["gender"]  # it comes from the ID; a contradicting cell was refused above
        given["joined"] = joined
        given["status"] = status
        return Parsed(rid, name, given, org_name, since)

    # --- applying a chunk: match, then write in bulk ----------------------------------------

    def apply(self, ctx: Context, items: list[Item]) -> None:
        stored = self._lookup(ctx, [i.parsed.rid.number for i in items])
        cards_taken = self._cards(ctx, [c for i in items if (c := i.parsed.given["card_no"])])
        new_people: list[Item] = []
        new_members: list[tuple[Item, int]] = []  # (row, existing person id)
        in_chunk: dict[str, Parsed] = {}
        for item in items:
            p: Parsed = item.parsed
            number = p.rid.number
            earlier = in_chunk.get(number)
            if earlier is not None:
                self._duplicate(item, _as_stored(earlier))
                continue
            row = stored.get(number)
            if row is not None and row["person_batch"] == ctx.batch_id:
                self._duplicate(item, row)  # created by an earlier chunk of this file
                continue
            if row is not None and row["name"] != p.name:
                item.reject(
                    as_invalid(
                        "name",
                        p.name,
                        UnionCliError("member.name_mismatch", stored=row["name"], given=p.name),
                    )
                )
                continue
            card = p.given["card_no"]
            owner = cards_taken.get(card) if card else None
            person_id = None if row is None else row["person_id"]
            if card and owner is not None and owner != person_id:
                item.reject(InvalidValue("card_no", card, "member.card_taken", card=card))
                continue
            if row is None or row["member_id"] is None:
                if card:
                    cards_taken[card] = person_id if person_id is not None else -1
                if row is None:
                    new_people.append(item)
                    in_chunk[number] = p
                else:
                    self._fill_person(ctx, row, p)
                    new_members.append((item, row["person_id"]))
                item.outcome = "created"
                continue
            self._existing(ctx, item, row)
        self._insert(ctx, new_people, new_members)

    def _duplicate(self, item: Item, first: dict[str, Any]) -> None:
        p: Parsed = item.parsed
        if p.name == first["name"] and not _differences(first, p.given):
            item.outcome = "duplicate"
        else:
            item.reject(UnionCliError("import.dup_in_file", what=describe_fields(["id_number"])))

    def _existing(self, ctx: Context, item: Item, row: dict[str, Any]) -> None:
        p: Parsed = item.parsed
        diff = _differences(row, p.given)
        if not diff:
            item.outcome = "unchanged"
            return
        if ctx.on_duplicate == "skip":
            item.outcome = "skipped"
            return
        if ctx.on_duplicate == "error":
            item.reject(exists_error(diff))
            return
        history = [k for k in HISTORY_FIELDS if k in diff]
        if history:
            item.reject(UnionCliError("import.history_fields", fields=describe_fields(history)))
            return
        person = {k: p.given[k] for k in diff if k in PERSON_FIELDS}
        member = {k: p.given[k] for k in diff if k in MEMBER_FIELDS}
        if person:
            ctx.update_row(
                metadata.tables["person"],
                "person",
                row["person_id"],
                {k: row[k] for k in person},
                person,
            )
        if member:
            ctx.update_row(
                metadata.tables["member"],
                "member",
                row["member_id"],
                {k: row[k] for k in member},
                member,
            )
        item.outcome = "updated"

    def _fill_person(self, ctx: Context, row: dict[str, Any], p: Parsed) -> None:
        """A known person (say, a hardship-file head) becomes a member: fill their blanks only."""
        fill = {k: p.given[k] for k in PERSON_FIELDS if p.given[k] is not None and row[k] is None}
        if fill:
            ctx.update_row(
                metadata.tables["person"], "person", row["person_id"], dict.fromkeys(fill), fill
            )

    def _insert(
        self, ctx: Context, new_people: list[Item], new_members: list[tuple[Item, int]]
    ) -> None:
        person_ids = ctx.ids("person", len(new_people))
        people = []
        members: list[tuple[Parsed, int]] = []
        for item, pid in zip(new_people, person_ids, strict=True):
            p = item.parsed
            g = p.given
            f = person_fields(p.rid, p.name)
            people.append(
                (
                    pid,
                    f["id_number"],
                    f["id_rev"],
                    f["name"],
                    f["name_pinyin"],
                    f["name_initials"],
                    f["gender"],
                    ctx.day(f["birth_date"]),
                    g["ethnicity"],
                    g["phone"],
                    g["education"],
                    g["political_status"],
                    g["hukou"],
                    ctx.now,
                    ctx.now,
                    ctx.batch_id,
                )
            )
            members.append((p, pid))
        members.extend((item.parsed, pid) for item, pid in new_members)
        ctx.insert_many("person", PERSON_COLUMNS, people)

        member_ids = ctx.ids("member", len(members))
        member_rows = []
        events = []
        for (p, pid), mid in zip(members, member_ids, strict=True):
            g = p.given
            status = g["status"] or S.ACTIVE.value
            since = p.status_since if status != S.ACTIVE.value else g["joined"]
            migrant = bool(g["migrant"])
            member_rows.append(
                (
                    mid,
                    pid,
                    g["org"],
                    status,
                    ctx.day(since),
                    ctx.day(g["joined"]),
                    g["card_no"],
                    g["employer"],
                    migrant,
                    g["gig_group"],
                    ctx.now,
                    ctx.now,
                    ctx.batch_id,
                )
            )
            events.append(
                (
                    mid,
                    K.JOIN.value,
                    ctx.day(g["joined"]),
                    g["org"],
                    migrant,
                    g["gig_group"],
                    ctx.now,
                    ctx.batch_id,
                )
            )
            if status != S.ACTIVE.value:
                events.append(
                    (
                        mid,
                        STATUS_EVENT[S(status)].value,
                        ctx.day(since),
                        g["org"],
                        migrant,
                        g["gig_group"],
                        ctx.now,
                        ctx.batch_id,
                    )
                )
        ctx.insert_many("member", MEMBER_COLUMNS, member_rows)
        ctx.insert_many("member_event", EVENT_COLUMNS, events)

    # --- lookups ------------------------------------------------------------------------------

    def _lookup(self, ctx: Context, numbers: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(numbers))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ", ".join([ctx.placeholder] * len(part))
            rows = ctx.conn.exec_driver_sql(LOOKUP_SQL.format(marks=marks), tuple(part))
            for r in rows:
                row = dict(zip(LOOKUP_KEYS, r, strict=True))
                found[row.pop("id_number")] = row
        return found

    def _cards(self, ctx: Context, cards: list[str]) -> dict[str, int]:
        taken: dict[str, int] = {}
        unique = list(dict.fromkeys(cards))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ", ".join([ctx.placeholder] * len(part))
            rows = ctx.conn.exec_driver_sql(
                f"SELECT card_no, person_id FROM member WHERE card_no IN ({marks})", tuple(part)
            )
            taken.update({card: pid for card, pid in rows})
        return taken


PERSON_COLUMNS = (
    "id",
    "id_number",
    "id_rev",
    "name",
    "name_pinyin",
    "name_initials",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "education",
    "political_status",
    "hukou",
    "created_at",
    "updated_at",
    "batch_id",
)
MEMBER_COLUMNS = (
    "id",
    "person_id",
    "org_id",
    "status",
    "status_since",
    "joined_on",
    "card_no",
    "employer",
    "migrant",
    "gig_group",
    "created_at",
    "updated_at",
    "batch_id",
)
EVENT_COLUMNS = (
    "member_id",
    "kind",
    "event_date",
    "org_id",
    "migrant",
    "gig_group",
    "created_at",
    "batch_id",
)
LOOKUP_KEYS = (
    "id_number",
    "person_id",
    "name",
    "ethnicity",
    "phone",
    "education",
    "political_status",
    "hukou",
    "person_batch",
    "member_id",
    "org",
    "joined",
    "status",
    "card_no",
    "employer",
    "migrant",
    "gig_group",
)
LOOKUP_SQL = (
    "SELECT p.id_number, p.id, p.name, p.ethnicity, p.phone, p.education, p.political_status, "
    "p.hukou, p.batch_id, m.id, m.org_id, m.joined_on, m.status, m.card_no, m.employer, "
    "m.migrant, m.gig_group FROM person p LEFT JOIN member m ON m.person_id = p.id "
    "WHERE p.id_number IN ({marks})"
)


def _comparable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()  # SQLite hands dates back as text
    if isinstance(value, bool):
        return int(value)
    return value


def _differences(stored: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """The fields a row gives (non-blank) whose value differs from the stored one."""
    return [
        k
        for k, v in given.items()
        if v is not None and _comparable(stored.get(k)) != _comparable(v)
    ]


def _as_stored(p: Parsed) -> dict[str, Any]:
    """What an earlier row of the same chunk is about to store, shaped like a looked-up row."""
    stored = dict(p.given)
    stored["name"] = p.name
    stored["status"] = p.given["status"] or S.ACTIVE.value
    stored["migrant"] = bool(p.given["migrant"])
    return stored
