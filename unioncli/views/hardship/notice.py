"""The public notices (公示, ``hardship notice``): the files opened in a year, or the households
aided in a year with their amounts — never an ID number, health or address.
"""

from __future__ import annotations

from dataclasses import dataclass

from unioncli import i18n
from unioncli.db.read import Reader
from unioncli.enums import AidKind
from unioncli.errors import UsageError
from unioncli.views.hardship.common import CATEGORY_ON, scope, where, year_range

i18n.register(
    {
        "hardship.notice_what": (
            "请指定 --opened-in 年度（新建档公示）或 --aid-year 年度（帮扶公示）之一",
            "give one of --opened-in YEAR (new files) or --aid-year YEAR (aid)",
        ),
    }
)


@dataclass(frozen=True)
class NoticeRow:
    """One line of a public notice (公示): never an ID number, health or address."""

    no: int
    name: str
    org: str | None
    category: str
    amount_fen: int | None = None


_NOTICE_NEW = f"""
SELECT p.name, o.name, {CATEGORY_ON}, NULL
FROM hardship_file f JOIN person p ON p.id = f.head_id LEFT JOIN org o ON o.id = f.org_id
WHERE f.opened_on BETWEEN :lo AND :on AND {{where}}
ORDER BY o.name, f.opened_on, f.id
"""


_NOTICE_AID = f"""
SELECT p.name, o.name, {CATEGORY_ON}, t.fen
FROM (SELECT file_id, SUM(amount_fen) AS fen FROM aid
      WHERE aid_date BETWEEN :lo AND :on{{kind}}
      GROUP BY file_id HAVING SUM(amount_fen) > 0) t
JOIN hardship_file f ON f.id = t.file_id
JOIN person p ON p.id = f.head_id LEFT JOIN org o ON o.id = f.org_id
WHERE {{where}}
ORDER BY o.name, p.name_pinyin, f.id
"""


def notice(
    r: Reader,
    *,
    opened_in: int | str | None = None,
    aid_year: int | str | None = None,
    kind: str | None = None,
    org: str | None = None,
    county: str | None = None,
) -> list[NoticeRow]:
    """A public-notice (公示) list: new files of a year, or households aided in a year (with the
    net amount; ``kind`` narrows to one aid kind), of the files of ``county``'s unions when given.
    Name, union, category (in force on 31 December of the year), amount — never an ID number,
    health or address."""
    if (opened_in is None) == (aid_year is None):
        raise UsageError("hardship.notice_what")
    conds, params = scope(r, org, county)
    if opened_in is not None:
        params["lo"], params["on"] = year_range(opened_in, "opened")
        statement = _NOTICE_NEW.format(where=where(conds))
    else:
        assert aid_year is not None
        params["lo"], params["on"] = year_range(aid_year, "year")
        narrow = ""
        if kind:
            narrow = " AND kind = :kind"
            params["kind"] = AidKind.parse(kind, field="aid_kind").value
        statement = _NOTICE_AID.format(kind=narrow, where=where(conds))
    return [
        NoticeRow(
            no=i,
            name=name,
            org=org_name,
            category=category,
            amount_fen=None if fen is None else int(fen),
        )
        for i, (name, org_name, category, fen) in enumerate(r.all(statement, params), start=1)
    ]
