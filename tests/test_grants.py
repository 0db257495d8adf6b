"""金秋助学: eligibility by an open file in the round year or by migrant membership, the override,
one grant per student per year, standards and reasons, the budget, the status table, payment
dates, exclusions, the round summary against the list, the public notice, masking, audit, the
import functions, and the household's grants in ``member show`` / ``hardship show``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from unioncli.config import Target
from unioncli.dates import today
from unioncli.db.read import reading
from unioncli.db.uow import UnitOfWork
from unioncli.enums import Eligibility, GrantStatus, MemberEventKind
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
from unioncli.models import AuditEntry, Grant, Person, metadata
from unioncli.models.base import utcnow
from unioncli.services import members
from unioncli.services.grants import applications as gapps
from unioncli.services.grants import figures as gfigures
from unioncli.services.grants import plan as gplan
from unioncli.services.grants import rules as grules
from unioncli.services.grants import settings as gsettings
from unioncli.services.hardship import lifecycle as hs
from unioncli.services.orgs import add_org
from unioncli.views import grants as gv

ORG1 = "城关镇第一小学工会"
ORG2 = "河西镇人民医院工会"
HEAD = make_id_number("230125", date(1980, 3, 4), 1, "male")  # 张伟, heads KN2023-00001
WIFE = make_id_number("230125", date(1982, 5, 6), 2, "female")  # 李娜, family of that file
MIGRANT = make_id_number("230125", date(1985, 1, 1), 3, "male")  # 王强, migrant member
LOCAL = make_id_number("230125", date(1986, 2, 2), 4, "female")  # 赵敏, member, not migrant
STRANGER = make_id_number("230125", date(1979, 6, 6), 5, "male")  # not in the ledger
KID1 = make_id_number("230125", date(2006, 5, 5), 6, "male")
KID2 = make_id_number("230125", date(2007, 7, 7), 7, "female")
KID3 = make_id_number("230125", date(2012, 8, 8), 8, "male")
KID4 = make_id_number("230125", date(2015, 9, 9), 9, "female")
Y = 2024
BAD_KID1 = KID1[:-1] + ("1" if KID1[-1] != "1" else "2")  # a wrong check character


# --- helpers ---------------------------------------------------------------------------------


def call(target: Target, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with UnitOfWork(target) as uow:
        result = fn(uow, *args, **kwargs)
        uow.commit()
    return result


def read(target: Target, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A view of ``views.grants`` on the ledger."""
    with reading(target) as r:
        return fn(r, *args, **kwargs)


@pytest.fixture
def county(ledger: Target) -> Target:
    """Two unions; a hardship file (head 张伟, wife 李娜) opened 2023; a migrant member 王强; a
    member 赵敏 who is not a migrant worker; standards for 2024 (本科 and 高中)."""
    return build_county(ledger)


def build_county(ledger: Target) -> Target:
    with UnitOfWork(ledger) as uow:
        add_org(uow, {"org_name": ORG1, "founded": "2010-05-01", "township": "城关镇"})
        add_org(uow, {"org_name": ORG2, "founded": "2012-03-01", "township": "河西镇"})
        hs.open_file(
            uow,
            {
                "name": "张伟",
                "id_number": HEAD,
                "org": "1",
                "category": "深度困难",
                "cause": "患重特大疾病",
                "household_size": "3",
                "opened": "2023-03-05",
                "family": [f"李娜,{WIFE},妻子"],
            },
        )
        for name, idn, migrant in (("王强", MIGRANT, True), ("赵敏", LOCAL, False)):
            members.enrol(
                uow,
                {
                    "name": name,
                    "id_number": idn,
                    "org": "2",
                    "joined": "2020-03-05",
                    "migrant": migrant,
                },
            )
        uow.commit()
    call(ledger, gsettings.set_standards, Y, "本科", on_file="5000", off_file="3000")
    call(ledger, gsettings.set_standards, Y, "高中", on_file="2000", off_file="1500")
    return ledger


def apply(target: Target, **raw: Any) -> gv.GrantView:
    data: dict[str, Any] = {
        "student_name": "张小明",
        "student_id_number": KID1,
        "parent_id_number": HEAD,
        "level": "本科",
        "school": "东北林业大学",
        "enrolled_year": str(Y),
        "year": str(Y),
        "applied_on": f"{Y}-07-10",
    } | raw
    return call(target, gapps.apply, data)  # type: ignore[no-any-return]


def approve(target: Target, ref: Any, on: str = f"{Y}-08-01", **kw: Any) -> gv.GrantView:
    return call(target, gapps.approve, ref, on, **kw)  # type: ignore[no-any-return]


def grant_count(target: Target) -> int:
    with UnitOfWork(target) as uow:
        return int(uow.session.execute(select(func.count()).select_from(Grant)).scalar_one())


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


def eligibility(target: Target, id_number: str, year: int = Y) -> Any:
    with UnitOfWork(target) as uow:
        person = grules.find_person(uow.session, id_number)
        assert person is not None
        return grules.eligibility_of(uow.session, person.id, year)


def ok(run: Any) -> str:
    assert run.exit_code == 0, run.stderr
    return str(run.stdout)


def one_line_error(run: Any, code: ExitCode) -> str:
    assert run.exit_code == code, (run.stdout, run.stderr)
    assert run.stderr.strip().count("\n") == 0, run.stderr
    return str(run.stderr)


# --- eligibility -----------------------------------------------------------------------------


def test_head_of_an_open_file_gets_the_on_file_standard(county: Target) -> None:
    v = apply(county)
    assert v.eligibility == Eligibility.HARDSHIP_FILE.value
    assert v.file_no == "KN2023-00001"
    assert (v.amount_fen, v.standard_fen, v.amount_reason) == (500_000, 500_000, None)
    assert v.status == GrantStatus.APPLIED.value
    assert v.parent_org == ORG1


def test_a_family_member_of_the_file_counts(county: Target) -> None:
    v = apply(county, parent_id_number=WIFE)
    assert (v.eligibility, v.file_no, v.amount_fen) == ("hardship_file", "KN2023-00001", 500_000)


def test_a_migrant_member_gets_the_off_file_standard(county: Target) -> None:
    v = apply(county, parent_id_number=MIGRANT)
    assert (v.eligibility, v.file_no, v.amount_fen) == ("migrant_member", None, 300_000)
    assert v.parent_org == ORG2


@pytest.mark.parametrize(
    ("opened", "closed", "eligible"),
    [
        ("2023-03-05", "2024-01-01", True),  # closed on the round year's first day: it was open
        ("2023-03-05", "2023-12-31", False),  # closed the day before the round year
        ("2024-12-31", None, True),  # opened on the round year's last day
        ("2022-01-01", "2024-06-30", True),
    ],
)
def test_a_file_open_at_some_point_of_the_round_year(
    ledger: Target, opened: str, closed: str | None, eligible: bool
) -> None:
    call(ledger, add_org, {"org_name": ORG1, "founded": "2010-05-01"})
    call(
        ledger,
        hs.open_file,
        {
            "name": "张伟",
            "id_number": HEAD,
            "org": "1",
            "category": "相对困难",
            "cause": "下岗失业",
            "household_size": "2",
            "opened": opened,
            "family": [f"李娜,{WIFE},妻子"],
        },
    )
    if closed:
        call(ledger, hs.close_file, "KN" + opened[:4] + "-00001", on=closed, reason="脱困")
    for who in (HEAD, WIFE):  # the family member is judged by the same file
        found = eligibility(ledger, who)
        assert (found is not None) == eligible
        if eligible:
            assert found[0] == Eligibility.HARDSHIP_FILE
    assert eligibility(ledger, HEAD, 2025) == (
        (Eligibility.HARDSHIP_FILE, 1) if closed is None else None
    )


def test_a_file_opened_after_the_round_year_does_not_count(county: Target) -> None:
    assert eligibility(county, HEAD, 2022) is None
    assert eligibility(county, HEAD, 2023) is not None


def test_migrant_membership_in_force_during_the_round_year(county: Target) -> None:
    assert eligibility(county, MIGRANT) == (Eligibility.MIGRANT_MEMBER, None)
    assert eligibility(county, MIGRANT, 2019) is None  # joined 2020
    assert eligibility(county, LOCAL) is None  # a member, not a migrant worker
    # leaving during the round year still counts for that year, not for the next one
    call(county, members.change_status, MIGRANT, MemberEventKind.LEAVE, "2025-04-01", "本人申请")
    assert eligibility(county, MIGRANT, 2025) == (Eligibility.MIGRANT_MEMBER, None)
    assert eligibility(county, MIGRANT, 2026) is None


def test_a_retained_migrant_member_counts(county: Target) -> None:
    call(county, members.change_status, MIGRANT, MemberEventKind.RETAIN, "2022-01-01", "失业")
    assert eligibility(county, MIGRANT) == (Eligibility.MIGRANT_MEMBER, None)


def test_an_ineligible_parent_is_refused_without_an_override(county: Target, cli: Any) -> None:
    with pytest.raises(Conflict) as exc:
        apply(county, parent_id_number=LOCAL)
    assert exc.value.key == "grant.not_eligible"
    assert grant_count(county) == 0
    run = cli(
        "grant", "apply", "张小明", "--id", KID1, "--parent-id", LOCAL, "--level", "本科",
        "--year", str(Y),
    )  # fmt: skip
    err = one_line_error(run, ExitCode.CONFLICT)
    assert LOCAL not in err and "赵敏" in err and "--override" in err


def test_an_override_is_accepted_and_recorded(county: Target) -> None:
    v = apply(county, parent_id_number=LOCAL, override="县总工会党组会议特批")
    assert (v.eligibility, v.override_reason) == ("override", "县总工会党组会议特批")
    assert v.amount_fen == 300_000  # the parent holds no file: the off-file standard
    entry = audit(county, "grant.apply")[0]
    assert entry["reason"] == "县总工会党组会议特批"
    assert entry["after"]["eligibility"] == "override"


def test_an_override_for_an_eligible_parent_is_not_recorded(county: Target) -> None:
    v = apply(county, override="不需要")
    assert (v.eligibility, v.override_reason) == ("hardship_file", None)
    assert any("KN2023-00001" in w for w in v.warnings)


def test_a_parent_not_in_the_ledger(county: Target) -> None:
    with pytest.raises(Conflict) as exc:
        apply(county, parent_id_number=STRANGER)
    assert exc.value.key == "grant.parent_unknown"
    with pytest.raises(MissingFields) as missing:
        apply(county, parent_id_number=STRANGER, override="外县困难职工县领导批示")
    assert missing.value.fields == ["parent_name"]
    v = apply(county, parent_id_number=STRANGER, parent_name="孙立", override="县领导批示")
    assert (v.parent_name, v.eligibility) == ("孙立", "override")


def test_people_are_reused_and_names_must_match(county: Target) -> None:
    with pytest.raises(Conflict) as exc:
        apply(county, parent_name="张三")
    assert exc.value.key == "grant.name_mismatch"
    first = apply(county)
    with pytest.raises(Conflict) as exc:
        apply(county, student_name="张晓明", year="2023", enrolled_year="2023")
    assert exc.value.key == "grant.name_mismatch"
    second = apply(county, year="2025", enrolled_year="2024", amount="5000")
    assert second.student_person_id == first.student_person_id
    with UnitOfWork(county) as uow:
        n = uow.session.execute(select(func.count()).where(Person.id_number == KID1)).scalar()
    assert n == 1


def test_the_student_is_not_the_parent(county: Target) -> None:
    with pytest.raises(InvalidValue) as exc:
        apply(county, student_id_number=HEAD, student_name="张伟")
    assert HEAD not in exc.value.message()


def test_approval_checks_eligibility_again(county: Target) -> None:
    v = apply(county, parent_id_number=MIGRANT)
    call(county, members.update, MIGRANT, {"migrant": False})
    with pytest.raises(Conflict) as exc:
        approve(county, v.id)
    assert exc.value.key == "grant.no_longer_eligible"
    done = approve(county, v.id, override="已核实为农民工")
    assert (done.status, done.eligibility) == ("approved", "override")
    assert done.override_reason == "已核实为农民工"


def test_an_override_grant_is_approved_on_its_reason(county: Target) -> None:
    v = apply(county, parent_id_number=LOCAL, override="特批")
    assert approve(county, v.id).status == "approved"


# --- one grant per student per year ------------------------------------------------------------


def test_a_second_grant_in_the_same_year_is_refused(county: Target, cli: Any) -> None:
    first = apply(county)
    for level in ("本科", "高中"):  # across levels too
        with pytest.raises(Conflict) as exc:
            apply(county, level=level, parent_id_number=WIFE)
        assert exc.value.key == "grant.duplicate"
        assert exc.value.params["id"] == first.id
    run = cli(
        "grant", "apply", "张小明", "--id", KID1, "--parent-id", HEAD, "--level", "高中",
        "--year", str(Y),
    )  # fmt: skip
    assert f"#{first.id}" in one_line_error(run, ExitCode.CONFLICT)
    assert grant_count(county) == 1
    apply(county, year="2025", amount="5000")  # another year is another round


@pytest.mark.parametrize("how", ["reject", "withdraw"])
def test_after_a_rejection_or_withdrawal_the_student_may_apply_again(
    county: Target, how: str
) -> None:
    first = apply(county)
    if how == "reject":
        call(county, gapps.reject, first.id, "材料不全")
    else:
        call(county, gapps.withdraw, first.id)
    again = apply(county, level="高中")
    assert again.id != first.id and again.amount_fen == 200_000


def test_the_database_holds_one_standing_grant_per_student_and_year(county: Target) -> None:
    v = apply(county)
    row = {
        "year": Y,
        "student_id": v.student_person_id,
        "parent_id": v.parent_person_id,
        "level": "senior",
        "amount_fen": 1,
        "eligibility": "override",
        "status": "applied",
        "applied_on": date(Y, 7, 1),
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }
    with UnitOfWork(county) as uow, pytest.raises(IntegrityError):
        uow.session.execute(insert(metadata.tables["student_grant"]), row)
    with UnitOfWork(county) as uow:  # a rejected one beside it is fine
        uow.session.execute(insert(metadata.tables["student_grant"]), row | {"status": "rejected"})


# --- amounts -----------------------------------------------------------------------------------


def test_a_non_standard_amount_needs_a_reason(county: Target, cli: Any) -> None:
    with pytest.raises(UsageError) as exc:
        apply(county, amount="6000")
    assert exc.value.key == "grant.amount_reason"
    assert grant_count(county) == 0
    run = cli(
        "grant", "apply", "张小明", "--id", KID1, "--parent-id", HEAD, "--level", "本科",
        "--year", str(Y), "--amount", "6000",
    )  # fmt: skip
    assert "5,000.00" in one_line_error(run, ExitCode.USAGE)
    v = apply(county, amount="6000", amount_reason="双胞胎同年入学另加一千")
    assert (v.amount_fen, v.standard_fen) == (600_000, 500_000)
    assert v.amount_reason == "双胞胎同年入学另加一千"


def test_the_standard_amount_typed_needs_no_reason(county: Target) -> None:
    v = apply(county, amount="5,000.00")
    assert (v.amount_fen, v.amount_reason) == (500_000, None)


def test_a_year_without_standards_needs_the_amount_and_warns(county: Target, cli: Any) -> None:
    with pytest.raises(UsageError) as exc:
        apply(county, year="2023", enrolled_year="2023")
    assert exc.value.key == "grant.amount_required"
    run = cli(
        "grant", "apply", "张小明", "--id", KID1, "--parent-id", HEAD, "--level", "本科",
        "--year", "2023", "--amount", "4000",
    )  # fmt: skip
    out = ok(run)
    assert "4,000.00" in out
    assert "2023" in run.stderr and "4,000.00" in run.stderr  # the warning, on stderr
    with UnitOfWork(county) as uow:
        g = uow.session.scalars(select(Grant).where(Grant.year == 2023)).one()
        assert (g.amount_fen, g.standard_fen) == (400_000, None)


def test_a_level_without_a_standard_needs_the_amount(county: Target) -> None:
    with pytest.raises(UsageError) as exc:
        apply(county, level="小学")
    assert exc.value.key == "grant.level_amount_required"
    v = apply(county, level="小学", amount="800")
    assert v.amount_fen == 80_000 and v.warnings


def test_standards_keep_what_was_applied(county: Target, cli: Any) -> None:
    v = apply(county)
    call(county, gsettings.set_standards, Y, "本科", on_file="6000")
    settings = call(county, gsettings.round_settings, Y)
    assert gv.StandardRow("bachelor", 600_000, 300_000) in settings.standards
    assert read(county, gv.show, v.id).amount_fen == 500_000
    out = ok(cli("grant", "standards", str(Y)))
    assert "6,000.00" in out and "3,000.00" in out
    ok(cli("grant", "standards", str(Y), "--level", "本科", "--clear"))
    data = json.loads(ok(cli("grant", "standards", str(Y), "--format", "json")))
    assert [s["level"] for s in data["standards"]] == ["senior"]


def test_bad_settings_are_usage_errors(county: Target, cli: Any) -> None:
    one_line_error(cli("grant", "standards", str(Y), "--level", "本科"), ExitCode.USAGE)
    one_line_error(
        cli("grant", "standards", str(Y), "--level", "大学城", "--on-file", "1"), ExitCode.USAGE
    )
    one_line_error(cli("grant", "budget", str(Y), "100", "--none"), ExitCode.USAGE)
    one_line_error(cli("grant", "budget", "24", "100"), ExitCode.USAGE)


# --- budget ------------------------------------------------------------------------------------


def test_approvals_beyond_the_budget_are_refused_with_what_is_left(
    county: Target, cli: Any
) -> None:
    call(county, gsettings.set_budget, Y, "9000")
    a = apply(county)  # 5,000
    b = apply(county, student_name="王小红", student_id_number=KID2, parent_id_number=MIGRANT)
    c = apply(
        county,
        student_name="王小刚",
        student_id_number=KID3,
        parent_id_number=WIFE,
        level="高中",
    )  # 3,000 and 2,000
    assert approve(county, a.id).budget_left_fen == 400_000
    assert approve(county, b.id).budget_left_fen == 100_000
    with pytest.raises(Conflict) as exc:
        approve(county, c.id)
    assert exc.value.key == "grant.over_budget"
    assert exc.value.params["left"] == "1,000.00"
    err = one_line_error(cli("grant", "approve", str(c.id)), ExitCode.CONFLICT)
    assert "1,000.00" in err and "9,000.00" in err
    assert read(county, gv.show, c.id).status == "applied"
    # rejected and withdrawn grants free their share; paid ones keep it
    call(county, gapps.pay, b.id, f"{Y}-09-01")
    call(county, gapps.reject, a.id, "已获军校资助")
    assert approve(county, c.id).budget_left_fen == 100_000 + 500_000 - 200_000


def test_the_budget_is_exactly_reachable_and_can_be_removed(county: Target, cli: Any) -> None:
    call(county, gsettings.set_budget, Y, "5000")
    a = apply(county)
    assert approve(county, a.id).budget_left_fen == 0
    b = apply(county, student_name="王小红", student_id_number=KID2, parent_id_number=MIGRANT)
    with pytest.raises(Conflict):
        approve(county, b.id)
    with pytest.raises(Conflict) as exc:  # never below what is approved already
        call(county, gsettings.set_budget, Y, "4000")
    assert exc.value.key == "grant.budget_below_used"
    assert "不设上限" in ok(cli("grant", "budget", str(Y), "--none"))
    assert approve(county, b.id).budget_left_fen is None
    assert [e["after"] for e in audit(county, "grant.budget")] == [
        {"budget_fen": 500_000},
        {"budget_fen": None},
    ]


def test_check_budget_counts_approved_and_paid_only(county: Target) -> None:
    call(county, gsettings.set_budget, Y, "6000")
    a = apply(county)
    apply(county, student_name="王小红", student_id_number=KID2, parent_id_number=MIGRANT)
    with UnitOfWork(county) as uow:
        assert grules.check_budget(uow.session, Y, 600_000) == 0
        assert grules.check_budget(uow.session, 2023, 10**9) is None  # no budget, no cap
    approve(county, a.id)
    with UnitOfWork(county) as uow, pytest.raises(Conflict):
        grules.check_budget(uow.session, Y, 100_001)


# --- status changes ----------------------------------------------------------------------------


def test_the_status_table() -> None:
    S, A = GrantStatus, grules.GrantAction
    assert grules.TRANSITIONS[A.PAY] == (frozenset({S.APPROVED}), S.PAID)
    assert grules.TRANSITIONS[A.APPROVE] == (frozenset({S.APPLIED}), S.APPROVED)
    for action in (A.REJECT, A.WITHDRAW):
        assert S.PAID not in grules.TRANSITIONS[action][0]


def test_paying_an_unapproved_grant_is_refused(county: Target, cli: Any) -> None:
    v = apply(county)
    with pytest.raises(Conflict) as exc:
        call(county, gapps.pay, v.id, f"{Y}-09-01")
    assert exc.value.key == "grant.not_allowed"
    err = one_line_error(cli("grant", "pay", str(v.id), "--date", f"{Y}-09-01"), ExitCode.CONFLICT)
    assert "已批准" in err
    call(county, gapps.reject, v.id, "材料不全")
    with pytest.raises(Conflict):
        call(county, gapps.pay, v.id, f"{Y}-09-01")


@pytest.mark.parametrize(
    ("on", "reason"),
    [
        (f"{Y - 1}-12-31", "grant.paid_before_year"),
        ("tomorrow", "grant.future"),
        (f"{Y}-07-31", "grant.before_approved"),
    ],
)
def test_payment_dates(county: Target, on: str, reason: str) -> None:
    v = apply(county)
    approve(county, v.id, f"{Y}-08-01")
    when = (today() + timedelta(days=1)).isoformat() if on == "tomorrow" else on
    with pytest.raises(InvalidValue) as exc:
        call(county, gapps.pay, v.id, when)
    assert exc.value.reason == reason


def test_a_paid_grant_is_final(county: Target, cli: Any) -> None:
    v = apply(county)
    approve(county, v.id)
    paid = call(county, gapps.pay, v.id, f"{Y + 1}-01-15")  # paid the year after: allowed
    assert (paid.status, paid.paid_on) == ("paid", date(Y + 1, 1, 15))
    for args in (("reject", str(v.id), "--reason", "x"), ("withdraw", str(v.id))):
        one_line_error(cli("grant", *args), ExitCode.CONFLICT)
    one_line_error(cli("grant", "pay", str(v.id)), ExitCode.CONFLICT)


def test_reject_needs_a_reason_and_unknown_grants_are_not_found(county: Target, cli: Any) -> None:
    v = apply(county)
    with pytest.raises(UsageError):
        call(county, gapps.reject, v.id, "  ")
    with pytest.raises(NotFound):
        read(county, gv.show, 999)
    one_line_error(cli("grant", "show", "#999"), ExitCode.NOT_FOUND)
    one_line_error(cli("grant", "approve", "abc"), ExitCode.NOT_FOUND)


def test_approval_date_not_before_the_application(county: Target) -> None:
    v = apply(county)
    with pytest.raises(InvalidValue) as exc:
        approve(county, v.id, f"{Y}-07-01")
    assert exc.value.reason == "grant.before_applied"


def test_excluded_students_are_recorded_as_rejected(county: Target, cli: Any) -> None:
    v = apply(county, exclusion="军校")
    assert (v.status, v.exclusion, v.status_reason) == ("rejected", "军校", "军校")
    assert v.amount_fen == 500_000  # what the standard would have been
    # it does not count as the year's grant, and it uses no budget
    again = apply(county, level="高中")
    assert again.status == "applied"
    out = ok(cli("grant", "show", str(v.id)))
    assert "军校" in out and "不予资助" in out


# --- list, round, notice -----------------------------------------------------------------------


def _round_of_grants(target: Target) -> list[gv.GrantView]:
    made = [
        apply(target),
        apply(target, student_name="王小红", student_id_number=KID2, parent_id_number=MIGRANT),
        apply(
            target,
            student_name="王小刚",
            student_id_number=KID3,
            parent_id_number=WIFE,
            level="高中",
            school="县一中",
        ),
        apply(
            target,
            student_name="赵小燕",
            student_id_number=KID4,
            parent_id_number=LOCAL,
            level="小学",
            amount="600",
            override="特批",
        ),
    ]
    approve(target, made[0].id)
    approve(target, made[1].id)
    call(target, gapps.pay, made[1].id, f"{Y}-09-01")
    call(target, gapps.reject, made[3].id, "不符合条件")
    made.append(apply(target, year="2023", enrolled_year="2023", amount="4000"))  # another round
    return made


def test_the_round_summary_adds_up_to_the_list(county: Target, cli: Any) -> None:
    _round_of_grants(county)
    listed = json.loads(ok(cli("grant", "list", "--year", str(Y), "--all", "--format", "json")))
    summary = json.loads(ok(cli("grant", "round", str(Y), "--format", "json")))
    assert summary["totals"]["all"] == {
        "count": len(listed),
        "amount_fen": sum(r["amount_fen"] for r in listed),
    }
    for status in ("applied", "approved", "paid", "rejected", "withdrawn"):
        mine = [r for r in listed if r["status"] == status]
        assert summary["totals"][status] == {
            "count": len(mine),
            "amount_fen": sum(r["amount_fen"] for r in mine),
        }, status
        for line in summary["levels"]:
            here = [r for r in mine if r["level"] == line["level"]]
            assert line[status]["count"] == len(here)
            assert line[status]["amount_fen"] == sum(r["amount_fen"] for r in here)
    granted = sum(r["amount_fen"] for r in listed if r["status"] in ("approved", "paid"))
    assert summary["used_fen"] == granted == 800_000
    assert summary["budget_fen"] is None and summary["left_fen"] is None
    assert {ln["level"] for ln in summary["levels"]} == {"bachelor", "senior", "primary"}


def test_the_round_table_shows_budget_used_and_left(county: Target, cli: Any) -> None:
    call(county, gsettings.set_budget, Y, "20000")
    _round_of_grants(county)
    out = ok(cli("grant", "round", str(Y)))
    assert "20,000.00" in out and "8,000.00" in out and "12,000.00" in out
    assert "合计" in out and "本科" in out
    csv_out = ok(cli("grant", "round", str(Y), "--format", "csv"))
    assert csv_out.splitlines()[0].startswith("学段,申请（人）,申请（元）")
    assert "2022 年没有助学申请" in ok(cli("grant", "round", "2022"))


def test_list_filters_and_footer(county: Target, cli: Any) -> None:
    made = _round_of_grants(county)
    paid = json.loads(ok(cli("grant", "list", "--status", "已发放", "--format", "json")))
    assert [r["id"] for r in paid] == [made[1].id]
    by_level = json.loads(ok(cli("grant", "list", "--level", "高中", "--format", "json")))
    assert [r["id"] for r in by_level] == [made[2].id]
    by_elig = json.loads(ok(cli("grant", "list", "--eligibility", "override", "-f", "json")))
    assert [r["id"] for r in by_elig] == [made[3].id]
    # the parent's union: the file's (ORG1) or the membership's (ORG2)
    org1 = json.loads(ok(cli("grant", "list", "--union", ORG1, "--format", "json")))
    assert {r["id"] for r in org1} == {made[0].id, made[2].id, made[4].id}
    org2 = json.loads(ok(cli("grant", "list", "--union", ORG2, "--format", "json")))
    assert {r["id"] for r in org2} == {made[1].id, made[3].id}
    out = ok(cli("grant", "list", "--year", str(Y)))
    assert "共 4 条，金额合计 10,600.00 元；其中已批准和已发放 2 条，8,000.00 元" in out
    limited = ok(cli("grant", "list", "--limit", "2"))
    assert "显示 2 条，共 5 条" in limited
    one_line_error(cli("grant", "list", "--status", "已付"), ExitCode.USAGE)


def test_the_notice_shows_name_level_amount_only(county: Target, cli: Any) -> None:
    made = _round_of_grants(county)
    data = json.loads(ok(cli("grant", "notice", str(Y), "--format", "json")))
    assert [set(r) for r in data] == [{"no", "name", "level", "amount_fen"}] * 2
    assert [(r["name"], r["amount_fen"]) for r in data] == [
        ("王小红", 300_000),
        ("张小明", 500_000),
    ]
    out = ok(cli("grant", "notice", str(Y)))
    for secret in (KID1, KID1[-4:], KID2[-4:], "东北林业大学", "张伟", "王强", "KN2023"):
        assert secret not in out
    assert "张小明" in out and "共 2 人，合计 8,000.00 元" in out
    assert made[2].student_name not in out  # applied only: not on the notice
    assert made[3].student_name not in out  # rejected


def test_ids_are_masked_unless_asked_with_a_reason(county: Target, cli: Any) -> None:
    v = apply(county)
    for args in (
        ("grant", "list"),
        ("grant", "list", "--format", "csv"),
        ("grant", "list", "--format", "json"),
        ("grant", "show", str(v.id)),
        ("grant", "show", str(v.id), "--format", "json"),
    ):
        out = ok(cli(*args))
        assert KID1 not in out and HEAD not in out, args
        assert "2301**********" in out, args
    one_line_error(cli("grant", "show", str(v.id), "--show-id"), ExitCode.USAGE)
    out = ok(cli("grant", "show", str(v.id), "--show-id", "--reason", "核对银行卡开户"))
    assert KID1 in out and HEAD in out
    reveal = audit(county, "reveal")
    assert reveal[-1]["reason"] == "核对银行卡开户"
    assert reveal[-1]["after"]["command"] == "grant.show"
    # the confirmation of an application is masked too
    run = cli(
        "grant", "apply", "王小红", "--id", KID2, "--parent-id", MIGRANT, "--level", "本科",
        "--year", str(Y),
    )  # fmt: skip
    assert KID2 not in ok(run)


def test_every_write_is_audited(county: Target) -> None:
    v = apply(county)
    approve(county, v.id)
    call(county, gapps.pay, v.id, f"{Y}-09-01")
    w = apply(county, student_name="王小红", student_id_number=KID2, parent_id_number=MIGRANT)
    call(county, gapps.withdraw, w.id, "家长申请撤回")
    x = apply(county, student_name="王小红", student_id_number=KID2, parent_id_number=MIGRANT)
    call(county, gapps.reject, x.id, "材料不全")
    call(county, gsettings.set_budget, Y, "100000")
    applied = audit(county, "grant.apply")
    assert [e["entity_id"] for e in applied] == [v.id, w.id, x.id]
    assert applied[0]["after"]["amount_fen"] == 500_000 and applied[0]["operator"] == "tester"
    approved = audit(county, "grant.approve")[0]
    assert approved["before"]["status"] == "applied" and approved["after"]["status"] == "approved"
    assert audit(county, "grant.pay")[0]["after"] == {"status": "paid", "paid_on": f"{Y}-09-01"}
    assert audit(county, "grant.withdraw")[0]["reason"] == "家长申请撤回"
    assert audit(county, "grant.reject")[0]["after"]["status_reason"] == "材料不全"
    standards = audit(county, "grant.standard")
    assert standards[0]["after"] == {"bachelor": {"on_file": 500_000, "off_file": 300_000}}
    assert audit(county, "grant.budget")[0]["after"] == {"budget_fen": 10_000_000}


def test_errors_read_in_english(county: Target, cli: Any) -> None:
    run = cli(
        "--lang", "en", "grant", "apply", "张小明", "--id", KID1, "--parent-id", LOCAL,
        "--level", "本科", "--year", str(Y),
    )  # fmt: skip
    assert "not eligible" in one_line_error(run, ExitCode.CONFLICT)


def test_apply_names_every_missing_and_bad_value(county: Target) -> None:
    with pytest.raises(MissingFields) as missing:
        call(county, gapps.apply, {"student_name": "张小明"})
    assert missing.value.fields == ["student_id_number", "parent_id_number", "level"]
    with pytest.raises(InvalidValues) as bad:
        apply(county, student_id_number=BAD_KID1, level="大学城", enrolled_year="2030")
    fields = {e.field for e in bad.value.errors}
    assert fields == {"student_id_number", "level", "enrolled_year"}
    assert KID1[:-1] not in bad.value.message()
    assert grant_count(county) == 0


# --- the household's grants in member show / hardship show ---------------------------------------


def test_member_and_hardship_show_list_the_households_grants(county: Target, cli: Any) -> None:
    _round_of_grants(county)
    filed = ok(cli("hardship", "show", "KN2023-00001"))
    assert "子女金秋助学" in filed and "张小明" in filed and "王小刚" in filed
    data = json.loads(ok(cli("hardship", "show", "KN2023-00001", "--format", "json")))
    assert {g["student_name"] for g in data["grants"]} == {"张小明", "王小刚"}
    member = ok(cli("member", "show", MIGRANT))
    assert "子女金秋助学" in member and "王小红" in member and "张小明" not in member
    data = json.loads(ok(cli("member", "show", LOCAL, "--format", "json")))
    assert [g["status"] for g in data["grants"]] == ["rejected"]


# --- for the import kind -------------------------------------------------------------------------

ROW = {
    "student_name": "张小明",
    "student_id_number": KID1,
    "parent_name": "张伟",
    "parent_id_number": HEAD,
    "level": "本科",
    "school": "东北林业大学",
    "enrolled_year": "2024",
    "year": "2024年",
    "amount": "5000",
    "status": "",
    "paid_on": "",
    "note": "",
}


def test_parse_grant_fields() -> None:
    p = grules.parse_grant_fields(ROW)
    assert (p["year"], p["level"], p["amount_fen"], p["status"]) == (
        2024,
        "bachelor",
        500_000,
        "applied",
    )
    assert p["paid_on"] is None
    paid = grules.parse_grant_fields(ROW | {"status": "已发放", "paid_on": "2024/9/1"})
    assert (paid["status"], paid["paid_on"]) == ("paid", date(2024, 9, 1))
    # a payment date with no status is a payment
    assert grules.parse_grant_fields(ROW | {"paid_on": "2024-09-01"})["status"] == "paid"
    with pytest.raises(MissingFields) as missing:
        grules.parse_grant_fields(ROW | {"status": "已发放"})
    assert missing.value.fields == ["paid_on"]
    with pytest.raises(MissingFields) as missing:
        grules.parse_grant_fields(ROW | {"parent_name": "", "amount": " "})
    assert missing.value.fields == ["parent_name", "amount"]
    # every status comes in (a whole past round), with its dates and reasons
    rejected = grules.parse_grant_fields(
        ROW | {"status": "不予资助", "decided_on": "2024/8/5", "status_reason": "收入超标"}
    )
    assert (rejected["status"], rejected["decided_on"], rejected["status_reason"]) == (
        "rejected",
        date(2024, 8, 5),
        "收入超标",
    )
    assert (
        grules.parse_grant_fields(ROW | {"status": "撤回"})["decided_on"] is None
    )  # defaulted later
    with pytest.raises(MissingFields) as missing:  # a rejection says why, as grant reject does
        grules.parse_grant_fields(ROW | {"status": "不予资助"})
    assert missing.value.fields == ["status_reason"]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"status": "已批准", "paid_on": "2024-09-01"}, "paid_on", "grant.date_not_status"),
        ({"status": "申请", "approved_on": "2024-09-01"}, "approved_on", "grant.date_not_status"),
        ({"status": "已发放", "decided_on": "2024-09-01"}, "decided_on", "grant.date_not_status"),
        ({"status": "已批准", "status_reason": "x"}, "status_reason", "grant.reason_not_status"),
        (
            {"status": "已发放", "approved_on": "2024-09-02", "paid_on": "2024-09-01"},
            "paid_on",
            "grant.date_before",
        ),
        (
            {"status": "撤回", "applied_on": "2024-09-02", "decided_on": "2024-09-01"},
            "decided_on",
            "grant.date_before",
        ),
        ({"status": "申请", "applied_on": "2030-01-01"}, "applied_on", "grant.future"),
        ({"status": "已发放", "paid_on": "2023-12-31"}, "paid_on", "grant.paid_before_year"),
        ({"amount": "0"}, "amount", "grant.amount_zero"),
        ({"enrolled_year": "2025"}, "enrolled_year", "grant.enrolled_after_year"),
    ],
)
def test_parse_grant_fields_refuses(change: dict[str, str], field: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        grules.parse_grant_fields(ROW | change)
    assert (exc.value.field, exc.value.reason) == (field, reason)


def _import(target: Target, **change: str) -> tuple[int, list[str]]:
    parsed = grules.parse_grant_fields(ROW | change)
    with UnitOfWork(target) as uow:
        conn = uow.session.connection()
        found = gplan.import_grant(conn, parsed, timestamp=utcnow(), batch_id=None)
        uow.commit()
    return found


def test_import_grant_follows_the_rules_of_apply(county: Target) -> None:
    gid, warnings = _import(county, status="已发放", paid_on="2024-09-01")
    v = read(county, gv.show, gid)
    assert (v.status, v.paid_on, v.approved_on, v.eligibility) == (
        "paid",
        date(2024, 9, 1),
        date(2024, 9, 1),
        "hardship_file",
    )
    assert warnings == []
    with pytest.raises(Conflict):  # one per student per year
        _import(county, level="高中", amount="2000")
    with UnitOfWork(county) as uow:
        person = grules.find_person(uow.session, KID1)
        assert person is not None
        standing = grules.standing_grant(uow.session, person.id, 2024)
    assert standing is not None and standing.id == gid and standing.status == "paid"
    with pytest.raises(Conflict) as exc:  # an ineligible parent without 资格说明 is refused
        _import(county, student_id_number=KID4, parent_id_number=LOCAL, parent_name="赵敏")
    assert exc.value.key == "grant.import_not_eligible"
    assert "“资格说明”列" in exc.value.message() and "--" not in exc.value.message()
    with pytest.raises(UsageError) as usage:  # a non-standard amount takes the note as reason
        _import(county, student_id_number=KID2, student_name="王小红", amount="5200")
    assert usage.value.key == "grant.amount_reason_note"
    gid2, _ = _import(
        county, student_id_number=KID2, student_name="王小红", amount="5200", note="多子女"
    )
    assert read(county, gv.show, gid2).amount_reason == "多子女"
    _, warned = _import(county, year="2023", enrolled_year="2023", amount="1000")
    assert warned and "2023" in warned[0]


def test_import_grant_keeps_to_the_budget(county: Target) -> None:
    call(county, gsettings.set_budget, Y, "6000")
    _import(county, status="已发放", paid_on="2024-09-01")
    with pytest.raises(Conflict) as exc:
        _import(county, student_id_number=KID2, student_name="王小红", status="已批准")
    assert exc.value.key == "grant.over_budget"
    gid, _ = _import(county, student_id_number=KID2, student_name="王小红")  # applied: no cap
    assert read(county, gv.show, gid).status == "applied"


def test_the_figures_of_a_year(county: Target) -> None:
    _round_of_grants(county)
    with UnitOfWork(county) as uow:
        figures = gfigures.year_figures(uow.session, Y)
    assert (figures.students, figures.amount_fen) == (1, 300_000)
    assert figures.by_level == {"bachelor": gfigures.LevelFigure(1, 300_000)}
    assert (figures.hardship_children, figures.migrant_children) == (0, 1)


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_grant_rules_on_postgres(pg_target: Target) -> None:
    from unioncli.db import migrate

    migrate.upgrade(pg_target)
    build_county(pg_target)
    call(pg_target, gsettings.set_budget, Y, "12000")
    made = _round_of_grants(pg_target)
    with pytest.raises(Conflict):
        apply(pg_target, level="高中", parent_id_number=WIFE)
    c = made[2]
    with pytest.raises(Conflict) as exc:
        call(pg_target, gsettings.set_budget, Y, "7000")
    assert exc.value.key == "grant.budget_below_used"
    assert approve(pg_target, c.id).budget_left_fen == 200_000
    with reading(pg_target) as r:
        page = gv.list_grants(r, gv.GrantFilter(year=Y, org=ORG1), limit=None)
        summary = gv.round_summary(r, Y)
        notice = gv.notice(r, Y)
    with UnitOfWork(pg_target) as uow:
        migrant = grules.find_person(uow.session, MIGRANT)
        assert migrant is not None
        found = grules.eligibility_of(uow.session.connection(), migrant.id, Y)
    assert found == (Eligibility.MIGRANT_MEMBER, None)
    assert {r.id for r in page.rows} == {made[0].id, made[2].id}
    assert summary.totals.all.count == 4 and summary.used_fen == 1_000_000
    assert [r.name for r in notice.rows] == ["王小刚", "王小红", "张小明"]  # by level, then name
    gid, _ = _import(pg_target, year="2025", enrolled_year="2025", amount="5000")
    assert read(pg_target, gv.show, gid).status == "applied"
