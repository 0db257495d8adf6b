"""A hardship file's category as it stood on any date (issue 14, "the past stays true").

The category in force on a day is the latest review's by then (ties: the later entered), else the
category the file was opened with. A review dated after a year never changes that year's figures,
in any scope; the due list and public notices read the category in force on their day.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from dbutil import rows

from unioncli.config import Target
from unioncli.dates import today
from unioncli.db.uow import UnitOfWork
from unioncli.ids import make_id_number
from unioncli.services.hardship import files as hs

ORG = "城关镇第一小学工会"
HEAD = make_id_number("230125", date(1970, 3, 4), 1, "male")
HEAD2 = make_id_number("230125", date(1972, 5, 6), 2, "female")


def ok(run: Any) -> str:
    assert run.exit_code == 0, run.stdout + run.stderr
    return str(run.stdout)


@pytest.fixture
def county(cli: Any, ledger: Target) -> Target:
    ok(cli("org", "add", ORG, "--founded", "2010-05-01", "--township", "城关镇"))
    return ledger


def open_file(cli: Any, opened: str, category: str = "深度困难", id_number: str = HEAD) -> None:
    ok(
        cli(
            "hardship", "open", "王建国" if id_number == HEAD else "李芳", "--id", id_number,
            "--org", "1", "--category", category, "--cause", "患重特大疾病", "--size", "3",
            "--opened", opened,
        )
    )  # fmt: skip


def report(cli: Any, year: int, *scope: str) -> str:
    return ok(cli("report", "year", str(year), "--format", "json", *scope))


def by_category(cli: Any, year: int) -> dict[str, int]:
    return dict(json.loads(report(cli, year))["hardship.open_end_by_category"])


def test_a_review_after_the_years_leaves_them_byte_identical(cli: Any, county: Target) -> None:
    """The bug: a review in 2026 of a file opened in 2017 moved 2018–2023's figures."""
    if today() < date(2026, 1, 10):
        pytest.skip("the review date must not be in the future")
    open_file(cli, "2017-04-01")
    scopes: list[tuple[str, ...]] = [(), ("--org", "1"), ("--township", "城关镇")]
    before = {(y, s): report(cli, y, *s) for y in range(2017, 2026) for s in scopes}
    assert json.loads(before[(2018, ())])["hardship.open_end_by_category"] == {"deep": 1}
    ok(
        cli(
            "hardship", "review", "KN2017-00001", "--date", "2026-01-10", "--outcome", "收入好转",
            "--category", "相对困难",
        )
    )  # fmt: skip
    for key, text in before.items():
        assert report(cli, key[0], *key[1]) == text, key
    assert by_category(cli, 2026) == {"relative": 1}
    # the file's current category is the review's; it was opened deep
    assert rows(county, "SELECT category, opened_category FROM hardship_file") == [
        ("relative", "deep")
    ]


def test_a_county_scope_keeps_its_past_too(cli: Any, ledger: Target) -> None:
    ok(cli("org", "add", ORG, "--founded", "2010-05-01", "--county", "道里区"))
    open_file(cli, "2017-04-01")
    before = report(cli, 2019, "--county", "道里区")
    assert json.loads(before)["hardship.open_end_by_category"] == {"deep": 1}
    ok(cli("hardship", "review", "1", "--date", "2021-03-01", "--outcome", "好转", "--category",
           "相对困难"))  # fmt: skip
    assert report(cli, 2019, "--county", "道里区") == before
    after = json.loads(report(cli, 2021, "--county", "道里区"))
    assert after["hardship.open_end_by_category"] == {"relative": 1}


def test_a_review_in_2020_moves_2020_on_and_not_2019(cli: Any, county: Target) -> None:
    open_file(cli, "2018-05-01")
    open_file(cli, "2018-06-01", "相对困难", HEAD2)
    ok(cli("hardship", "review", "KN2018-00001", "--date", "2020-06-30", "--outcome", "好转",
           "--category", "相对困难"))  # fmt: skip
    assert by_category(cli, 2019) == {"deep": 1, "relative": 1}
    assert by_category(cli, 2020) == {"relative": 2}
    # a review that keeps the category (none given) records the one in force on its day
    ok(cli("hardship", "review", "KN2018-00001", "--date", "2021-06-30", "--outcome", "维持"))
    assert rows(county, "SELECT review_date, category FROM hardship_review ORDER BY id")[-1][1] == (
        "relative"
    )
    # and the second file goes deep in 2022: 2021 keeps two relative
    ok(cli("hardship", "review", "KN2018-00002", "--date", "2022-02-01", "--outcome", "病情加重",
           "--category", "深度困难"))  # fmt: skip
    assert by_category(cli, 2021) == {"relative": 2}
    assert by_category(cli, 2022) == {"deep": 1, "relative": 1}
    # the service's expression agrees with the report, day by day
    with UnitOfWork(county) as uow:
        from sqlalchemy import select

        from unioncli.models import HardshipFile

        def on(day: date) -> list[str]:
            stmt = select(hs.category_on(day)).order_by(HardshipFile.id)  # type: ignore[arg-type]
            return [str(c) for c in uow.session.execute(stmt).scalars()]

        assert on(date(2020, 6, 29)) == ["deep", "relative"]
        assert on(date(2020, 6, 30)) == ["relative", "relative"]
        assert on(date(2022, 2, 1)) == ["relative", "deep"]
        assert hs.current_category(uow.session, 2) == "deep"


def test_two_reviews_on_one_day_the_later_entered_wins(cli: Any, county: Target) -> None:
    open_file(cli, "2018-05-01")
    for category in ("相对困难", "意外致困"):
        ok(cli("hardship", "review", "1", "--date", "2020-06-30", "--outcome", "复核",
               "--category", category))  # fmt: skip
    assert by_category(cli, 2020) == {"accident": 1}
    assert rows(county, "SELECT category FROM hardship_file") == [("accident",)]


def test_show_lists_the_category_history(cli: Any, county: Target) -> None:
    open_file(cli, "2018-05-01")
    out = ok(cli("hardship", "show", "1"))
    assert "建档时类别" in out and "困难类别变化" not in out  # no review: nothing to list
    ok(cli("hardship", "review", "1", "--date", "2020-06-30", "--outcome", "好转", "--category",
           "相对困难"))  # fmt: skip
    ok(cli("hardship", "review", "1", "--date", "2021-06-30", "--outcome", "加重", "--category",
           "深度困难"))  # fmt: skip
    out = ok(cli("hardship", "show", "1"))
    assert "困难类别变化" in out
    data = json.loads(ok(cli("hardship", "show", "1", "--format", "json")))
    assert data["category"] == "deep" and data["opened_category"] == "deep"
    assert [(s["date"], s["category"], s["source"]) for s in data["category_history"]] == [
        ("2018-05-01", "deep", "opened"),
        ("2020-06-30", "relative", "review"),
        ("2021-06-30", "deep", "review"),
    ]
    out = ok(cli("--lang", "en", "hardship", "show", "1"))
    assert "category history" in out and "category when opened" in out


def test_notices_and_the_due_list_read_the_category_in_force(cli: Any, county: Target) -> None:
    open_file(cli, "2018-05-01")
    for day in ("2019-01-15", "2021-01-15"):
        ok(cli("aid", "add", "1", "--date", day, "--kind", "送温暖", "--amount", "1000"))
    ok(cli("hardship", "review", "1", "--date", "2020-06-30", "--outcome", "好转", "--category",
           "相对困难"))  # fmt: skip

    def notice(*args: str) -> list[str]:
        found = json.loads(ok(cli("hardship", "notice", *args, "--format", "json")))
        return [r["category"] for r in found]

    assert notice("--aid-year", "2019") == ["deep"]
    assert notice("--aid-year", "2021") == ["relative"]
    assert notice("--opened-in", "2018") == ["deep"]

    def due(as_of: str) -> list[str]:
        found = json.loads(ok(cli("hardship", "due", "--as-of", as_of, "--format", "json")))
        return sorted({r["category"] for r in found})

    assert due("2020-03-01") == ["deep"]
    assert due("2021-03-01") == ["relative"]


def test_opening_reopening_and_the_audit_record_the_opening_category(
    cli: Any, county: Target
) -> None:
    open_file(cli, "2018-05-01", "意外致困")
    ok(cli("hardship", "review", "1", "--date", "2019-06-30", "--outcome", "好转", "--category",
           "相对困难"))  # fmt: skip
    ok(cli("hardship", "close", "1", "--date", "2020-01-31", "--reason", "脱困"))
    ok(cli("hardship", "reopen", "1", "--date", "2021-02-01"))  # keeps the category it had
    assert rows(
        county, "SELECT file_no, category, opened_category FROM hardship_file ORDER BY id"
    ) == [
        ("KN2018-00001", "relative", "accident"),
        ("KN2021-00001", "relative", "relative"),
    ]
    entries = json.loads(ok(cli("audit", "list", "--action", "hardship.open", "--format", "json")))
    assert "建档时类别=意外致困" in entries[-1]["change"]
