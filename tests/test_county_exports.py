"""The clerk's county (区县) keeps `grant list`, `grant notice` and `export KIND` to its rows.

A grant belongs to a county through its union as the yearly report counts it: its hardship
file's union, else the parent's union as a member at the end of the round year (from the
membership's events); a grant with neither is in no county.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from unioncli.config import Target
from unioncli.db.uow import UnitOfWork
from unioncli.ids import make_id_number, parse_id_number
from unioncli.models import (
    Aid,
    Grant,
    HardshipFile,
    Member,
    MemberEvent,
    Org,
    Person,
    Station,
    StationLog,
)
from unioncli.services.people import person_fields

A, B = "甲区", "乙区"
D = date


def build(target: Target) -> None:
    """Unions 甲工会 (甲区), 乙工会 (乙区), 无区县工会 (none); a member of each, plus 跨 (a member
    in 乙区 whose grant rides on a 甲区 file) and 户主 (no membership, no union on the file)."""
    with UnitOfWork(target) as uow:
        s = uow.session
        seq = 0

        def add(obj: Any) -> int:
            s.add(obj)
            s.flush()
            return int(obj.id)

        def person(name: str, born: date = D(1985, 3, 4)) -> int:
            nonlocal seq
            seq += 1
            rid = parse_id_number(make_id_number("230125", born, seq, "male"))
            return add(Person(**person_fields(rid, name)))

        orgs = {
            c: add(Org(name=f"{c or '无区县'}工会", county=c, founded=D(2010, 1, 1)))
            for c in (A, B, None)
        }
        people = {}
        for name, county in (("甲", A), ("乙", B), ("跨", B), ("无", None)):
            people[name] = pid = person(name)
            mid = add(
                Member(
                    person_id=pid,
                    org_id=orgs[county],
                    status="active",
                    status_since=D(2020, 1, 1),
                    joined_on=D(2020, 1, 1),
                    migrant=True,
                )
            )
            # a membership is its events: the union in force at a date is the latest one's
            add(
                MemberEvent(
                    member_id=mid,
                    kind="join",
                    event_date=D(2020, 1, 1),
                    org_id=orgs[county],
                    migrant=True,
                )
            )
        people["户主"] = person("户主")
        files = {}
        for no, head, county in (("KN-A", "甲", A), ("KN-B", "乙", B), ("KN-0", "户主", None)):
            files[no] = fid = add(
                HardshipFile(
                    file_no=no,
                    head_id=people[head],
                    org_id=orgs[county] if county else None,
                    category="deep",
                    cause="illness",
                    household_size=3,
                    opened_on=D(2023, 1, 1),
                    status="open",
                )
            )
            add(Aid(file_id=fid, aid_date=D(2024, 1, 1), kind="warmth", amount_fen=100_000))
        # (parent, file, status): 跨's grant is 甲区's through the file, not 乙区's membership
        for parent, file_no, status in (
            ("甲", None, "approved"),
            ("乙", "KN-B", "paid"),
            ("跨", "KN-A", "paid"),
            ("户主", "KN-0", "paid"),  # no union at all: in no county
            ("无", None, "paid"),  # a union with no county
        ):
            add(
                Grant(
                    year=2024,
                    student_id=person(f"{parent}之子", D(2010, 5, 6)),
                    parent_id=people[parent],
                    level="primary",
                    amount_fen=100_000,
                    eligibility="hardship_file" if file_no else "migrant_member",
                    hardship_file_id=files[file_no] if file_no else None,
                    status=status,
                    applied_on=D(2024, 7, 1),
                    paid_on=D(2024, 8, 20) if status == "paid" else None,
                )
            )
        for code, county in (("S-A", A), ("S-B", B)):
            sid = add(
                Station(
                    code=code,
                    name=f"驿站{code}",
                    county=county,
                    opened_on=D(2020, 1, 1),
                    status="open",
                    status_since=D(2020, 1, 1),
                )
            )
            add(StationLog(station_id=sid, month=D(2024, 3, 1), visits=10, activities=1))
        uow.commit()


ALL_GRANTS = {"甲之子", "乙之子", "跨之子", "户主之子", "无之子"}
A_GRANTS = {"甲之子", "跨之子"}


def ok(r: Any) -> str:
    assert r.exit_code == 0, r.stderr
    return str(r.stdout)


def students(cli: Any, *args: str) -> set[str]:
    return {r["student_name"] for r in json.loads(ok(cli(*args, "grant", "list", "-f", "json")))}


def noticed(cli: Any, *args: str) -> set[str]:
    return {r["name"] for r in json.loads(ok(cli(*args, "grant", "notice", "2024", "-f", "json")))}


def test_grant_list_and_notice_keep_to_the_county(
    ledger: Target, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(ledger)
    assert students(cli, "--county", A) == A_GRANTS
    assert students(cli, "--county", B) == {"乙之子"}
    assert students(cli) == students(cli, "--city") == ALL_GRANTS
    assert noticed(cli, "--county", A) == A_GRANTS  # 甲's approved grant is published too
    assert noticed(cli) == ALL_GRANTS
    # the table's totals count the county's grants only
    assert "共 2 条" in ok(cli("--county", A, "grant", "list"))
    monkeypatch.setenv("UNIONCLI_COUNTY", A)
    assert students(cli) == noticed(cli) == A_GRANTS
    assert students(cli, "--city") == noticed(cli, "--city") == ALL_GRANTS


# kind -> (the first column of 甲区's rows, of every row)
EXPECTED = {
    "orgs": ({"甲区工会"}, {"甲区工会", "乙区工会", "无区县工会"}),
    "members": ({"甲"}, {"甲", "乙", "跨", "无"}),
    "hardship": ({"KN-A"}, {"KN-A", "KN-B", "KN-0"}),
    "aid": ({"KN-A"}, {"KN-A", "KN-B", "KN-0"}),
    "grants": (A_GRANTS, ALL_GRANTS),
    "stations": ({"S-A"}, {"S-A", "S-B"}),
    "station-logs": ({"S-A"}, {"S-A", "S-B"}),
}


def test_exports_keep_to_the_county(
    ledger: Target, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(ledger)

    def export(kind: str, *args: str) -> str:
        out = tmp_path / f"{kind}{len(list(tmp_path.iterdir()))}.csv"
        ok(cli(*args, "export", kind, "--out", str(out)))
        return out.read_text(encoding="utf-8-sig")

    def first_column(text: str) -> set[str]:
        return {r[0] for r in list(csv.reader(io.StringIO(text)))[1:]}

    for kind, (in_a, every) in EXPECTED.items():
        scoped, whole = export(kind, "--county", A), export(kind)
        assert first_column(scoped) == in_a, kind
        assert first_column(whole) == every, kind
        assert scoped.splitlines()[0] == whole.splitlines()[0]  # the same columns
        assert export(kind, "--city") == whole
    monkeypatch.setenv("UNIONCLI_COUNTY", A)
    assert first_column(export("grants")) == A_GRANTS
    assert first_column(export("members", "--city")) == EXPECTED["members"][1]
