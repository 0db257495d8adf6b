"""Aid payments (帮扶记录): the rules of a new entry, reversals, totals, filters, the commands.

Hardship files are inserted straight through the models here, so these tests do not depend on
``hardship open``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from unioncli.config import Target
from unioncli.db.read import reading
from unioncli.db.uow import UnitOfWork
from unioncli.errors import (
    Conflict,
    InvalidValue,
    InvalidValues,
    MissingFields,
    NotFound,
    UsageError,
)
from unioncli.ids import make_id_number
from unioncli.models import Aid, AuditEntry, HardshipFile, Person
from unioncli.pinyin import name_keys
from unioncli.services import aid as service
from unioncli.services.orgs import add_org
from unioncli.views import aid as views
from unioncli.views.aid import AidFilter, AidRow, AidTotals

ORG1 = "城关镇第一小学工会"
ORG2 = "河西镇人民医院工会"
LI_MING = make_id_number("230125", date(1975, 3, 4), 11, "male")
WANG_FANG = make_id_number("230125", date(1980, 7, 8), 12, "female")
ZHAO_LEI = make_id_number("230125", date(1969, 9, 9), 13, "male")
NOBODY = make_id_number("230125", date(1990, 2, 2), 14, "male")


# --- helpers ----------------------------------------------------------------------------------


def make_file(
    target: Target,
    file_no: str,
    id_number: str,
    name: str,
    opened: date,
    closed: date | None = None,
    org_id: int | None = 1,
) -> int:
    """A hardship file with its head (the person is reused when already stored)."""
    with UnitOfWork(target) as uow:
        s = uow.session
        person = s.scalars(select(Person).where(Person.id_number == id_number)).first()
        if person is None:
            pinyin, initials = name_keys(name)
            born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
            person = Person(
                id_number=id_number,
                id_rev=id_number[::-1],
                name=name,
                name_pinyin=pinyin,
                name_initials=initials,
                gender="male" if int(id_number[16]) % 2 else "female",
                birth_date=born,
            )
            s.add(person)
            s.flush()
        assert person.id is not None
        hf = HardshipFile(
            file_no=file_no,
            head_id=person.id,
            org_id=org_id,
            category="deep",
            cause="illness",
            household_size=3,
            opened_on=opened,
            status="closed" if closed else "open",
            closed_on=closed,
            close_reason="recovered" if closed else None,
        )
        s.add(hf)
        s.flush()
        assert hf.id is not None
        uow.commit()
        return hf.id


def add(target: Target, ref: str = "KN-001", **raw: Any) -> AidRow:
    data = {"aid_date": "2024-01-15", "aid_kind": "送温暖", "amount": "1000"} | raw
    with UnitOfWork(target) as uow:
        row = service.add_aid(uow, ref, data)
        uow.commit()
    return row


def reverse(
    target: Target, entry: str | int, reason: str | None = "金额录错", on: Any = None
) -> AidRow:
    with UnitOfWork(target) as uow:
        row = service.reverse_aid(uow, entry, reason, on)
        uow.commit()
    return row


def listing(target: Target, limit: int | None = None, **flt: Any) -> views.AidPage:
    with reading(target) as r:
        return views.list_aid(r, AidFilter(**flt), limit=limit)


def totals_by_year(target: Target, file_id: int) -> list[tuple[int, int, int]]:
    with reading(target) as r:
        return views.totals_by_year(r, file_id)


def aid_count(target: Target) -> int:
    with UnitOfWork(target) as uow:
        return int(uow.session.execute(select(func.count()).select_from(Aid)).scalar_one())


def audit_entries(target: Target, action: str) -> list[dict[str, Any]]:
    with UnitOfWork(target) as uow:
        found = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return [e.model_dump() for e in found]


@pytest.fixture
def files(ledger: Target) -> Target:
    """Two unions; 李明's file KN-001 (open since 2020), 王芳's KN-002 (2021-03-01 to
    2023-06-30, closed), 赵磊's KN-003 in the second union (open since 2022)."""
    with UnitOfWork(ledger) as uow:
        add_org(uow, {"org_name": ORG1, "founded": "2010-05-01"})
        add_org(uow, {"org_name": ORG2, "founded": "2012-03-01"})
        uow.commit()
    make_file(ledger, "KN-001", LI_MING, "李明", date(2020, 5, 1))
    make_file(ledger, "KN-002", WANG_FANG, "王芳", date(2021, 3, 1), date(2023, 6, 30))
    make_file(ledger, "KN-003", ZHAO_LEI, "赵磊", date(2022, 1, 10), org_id=2)
    return ledger


# --- a new entry ------------------------------------------------------------------------------


def test_add_records_the_entry_in_fen_and_audits_it(files: Target) -> None:
    row = add(
        files, "KN-001", amount="1,234.50元", fund_source="县总工会", handler="刘芳", note="春节"
    )
    assert (row.file_no, row.head_name, row.org) == ("KN-001", "李明", ORG1)
    assert (row.aid_date, row.kind, row.amount_fen) == (date(2024, 1, 15), "warmth", 123450)
    assert (row.fund_source, row.handler, row.note) == ("县总工会", "刘芳", "春节")
    assert row.reverses_id is None and row.reversed_by is None
    (entry,) = audit_entries(files, "aid.add")
    assert (entry["entity"], entry["entity_id"], entry["operator"]) == ("aid", row.aid_id, "tester")
    after = json.loads(entry["after"] or "{}")
    assert after["amount_fen"] == 123450
    assert after["file_no"] == "KN-001"
    assert after["kind"] == "warmth"
    assert after["aid_date"] == "2024-01-15"


@pytest.mark.parametrize(
    ("on", "key"),
    [
        ("2020-04-30", "aid.before_opening"),  # the day before the file was opened
        ("2019-12-31", "aid.before_opening"),
        ("2023-07-01", "aid.after_closing"),  # the day after it was closed
        ("2024-01-15", "aid.after_closing"),
    ],
)
def test_aid_only_to_a_file_open_on_the_date(files: Target, on: str, key: str) -> None:
    ref = "KN-001" if key == "aid.before_opening" else "KN-002"
    with pytest.raises(Conflict) as exc:
        add(files, ref, aid_date=on)
    assert exc.value.key == key
    assert exc.value.exit_code == 4
    assert aid_count(files) == 0


@pytest.mark.parametrize(
    ("ref", "on"),
    [
        ("KN-001", "2020-05-01"),  # the opening day
        ("KN-002", "2021-03-01"),
        ("KN-002", "2023-06-30"),  # the closing day
        ("KN-002", "2022-08-08"),  # in between, though the file is closed today
    ],
)
def test_aid_on_the_edge_days_is_accepted(files: Target, ref: str, on: str) -> None:
    assert add(files, ref, aid_date=on).aid_date == date.fromisoformat(on)


def test_the_date_may_not_be_in_the_future(files: Target) -> None:
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(InvalidValue) as exc:
        add(files, aid_date=tomorrow.isoformat())
    assert (exc.value.field, exc.value.reason, exc.value.exit_code) == ("aid_date", "aid.future", 2)
    assert add(files, aid_date=date.today().isoformat()).aid_date == date.today()


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("-100", "money.negative"),
        ("0", "aid.amount_zero"),
        ("0.00", "aid.amount_zero"),
        ("12.345", "money.decimals"),
        ("一千", "money.format"),
    ],
)
def test_bad_amounts_are_refused(files: Target, amount: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        add(files, amount=amount)
    assert (exc.value.field, exc.value.reason) == ("amount", reason)
    assert aid_count(files) == 0


@pytest.mark.parametrize(
    ("amount", "fen"), [("0.01", 1), ("1000", 100000), ("0.5万元", 500000), ("1,234.5", 123450)]
)
def test_amounts_in_yuan_become_fen(files: Target, amount: str, fen: int) -> None:
    assert add(files, amount=amount).amount_fen == fen


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("大病救助", "medical"),
        ("医疗救助", "medical"),
        ("两节慰问", "warmth"),
        ("送温暖", "warmth"),
        ("生活救助", "living"),
        ("助学", "schooling"),
        ("就业帮扶", "employment"),
        ("其他", "other"),
        ("MEDICAL", "medical"),
        ("warmth", "warmth"),
    ],
)
def test_kind_labels_codes_and_legacy_aliases(files: Target, kind: str, code: str) -> None:
    assert add(files, aid_kind=kind).kind == code


def test_unknown_kind_is_refused_with_every_other_bad_value(files: Target) -> None:
    with pytest.raises(InvalidValues) as exc:
        add(files, aid_kind="慰问金", amount="-5", aid_date="2024-13-01")
    assert {e.field for e in exc.value.errors} == {"aid_kind", "amount", "aid_date"}
    assert aid_count(files) == 0


def test_missing_fields_are_named(files: Target) -> None:
    with pytest.raises(MissingFields) as exc:
        add(files, aid_kind="", amount=None)
    assert exc.value.fields == ["aid_kind", "amount"]


# --- double entries ---------------------------------------------------------------------------


def test_an_identical_entry_is_a_double_entry(files: Target) -> None:
    first = add(files)
    with pytest.raises(Conflict) as exc:
        add(files, aid_kind="两节慰问", amount="1,000.00")  # the same, written differently
    assert exc.value.key == "aid.double_entry"
    assert exc.value.params["id"] == first.aid_id
    assert f"#{first.aid_id}" in exc.value.message()
    assert aid_count(files) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "1000.01"},
        {"aid_kind": "生活救助"},
        {"aid_date": "2024-01-16"},
    ],
)
def test_an_entry_differing_in_one_key_is_not_a_double(
    files: Target, change: dict[str, str]
) -> None:
    add(files)
    add(files, **change)
    add(files, "KN-003")  # another file, the same kind, date and amount
    assert aid_count(files) == 3


def test_fund_source_handler_and_note_do_not_make_an_entry_different(files: Target) -> None:
    add(files, fund_source="县总工会")
    with pytest.raises(Conflict):
        add(files, fund_source="省总工会", handler="刘芳", note="补发")


def test_after_a_reversal_the_entry_may_be_recorded_again(files: Target) -> None:
    first = add(files)
    reverse(files, first.aid_id)
    again = add(files)
    assert again.aid_id != first.aid_id
    with pytest.raises(Conflict) as exc:
        add(files)
    assert exc.value.params["id"] == again.aid_id


def test_find_double_entry_ignores_reversed_entries(files: Target) -> None:
    first = add(files)
    with UnitOfWork(files) as uow:
        s = uow.session
        assert service.find_double_entry(s, first.file_id, "warmth", date(2024, 1, 15), 100000) == (
            first.aid_id
        )
        assert (
            service.find_double_entry(s, first.file_id, "warmth", date(2024, 1, 15), 100001) is None
        )
    reverse(files, first.aid_id)
    with UnitOfWork(files) as uow:
        conn = uow.session.connection()  # the import engine works on a connection
        assert (
            service.find_double_entry(conn, first.file_id, "warmth", date(2024, 1, 15), 100000)
            is None
        )


# --- reversals --------------------------------------------------------------------------------


def test_reverse_adds_a_negative_entry_and_keeps_the_original(files: Target) -> None:
    first = add(files, fund_source="县总工会", handler="刘芳")
    rev = reverse(files, f"#{first.aid_id}", "金额录错", "2024-02-01")
    assert rev.aid_id != first.aid_id
    assert (rev.file_id, rev.kind, rev.amount_fen) == (first.file_id, "warmth", -100000)
    assert (rev.aid_date, rev.reverses_id, rev.note) == (date(2024, 2, 1), first.aid_id, "金额录错")
    assert rev.fund_source == "县总工会"
    rows = {r.aid_id: r for r in listing(files).rows}
    assert rows[first.aid_id].amount_fen == 100000  # never edited
    assert rows[first.aid_id].reversed_by == rev.aid_id
    (entry,) = audit_entries(files, "aid.reverse")
    assert (entry["entity_id"], entry["reason"]) == (rev.aid_id, "金额录错")
    assert json.loads(entry["after"] or "{}")["reverses_id"] == first.aid_id
    assert json.loads(entry["before"] or "{}")["id"] == first.aid_id


def test_reverse_defaults_to_today(files: Target) -> None:
    first = add(files)
    assert reverse(files, first.aid_id).aid_date == date.today()


def test_reversing_twice_is_refused(files: Target) -> None:
    first = add(files)
    rev = reverse(files, first.aid_id)
    with pytest.raises(Conflict) as exc:
        reverse(files, first.aid_id)
    assert exc.value.key == "aid.already_reversed"
    assert exc.value.params["by"] == rev.aid_id
    assert aid_count(files) == 2


def test_the_unique_reverses_id_backs_the_rule(files: Target) -> None:
    first = add(files)
    reverse(files, first.aid_id)
    from sqlalchemy.exc import IntegrityError

    with UnitOfWork(files) as uow, pytest.raises(IntegrityError):
        uow.session.add(
            Aid(
                file_id=first.file_id,
                aid_date=date(2024, 1, 20),
                kind="warmth",
                amount_fen=-100000,
                reverses_id=first.aid_id,
            )
        )
        uow.session.flush()


def test_reversing_a_reversal_is_refused(files: Target) -> None:
    first = add(files)
    rev = reverse(files, first.aid_id)
    with pytest.raises(Conflict) as exc:
        reverse(files, rev.aid_id)
    assert exc.value.key == "aid.is_reversal"
    assert exc.value.params["of"] == first.aid_id


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_a_reversal_needs_a_reason(files: Target, reason: str | None) -> None:
    first = add(files)
    with pytest.raises(UsageError) as exc:
        reverse(files, first.aid_id, reason)
    assert exc.value.key == "aid.reason_required"
    assert aid_count(files) == 1


def test_a_reversal_is_not_dated_before_the_entry_or_in_the_future(files: Target) -> None:
    first = add(files)
    with pytest.raises(InvalidValue) as exc:
        reverse(files, first.aid_id, on="2024-01-14")
    assert exc.value.reason == "aid.reverse_before"
    with pytest.raises(InvalidValue) as exc:
        reverse(files, first.aid_id, on=(date.today() + timedelta(days=1)).isoformat())
    assert exc.value.reason == "aid.future"
    assert reverse(files, first.aid_id, on="2024-01-15").aid_date == date(2024, 1, 15)


@pytest.mark.parametrize("entry", ["99", "#99", "abc"])
def test_reversing_an_unknown_entry_is_not_found(files: Target, entry: str) -> None:
    with pytest.raises(NotFound):
        reverse(files, entry)


# --- totals and filters -----------------------------------------------------------------------


def test_a_household_aided_twice_is_one_household_two_person_times(files: Target) -> None:
    add(files, "KN-001", aid_date="2024-01-15", amount="1000")
    add(files, "KN-001", aid_date="2024-06-01", aid_kind="医疗救助", amount="3000")
    add(files, "KN-003", aid_date="2024-01-15", amount="500")
    page = listing(files)
    assert page.total == 3
    assert page.totals == AidTotals(entries=3, households=2, amount_fen=450000)
    assert listing(files, file="KN-001").totals == AidTotals(2, 1, 400000)


def test_a_reversed_entry_and_its_reversal_cancel_out_in_the_totals(files: Target) -> None:
    add(files, "KN-001", aid_date="2024-01-15", amount="1000")
    wrong = add(files, "KN-001", aid_date="2024-03-01", amount="2000")
    only = add(files, "KN-003", aid_date="2024-03-01", amount="500")
    reverse(files, wrong.aid_id, on="2024-03-02")
    reverse(files, only.aid_id, on="2024-03-02")
    page = listing(files)
    assert page.total == 5  # every row is shown
    # the pair counts nowhere: 赵磊's household was in the end not aided at all
    assert page.totals == AidTotals(entries=1, households=1, amount_fen=100000)
    assert sum(r.amount_fen for r in page.rows) == page.totals.amount_fen


def test_a_reversal_in_a_later_year_takes_the_entry_out_of_its_year(files: Target) -> None:
    wrong = add(files, "KN-001", aid_date="2023-12-20", amount="800")
    add(files, "KN-001", aid_date="2023-12-21", amount="900")
    reverse(files, wrong.aid_id, on="2024-01-05")
    y2023 = listing(files, year="2023")
    assert y2023.total == 2
    assert y2023.totals == AidTotals(entries=1, households=1, amount_fen=90000)
    y2024 = listing(files, year=2024)
    assert y2024.total == 1
    assert y2024.totals == AidTotals(entries=0, households=0, amount_fen=0)
    assert totals_by_year(files, wrong.file_id) == [(2023, 1, 90000)]


def test_totals_by_year(files: Target) -> None:
    add(files, "KN-001", aid_date="2022-01-10", amount="500")
    add(files, "KN-001", aid_date="2024-01-15", amount="1000")
    add(files, "KN-001", aid_date="2024-05-15", aid_kind="助学", amount="2000")
    add(files, "KN-003", aid_date="2024-05-15", amount="700")
    with UnitOfWork(files) as uow:
        fid = service.find_file(uow.session, "KN-001").id
        empty = service.find_file(uow.session, "KN-002").id
    assert totals_by_year(files, fid) == [(2022, 1, 50000), (2024, 2, 300000)]
    assert totals_by_year(files, empty) == []


@pytest.fixture
def aided(files: Target) -> Target:
    add(files, "KN-001", aid_date="2023-01-15", amount="1000", fund_source="县总工会")
    add(files, "KN-001", aid_date="2024-01-15", amount="1000", fund_source="县总工会")
    add(
        files,
        "KN-001",
        aid_date="2024-06-01",
        aid_kind="大病救助",
        amount="5000",
        fund_source="省总工会专项",
    )
    add(files, "KN-002", aid_date="2023-01-15", amount="800", fund_source="县总工会")
    add(files, "KN-003", aid_date="2024-01-15", amount="600", fund_source="慈善总会")
    return files


@pytest.mark.parametrize(
    ("flt", "total", "totals"),
    [
        ({}, 5, (5, 3, 840000)),
        ({"file": "KN-001"}, 3, (3, 1, 700000)),
        ({"file": LI_MING}, 3, (3, 1, 700000)),  # the head's ID number
        ({"kind": "两节慰问"}, 4, (4, 3, 340000)),
        ({"kind": "medical"}, 1, (1, 1, 500000)),
        ({"year": "2023"}, 2, (2, 2, 180000)),
        ({"year": "2024年", "kind": "送温暖"}, 2, (2, 2, 160000)),
        ({"fund_source": "县总"}, 3, (3, 2, 280000)),
        ({"fund_source": "省总工会专项"}, 1, (1, 1, 500000)),
        ({"org": "2"}, 1, (1, 1, 60000)),
        ({"org": ORG1, "year": 2024}, 2, (2, 1, 600000)),
        ({"since": "2024-01-15", "until": "2024年1月31日"}, 2, (2, 2, 160000)),
        ({"since": "2024-01-16"}, 1, (1, 1, 500000)),
        ({"until": date(2023, 12, 31)}, 2, (2, 2, 180000)),
    ],
)
def test_filters(
    aided: Target, flt: dict[str, Any], total: int, totals: tuple[int, int, int]
) -> None:
    page = listing(aided, **flt)
    assert page.total == total == len(page.rows)
    assert page.totals == AidTotals(*totals)


def test_the_limit_shows_fewer_rows_but_totals_all(aided: Target) -> None:
    page = listing(aided, limit=2)
    assert len(page.rows) == 2
    assert page.total == 5
    assert page.totals.entries == 5
    # newest first
    assert [r.aid_date for r in page.rows] == [date(2024, 6, 1), date(2024, 1, 15)]


@pytest.mark.parametrize(
    ("flt", "error"),
    [
        ({"kind": "慰问金"}, InvalidValue),
        ({"year": "24"}, InvalidValue),
        ({"file": "KN-404"}, NotFound),
        ({"org": "99"}, NotFound),
        ({"since": "2024-13-01"}, InvalidValue),
    ],
)
def test_bad_filters(aided: Target, flt: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        listing(aided, **flt)


# --- finding the file -------------------------------------------------------------------------


def test_a_file_by_number_id_or_head(files: Target) -> None:
    with UnitOfWork(files) as uow:
        s = uow.session
        assert service.find_file(s, "KN-001").head_name == "李明"
        assert service.find_file(s, "kn-001").file_no == "KN-001"
        assert service.find_file(s, "#3").file_no == "KN-003"
        assert service.find_file(s, "3").file_no == "KN-003"
        assert service.find_file(s, ZHAO_LEI).file_no == "KN-003"
        assert service.find_file(s, WANG_FANG).file_no == "KN-002"  # closed, the latest
        with pytest.raises(NotFound) as exc:
            service.find_file(s, "#9")
        with pytest.raises(NotFound) as exc:
            service.find_file(s, NOBODY)
        assert NOBODY not in exc.value.message()
        bad = LI_MING[:-1] + ("0" if LI_MING[-1] != "0" else "1")
        with pytest.raises(InvalidValue) as bad_exc:
            service.find_file(s, bad)
        assert bad not in bad_exc.value.message()  # masked


def test_by_head_the_file_open_on_the_aid_date_is_chosen(files: Target) -> None:
    # 王芳's household fell back into hardship: a new file, the old one stays
    make_file(files, "KN-004", WANG_FANG, "王芳", date(2024, 2, 1))
    old = add(files, WANG_FANG, aid_date="2022-05-05")
    new = add(files, WANG_FANG, aid_date="2024-02-01")
    assert (old.file_no, new.file_no) == ("KN-002", "KN-004")
    with pytest.raises(Conflict) as exc:
        add(files, WANG_FANG, aid_date="2023-12-01")  # between the two files
    assert exc.value.key == "aid.no_file_open_for_head"
    assert WANG_FANG not in exc.value.message()
    with UnitOfWork(files) as uow:
        assert service.find_file(uow.session, WANG_FANG).file_no == "KN-004"  # the open one


def test_file_open_on(files: Target) -> None:
    with UnitOfWork(files) as uow:
        s = uow.session
        fid = service.find_file(s, "KN-002").id
        assert not service.file_open_on(s, fid, date(2021, 2, 28))
        assert service.file_open_on(s, fid, date(2021, 3, 1))
        assert service.file_open_on(uow.session.connection(), fid, date(2023, 6, 30))
        assert not service.file_open_on(s, fid, date(2023, 7, 1))
        assert not service.file_open_on(s, 999, date(2023, 7, 1))


# --- the import's parser and resolver ---------------------------------------------------------


def test_parse_aid_fields() -> None:
    parsed = service.parse_aid_fields(
        {
            "file_no": " KN-001 ",
            "id_number": LI_MING.lower(),
            "aid_date": "2024年1月15日",
            "aid_kind": "两节慰问",
            "amount": "1,000.50元",
            "fund_source": "县总工会",
            "handler": "",
            "note": None,
        }
    )
    assert parsed == {
        "file_no": "KN-001",
        "id_number": LI_MING,
        "aid_date": date(2024, 1, 15),
        "aid_kind": "warmth",
        "amount_fen": 100050,
        "fund_source": "县总工会",
        "handler": None,
        "note": None,
    }


def test_parse_aid_fields_needs_a_file_or_an_id_number() -> None:
    with pytest.raises(MissingFields) as exc:
        service.parse_aid_fields({"aid_date": "2024-01-15", "aid_kind": "助学", "amount": ""})
    assert exc.value.fields == ["file_or_id", "amount"]


def test_parse_aid_fields_names_every_bad_value_and_masks_the_id() -> None:
    bad_id = LI_MING[:-1] + ("0" if LI_MING[-1] != "0" else "1")
    with pytest.raises(InvalidValues) as exc:
        service.parse_aid_fields(
            {"id_number": bad_id, "aid_date": "2099-01-01", "aid_kind": "x", "amount": "1.001"}
        )
    assert [e.field for e in exc.value.errors] == ["id_number", "aid_date", "aid_kind", "amount"]
    assert bad_id not in exc.value.message()


def test_resolve_file_and_check_new_aid(files: Target) -> None:
    add(files, "KN-001")
    with UnitOfWork(files) as uow:
        conn = uow.session.connection()
        on = date(2024, 1, 15)
        assert service.resolve_file(conn, None, ZHAO_LEI, on).file_no == "KN-003"
        assert service.resolve_file(conn, "KN-001", LI_MING, on).file_no == "KN-001"
        with pytest.raises(Conflict) as exc:
            service.resolve_file(conn, "KN-001", ZHAO_LEI, on)
        assert exc.value.key == "aid.head_mismatch"
        with pytest.raises(Conflict) as exc:
            service.resolve_file(conn, "KN-002", None, on)
        assert exc.value.key == "aid.after_closing"
        file = service.resolve_file(conn, "KN-001", None, on)
        with pytest.raises(Conflict) as exc:
            service.check_new_aid(conn, file, "warmth", on, 100000)
        assert exc.value.key == "aid.double_entry"
        service.check_new_aid(conn, file, "living", on, 100000)


# --- the commands -----------------------------------------------------------------------------


def ok(run: Any) -> str:
    assert run.exit_code == 0, run.stderr
    return run.stdout


@pytest.fixture
def clerk(files: Target, cli: Any) -> Any:
    return cli


def test_cli_add_and_list(clerk: Any) -> None:
    out = ok(
        clerk(
            "aid",
            "add",
            "KN-001",
            "--date",
            "2024-01-15",
            "--kind",
            "两节慰问",
            "--amount",
            "1000",
            "--fund-source",
            "县总工会",
            "--handler",
            "刘芳",
        )
    )
    assert (
        out.strip() == "已登记帮扶记录 #1：档案 KN-001（户主 李明），2024-01-15 送温暖 1,000.00 元"
    )
    ok(
        clerk(
            "aid",
            "add",
            "KN-001",
            "--date",
            "2024-06-01",
            "--kind",
            "大病救助",
            "--amount",
            "0.3万元",
        )
    )
    ok(clerk("aid", "add", ZHAO_LEI, "--date", "2024-01-15", "--kind", "warmth", "--amount", "500"))
    out = ok(clerk("aid", "list"))
    lines = out.splitlines()
    assert lines[-2] == "合计 2 户、3 人次、4,500.00 元"
    assert lines[-1] == "显示 3 条，共 3 条"
    assert "医疗救助" in out and "3,000.00" in out and ORG2 in out
    for number in (LI_MING, ZHAO_LEI):
        assert number not in out and number[-4:] not in out
    assert ok(clerk("aid")) == out  # a bare noun lists
    limited = ok(clerk("aid", "list", "--limit", "1")).splitlines()
    assert limited[-2:] == ["合计 2 户、3 人次、4,500.00 元", "显示 1 条，共 3 条"]


def test_cli_reverse_marks_both_rows_and_cancels_in_the_footer(clerk: Any) -> None:
    ok(
        clerk(
            "aid", "add", "KN-001", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "1000"
        )
    )
    ok(
        clerk(
            "aid", "add", "KN-001", "--date", "2024-01-16", "--kind", "送温暖", "--amount", "10000"
        )
    )
    out = ok(clerk("aid", "reverse", "2", "--reason", "金额多打一个零", "--date", "2024-01-17"))
    assert out.strip() == (
        "已冲正帮扶记录 #2：冲正记录 #3，档案 KN-001，2024-01-17 -10,000.00 元，原因：金额多打一个零"
    )
    out = ok(clerk("aid", "list", "--file", "KN-001"))
    assert "已冲正→#3" in out and "冲正#2" in out
    assert out.splitlines()[-2] == (
        "合计 1 户、1 人次、1,000.00 元（已冲正的记录与冲正记录相互抵消，不计入合计）"
    )
    data = json.loads(ok(clerk("aid", "list", "--format", "json")))
    assert [(d["aid_id"], d["amount_fen"], d["reverses_id"], d["reversed_by"]) for d in data] == [
        (3, -1000000, 2, None),
        (2, 1000000, None, 3),
        (1, 100000, None, None),
    ]
    assert data[0]["kind"] == "warmth" and data[0]["note"] == "金额多打一个零"
    (entry,) = [e for e in audit_entries_cli(clerk) if e["action"] == "aid.reverse"]
    assert entry["reason"] == "金额多打一个零"


def audit_entries_cli(cli: Any) -> list[dict[str, Any]]:
    return json.loads(ok(cli("audit", "list", "--format", "json")))


def test_cli_csv_has_chinese_headers_and_yuan(clerk: Any) -> None:
    ok(
        clerk(
            "aid", "add", "KN-001", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "1234.5"
        )
    )
    found = list(csv.reader(io.StringIO(ok(clerk("aid", "list", "--format", "csv")))))
    assert found[0] == [
        "#",
        "帮扶日期",
        "档案编号",
        "户主",
        "所属工会",
        "帮扶类型",
        "金额",
        "资金来源",
        "经办人",
        "备注",
        "冲正",
    ]
    assert found[1][:7] == ["1", "2024-01-15", "KN-001", "李明", ORG1, "送温暖", "1,234.50"]
    assert len(found) == 2


def test_cli_table_fits_100_columns_with_long_values(clerk: Any, files: Target) -> None:
    from rich.cells import cell_len

    make_file(files, "HRB-2024-000123", NOBODY, "欧阳明华", date(2022, 1, 10), org_id=2)
    base = ["aid", "add", "HRB-2024-000123", "--kind", "就业帮扶", "--amount", "123456.78"]
    extra = ["--fund-source", "省总工会专项资金", "--handler", "诸葛亮亮"]
    ok(clerk(*base, "--date", "2024-01-15", *extra, "--note", "春节慰问加发"))
    ok(clerk(*base, "--date", "2024-01-16", *extra))
    ok(clerk("aid", "reverse", "2", "--reason", "重复录入", "--date", "2024-01-17"))
    for args in (["aid", "list"], ["aid", "list", "--file", "HRB-2024-000123"]):
        out = ok(clerk(*args))
        assert max(cell_len(line) for line in out.splitlines()) <= 100
        # nothing that matters is cut: amounts, marks, the file number
        assert out.count("123,456.78") == 4  # three rows and the footer
        assert "-123,456.78" in out
        assert "[冲正#2]" in out and "[已冲正→#3]" in out
    one = ok(clerk("aid", "list", "--file", "HRB-2024-000123"))
    assert one.splitlines()[0].strip() == f"档案 HRB-2024-000123  户主 欧阳明华  {ORG2}"
    assert "诸葛亮亮" in one
    assert "HRB-2024-000123" in ok(clerk("aid", "list"))


def test_cli_list_in_english(clerk: Any) -> None:
    ok(clerk("aid", "add", "KN-001", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "10"))
    out = ok(clerk("--lang", "en", "aid", "list"))
    assert out.splitlines()[-2:] == [
        "total 1 households, 1 person-times, 10.00 yuan",
        "showing 1 of 1",
    ]
    assert "winter warmth" in out


def test_cli_empty_list(clerk: Any) -> None:
    assert ok(clerk("aid", "list", "--year", "2001")).strip() == "没有符合条件的帮扶记录"


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (
            ["KN-002", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "100"],
            4,
            "错误：档案 KN-002 已于 2023-06-30 退档，2024-01-15 不在档；帮扶只能记入当日在档的档案",
        ),
        (
            ["KN-001", "--date", "2020-04-30", "--kind", "送温暖", "--amount", "100"],
            4,
            "错误：档案 KN-001 于 2020-05-01 建档，2020-04-30 尚未建档；帮扶只能记入当日在档的档案",
        ),
        (
            ["KN-001", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "-100"],
            2,
            "错误：金额“-100”无效：金额不能为负；退回或冲减请另行登记",
        ),
        (
            ["KN-001", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "0"],
            2,
            "错误：金额“0”无效：金额须大于 0",
        ),
        (
            ["KN-001", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "10.005"],
            2,
            "错误：金额“10.005”无效：小数位超过了分（元后最多两位小数）；请核对金额",
        ),
        (
            ["KN-404", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "100"],
            3,
            "错误：找不到帮扶档案“KN-404”",
        ),
        (
            ["KN-001", "--kind", "送温暖"],
            2,
            "错误：缺少必填项：帮扶日期、金额",
        ),
    ],
)
def test_cli_add_errors_are_one_line(clerk: Any, args: list[str], code: int, expected: str) -> None:
    run = clerk("aid", "add", *args)
    assert run.exit_code == code
    assert run.stderr == expected + "\n"
    assert run.stdout == ""


def test_cli_double_entry_is_exit_4_naming_the_entry(clerk: Any) -> None:
    args = ["aid", "add", "KN-001", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "1000"]
    ok(clerk(*args))
    run = clerk(*args)
    assert run.exit_code == 4
    assert run.stderr.count("\n") == 1
    assert "#1" in run.stderr and "aid reverse 1" in run.stderr


def test_cli_future_date_in_english(clerk: Any) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    run = clerk(
        "--lang",
        "en",
        "aid",
        "add",
        "KN-001",
        "--date",
        tomorrow,
        "--kind",
        "living",
        "--amount",
        "5",
    )
    assert run.exit_code == 2
    assert run.stderr == f"error: aid date “{tomorrow}” is invalid: the date is after today\n"


def test_cli_unknown_head_is_masked(clerk: Any) -> None:
    run = clerk("aid", "add", NOBODY, "--date", "2024-01-15", "--kind", "送温暖", "--amount", "100")
    assert run.exit_code == 3
    assert NOBODY not in run.stderr
    assert run.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "code", "key_text"),
    [
        (["1"], 2, "冲正须写明原因"),
        (["9", "--reason", "x"], 3, "找不到帮扶记录 #9"),
        (["1", "--reason", "x", "--date", "2024-01-14"], 2, "早于被冲正记录的日期 2024-01-15"),
    ],
)
def test_cli_reverse_errors(clerk: Any, args: list[str], code: int, key_text: str) -> None:
    ok(
        clerk(
            "aid", "add", "KN-001", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "1000"
        )
    )
    run = clerk("aid", "reverse", *args)
    assert run.exit_code == code
    assert key_text in run.stderr
    assert run.stderr.count("\n") == 1


def test_cli_reverse_twice_and_reverse_a_reversal_are_exit_4(clerk: Any) -> None:
    ok(
        clerk(
            "aid", "add", "KN-001", "--date", "2024-01-15", "--kind", "送温暖", "--amount", "1000"
        )
    )
    ok(clerk("aid", "reverse", "1", "--reason", "录错"))
    run = clerk("aid", "reverse", "1", "--reason", "再冲")
    assert (run.exit_code, run.stderr.count("\n")) == (4, 1)
    assert "已冲正" in run.stderr and "#2" in run.stderr
    run = clerk("aid", "reverse", "#2", "--reason", "再冲")
    assert (run.exit_code, run.stderr.count("\n")) == (4, 1)
    assert "本身是对 #1 的冲正" in run.stderr


def test_cli_bad_list_filters(clerk: Any) -> None:
    run = clerk("aid", "list", "--kind", "慰问金")
    assert run.exit_code == 2 and run.stderr.startswith("错误：帮扶类型“慰问金”无效")
    run = clerk("aid", "list", "--union", "99")
    assert run.exit_code == 3


# --- speed ------------------------------------------------------------------------------------


def test_one_files_list_never_scans_the_aid_table(aided: Target) -> None:
    """Every statement of ``aid list --file`` reaches aid rows through an index (the database's
    own plan), so that one file answers at once on 500,000 entries."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    with UnitOfWork(aided) as uow:
        engine = uow.engine
        event.listen(engine, "before_cursor_execute", capture)
        try:
            with reading(uow.session.connection()) as r:
                page = views.list_aid(r, AidFilter(file="KN-001"), limit=50)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        assert page.total == 3
        conn = uow.session.connection()
        if aided.is_sqlite:
            explain, scan = "EXPLAIN QUERY PLAN ", "SCAN aid"
        else:
            # on a few rows PostgreSQL would read the whole table anyway, being cheaper; priced
            # out, a sequential scan is left only where no index can serve the statement
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain, scan = "EXPLAIN ", "Seq Scan on aid"
        plans = []
        for statement, params in seen:
            if " aid" not in statement:
                continue
            raw = conn.exec_driver_sql(explain + statement, params)
            plans.append(" | ".join(str(r[-1]) for r in raw))
    assert len(plans) >= 2  # the totals and the rows
    for plan in plans:
        assert "ix_aid_file_id_aid_date" in plan, plan
        assert scan not in plan, plan


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.postgres
def test_aid_rules_and_totals_on_postgres(pg_target: Target) -> None:
    from unioncli.db import migrate

    migrate.upgrade(pg_target)
    with UnitOfWork(pg_target) as uow:
        add_org(uow, {"org_name": ORG1, "founded": "2010-05-01"})
        uow.commit()
    make_file(pg_target, "KN-001", LI_MING, "李明", date(2020, 5, 1))
    make_file(pg_target, "KN-002", WANG_FANG, "王芳", date(2021, 3, 1), date(2023, 6, 30))
    add(pg_target, "KN-001", aid_date="2022-01-10", amount="500", fund_source="县总_工会%")
    wrong = add(pg_target, "KN-001", aid_date="2024-01-15", amount="1000")
    add(pg_target, WANG_FANG, aid_date="2023-06-30", aid_kind="大病救助", amount="300")
    with pytest.raises(Conflict):
        add(pg_target, "KN-001", aid_date="2024-01-15", amount="1000")
    with pytest.raises(Conflict):
        add(pg_target, "KN-002", aid_date="2023-07-01")
    reverse(pg_target, wrong.aid_id, on="2024-01-20")
    with pytest.raises(Conflict):
        reverse(pg_target, wrong.aid_id)
    assert listing(pg_target).totals == AidTotals(2, 2, 80000)
    assert listing(pg_target, year=2024).totals == AidTotals(0, 0, 0)
    assert listing(pg_target, fund_source="_工会%").total == 1  # wildcards are text
    assert listing(pg_target, fund_source="县总x").total == 0
    assert totals_by_year(pg_target, wrong.file_id) == [(2022, 1, 50000)]
    with UnitOfWork(pg_target) as uow:
        assert service.file_open_on(uow.session.connection(), wrong.file_id, date(2020, 5, 1))
