"""The read side of grassroots unions (基层工会): the lookup by reference, ``org show``, ``org list``.

``services.orgs`` writes unions; it reads back what it wrote through ``org_by_id`` here, so a
union is shown one way whichever command shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from unioncli import i18n
from unioncli.db.read import Reader, day, placeholders
from unioncli.enums import MemberStatus, OrgDissolution
from unioncli.errors import InvalidValue, NotFound, UsageError
from unioncli.i18n import register, register_fields
from unioncli.ids import record_id
from unioncli.services.figures import county_name
from unioncli.views import Page, limit_clause

register(
    {
        "org.not_found": ("找不到工会“{ref}”", "no union “{ref}”"),
        "org.ambiguous": (
            "“{ref}”对应多个工会：{names}，请写全称",
            "“{ref}” matches several unions: {names}; give the full name",
        ),
        "org.status.in_force": ("存续", "in force"),
        "org.status.ended": ("已撤销", "ended"),
    }
)

register_fields(
    {
        "dissolved_on": ("撤销日期", "dissolved on"),
        "dissolution": ("撤销方式", "dissolution"),
        "merged_into": ("并入工会", "merged into"),
        "org_status": ("状态", "status"),
    }
)


def dissolution_label(code: str | None) -> str:
    """撤销 / 注销 / 合并 (as the clerk's language has it), "" for a union in force."""
    return "" if code is None else OrgDissolution(code).label()


@dataclass(frozen=True)
class OrgView:
    id: int
    name: str
    uscc: str | None
    employer: str | None
    employer_uscc: str | None
    type: str
    township: str | None
    founded: date
    chair: str | None
    phone: str | None
    active_members: int = 0
    county: str | None = None
    dissolved_on: date | None = None
    dissolution: str | None = None  # revoked | deregistered | merged
    merged_into: str | None = None  # the receiving union's name

    @property
    def status(self) -> str:
        """存续, or how and when it ended (撤销 2023-06-30 / 合并 2023-06-30 → 新工会)."""
        if self.dissolved_on is None:
            return i18n.t("org.status.in_force")
        text = f"{dissolution_label(self.dissolution)} {self.dissolved_on.isoformat()}"
        return f"{text} → {self.merged_into}" if self.merged_into else text


@dataclass(frozen=True)
class OrgPage(Page[OrgView]):
    """A page of unions, and whether any union of the whole list has a county or has ended (the
    list shows those columns only then)."""

    any_county: bool = False
    any_ended: bool = False


def find_org_id(r: Reader, ref: str) -> int:
    """A union by id, USCC, exact name, or a part of its name that names only one union (the
    rules and messages of ``services.orgs.find_org``, which the writes use)."""
    ref = ref.strip()
    number = record_id(ref) if ref.isdigit() else None
    if number is not None:
        found = r.scalar("SELECT id FROM org WHERE id = :id", {"id": number})
        if found is not None:
            return int(found)
    if len(ref) == 18:
        found = r.scalar("SELECT id FROM org WHERE uscc = :uscc LIMIT 1", {"uscc": ref.upper()})
        if found is not None:
            return int(found)
    found = r.scalar("SELECT id FROM org WHERE name = :name LIMIT 1", {"name": ref})
    if found is not None:
        return int(found)
    if ref:
        hits = r.all(
            # in id order: the order the writers' lookup always listed them in on SQLite
            "SELECT id, name FROM org WHERE name LIKE '%' || :part || '%' ORDER BY id LIMIT 6",
            {"part": ref},
        )
        if len(hits) == 1:
            return int(hits[0][0])
        if hits:
            raise UsageError("org.ambiguous", ref=ref, names=i18n.join(h[1] for h in hits[:5]))
    raise NotFound("org.not_found", ref=ref)


_ACTIVE = f"'{MemberStatus.ACTIVE.value}'"

_SELECT = """
SELECT o.id, o.name, o.uscc, o.employer, o.employer_uscc, o.type, o.township, o.founded,
       o.chair, o.phone, {active}, o.county, o.dissolved_on, o.dissolution, i.name
FROM org o LEFT JOIN org i ON i.id = o.merged_into_id
"""


def _view(row: tuple[Any, ...]) -> OrgView:
    return OrgView(
        id=int(row[0]),
        name=row[1],
        uscc=row[2],
        employer=row[3],
        employer_uscc=row[4],
        type=row[5],
        township=row[6],
        founded=day(row[7]),  # type: ignore[arg-type]
        chair=row[8],
        phone=row[9],
        active_members=int(row[10] or 0),
        county=row[11],
        dissolved_on=day(row[12]),
        dissolution=row[13],
        merged_into=row[14],
    )


def org_by_id(r: Reader, org_id: int) -> OrgView:
    """One union with its active members and, if merged, the receiving union's name."""
    active = f"(SELECT COUNT(*) FROM member m WHERE m.org_id = o.id AND m.status = {_ACTIVE})"
    row = r.one(_SELECT.format(active=active) + "WHERE o.id = :id", {"id": org_id})
    if row is None:
        raise NotFound("org.not_found", ref=str(org_id))
    return _view(row)


def show_org(r: Reader, ref: str) -> OrgView:
    return org_by_id(r, find_org_id(r, ref))


def parse_status_filter(raw: str | None) -> bool | None:
    """``--status 存续|已撤销`` (or in_force / ended) as ``list_orgs``'s ``in_force``."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip().casefold()
    if text in ("存续", "in_force", "in force", i18n.t("org.status.in_force").casefold()):
        return True
    if text in ("已撤销", "撤销", "ended", "dissolved", i18n.t("org.status.ended").casefold()):
        return False
    raise InvalidValue(
        "org_status", raw, "enums.invalid", choices_zh="存续、已撤销", choices_en="in_force, ended"
    )


def list_orgs(
    r: Reader,
    *,
    township: str | None = None,
    county: str | None = None,
    in_force: bool | None = None,
    limit: int | None = None,
) -> OrgPage:
    """Unions by county, township and name, with their active members; ``township`` and
    ``county`` (the clerk's) keep the unions there, ``in_force`` those in force (True) or
    dissolved or merged (False)."""
    name = county_name(county)
    conds: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if name is not None:
        conds.append("o.county = :county")
        params["county"] = name
    if township:
        conds.append("o.township = :township")
        params["township"] = township
    if in_force is not None:
        conds.append("o.dissolved_on IS NULL" if in_force else "o.dissolved_on IS NOT NULL")
    where = f"WHERE {' AND '.join(conds)} " if conds else ""
    total, with_county, ended = r.one(
        "SELECT COUNT(*), COUNT(NULLIF(o.county, '')), COUNT(o.dissolved_on) FROM org o " + where,
        params,
    ) or (0, 0, 0)
    # a city's unions by county first (none last); a county's own ledger has none to sort by
    page = r.all(
        _SELECT.format(active="0")
        + where
        + "ORDER BY o.county IS NULL, o.county, o.township, o.name"
        + limit_clause(limit),
        params,
    )
    # the active members of the unions shown (on ix_member_org_id_status): of a page's only, or
    # of all of them in one pass with --all
    counted, count_params = "", dict[str, Any]()
    if limit is not None:
        ids, count_params = placeholders("org", [row[0] for row in page])
        counted = f" AND org_id IN {ids}"
    active: dict[int, int] = dict(
        r.all(
            f"SELECT org_id, COUNT(*) FROM member WHERE status = {_ACTIVE}{counted} "
            "GROUP BY org_id",
            count_params,
        )
    )
    found = [(*row[:10], active.get(row[0], 0), *row[11:]) for row in page]
    return OrgPage(
        [_view(row) for row in found],
        int(total or 0),
        any_county=bool(with_county),
        any_ended=bool(ended),
    )
