"""The hardship work queue, the public notice and the aid list keep to the clerk's county (区县):
the files of its unions (and their aid), through the file's union. A file with no union is in no
county: only the whole ledger (no county set, or ``--city``) shows it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from unioncli.ids import make_id_number

A, B = "甲区", "乙区"
# head: (union, county of the union, aid in yuan); "无户" has no union
HEADS = {
    "甲户": ("甲区一中工会", A, 500),
    "乙户": ("乙区医院工会", B, 300),
    "无户": (None, None, 100),
}
ALL = set(HEADS)


def ok(r: Any) -> str:
    assert r.exit_code == 0, r.stderr
    return str(r.stdout)


@pytest.fixture
def clerk(cli):
    for i, (head, (union, county, yuan)) in enumerate(HEADS.items(), start=1):
        if union is not None:
            ok(cli("--county", county, "org", "add", union, "--founded", "2010-05-01"))
        idn = make_id_number("230125", date(1975, 3, i), 10 + i, "male")
        on_union = ["--org", union] if union else []
        ok(
            cli(
                *("hardship", "open", head, "--id", idn, *on_union, "--category", "深度困难"),
                *("--cause", "患重特大疾病", "--size", "3", "--opened", "2023-03-01"),
            )
        )
        amount = ("--kind", "送温暖", "--amount", str(yuan))
        ok(cli("aid", "add", idn, "--date", "2024-01-15", *amount))
    return cli


def heads(cli, *args: str, key: str = "name") -> set[str]:
    return {r[key] for r in json.loads(ok(cli(*args, "-f", "json")))}


WHERE = [(("--county", A), {"甲户"}), (("--county", B), {"乙户"}), (("--city",), ALL), ((), ALL)]


@pytest.mark.parametrize(("where", "shown"), WHERE)
def test_due_notice_and_aid_keep_to_the_county(clerk, where: tuple[str, ...], shown: set[str]):
    due = json.loads(ok(clerk(*where, "hardship", "due", "--as-of", "2024-12-31", "-f", "json")))
    assert {r["name"] for r in due} == shown
    assert {r["kind"] for r in due} == {"review", "visit"}
    assert heads(clerk, *where, "hardship", "notice", "--opened-in", "2023") == shown
    assert heads(clerk, *where, "hardship", "notice", "--aid-year", "2024") == shown
    assert heads(clerk, *where, "aid", "list", key="head_name") == shown
    # the totals under the list follow it
    yuan = sum(HEADS[h][2] for h in shown)
    footer = ok(clerk(*where, "aid", "list")).splitlines()
    assert f"合计 {len(shown)} 户、{len(shown)} 人次、{yuan}.00 元" in footer


def test_the_county_setting_is_the_default(clerk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIONCLI_COUNTY", B)
    assert heads(clerk, "hardship", "due", "--as-of", "2024-12-31") == {"乙户"}
    assert heads(clerk, "hardship", "notice", "--aid-year", "2024") == {"乙户"}
    assert heads(clerk, "aid", "list", key="head_name") == {"乙户"}
    assert heads(clerk, "--city", "aid", "list", key="head_name") == ALL
    assert heads(clerk, "--county", A, "aid", "list", key="head_name") == {"甲户"}
