"""The clerk's work queue (``hardship due``): yearly reviews and home visits due on a day, oldest
first, and the calendar-month arithmetic of the visits' due dates.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date
from typing import Any

from unioncli import i18n
from unioncli.dates import parse_date, today
from unioncli.db.read import Reader, day, placeholders
from unioncli.enums import FileStatus
from unioncli.errors import InvalidValue
from unioncli.views.hardship.common import CATEGORY_ON, scope, where

i18n.register(
    {
        "hardship.due_kind": (
            "须为 review（年度复核）或 visit（入户走访）",
            "must be review or visit",
        ),
    }
)


VISIT_MONTHS = 6  # a home visit at least every six months


@dataclass(frozen=True)
class DueItem:
    file_id: int
    file_no: str
    person_id: int
    name: str
    id_number: str
    phone: str | None
    org: str | None
    category: str
    kind: str  # "review" or "visit"
    due_on: date
    last_on: date | None
    days_overdue: int


@dataclass(frozen=True)
class DueList:
    as_of: date
    items: list[DueItem]
    total: int
    reviews: int
    visits: int


def add_months(on: date, months: int) -> date:
    """``on`` moved by whole calendar months; a day the target month lacks becomes its last day
    (31 August + 6 months = 28/29 February)."""
    index = on.year * 12 + on.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(on.day, _month_days(year, month + 1)))


def _month_days(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def visit_cutoff(as_of: date, months: int = VISIT_MONTHS) -> date:
    """The latest last visit (or opening) whose next visit falls due on or before ``as_of``.

    A visit on day ``d`` is due again on ``add_months(d, 6)``; that is monotone in ``d``, so "due
    by ``as_of``" is exactly "``d`` on or before this cutoff".
    On a month's last day every later day of the month six months back is due as well
    (31 August → 28 February).
    """
    cutoff = add_months(as_of, -months)
    if as_of.day == _month_days(as_of.year, as_of.month):
        cutoff = cutoff.replace(day=_month_days(cutoff.year, cutoff.month))
    return cutoff


# Which files are due is decided in Python, not in a WHERE: SQLite would evaluate both
# subqueries twice per file (once to filter, once to return them).
_DUE = """
SELECT f.id, f.file_no, f.opened_on,
  (SELECT MAX(r.review_date) FROM hardship_review r
   WHERE r.file_id = f.id AND r.review_date <= :on),
  (SELECT MAX(v.visit_date) FROM hardship_visit v
   WHERE v.file_id = f.id AND v.visit_date <= :on)
FROM hardship_file f
WHERE {where}
"""


_DUE_DETAILS = f"""
SELECT f.id, p.id, p.name, p.id_number, f.phone, o.name, {CATEGORY_ON}
FROM hardship_file f JOIN person p ON p.id = f.head_id LEFT JOIN org o ON o.id = f.org_id
WHERE f.id IN {{ids}}
"""


def due(
    r: Reader,
    as_of: Any = None,
    *,
    kind: str | None = None,
    org: str | None = None,
    county: str | None = None,
    limit: int | None = None,
) -> DueList:
    """The clerk's work queue on ``as_of`` (default today), overdue first.

    Files open on that day (opened on or before it, not closed by then), and:

    - **review** (年度复核) — the file has no review in the calendar year of ``as_of``. The
      review falls due on 1 January of the year after the latest review, or after the opening
      when there is none: the opening screening stands for the year a file is opened, so a file
      opened this year is first due next January;
    - **visit** (入户走访) — the latest visit, or the opening when there is none, lies six
      calendar months or more back: the visit is due on that day + 6 months (a month end stays
      a month end: 31 August → 28/29 February).

    ``county`` (the clerk's 区县) keeps the files of its unions. Oldest due date first. One query
    finds every due file (correlated MAX subqueries on the (file_id, date) indexes); a second
    fetches names and unions for the page shown only.
    """
    when = today() if as_of is None else parse_date(as_of, field="as_of")
    if kind not in (None, "review", "visit"):
        raise InvalidValue("kind", kind, "hardship.due_kind")
    want_review = kind in (None, "review")
    want_visit = kind in (None, "visit")
    jan1 = date(when.year, 1, 1)
    cutoff = visit_cutoff(when)
    # no file is closed after today: the status index finds the open ones
    conds = ["f.status = :open"]
    if when < today():
        # files opened after the day are skipped below: "opened_on <= day" here would lead
        # SQLite into the opened_on index and a random read per file, three times slower
        conds = ["(f.status = :open OR f.closed_on > :on)"]
    in_scope, params = scope(r, org, county)
    params |= {"on": when, "open": FileStatus.OPEN.value}
    # (due on, kind, file no, file id, last done): plain tuples, as the queue may be long
    queue: list[tuple[date, str, str, int, date | None]] = []
    six_months: dict[date, date] = {}
    for fid, no, opened_raw, review_raw, visit_raw in r.all(
        _DUE.format(where=where(conds + in_scope)), params
    ):
        opened, l_review, l_visit = day(opened_raw), day(review_raw), day(visit_raw)
        if opened is None or opened > when:
            continue
        base = l_review or opened
        if want_review and base < jan1:
            queue.append((date(base.year + 1, 1, 1), "review", no, int(fid), l_review))
        base = l_visit or opened
        if want_visit and base <= cutoff:
            on = six_months.get(base)
            if on is None:
                on = six_months[base] = add_months(base, VISIT_MONTHS)
            queue.append((on, "visit", no, int(fid), l_visit))
    reviews = sum(1 for q in queue if q[1] == "review")
    total = len(queue)
    if limit is not None and limit < total:
        queue = heapq.nsmallest(limit, queue)
    else:
        queue.sort()
    details = _due_details(r, {q[3] for q in queue}, when)
    items = [
        DueItem(
            file_id=fid,
            file_no=no,
            **details[fid],
            kind=what,
            due_on=on,
            last_on=last,
            days_overdue=(when - on).days,
        )
        for on, what, no, fid, last in queue
    ]
    return DueList(when, items, total, reviews, total - reviews)


def _due_details(r: Reader, file_ids: set[int], on: date) -> dict[int, dict[str, Any]]:
    """Head, phone, union and category (in force on ``on``) of the files on the page shown."""
    out: dict[int, dict[str, Any]] = {}
    ids = sorted(file_ids)
    for start in range(0, len(ids), 500):
        chunk, params = placeholders("f", ids[start : start + 500])
        for fid, pid, name, idn, phone, org_name, category in r.all(
            _DUE_DETAILS.format(ids=chunk), {**params, "on": on}
        ):
            out[int(fid)] = {
                "person_id": int(pid),
                "name": name,
                "id_number": idn,
                "phone": phone,
                "org": org_name,
                "category": category,
            }
    return out
