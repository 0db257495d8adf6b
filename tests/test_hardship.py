"""Hardship files: the one-open-file rule, reviews, visits, closing and reopening, the due list on
its edge dates, the 低保 line check, public notices, masking, audit, and ``member show``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from unioncli.config import Target
from unioncli.db.read import reading
from unioncli.db.uow import UnitOfWork
from unioncli.errors import (
    Conflict,
    ExitCode,
    InvalidValue,
    InvalidValues,
    MissingFields,
    NotFound,
    UsageError,
)
from unioncli.ids import make_id_number
from unioncli.models import Aid, AuditEntry, HardshipFile, HardshipVisit, Person
from unioncli.pinyin import name_keys
from unioncli.services import members
from unioncli.services.hardship import fields as file_fields
from unioncli.services.hardship import files, household, lifecycle, low_income
from unioncli.services.orgs import add_org
from unioncli.views.hardship import due as due_view
from unioncli.views.hardship import files as views

ORG1 = "城关镇第一小学工会"
ORG2 = "河西镇人民医院工会"
HEAD = make_id_number("230125", date(1980, 3, 4), 1, "male")
WIFE = make_id_number("230125", date(1982, 5, 6), 2, "female")
SON = make_id_number("230125", date(2008, 9, 1), 3, "male")
HEAD2 = make_id_number("230125", date(1975, 7, 7), 4, "male")
HEAD3 = make_id_number("410122", date(1970, 1, 2), 5, "female")
PHONE = "13912345678"
ILLNESS = "尿毒症透析"
ADDRESS = "城关镇幸福路18号"


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def orgs(ledger: Target) -> Target:
    with UnitOfWork(ledger) as uow:
        add_org(uow, {"org_name": ORG1, "founded": "2010-05-01", "township": "城关镇"})
        add_org(uow, {"org_name": ORG2, "founded": "2012-03-01", "township": "河西镇"})
        uow.commit()
    return ledger


def open_(target: Target, **raw: Any) -> views.FileView:
    data: dict[str, Any] = {
        "name": "张伟",
        "id_number": HEAD,
        "org": "1",
        "category": "深度困难",
        "cause": "患重特大疾病",
        "household_size": "3",
        "income_per_capita": "500",
        "opened": "2024-03-05",
    } | raw
    with UnitOfWork(target) as uow:
        view = lifecycle.open_file(uow, data)
        uow.commit()
    return view


def call(target: Target, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with UnitOfWork(target) as uow:
        result = fn(uow, *args, **kwargs)
        uow.commit()
    return result


def show(target: Target, ref: str) -> views.FileView:
    with reading(target) as r:
        return views.show_file(r, ref)


def set_line(target: Target, year: int, yuan: str) -> None:
    call(target, low_income.set_low_income_line, year, yuan)


def add_aid(target: Target, file_id: int, on: str, kind: str, fen: int, **extra: Any) -> int:
    with UnitOfWork(target) as uow:
        aid = Aid(
            file_id=file_id, aid_date=date.fromisoformat(on), kind=kind, amount_fen=fen, **extra
        )
        uow.session.add(aid)
        uow.session.flush()
        uow.commit()
        assert aid.id is not None
        return aid.id


def audit(target: Target, action: str) -> list[dict[str, Any]]:
    with UnitOfWork(target) as uow:
        found = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return [
            {
                "entity": e.entity,
                "entity_id": e.entity_id,
                "operator": e.operator,
                "reason": e.reason,
                "before": json.loads(e.before) if e.before else None,
                "after": json.loads(e.after) if e.after else None,
            }
            for e in found
        ]


def ok(run: Any) -> str:
    assert run.exit_code == 0, run.stderr
    return str(run.stdout)


FAMILY_WIFE = f"李娜,{WIFE},妻子,800,健康,城关镇超市"
FAMILY_SON = f"张小明,{SON},儿子,,,县一中"


# --- opening ---------------------------------------------------------------------------------


def test_open_creates_the_head_like_a_member_would(orgs: Target) -> None:
    view = open_(orgs, phone=PHONE, family=[FAMILY_WIFE])
    assert view.file_no == "KN2024-00001"
    assert view.status == "open"
    assert view.org == ORG1
    assert view.category == "deep"
    assert view.income_fen == 50_000
    assert view.opened_on == date(2024, 3, 5)
    with UnitOfWork(orgs) as uow:
        p = uow.session.scalars(select(Person).where(Person.id_number == HEAD)).one()
        wife = uow.session.scalars(select(Person).where(Person.id_number == WIFE)).one()
        assert (p.name, p.id_rev, p.gender, p.birth_date) == (
            "张伟",
            HEAD[::-1],
            "male",
            date(1980, 3, 4),
        )
        assert (p.name_pinyin, p.name_initials) == name_keys("张伟") == ("zhangwei", "zw")
        assert p.phone == PHONE
        assert (wife.gender, wife.birth_date, wife.name_initials) == (
            "female",
            date(1982, 5, 6),
            "ln",
        )
    (m,) = view.family
    assert (m.name, m.relation, m.income_fen, m.health, m.occupation) == (
        "李娜",
        "妻子",
        80_000,
        "健康",
        "城关镇超市",
    )


def test_file_numbers_count_per_year_of_opening(orgs: Target) -> None:
    assert open_(orgs).file_no == "KN2024-00001"
    assert open_(orgs, name="王强", id_number=HEAD2, opened="2024-12-31").file_no == "KN2024-00002"
    assert open_(orgs, name="赵丽", id_number=HEAD3, opened="2023-01-01").file_no == "KN2023-00001"
    with UnitOfWork(orgs) as uow:
        assert files.next_file_no(uow.session, 2024) == "KN2024-00003"
        assert files.next_file_no(uow.session, 2025) == "KN2025-00001"
        # a number in another form (say, imported) does not break the sequence
        uow.session.add(
            HardshipFile(
                file_no="KN2024-旧01",
                head_id=1,
                category="deep",
                cause="other",
                household_size=1,
                opened_on=date(2024, 1, 1),
                status="closed",
                closed_on=date(2024, 2, 1),
                close_reason="recovered",
            )
        )
        uow.session.flush()
        assert files.next_file_no(uow.session, 2024) == "KN2024-00003"


def test_open_reuses_a_member_and_the_name_must_match(orgs: Target) -> None:
    with UnitOfWork(orgs) as uow:
        members.enrol(uow, {"name": "张伟", "id_number": HEAD, "org": "1", "joined": "2015-01-01"})
        uow.commit()
    view = open_(orgs)
    with UnitOfWork(orgs) as uow:
        assert len(list(uow.session.scalars(select(Person)))) == 1
    assert view.person_id == 1
    with pytest.raises(Conflict) as exc:
        open_(orgs, name="张卫", id_number=HEAD, opened="2024-04-01")
    assert exc.value.key == "hardship.name_mismatch"
    assert HEAD not in exc.value.message()


def test_open_default_date_is_today_and_the_future_is_refused(orgs: Target) -> None:
    assert open_(orgs, opened=None).opened_on == date.today()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(InvalidValue) as exc:
        open_(orgs, name="王强", id_number=HEAD2, opened=tomorrow)
    assert exc.value.field == "opened"
    assert exc.value.exit_code == 2


def test_open_names_every_missing_field(orgs: Target) -> None:
    with pytest.raises(MissingFields) as exc:
        open_(orgs, category=None, cause="", household_size=None)
    assert exc.value.fields == ["category", "cause", "household_size"]


def test_open_reports_every_bad_value_at_once_and_writes_nothing(orgs: Target) -> None:
    with pytest.raises(InvalidValues) as exc:
        open_(orgs, category="很困难", household_size="0", income_per_capita="-5", phone="12345")
    fields = {e.field for e in exc.value.errors}
    assert fields == {"category", "household_size", "income_per_capita", "phone"}
    with UnitOfWork(orgs) as uow:
        assert uow.session.scalars(select(Person)).first() is None
        assert uow.session.scalars(select(HardshipFile)).first() is None


@pytest.mark.parametrize(
    ("secondary", "expected"),
    [
        (["下岗失业"], "laid_off"),
        (["下岗失业、子女上学"], "laid_off,schooling"),
        (["laid_off,schooling", "disaster"], "laid_off,schooling,disaster"),
        ("子女上学，下岗失业", "schooling,laid_off"),
    ],
)
def test_secondary_causes_repeated_or_separated(
    orgs: Target, secondary: Any, expected: str
) -> None:
    view = open_(orgs, secondary_causes=secondary)
    assert view.secondary_causes == expected.split(",")


@pytest.mark.parametrize(
    ("secondary", "reason"),
    [
        (["下岗失业", "子女上学", "自然灾害", "其他"], "hardship.too_many_causes"),
        (["下岗失业", "laid_off"], "hardship.duplicate_cause"),
        (["大病"], "hardship.secondary_is_main"),  # the main cause is 患重特大疾病
        (["很多原因"], "enums.invalid"),
    ],
)
def test_secondary_causes_rules(orgs: Target, secondary: list[str], reason: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        open_(orgs, secondary_causes=secondary)
    assert exc.value.field == "secondary_causes"
    assert exc.value.reason == reason


def test_household_size_counts_the_family(orgs: Target) -> None:
    with pytest.raises(InvalidValue) as exc:
        open_(orgs, household_size="2", family=[FAMILY_WIFE, FAMILY_SON])
    assert exc.value.field == "household_size"
    assert exc.value.reason == "hardship.household_too_small"
    assert len(open_(orgs, household_size="3", family=[FAMILY_WIFE, FAMILY_SON]).family) == 2


def test_family_spec_is_checked_and_never_echoes_the_id(orgs: Target) -> None:
    with pytest.raises(InvalidValue) as exc:
        open_(orgs, family=[f"李娜,{WIFE}"])
    assert exc.value.field == "family"
    assert WIFE not in exc.value.message()
    bad = WIFE[:-1] + ("0" if WIFE[-1] != "0" else "1")
    with pytest.raises(InvalidValue) as exc:
        open_(orgs, family=[f"李娜,{bad},妻子"])
    assert exc.value.field == "id_number"
    assert bad not in exc.value.message()


# --- one open file per person ----------------------------------------------------------------


def test_a_head_has_one_open_file(orgs: Target) -> None:
    open_(orgs)
    with pytest.raises(Conflict) as exc:
        open_(orgs, opened="2024-05-01")
    assert exc.value.key == "hardship.in_open_file"
    assert exc.value.params["file_no"] == "KN2024-00001"
    assert exc.value.params["role"] == "户主"
    assert exc.value.exit_code == 4


def test_a_family_member_cannot_head_another_open_file(orgs: Target) -> None:
    open_(orgs, family=[FAMILY_WIFE])
    with pytest.raises(Conflict) as exc:
        open_(orgs, name="李娜", id_number=WIFE)
    assert exc.value.params["file_no"] == "KN2024-00001"
    assert exc.value.params["role"] == "家庭成员"


def test_a_head_cannot_be_family_of_another_open_file(orgs: Target) -> None:
    open_(orgs)
    with pytest.raises(Conflict) as exc:
        open_(orgs, name="王强", id_number=HEAD2, family=[f"张伟,{HEAD},兄弟"])
    assert exc.value.params["role"] == "户主"


def test_a_family_member_cannot_be_in_two_open_files(orgs: Target) -> None:
    open_(orgs, family=[FAMILY_SON])
    with pytest.raises(Conflict) as exc:
        open_(orgs, name="王强", id_number=HEAD2, family=[f"张小明,{SON},外甥"])
    assert exc.value.key == "hardship.in_open_file"
    with pytest.raises(Conflict):
        call(
            orgs, household.add_family_member, "KN2024-00001", f"张小明,{SON},儿子"
        )  # already in it


def test_the_same_person_twice_in_one_household(orgs: Target) -> None:
    with pytest.raises(Conflict) as exc:
        open_(orgs, family=[f"张伟,{HEAD},本人"])
    assert exc.value.key == "hardship.twice_in_file"
    with pytest.raises(Conflict):
        open_(orgs, family=[FAMILY_WIFE, f"李娜,{WIFE},妻子"])


def test_a_closed_file_frees_its_people(orgs: Target) -> None:
    open_(orgs, family=[FAMILY_WIFE])
    call(orgs, lifecycle.close_file, "KN2024-00001", on="2024-06-01", reason="调离")
    view = open_(orgs, name="李娜", id_number=WIFE, opened="2024-07-01")
    assert view.file_no == "KN2024-00002"


def test_the_database_holds_one_open_file_per_head(orgs: Target) -> None:
    view = open_(orgs)
    with UnitOfWork(orgs) as uow, pytest.raises(IntegrityError):
        uow.session.add(
            HardshipFile(
                file_no="KN2024-99999",
                head_id=view.person_id,
                category="deep",
                cause="other",
                household_size=1,
                opened_on=date(2024, 5, 1),
            )
        )
        uow.session.flush()


def test_open_file_of_as_head_and_as_family(orgs: Target) -> None:
    view = open_(orgs, family=[FAMILY_WIFE])
    with UnitOfWork(orgs) as uow:
        s = uow.session
        wife = s.scalars(select(Person).where(Person.id_number == WIFE)).one()
        assert files.open_file_of(s, view.person_id) == view.id
        assert files.open_file_of(s, wife.id) == view.id
        assert files.open_membership(s, wife.id) == (view.id, "KN2024-00001", "family")
        with uow.engine.connect() as conn:  # a plain connection, as an import kind has
            assert files.open_file_of(conn, view.person_id) == view.id
    call(orgs, lifecycle.close_file, "1", on="2024-06-01", reason="脱困")
    with UnitOfWork(orgs) as uow:
        assert files.open_file_of(uow.session, view.person_id) is None


def test_the_conflict_reads_in_english(orgs: Target, cli: Any) -> None:
    open_(orgs)
    r = cli(
        "--lang",
        "en",
        "hardship",
        "open",
        "张伟",
        "--id",
        HEAD,
        "--category",
        "deep",
        "--cause",
        "illness",
        "--size",
        "1",
        "--opened",
        "2024-05-01",
    )
    assert r.exit_code == 4
    assert "is already the head of open file KN2024-00001" in r.stderr
    assert HEAD not in r.stderr


# --- finding a file ----------------------------------------------------------------------------


def test_find_by_number_id_or_id_number(orgs: Target) -> None:
    view = open_(orgs, family=[FAMILY_WIFE])
    for ref in ("KN2024-00001", "kn2024-00001", "#1", "1", HEAD, WIFE):
        assert show(orgs, ref).id == view.id
    with pytest.raises(NotFound) as exc:
        show(orgs, HEAD2)
    assert exc.value.exit_code == 3
    assert HEAD2 not in exc.value.message()
    with pytest.raises(NotFound):
        show(orgs, "KN2099-00001")


def test_unknown_file_is_exit_3(orgs: Target, cli: Any) -> None:
    r = cli("hardship", "show", "KN2030-00001")
    assert r.exit_code == 3
    assert "找不到困难职工档案“KN2030-00001”" in r.stderr


# --- reviews ---------------------------------------------------------------------------------


def test_review_changes_the_category(orgs: Target) -> None:
    open_(orgs)
    view = call(
        orgs,
        lifecycle.review_file,
        "KN2024-00001",
        on="2025-01-15",
        outcome="收入好转，继续在档",
        category="一般困难",
        reviewer="王芳",
    )
    assert view.category == "relative"
    assert [(r.date, r.category, r.reviewer) for r in view.reviews] == [
        (date(2025, 1, 15), "relative", "王芳")
    ]
    (entry,) = audit(orgs, "hardship.review")
    assert entry["before"] == {"category": "deep"}
    assert entry["after"]["category"] == "relative"
    assert entry["after"]["review_date"] == "2025-01-15"
    # without a new category the file keeps its own, and the review records it
    view = call(orgs, lifecycle.review_file, "1", on="2025-12-01", outcome="继续在档")
    assert view.category == "relative"
    assert view.reviews[-1].category == "relative"


@pytest.mark.parametrize(
    ("on", "reason"),
    [
        ("2024-03-04", "hardship.before_opened"),
        ((date.today() + timedelta(days=1)).isoformat(), "hardship.future"),
        ("2025-01-14", "hardship.before_last"),
        ("2025-02-30", "dates.invalid"),
    ],
)
def test_review_dates(orgs: Target, on: str, reason: str) -> None:
    open_(orgs)
    call(orgs, lifecycle.review_file, "1", on="2025-01-15", outcome="继续在档")
    with pytest.raises(InvalidValue) as exc:
        call(orgs, lifecycle.review_file, "1", on=on, outcome="继续在档")
    assert exc.value.reason == reason
    assert exc.value.field == "review_date"
    assert len(show(orgs, "1").reviews) == 1


def test_review_needs_an_outcome(orgs: Target) -> None:
    open_(orgs)
    with pytest.raises(InvalidValue) as exc:
        call(orgs, lifecycle.review_file, "1", on="2025-01-15", outcome="  ")
    assert exc.value.field == "outcome"


def test_a_closed_file_cannot_be_reviewed_visited_closed_or_updated(orgs: Target) -> None:
    open_(orgs)
    call(orgs, lifecycle.close_file, "1", on="2024-12-01", reason="脱困")
    attempts = [
        (lifecycle.review_file, {"on": "2024-12-15", "outcome": "x"}),
        (lifecycle.visit_file, {"on": "2024-12-15"}),
        (lifecycle.close_file, {"on": "2024-12-15", "reason": "退休"}),
    ]
    for fn, kwargs in attempts:
        with pytest.raises(Conflict) as exc:
            call(orgs, fn, "1", **kwargs)
        assert exc.value.key == "hardship.closed_file"
        assert exc.value.exit_code == 4
    with pytest.raises(Conflict):
        call(orgs, lifecycle.update_file, "1", {"health": "好转"})
    with pytest.raises(Conflict):
        call(orgs, household.add_family_member, "1", FAMILY_WIFE)
    view = show(orgs, "1")
    assert (view.reviews, view.visits, view.close_reason) == ([], [], "recovered")


def test_closed_file_commands_exit_4(orgs: Target, cli: Any) -> None:
    open_(orgs)
    ok(cli("hardship", "close", "KN2024-00001", "--date", "2024-12-01", "--reason", "脱困"))
    r = cli("hardship", "review", "KN2024-00001", "--date", "2024-12-15", "--outcome", "x")
    assert r.exit_code == 4
    assert r.stderr == "错误：档案 KN2024-00001 已于 2024-12-01 退档，不能再复核\n"
    r = cli("hardship", "close", "KN2024-00001", "--date", "2024-12-15", "--reason", "退休")
    assert r.exit_code == 4
    assert "不能再退档" in r.stderr


# --- visits and closing ----------------------------------------------------------------------


def test_visit_is_recorded_and_dated(orgs: Target) -> None:
    open_(orgs)
    view = call(orgs, lifecycle.visit_file, "1", on="2024-06-15", visitor="王芳", note="子女已复学")
    assert [(v.date, v.visitor, v.note) for v in view.visits] == [
        (date(2024, 6, 15), "王芳", "子女已复学")
    ]
    with pytest.raises(InvalidValue) as exc:
        call(orgs, lifecycle.visit_file, "1", on="2024-03-01")
    assert exc.value.reason == "hardship.before_opened"
    (entry,) = audit(orgs, "hardship.visit")
    assert entry["after"]["visitor"] == "王芳"


@pytest.mark.parametrize(
    "reason", ["脱困", "recovered", "解困转兜底", "转兜底", "死亡", "ineligible"]
)
def test_close_reasons(orgs: Target, reason: str) -> None:
    open_(orgs)
    view = call(orgs, lifecycle.close_file, "1", on="2024-12-01", reason=reason, note="复核后退档")
    assert view.status == "closed"
    assert view.closed_on == date(2024, 12, 1)
    (entry,) = audit(orgs, "hardship.close")
    assert entry["before"]["status"] == "open"
    assert entry["after"]["close_reason"] == view.close_reason
    assert entry["reason"] == "复核后退档"


def test_close_needs_a_known_reason(orgs: Target) -> None:
    open_(orgs)
    for reason in (None, "搬家了"):
        with pytest.raises(InvalidValue) as exc:
            call(orgs, lifecycle.close_file, "1", on="2024-12-01", reason=reason)
        assert exc.value.field == "close_reason"
    assert show(orgs, "1").status == "open"


@pytest.mark.parametrize(
    ("what", "on"),
    [
        ("opening", "2024-03-04"),
        ("review", "2024-09-30"),
        ("visit", "2024-10-31"),
        ("aid", "2024-11-30"),
    ],
)
def test_close_date_not_before_what_is_on_record(orgs: Target, what: str, on: str) -> None:
    view = open_(orgs)
    call(orgs, lifecycle.review_file, "1", on="2024-10-01", outcome="继续在档")
    call(orgs, lifecycle.visit_file, "1", on="2024-11-01")
    add_aid(orgs, view.id, "2024-12-01", "warmth", 50_000)
    with pytest.raises(InvalidValue) as exc:
        call(orgs, lifecycle.close_file, "1", on=on, reason="脱困")
    assert exc.value.field == "closed"
    assert show(orgs, "1").status == "open"
    assert call(orgs, lifecycle.close_file, "1", on="2024-12-01", reason="脱困").status == "closed"


# --- reopening -------------------------------------------------------------------------------


def test_reopen_refuses_an_open_file(orgs: Target, cli: Any) -> None:
    open_(orgs)
    with pytest.raises(Conflict) as exc:
        call(orgs, lifecycle.reopen_file, "1", {"opened": "2024-06-01"})
    assert exc.value.key == "hardship.still_open"
    r = cli("hardship", "reopen", "KN2024-00001")
    assert r.exit_code == 4


def test_reopen_makes_a_linked_new_file(orgs: Target) -> None:
    old = open_(
        orgs,
        family=[FAMILY_WIFE, FAMILY_SON],
        secondary_causes=["下岗失业"],
        address=ADDRESS,
        phone=PHONE,
        org="2",
    )
    call(orgs, lifecycle.close_file, "1", on="2024-12-01", reason="脱困")
    new = call(
        orgs,
        lifecycle.reopen_file,
        "KN2024-00001",
        {"opened": "2025-04-01", "category": "意外致困", "cause": "遭受意外事故"},
    )
    assert new.file_no == "KN2025-00001"
    assert new.id != old.id
    assert new.status == "open"
    assert new.previous is not None and new.previous.file_no == "KN2024-00001"
    assert (new.person_id, new.org, new.address, new.phone) == (
        old.person_id,
        ORG2,
        ADDRESS,
        PHONE,
    )
    assert (new.category, new.cause, new.secondary_causes) == ("accident", "accident", ["laid_off"])
    assert (new.household_size, new.income_fen) == (old.household_size, old.income_fen)
    assert [(m.name, m.relation) for m in new.family] == [("李娜", "妻子"), ("张小明", "儿子")]
    old_now = show(orgs, "KN2024-00001")
    assert old_now.status == "closed"
    assert old_now.next is not None and old_now.next.file_no == "KN2025-00001"
    assert len(old_now.family) == 2  # the old file keeps its history
    (entry,) = audit(orgs, "hardship.reopen")
    assert entry["after"]["previous_id"] == old.id
    # the chain goes on from the newest file only
    with pytest.raises(Conflict) as exc:
        call(orgs, lifecycle.reopen_file, "KN2024-00001", {})
    assert exc.value.key == "hardship.already_reopened"


def test_reopen_keeps_the_causes_consistent(orgs: Target) -> None:
    open_(orgs, secondary_causes=["下岗失业", "子女上学"])
    call(orgs, lifecycle.close_file, "1", on="2024-12-01", reason="脱困")
    # the old secondary cause that becomes the main one is dropped from the secondary ones
    new = call(orgs, lifecycle.reopen_file, "1", {"opened": "2025-01-02", "cause": "下岗失业"})
    assert (new.cause, new.secondary_causes) == ("laid_off", ["schooling"])


def test_reopen_date_and_people_rules(orgs: Target) -> None:
    open_(orgs, family=[FAMILY_SON])
    call(orgs, lifecycle.close_file, "1", on="2024-12-01", reason="脱困")
    with pytest.raises(InvalidValue) as exc:
        call(orgs, lifecycle.reopen_file, "1", {"opened": "2024-11-30"})
    assert exc.value.reason == "hardship.before_last"
    # the son has since joined another open household
    open_(orgs, name="王强", id_number=HEAD2, opened="2025-01-01", family=[f"张小明,{SON},外甥"])
    with pytest.raises(Conflict) as exc2:
        call(orgs, lifecycle.reopen_file, "1", {"opened": "2025-02-01"})
    assert exc2.value.params["file_no"] == "KN2025-00001"


# --- update ----------------------------------------------------------------------------------


def test_update_is_audited_before_and_after(orgs: Target) -> None:
    open_(orgs, health=ILLNESS)
    view = call(
        orgs,
        lifecycle.update_file,
        "1",
        {"income_per_capita": "650", "health": "好转", "org": ORG2, "secondary_causes": "子女上学"},
    )
    assert (view.income_fen, view.health, view.org, view.secondary_causes) == (
        65_000,
        "好转",
        ORG2,
        ["schooling"],
    )
    (entry,) = audit(orgs, "hardship.update")
    assert entry["before"] == {
        "income_fen": 50_000,
        "health": ILLNESS,
        "org_id": 1,
        "secondary_causes": None,
    }
    assert entry["after"] == {
        "income_fen": 65_000,
        "health": "好转",
        "org_id": 2,
        "secondary_causes": "schooling",
    }
    view = call(orgs, lifecycle.update_file, "1", {"secondary_causes": ["无"]})
    assert view.secondary_causes == []


def test_update_cannot_change_the_category(orgs: Target, cli: Any) -> None:
    open_(orgs)
    with pytest.raises(UsageError) as exc:
        call(orgs, lifecycle.update_file, "1", {"category": "相对困难"})
    assert exc.value.key == "hardship.category_via_review"
    r = cli("hardship", "update", "1", "--category", "相对困难")
    assert r.exit_code == 2
    assert "hardship review" in r.stderr
    assert show(orgs, "1").category == "deep"


def test_update_rules(orgs: Target) -> None:
    open_(orgs, family=[FAMILY_WIFE, FAMILY_SON], secondary_causes=["下岗失业"])
    with pytest.raises(InvalidValue) as exc:
        call(orgs, lifecycle.update_file, "1", {"household_size": "2"})
    assert exc.value.reason == "hardship.household_too_small"
    with pytest.raises(InvalidValue) as exc:
        call(orgs, lifecycle.update_file, "1", {"cause": "下岗失业"})
    assert exc.value.reason == "hardship.secondary_is_main"
    with pytest.raises(UsageError):
        call(orgs, lifecycle.update_file, "1", {})
    assert call(
        orgs, lifecycle.update_file, "1", {"cause": "下岗失业", "secondary_causes": "其他"}
    ).cause == ("laid_off")


# --- family ------------------------------------------------------------------------------------


def test_family_add_and_remove(orgs: Target) -> None:
    open_(orgs, household_size="2")
    view = call(orgs, household.add_family_member, "1", FAMILY_WIFE)
    assert [m.name for m in view.family] == ["李娜"]
    with pytest.raises(Conflict) as exc:
        call(orgs, household.add_family_member, "1", FAMILY_SON)
    assert exc.value.key == "hardship.family_too_many"
    view = call(orgs, household.remove_family_member, "1", WIFE)
    assert view.family == []
    with pytest.raises(NotFound):
        call(orgs, household.remove_family_member, "1", WIFE)
    (added,) = audit(orgs, "hardship.family_add")
    (removed,) = audit(orgs, "hardship.family_remove")
    assert added["after"]["id_number"] == WIFE
    assert removed["before"]["relation"] == "妻子"
    # once removed, the wife is free to head her own file
    assert open_(orgs, name="李娜", id_number=WIFE, opened="2024-05-01").file_no == "KN2024-00002"


def test_family_cli(orgs: Target, cli: Any) -> None:
    open_(orgs)
    out = ok(cli("hardship", "family", "add", "KN2024-00001", FAMILY_WIFE))
    assert "现有家庭成员 1 人" in out
    out = ok(cli("hardship", "family", "remove", "KN2024-00001", WIFE))
    assert "现有家庭成员 0 人" in out


# --- the 低保 line -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "income", "line", "warns"),
    [
        ("deep", "759.99", "760", False),
        ("deep", "760", "760", True),
        ("deep", "1800", None, False),
        ("relative", "1519.99", "760", False),
        ("relative", "1520", "760", True),
        ("relative", "100", "760", False),
        ("relative", "1800", None, False),
        ("accident", "99999", "760", False),
        ("accident", "0", None, False),
    ],
)
def test_income_fits_the_category(
    orgs: Target, category: str, income: str, line: str | None, warns: bool
) -> None:
    if line is not None:
        set_line(orgs, 2024, line)
    set_line(orgs, 2023, "1")  # another year's line is not used
    view = open_(orgs, category=category, income_per_capita=income)
    if warns:
        (text,) = view.warnings
        assert "2024 年" in text and "760.00 元" in text
        assert f"“{'深度困难' if category == 'deep' else '相对困难'}”" in text
    else:
        assert view.warnings == []


def test_the_warning_shows_the_line_it_used(orgs: Target, cli: Any) -> None:
    set_line(orgs, 2024, "760")
    r = cli(
        "hardship",
        "open",
        "张伟",
        "--id",
        HEAD,
        "--category",
        "相对困难",
        "--cause",
        "下岗失业",
        "--size",
        "2",
        "--income",
        "1800",
        "--opened",
        "2024-03-05",
    )
    assert r.exit_code == 0, r.stderr
    assert r.stderr == (
        "家庭月人均收入 1,800.00 元 不低于 2 倍低保线（2024 年低保线 760.00 元，2 倍为 "
        "1,520.00 元）：与“相对困难”不符\n"
    )
    assert "不符" not in r.stdout


def test_review_and_update_warn_by_their_year(orgs: Target) -> None:
    set_line(orgs, 2025, "760")
    set_line(orgs, date.today().year, "500")
    view = open_(orgs, income_per_capita="800")  # 2024: no line, no warning
    assert view.warnings == []
    view = call(orgs, lifecycle.review_file, "1", on="2025-01-10", outcome="继续在档")
    assert len(view.warnings) == 1 and "2025 年" in view.warnings[0]
    view = call(
        orgs, lifecycle.review_file, "1", on="2025-02-10", outcome="调整", category="relative"
    )
    assert view.warnings == []
    view = call(orgs, lifecycle.update_file, "1", {"income_per_capita": "1000"})
    assert len(view.warnings) == 1 and f"{date.today().year} 年" in view.warnings[0]
    assert len(show(orgs, "1").warnings) == 1


def test_settings_set_list_and_audit(orgs: Target, cli: Any) -> None:
    assert "尚未设置低保线" in ok(cli("hardship", "settings"))
    out = ok(cli("hardship", "settings", "--year", "2024", "--low-income-line", "760"))
    assert out == "2024 年低保线：每人每月 760.00 元\n"
    ok(cli("hardship", "settings", "--year", "2024年", "--low-income-line", "780元"))
    data = json.loads(ok(cli("hardship", "settings", "--format", "json")))
    assert [(d["year"], d["amount_fen"], d["double_fen"]) for d in data] == [
        (2024, 78_000, 156_000)
    ]
    first, second = audit(orgs, "hardship.settings")
    assert first["before"] is None and first["after"] == {"year": 2024, "line_fen": 76_000}
    assert second["before"] == {"year": 2024, "line_fen": 76_000}
    assert second["after"] == {"year": 2024, "line_fen": 78_000}
    r = cli("hardship", "settings", "--year", "2024")
    assert r.exit_code == 2
    r = cli("hardship", "settings", "--year", "2024", "--low-income-line", "0")
    assert r.exit_code == 2


# --- the due list ------------------------------------------------------------------------------


def due(target: Target, as_of: str, **kwargs: Any) -> list[tuple[str, str, date]]:
    with reading(target) as r:
        found = due_view.due(r, as_of, **kwargs)
    return [(i.file_no, i.kind, i.due_on) for i in found.items]


def visits_due(target: Target, as_of: str) -> set[str]:
    return {no for no, kind, _ in due(target, as_of) if kind == "visit"}


def reviews_due(target: Target, as_of: str) -> set[str]:
    return {no for no, kind, _ in due(target, as_of) if kind == "review"}


def test_add_months_keeps_month_ends() -> None:
    assert due_view.add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert due_view.add_months(date(2022, 8, 31), 6) == date(2023, 2, 28)
    assert due_view.add_months(date(2024, 2, 29), -6) == date(2023, 8, 29)
    assert due_view.add_months(date(2024, 3, 15), 6) == date(2024, 9, 15)
    assert due_view.add_months(date(2024, 7, 31), 6) == date(2025, 1, 31)
    assert due_view.add_months(date(2024, 12, 1), -12) == date(2023, 12, 1)


def test_visit_cutoff_matches_the_due_date_on_every_day() -> None:
    # "due by as_of" <=> "last visit on or before the cutoff", for every pair over three years
    start = date(2022, 1, 1)
    days = [start + timedelta(days=i) for i in range(3 * 366)]
    for as_of in days[200:]:
        cutoff = due_view.visit_cutoff(as_of)
        for last in (cutoff - timedelta(days=1), cutoff, cutoff + timedelta(days=1)):
            assert (due_view.add_months(last, 6) <= as_of) == (last <= cutoff), (as_of, last)


def test_visit_due_exactly_six_months_after_the_last_visit(orgs: Target) -> None:
    open_(orgs, opened="2024-01-10")
    call(orgs, lifecycle.review_file, "1", on="2024-01-10", outcome="建档复核")
    call(orgs, lifecycle.visit_file, "1", on="2024-03-15")
    assert visits_due(orgs, "2024-09-14") == set()
    assert due(orgs, "2024-09-15") == [("KN2024-00001", "visit", date(2024, 9, 15))]


@pytest.mark.parametrize(
    ("visited", "as_of", "is_due"),
    [
        ("2023-08-31", "2024-02-28", False),
        ("2023-08-31", "2024-02-29", True),  # leap year: 31 August + 6 months = 29 February
        ("2023-08-29", "2024-02-28", False),
        ("2023-08-29", "2024-02-29", True),
        ("2022-08-31", "2023-02-27", False),
        ("2022-08-31", "2023-02-28", True),  # 28 February is the month end
        ("2022-08-28", "2023-02-28", True),
        ("2023-09-01", "2024-02-29", False),
        ("2023-10-31", "2024-04-30", True),
        ("2023-10-31", "2024-04-29", False),
    ],
)
def test_visit_due_at_month_ends(orgs: Target, visited: str, as_of: str, is_due: bool) -> None:
    open_(orgs, opened="2022-06-01")
    call(orgs, lifecycle.visit_file, "1", on=visited)
    assert visits_due(orgs, as_of) == ({"KN2022-00001"} if is_due else set())


def test_never_visited_is_due_six_months_after_opening(orgs: Target) -> None:
    open_(orgs, opened="2023-08-31")
    assert visits_due(orgs, "2024-02-28") == set()
    assert ("KN2023-00001", "visit", date(2024, 2, 29)) in due(orgs, "2024-02-29")


def test_review_due_by_calendar_year(orgs: Target) -> None:
    open_(orgs, opened="2023-05-01")  # reviewed on 1 January of the as-of year
    open_(orgs, name="王强", id_number=HEAD2, opened="2023-05-01")  # reviewed 31 December before
    open_(orgs, name="赵丽", id_number=HEAD3, opened="2024-02-01")  # opened in the as-of year
    call(orgs, lifecycle.review_file, "KN2023-00001", on="2024-01-01", outcome="继续在档")
    call(orgs, lifecycle.review_file, "KN2023-00002", on="2023-12-31", outcome="继续在档")
    assert reviews_due(orgs, "2024-06-30") == {"KN2023-00002"}
    assert ("KN2023-00002", "review", date(2024, 1, 1)) in due(orgs, "2024-06-30")
    # the file opened in 2024 is first due on 1 January 2025, the 2023 review's file too
    assert reviews_due(orgs, "2024-12-31") == {"KN2023-00002"}
    assert reviews_due(orgs, "2025-01-01") == {"KN2023-00001", "KN2023-00002", "KN2024-00001"}


def test_review_due_date_counts_missed_years(orgs: Target) -> None:
    open_(orgs, opened="2021-03-01")
    open_(orgs, name="王强", id_number=HEAD2, opened="2021-03-01")
    call(orgs, lifecycle.review_file, "KN2021-00002", on="2023-03-01", outcome="继续在档")
    found = [(no, d) for no, kind, d in due(orgs, "2024-06-30") if kind == "review"]
    assert found == [("KN2021-00001", date(2022, 1, 1)), ("KN2021-00002", date(2024, 1, 1))]


def test_due_list_is_oldest_first_and_only_files_open_on_the_day(orgs: Target) -> None:
    open_(orgs, opened="2023-01-10")
    open_(orgs, name="王强", id_number=HEAD2, opened="2022-06-01")
    open_(orgs, name="赵丽", id_number=HEAD3, opened="2023-03-01")
    call(orgs, lifecycle.visit_file, "KN2022-00001", on="2023-09-01")
    call(orgs, lifecycle.visit_file, "KN2023-00001", on="2023-12-01")
    call(orgs, lifecycle.close_file, "KN2023-00002", on="2024-05-01", reason="退休")
    found = due(orgs, "2024-04-30")
    assert found == sorted(found, key=lambda x: (x[2], x[1], x[0]))
    assert found == [
        ("KN2022-00001", "review", date(2023, 1, 1)),  # no review since opening in 2022
        ("KN2023-00002", "visit", date(2023, 9, 1)),  # never visited: opening + 6 months
        ("KN2023-00001", "review", date(2024, 1, 1)),
        ("KN2023-00002", "review", date(2024, 1, 1)),
        ("KN2022-00001", "visit", date(2024, 3, 1)),
    ]
    # the closed file drops out once closed; a visit after the as-of day does not count
    assert "KN2023-00002" not in {no for no, _, _ in due(orgs, "2024-05-01")}
    call(orgs, lifecycle.visit_file, "KN2023-00001", on="2024-07-01")
    assert "KN2023-00001" in visits_due(orgs, "2024-06-30")
    assert "KN2023-00001" not in visits_due(orgs, "2024-07-01")


def test_due_kind_and_limit(orgs: Target) -> None:
    open_(orgs, opened="2022-01-01")
    assert {k for _, k, _ in due(orgs, "2024-06-30")} == {"review", "visit"}
    assert {k for _, k, _ in due(orgs, "2024-06-30", kind="visit")} == {"visit"}
    with reading(orgs) as r:
        found = due_view.due(r, "2024-06-30", limit=1)
    assert (len(found.items), found.total, found.reviews, found.visits) == (1, 2, 1, 1)


def test_due_cli(orgs: Target, cli: Any) -> None:
    open_(orgs, opened="2023-01-10", phone=PHONE)
    out = ok(cli("hardship", "due", "--as-of", "2024-03-01"))
    assert "KN2023-00001" in out and "年度复核" in out and "入户走访" in out
    assert "139****5678" in out and PHONE not in out
    assert "截至 2024-03-01：待复核 1 户，待走访 1 户" in out
    data = json.loads(ok(cli("hardship", "due", "--as-of", "2024-03-01", "-f", "json")))
    assert data[0]["due_on"] == "2023-07-10" and data[0]["days_overdue"] == 235
    assert data[0]["id_number"] == HEAD[:4] + "*" * 10 + HEAD[-4:]
    out = ok(cli("hardship", "due", "--as-of", "2023-02-01"))
    assert out == "截至 2023-02-01 没有待办事项\n"


# --- list ----------------------------------------------------------------------------------------


def test_list_filters(orgs: Target) -> None:
    open_(orgs, secondary_causes=["子女上学"])
    open_(
        orgs,
        name="王强",
        id_number=HEAD2,
        org="2",
        category="相对困难",
        cause="下岗失业",
        opened="2023-02-01",
    )
    open_(
        orgs,
        name="赵丽",
        id_number=HEAD3,
        category="意外致困",
        cause="遭受意外事故",
        opened="2023-05-01",
    )
    call(orgs, lifecycle.close_file, "KN2023-00002", on="2024-02-01", reason="脱困")

    def nos(**kw: Any) -> list[str]:
        with reading(orgs) as r:
            page = views.list_files(r, views.FileFilter(**kw), limit=None)
        rows, total = page.rows, page.total
        assert total == len(rows)
        return [r.file_no for r in rows]

    assert nos() == ["KN2024-00001", "KN2023-00002", "KN2023-00001"]
    assert nos(org=ORG2) == ["KN2023-00001"]
    assert nos(category="深度困难") == ["KN2024-00001"]
    assert nos(status="已退档") == ["KN2023-00002"]
    assert nos(status="在档") == ["KN2024-00001", "KN2023-00001"]
    assert nos(opened_year="2023") == ["KN2023-00002", "KN2023-00001"]
    assert nos(closed_year=2024) == ["KN2023-00002"]
    assert nos(closed_year=2023) == []
    assert nos(cause="子女上学") == ["KN2024-00001"]  # a secondary cause counts
    assert nos(cause="laid_off") == ["KN2023-00001"]


def test_list_formats_are_masked(orgs: Target, cli: Any) -> None:
    open_(orgs, phone=PHONE)
    masked = HEAD[:4] + "*" * 10 + HEAD[-4:]
    data = json.loads(ok(cli("hardship", "list", "--format", "json")))
    assert data[0]["id_number"] == masked and data[0]["phone"] == "139****5678"
    assert data[0]["income_fen"] == 50_000 and data[0]["category"] == "deep"
    csv_out = ok(cli("hardship", "list", "--format", "csv"))
    assert csv_out.splitlines()[0].startswith("档案编号,户主,身份证号,手机号,所属工会,困难类别")
    assert "500.00" in csv_out and HEAD not in csv_out and PHONE not in csv_out
    table = ok(cli("hardship"))  # the bare noun lists
    assert "KN2024-00001" in table and masked in table and "显示 1 条，共 1 条" in table
    assert max(len(line) for line in table.splitlines()) <= 100


# --- show and masking ----------------------------------------------------------------------------


def test_show_is_the_whole_file_masked(orgs: Target, cli: Any) -> None:
    view = open_(orgs, phone=PHONE, health=ILLNESS, address=ADDRESS, family=[FAMILY_WIFE])
    call(orgs, lifecycle.review_file, "1", on="2025-01-10", outcome="继续在档", reviewer="王芳")
    call(orgs, lifecycle.visit_file, "1", on="2024-06-01", visitor="刘洋", note="子女复学")
    add_aid(orgs, view.id, "2024-01-20", "warmth", 80_000)
    add_aid(orgs, view.id, "2024-06-20", "medical", 300_000)
    wrong = add_aid(orgs, view.id, "2024-07-01", "living", 10_000)
    add_aid(orgs, view.id, "2024-07-01", "living", -10_000, reverses_id=wrong)
    add_aid(orgs, view.id, "2025-01-15", "warmth", 100_000)
    out = ok(cli("hardship", "show", "KN2024-00001"))
    for text in (
        "张伟",
        ILLNESS,
        ADDRESS,
        "李娜",
        "继续在档",
        "王芳",
        "子女复学",
        "3,800.00",
        "1,000.00",
    ):
        assert text in out, text
    for secret in (HEAD, WIFE, PHONE):
        assert secret not in out
    data = json.loads(ok(cli("hardship", "show", "1", "-f", "json")))
    assert data["id_number"].startswith("2301**") and data["phone"] == "139****5678"
    assert data["family"][0]["id_number"] == WIFE[:4] + "*" * 10 + WIFE[-4:]
    # a payment and its reversal leave nothing: 2 payments in 2024, 1 in 2025
    assert data["aid_by_year"] == [
        {"year": 2025, "count": 1, "amount_fen": 100_000},
        {"year": 2024, "count": 2, "amount_fen": 380_000},
    ]


def test_show_id_needs_a_reason_and_is_audited(orgs: Target, cli: Any) -> None:
    open_(orgs, phone=PHONE, family=[FAMILY_WIFE])
    r = cli("hardship", "show", "1", "--show-id")
    assert r.exit_code == 2
    assert HEAD not in r.stdout
    out = ok(cli("hardship", "show", "1", "--show-id", "--reason", "核对低保资格"))
    assert HEAD in out and WIFE in out and PHONE in out
    (entry,) = audit(orgs, "reveal")
    assert entry["reason"] == "核对低保资格"
    assert entry["after"]["command"] == "hardship.show"
    assert sorted(entry["after"]["ids"]) == [1, 2]
    ok(cli("hardship", "list", "--show-id", "--reason", "年度核查"))
    assert len(audit(orgs, "reveal")) == 2


def test_show_links_the_history(orgs: Target, cli: Any) -> None:
    open_(orgs)
    call(orgs, lifecycle.close_file, "1", on="2024-12-01", reason="脱困")
    call(orgs, lifecycle.reopen_file, "1", {"opened": "2025-03-01"})
    out = ok(cli("hardship", "show", "KN2025-00001"))
    assert "原档案" in out and "KN2024-00001" in out and "脱困" in out
    out = ok(cli("hardship", "show", "KN2024-00001"))
    assert "后续档案" in out and "KN2025-00001" in out
    # the head's ID number finds the open (newest) file
    assert show(orgs, HEAD).file_no == "KN2025-00001"


# --- audit -------------------------------------------------------------------------------------


def test_every_write_is_audited(orgs: Target) -> None:
    open_(orgs, phone=PHONE, family=[FAMILY_WIFE])
    (opened,) = audit(orgs, "hardship.open")
    assert opened["entity"] == "hardship_file" and opened["entity_id"] == 1
    assert opened["operator"] == "tester"
    assert opened["after"]["file_no"] == "KN2024-00001"
    assert opened["after"]["id_number"] == HEAD  # masked when listed (audit list masks id_number)
    assert opened["after"]["category"] == "deep"
    (family,) = audit(orgs, "hardship.family_add")
    assert family["after"]["name"] == "李娜"


def test_audit_list_masks_the_hardship_entries(orgs: Target, cli: Any) -> None:
    open_(orgs, phone=PHONE, family=[FAMILY_WIFE])
    out = ok(cli("audit", "list", "--action", "hardship", "--format", "json"))
    assert {e["action"] for e in json.loads(out)} == {"hardship.open", "hardship.family_add"}
    table = ok(cli("audit", "list", "--action", "hardship"))
    for secret in (HEAD, WIFE, PHONE):
        assert secret not in table


# --- public notices ----------------------------------------------------------------------------


def test_notice_of_new_files_never_shows_ids_health_or_address(orgs: Target, cli: Any) -> None:
    open_(orgs, phone=PHONE, health=ILLNESS, address=ADDRESS, family=[FAMILY_WIFE])
    open_(orgs, name="王强", id_number=HEAD2, org="2", category="相对困难", opened="2023-03-01")
    for fmt in ("table", "csv", "json"):
        out = ok(cli("hardship", "notice", "--opened-in", "2024", "--format", fmt))
        assert "张伟" in out and ORG1 in out
        assert "王强" not in out
        for secret in (HEAD, HEAD[-4:], WIFE, PHONE, PHONE[-4:], ILLNESS, ADDRESS, "患重特大疾病"):
            assert secret not in out, (fmt, secret)
    data = json.loads(ok(cli("hardship", "notice", "--opened-in", "2024", "-f", "json")))
    assert data == [{"no": 1, "name": "张伟", "org": ORG1, "category": "deep"}]


def test_notice_of_aid_sums_the_year(orgs: Target, cli: Any) -> None:
    a = open_(orgs, health=ILLNESS, address=ADDRESS)
    b = open_(orgs, name="王强", id_number=HEAD2, org="2", category="相对困难", opened="2023-03-01")
    c = open_(orgs, name="赵丽", id_number=HEAD3, opened="2023-04-01")
    add_aid(orgs, a.id, "2024-01-20", "warmth", 80_000)
    add_aid(orgs, a.id, "2024-06-20", "medical", 300_000)
    add_aid(orgs, b.id, "2024-01-21", "warmth", 50_000)
    add_aid(orgs, b.id, "2023-06-21", "warmth", 50_000)  # another year
    wrong = add_aid(orgs, c.id, "2024-01-22", "warmth", 50_000)
    add_aid(orgs, c.id, "2024-01-22", "warmth", -50_000, reverses_id=wrong)  # reversed: not aided
    data = json.loads(ok(cli("hardship", "notice", "--aid-year", "2024", "-f", "json")))
    assert data == [
        {"no": 1, "name": "张伟", "org": ORG1, "category": "deep", "amount_fen": 380_000},
        {"no": 2, "name": "王强", "org": ORG2, "category": "relative", "amount_fen": 50_000},
    ]
    data = json.loads(
        ok(cli("hardship", "notice", "--aid-year", "2024", "--kind", "医疗救助", "-f", "json"))
    )
    assert [(d["name"], d["amount_fen"]) for d in data] == [("张伟", 300_000)]
    out = ok(cli("hardship", "notice", "--aid-year", "2024", "--kind", "送温暖"))
    assert "2024 年困难职工帮扶公示（送温暖）" in out
    assert "共 2 户，合计 1,300.00 元" in out
    for secret in (HEAD, HEAD2, ILLNESS, ADDRESS):
        assert secret not in out
    r = cli("hardship", "notice")
    assert r.exit_code == 2


# --- parse_file_fields (the import kind's checks) -------------------------------------------------

BASE = {
    "name": "张伟",
    "id_number": HEAD,
    "category": "深度困难",
    "cause": "下岗失业",
    "household_size": "3",
    "opened": "2019/3/5",
}


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("特困", "deep"),
        ("极困", "deep"),
        ("低保户", "deep"),
        ("一般困难", "relative"),
        ("低保边缘户", "relative"),
        ("意外致困户", "accident"),
        ("deep", "deep"),
        ("相对困难", "relative"),
    ],
)
def test_legacy_category_labels(label: str, code: str) -> None:
    assert file_fields.parse_file_fields(BASE | {"category": label})["category"] == code


def test_parse_file_fields_values() -> None:
    out = file_fields.parse_file_fields(
        BASE
        | {
            "file_no": " kn2019-00007 ",
            "org": ORG1,
            "income_per_capita": "1,234.5元",
            "phone": "139-1234-5678",
            "address": ADDRESS,
            "status": "已退档",
            "closed": "2021年6月30日",
            "close_reason": "转兜底",
            "secondary_causes": "子女上学、其他",
        }
    )
    assert out["file_no"] == "KN2019-00007"
    assert out["rid"].number == HEAD and out["name"] == "张伟" and out["org"] == ORG1
    assert (out["income_fen"], out["phone"], out["household_size"]) == (123_450, PHONE, 3)
    assert out["opened_on"] == date(2019, 3, 5)
    assert (out["status"], out["closed_on"], out["close_reason"]) == (
        "closed",
        date(2021, 6, 30),
        "safety_net",
    )
    assert out["secondary_causes"] == "schooling,other"
    # a closing date alone says closed; a blank status with nothing else is open
    assert file_fields.parse_file_fields(BASE)["status"] == "open"


@pytest.mark.parametrize(
    ("extra", "fields"),
    [
        ({"status": "退档"}, {"closed", "close_reason"}),
        ({"status": "退档", "closed": "2021-01-01"}, {"close_reason"}),
        ({"close_reason": "脱困"}, {"status"}),  # a reason without a date: open, yet closed?
        ({"status": "在档", "closed": "2021-01-01", "close_reason": "脱困"}, {"status"}),
        ({"closed": "2018-01-01", "close_reason": "脱困"}, {"closed"}),
        ({"household_size": "三"}, {"household_size"}),
        ({"id_number": "2.30125E+17", "cause": "穷"}, {"id_number", "cause"}),
    ],
)
def test_parse_file_fields_refusals(extra: dict[str, str], fields: set[str]) -> None:
    with pytest.raises((InvalidValue, InvalidValues)) as exc:
        file_fields.parse_file_fields(BASE | extra)
    err = exc.value
    found = {e.field for e in err.errors} if isinstance(err, InvalidValues) else {err.field}
    assert found == fields
    assert err.exit_code == ExitCode.USAGE


# --- member show -------------------------------------------------------------------------------


def test_member_show_lists_the_files_the_member_heads(orgs: Target, cli: Any) -> None:
    ok(cli("member", "add", "张伟", "--id", HEAD, "--org", "1", "--joined", "2015-01-01"))
    view = open_(orgs)
    add_aid(orgs, view.id, "2024-01-20", "warmth", 80_000)
    add_aid(orgs, view.id, "2024-06-20", "medical", 300_000)
    call(orgs, lifecycle.close_file, "1", on="2024-12-01", reason="脱困")
    call(orgs, lifecycle.reopen_file, "1", {"opened": "2025-03-01"})
    out = ok(cli("member", "show", HEAD))
    assert "困难职工帮扶档案（户主）" in out
    assert "KN2024-00001" in out and "KN2025-00001" in out
    assert "2024 年 2 次 3,800.00 元" in out
    data = json.loads(ok(cli("member", "show", HEAD, "-f", "json")))
    files = data["hardship_files"]
    assert [f["file_no"] for f in files] == ["KN2025-00001", "KN2024-00001"]
    assert files[1]["aid_by_year"] == [{"year": 2024, "count": 2, "amount_fen": 380_000}]
    assert files[1]["close_reason"] == "recovered" and files[0]["status"] == "open"


def test_member_show_without_files_has_no_section(orgs: Target, cli: Any) -> None:
    ok(cli("member", "add", "张伟", "--id", HEAD, "--org", "1", "--joined", "2015-01-01"))
    assert "困难职工帮扶档案" not in ok(cli("member", "show", HEAD))
    assert json.loads(ok(cli("member", "show", HEAD, "-f", "json")))["hardship_files"] == []


# --- the CLI end to end ------------------------------------------------------------------------


def test_open_review_visit_close_through_the_cli(orgs: Target, cli: Any) -> None:
    out = ok(
        cli(
            "hardship",
            "open",
            "张伟",
            "--id",
            HEAD,
            "--org",
            ORG1,
            "--category",
            "特困",
            "--cause",
            "大病",
            "--secondary",
            "下岗失业",
            "--secondary",
            "子女上学",
            "--size",
            "3",
            "--income",
            "500",
            "--phone",
            PHONE,
            "--opened",
            "2024-03-05",
            "--family",
            FAMILY_WIFE,
            "--family",
            FAMILY_SON,
        )
    )
    masked = HEAD[:4] + "*" * 10 + HEAD[-4:]
    assert out == f"已建档 KN2024-00001：张伟（{masked}），深度困难，建档日期 2024-03-05\n"
    out = ok(
        cli(
            "hardship",
            "review",
            "KN2024-00001",
            "--date",
            "2025-01-10",
            "--outcome",
            "继续在档",
            "--category",
            "相对困难",
        )
    )
    assert out == "已登记档案 KN2024-00001 的复核（2025-01-10）：继续在档；困难类别：相对困难\n"
    out = ok(cli("hardship", "visit", HEAD, "--date", "2025-02-01", "--visitor", "王芳"))
    assert out == "已登记档案 KN2024-00001 的入户走访（2025-02-01）\n"
    out = ok(cli("hardship", "close", "#1", "--date", "2025-06-30", "--reason", "脱困"))
    assert out == "档案 KN2024-00001（张伟）已退档：脱困，退档日期 2025-06-30\n"
    out = ok(cli("hardship", "reopen", "KN2024-00001", "--date", "2025-09-01"))
    assert "已重新建档 KN2025-00001（原档案 KN2024-00001）" in out
    r = cli("hardship", "visit", "KN2025-00001", "--date", "2025-13-01")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1


def test_bad_values_are_one_line_exit_2(orgs: Target, cli: Any) -> None:
    r = cli(
        "hardship",
        "open",
        "张伟",
        "--id",
        HEAD[:-1] + "0" if HEAD[-1] != "0" else HEAD[:-1] + "1",
        "--category",
        "很穷",
        "--cause",
        "大病",
        "--size",
        "3",
    )
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1
    assert "困难类别“很穷”无效" in r.stderr
    assert HEAD[:-1] not in r.stderr
    with UnitOfWork(orgs) as uow:
        assert uow.session.scalars(select(HardshipVisit)).first() is None
        assert uow.session.scalars(select(HardshipFile)).first() is None
