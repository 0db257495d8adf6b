"""What the hardship reads share: the field labels and messages, the union lookup, the county
and union conditions, the category in force on a day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from unioncli import i18n
from unioncli.dates import parse_year
from unioncli.db.read import Reader
from unioncli.views import IN_COUNTY, county_param
from unioncli.views.orgs import find_org_id

i18n.register_fields(
    {
        "file_no": ("档案编号", "file no."),
        "file": ("档案", "file"),
        "category": ("困难类别", "category"),
        "opened_category": ("建档时类别", "category when opened"),
        "cause": ("主要致困原因", "main cause"),
        "secondary_causes": ("次要致困原因", "secondary causes"),
        "household_size": ("家庭人口", "household size"),
        "income_per_capita": ("家庭月人均收入", "monthly income per head"),
        "income_fen": ("家庭月人均收入（分）", "monthly income per head (fen)"),
        "health": ("健康状况", "health"),
        "housing": ("住房类型", "housing"),
        "address": ("家庭住址", "address"),
        "opened": ("建档日期", "opened"),
        "opened_on": ("建档日期", "opened"),
        "closed": ("退档日期", "closed"),
        "closed_on": ("退档日期", "closed"),
        "close_reason": ("退档原因", "reason for closing"),
        "head_id": ("户主编号", "head no."),
        "previous_id": ("原档案编号", "previous file no."),
        "family": ("家庭成员", "family member"),
        "relation": ("关系", "relation"),
        "family_income": ("月收入", "monthly income"),
        "family_income_fen": ("月收入（分）", "monthly income (fen)"),
        "occupation": ("身份/学校", "school or work"),
        "outcome": ("复核结论", "outcome"),
        "reviewer": ("复核人", "reviewer"),
        "review_date": ("复核日期", "review date"),
        "visitor": ("走访人", "visitor"),
        "visit_date": ("走访日期", "visit date"),
        "note": ("备注", "note"),
        "as_of": ("截至日期", "as of"),
        "line_fen": ("低保线（分）", "low-income line (fen)"),
        "low_income_line": ("低保线", "low-income line"),
        "aid_kind": ("帮扶类型", "aid kind"),
        "kind": ("类型", "kind"),
    }
)


def causes_list(stored: str | None) -> list[str]:
    """The secondary causes as stored (comma-joined codes) as a list."""
    return [c for c in (stored or "").split(",") if c]


def year_range(raw: int | str, field_key: str) -> tuple[date, date]:
    y = parse_year(raw, field_key)
    return date(y, 1, 1), date(y, 12, 31)


# The category of file ``f`` in force on :on: the latest review's by then (ties: the highest
# id), else the opening one (services/hardship/files.category_on, on
# ix_hardship_review_file_day_cover).
CATEGORY_ON = """COALESCE(
  (SELECT r.category FROM hardship_review r
   WHERE r.file_id = f.id AND r.review_date <= :on
   ORDER BY r.review_date DESC, r.id DESC LIMIT 1),
  f.opened_category)"""


def scope(r: Reader, org: str | None, county: str | None) -> tuple[list[str], dict[str, Any]]:
    """The union and county conditions on ``f.org_id``."""
    conds: list[str] = []
    params: dict[str, Any] = {}
    if org:
        conds.append("f.org_id = :org_id")
        params["org_id"] = find_org_id(r, org)
    if county:
        conds.append(f"f.org_id IN {IN_COUNTY}")
        params.update(county_param(county))
    return conds, params


def where(conds: list[str]) -> str:
    return " AND ".join(conds) or "1 = 1"
