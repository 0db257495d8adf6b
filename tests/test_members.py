"""Members at the service level: enrolment, the status rules, corrections, figures, lookup."""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import product
from typing import Any

import pytest
from sqlalchemy import func, select

from unioncli.config import Target
from unioncli.db.engine import engine_for
from unioncli.db.read import reading
from unioncli.db.uow import UnitOfWork
from unioncli.enums import MemberEventKind as K
from unioncli.enums import MemberStatus as S
from unioncli.errors import (
    Conflict,
    ExitCode,
    InvalidValue,
    InvalidValues,
    NotFound,
    UsageError,
)
from unioncli.ids import make_id_number
from unioncli.models import AuditEntry, Member, Person
from unioncli.pinyin import name_keys
from unioncli.services import members
from unioncli.services.figures import member_figures
from unioncli.services.members import TRANSITIONS
from unioncli.services.orgs import add_org
from unioncli.views import members as member_views
from unioncli.views.members import MemberFilter, MemberRow, MemberView

ORG1 = "城关镇第一小学工会"
ORG2 = "河西镇人民医院工会"
ZHANG_WEI = make_id_number("230125", date(1990, 1, 1), 1, "male")  # 23012519900101003X
ZHANG_LI = make_id_number("230125", date(1992, 5, 6), 2, "female")
WANG_WEI = make_id_number("230125", date(1988, 8, 8), 3, "male")

# The status rules as SPEC §2.1 describes them: kind -> (statuses it may start from, result).
# None means "not a member yet". Kept here, apart from the code, so that a change to the rules
# is a visible, deliberate change to this file too.
RULES: dict[K, tuple[frozenset[S | None], S]] = {
    K.JOIN: (frozenset({None, S.LEFT, S.REMOVED, S.TRANSFERRED_OUT}), S.ACTIVE),
    K.TRANSFER_IN: (frozenset({None, S.ACTIVE, S.TRANSFERRED_OUT}), S.ACTIVE),
    K.TRANSFER_OUT: (frozenset({S.ACTIVE, S.RETAINED}), S.TRANSFERRED_OUT),
    K.RETAIN: (frozenset({S.ACTIVE}), S.RETAINED),
    K.RESTORE: (frozenset({S.RETAINED}), S.ACTIVE),
    K.LEAVE: (frozenset({S.ACTIVE, S.RETAINED}), S.LEFT),
    K.REMOVE: (frozenset({S.ACTIVE, S.RETAINED}), S.REMOVED),
    K.DEATH: (frozenset({S.ACTIVE, S.RETAINED}), S.DECEASED),
}

# How a member who joined gets to each status: one real transition.
REACH: dict[S, K | None] = {
    S.ACTIVE: None,
    S.RETAINED: K.RETAIN,
    S.TRANSFERRED_OUT: K.TRANSFER_OUT,
    S.LEFT: K.LEAVE,
    S.REMOVED: K.REMOVE,
    S.DECEASED: K.DEATH,
}


# --- helpers ----------------------------------------------------------------------------------


def two_orgs(target: Target) -> None:
    with UnitOfWork(target) as uow:
        add_org(uow, {"org_name": ORG1, "founded": "2010-05-01", "township": "城关镇"})
        add_org(uow, {"org_name": ORG2, "founded": "2012-03-01", "township": "河西镇"})
        uow.commit()


def add(target: Target, **raw: Any) -> MemberView:
    from_outside = raw.pop("from_outside", False)
    data = {"name": "张伟", "id_number": ZHANG_WEI, "org": "1", "joined": "2020-01-02"} | raw
    with UnitOfWork(target) as uow:
        view = members.enrol(uow, data, from_outside=from_outside)
        uow.commit()
    return view


def change(
    target: Target,
    ref: str,
    kind: K,
    on: str | date,
    reason: str | None = "原因",
    to_org: str | None = None,
) -> MemberView:
    with UnitOfWork(target) as uow:
        view = members.change_status(uow, ref, kind, on, reason, to_org=to_org)
        uow.commit()
    return view


def show(target: Target, ref: str) -> MemberView:
    with reading(target) as r:
        return member_views.show_member(r, ref)


def find_members(target: Target, query: str, limit: int = 20) -> tuple[list[MemberRow], int]:
    with reading(target) as r:
        page = member_views.find_members(r, query, limit=limit)
    return page.rows, page.total


def update(target: Target, ref: str, **raw: Any) -> MemberView:
    with UnitOfWork(target) as uow:
        view = members.update(uow, ref, raw)
        uow.commit()
    return view


def count(target: Target, model: Any) -> int:
    with UnitOfWork(target) as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def audit_entries(target: Target, action: str) -> list[dict[str, Any]]:
    with UnitOfWork(target) as uow:
        found = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return [e.model_dump() for e in found]


@pytest.fixture
def orgs(ledger: Target) -> Target:
    two_orgs(ledger)
    return ledger


# --- the status rules -------------------------------------------------------------------------


def test_transition_table_is_the_documented_one() -> None:
    assert TRANSITIONS == RULES


@pytest.mark.parametrize(
    ("kind", "status"),
    list(product(RULES, REACH)),
    ids=[f"{k.value}-from-{s.value}" for k, s in product(RULES, REACH)],
)
def test_status_rule(orgs: Target, kind: K, status: S) -> None:
    add(orgs)
    step = REACH[status]
    if step is not None:
        change(orgs, "1", step, "2021-01-01")
    assert show(orgs, "1").status == status.value
    to_org = "2" if kind == K.TRANSFER_IN else None
    allowed, result = RULES[kind]
    if status in allowed:
        view = change(orgs, "1", kind, "2022-01-01", to_org=to_org)
        assert view.status == result.value
        assert view.status_since == date(2022, 1, 1)
        assert view.events[-1].kind == kind.value
        assert view.events[-1].date == date(2022, 1, 1)
        assert view.events[-1].reason == "原因"
        assert len(view.events) == (3 if step else 2)
        (entry,) = audit_entries(orgs, f"member.{kind.value}")
        assert entry["operator"] == "tester"
        assert entry["reason"] == "原因"
        after = json.loads(entry["after"] or "{}")
        # the entry holds what changed: a move between unions changes the union, not the status
        assert after.get("status", status.value) == result.value
        if kind == K.TRANSFER_IN:
            assert after["org_id"] == 2
    else:
        with pytest.raises(Conflict) as exc:
            change(orgs, "1", kind, "2022-01-01", to_org=to_org)
        assert exc.value.exit_code == ExitCode.CONFLICT == 4
        assert exc.value.key == "member.not_allowed"
        assert exc.value.params["status"] == status.label("zh")
        view = show(orgs, "1")
        assert view.status == status.value
        assert len(view.events) == (2 if step else 1)


@pytest.mark.parametrize("kind", [K.JOIN, K.TRANSFER_IN])
def test_first_arrival_is_a_join_or_a_transfer_in(orgs: Target, kind: K) -> None:
    view = add(orgs, from_outside=kind == K.TRANSFER_IN)
    assert view.status == S.ACTIVE.value
    assert [(e.kind, e.date, e.org, e.from_org) for e in view.events] == [
        (kind.value, date(2020, 1, 2), ORG1, None)
    ]


@pytest.mark.parametrize("kind", [K.LEAVE, K.REMOVE, K.TRANSFER_OUT])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_leaving_needs_a_reason(orgs: Target, kind: K, reason: str | None) -> None:
    add(orgs)
    with pytest.raises(UsageError) as exc:
        change(orgs, "1", kind, "2021-01-01", reason=reason)
    assert exc.value.key == "member.reason_required"
    assert exc.value.exit_code == 2
    assert show(orgs, "1").status == "active"


@pytest.mark.parametrize("kind", [K.RETAIN, K.DEATH])
def test_other_changes_need_no_reason(orgs: Target, kind: K) -> None:
    add(orgs)
    view = change(orgs, "1", kind, "2021-01-01", reason=None)
    assert view.events[-1].reason is None


def test_transfer_needs_a_target_or_out(orgs: Target) -> None:
    add(orgs)
    with UnitOfWork(orgs) as uow:
        with pytest.raises(UsageError) as exc:
            members.transfer(uow, "1", "2021-01-01", None, to_org=None, out=False)
        assert exc.value.key == "member.transfer_target"
        with pytest.raises(UsageError):
            members.transfer(uow, "1", "2021-01-01", "调往外县", to_org="2", out=True)


def test_transfer_out_through_transfer(orgs: Target) -> None:
    add(orgs)
    with UnitOfWork(orgs) as uow:
        view = members.transfer(uow, "1", "2021-01-01", "调往外县", to_org=None, out=True)
        uow.commit()
    assert (view.status, view.events[-1].kind, view.org) == (
        "transferred_out",
        "transfer_out",
        ORG1,
    )


def test_event_before_the_last_event_is_refused(orgs: Target) -> None:
    add(orgs)
    change(orgs, "1", K.RETAIN, "2021-06-01")
    with pytest.raises(Conflict) as exc:
        change(orgs, "1", K.RESTORE, "2021-05-31")
    assert exc.value.key == "member.before_last_event"
    assert exc.value.params["last_date"] == date(2021, 6, 1)
    # the same day is fine
    assert change(orgs, "1", K.RESTORE, "2021-06-01").status == "active"


def test_event_in_the_future_is_refused(orgs: Target) -> None:
    add(orgs)
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(InvalidValue) as exc:
        change(orgs, "1", K.RETAIN, tomorrow.isoformat())
    assert (exc.value.field, exc.value.reason, exc.value.exit_code) == ("date", "member.future", 2)
    assert change(orgs, "1", K.RETAIN, date.today()).status_since == date.today()


def test_join_in_the_future_is_refused(orgs: Target) -> None:
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(InvalidValue) as exc:
        add(orgs, joined=tomorrow.isoformat())
    assert (exc.value.field, exc.value.reason) == ("joined", "member.future")
    assert count(orgs, Member) == 0


def test_join_before_sixteen_is_refused(orgs: Target) -> None:
    idn = make_id_number("230125", date(2000, 3, 5), 7, "female")
    with pytest.raises(InvalidValue) as exc:
        add(orgs, name="李娜", id_number=idn, joined="2016-03-04")
    assert (exc.value.field, exc.value.reason) == ("joined", "member.too_young")
    assert exc.value.exit_code == 2
    assert count(orgs, Person) == 0
    # on the 16th birthday it is allowed
    assert add(orgs, name="李娜", id_number=idn, joined="2016-03-05").joined_on == date(2016, 3, 5)


def test_unknown_member_is_not_found(orgs: Target) -> None:
    with pytest.raises(NotFound) as exc:
        change(orgs, "42", K.RETAIN, "2021-01-01")
    assert exc.value.exit_code == 3


def test_member_found_by_id_number_card_and_number(orgs: Target) -> None:
    add(orgs, card_no="GH0001")
    assert show(orgs, ZHANG_WEI).member_id == 1
    assert show(orgs, ZHANG_WEI.lower()).member_id == 1
    assert show(orgs, "GH0001").member_id == 1
    assert show(orgs, "#1").member_id == 1
    with pytest.raises(NotFound):
        show(orgs, WANG_WEI)


# --- enrolment --------------------------------------------------------------------------------


def test_enrol_stores_person_and_member(orgs: Target) -> None:
    view = add(
        orgs,
        phone="138 0013 8000",
        gender="男",
        ethnicity="满",
        education="本科",
        employer="城关镇第一小学",
        card_no="GH0001",
        migrant="是",
        gig_group="外卖",
        political_status="党员",
        hukou="农村",
        reason="首次入会",
    )
    assert view.member_id == 1
    assert (view.name, view.id_number, view.gender, view.birth_date) == (
        "张伟",
        ZHANG_WEI,
        "male",
        date(1990, 1, 1),
    )
    assert (view.phone, view.ethnicity, view.education, view.political_status, view.hukou) == (
        "13800138000",
        "满族",
        "bachelor",
        "cpc_member",
        "agricultural",
    )
    assert (view.org, view.employer, view.card_no, view.migrant, view.gig_group) == (
        ORG1,
        "城关镇第一小学",
        "GH0001",
        True,
        "food_delivery",
    )
    assert (view.status, view.status_since, view.joined_on) == ("active", *[date(2020, 1, 2)] * 2)
    assert [(e.kind, e.reason) for e in view.events] == [("join", "首次入会")]
    (entry,) = audit_entries(orgs, "member.add")
    after = json.loads(entry["after"] or "{}")
    assert (entry["entity"], entry["entity_id"], entry["operator"]) == ("member", 1, "tester")
    assert (after["id_number"], after["name"], after["org_id"]) == (ZHANG_WEI, "张伟", 1)


def test_the_same_person_twice_is_refused(orgs: Target) -> None:
    add(orgs)
    with pytest.raises(Conflict) as exc:
        add(orgs, org="2", joined="2021-01-01")
    assert exc.value.key == "member.already_member"
    assert exc.value.exit_code == 4
    assert (count(orgs, Person), count(orgs, Member)) == (1, 1)


def test_an_existing_person_is_reused(orgs: Target) -> None:
    # a person already in the ledger (say, a hardship-file head) who is not a member yet
    with UnitOfWork(orgs) as uow:
        pinyin, initials = name_keys("张伟")
        person = Person(
            id_number=ZHANG_WEI,
            id_rev=ZHANG_WEI[::-1],
            name="张伟",
            name_pinyin=pinyin,
            name_initials=initials,
            gender="male",
            birth_date=date(1990, 1, 1),
            ethnicity="汉族",
        )
        uow.session.add(person)
        uow.commit()
        person_id = person.id
    view = add(orgs, phone="13800138000")
    assert view.person_id == person_id
    assert (view.ethnicity, view.phone) == ("汉族", "13800138000")
    assert count(orgs, Person) == 1


def test_an_existing_person_under_another_name_is_refused(orgs: Target) -> None:
    add(orgs)
    change(orgs, "1", K.LEAVE, "2021-01-01")
    with pytest.raises(Conflict) as exc:
        add(orgs, name="张玮")
    assert exc.value.key == "member.name_mismatch"
    assert exc.value.params == {"stored": "张伟", "given": "张玮"}


def test_card_number_is_unique(orgs: Target) -> None:
    add(orgs, card_no="GH0001")
    with pytest.raises(Conflict) as exc:
        add(orgs, name="王伟", id_number=WANG_WEI, card_no="GH0001")
    assert exc.value.key == "member.card_taken"
    assert count(orgs, Person) == 1
    add(orgs, name="王伟", id_number=WANG_WEI, card_no="GH0002")
    with pytest.raises(Conflict):
        update(orgs, "2", card_no="GH0001")
    assert show(orgs, "2").card_no == "GH0002"
    # keeping one's own card is no conflict
    assert update(orgs, "1", card_no="GH0001").card_no == "GH0001"


def test_every_bad_value_is_reported_at_once(orgs: Target) -> None:
    with pytest.raises(InvalidValues) as exc:
        add(
            orgs,
            name="张伟3",
            phone="12345",
            education="博士后",
            joined="2020-13-45",
            gender="女",
        )
    assert exc.value.exit_code == 2
    assert [e.field for e in exc.value.errors] == [
        "name",
        "phone",
        "education",
        "joined",
        "gender",
    ]
    assert exc.value.errors[-1].reason == "ids.gender_is_male"
    message = exc.value.message("zh")
    assert message.count("无效：") == 5
    assert message.startswith("姓名“张伟3”无效：姓名不应含数字；手机号“*****”无效：")
    assert count(orgs, Person) == 0


def test_gender_error_quotes_what_was_typed(orgs: Target) -> None:
    with pytest.raises(InvalidValue) as exc:
        add(orgs, gender="女")
    assert exc.value.message("zh") == (
        "性别“女”无效：与身份证号不符：身份证号第 17 位为奇数，表示男性；请核对性别或身份证号"
    )


def test_bad_id_and_bad_date_together(orgs: Target) -> None:
    with pytest.raises(InvalidValues) as exc:
        add(orgs, id_number="5.10322E+17", joined="2020/02/30")
    assert [(e.field, e.reason) for e in exc.value.errors] == [
        ("id_number", "ids.scientific"),
        ("joined", "dates.invalid"),
    ]


def test_internal_transfer_records_the_union_it_came_from(orgs: Target) -> None:
    add(orgs)
    view = change(orgs, "1", K.TRANSFER_IN, "2021-07-01", reason="工作调动", to_org=ORG2)
    assert (view.status, view.org) == ("active", ORG2)
    assert [(e.kind, e.org, e.from_org) for e in view.events] == [
        ("join", ORG1, None),
        ("transfer_in", ORG2, ORG1),
    ]
    fig = member_figures(engine_for(orgs), 2021)
    assert (fig.new, fig.transferred_in, fig.transferred_between_unions) == (0, 1, 1)
    assert fig.active_end == 1
    with pytest.raises(Conflict) as exc:
        change(orgs, "1", K.TRANSFER_IN, "2021-08-01", to_org="2")
    assert exc.value.key == "member.same_org"


def test_transfer_back_in_after_leaving_the_county_has_no_from_union(orgs: Target) -> None:
    add(orgs)
    change(orgs, "1", K.TRANSFER_OUT, "2021-01-01", reason="调往外县")
    view = change(orgs, "1", K.TRANSFER_IN, "2022-01-01", reason="调回", to_org="2")
    assert (view.events[-1].kind, view.events[-1].from_org, view.org) == ("transfer_in", None, ORG2)
    fig = member_figures(engine_for(orgs), 2022)
    assert (fig.transferred_in, fig.transferred_between_unions, fig.active_end) == (1, 0, 1)


def test_rejoin_after_leaving_is_a_new_join(orgs: Target) -> None:
    add(orgs, joined="2018-03-01")
    change(orgs, "1", K.LEAVE, "2019-05-01", reason="本人申请")
    view = change(orgs, "1", K.JOIN, "2021-09-01", reason="重新入会", to_org="2")
    assert (view.status, view.joined_on, view.org) == ("active", date(2021, 9, 1), ORG2)
    assert [e.kind for e in view.events] == ["join", "leave", "join"]
    assert count(orgs, Person) == count(orgs, Member) == 1
    eng = engine_for(orgs)
    assert member_figures(eng, 2018).new == 1
    assert member_figures(eng, 2021).new == 1
    assert member_figures(eng, 2020).active_end == 0
    assert member_figures(eng, 2021).active_end == 1
    with reading(orgs) as r:
        for year in (2018, 2021):
            page = member_views.list_members(r, MemberFilter(joined_year=year), limit=None)
            assert (page.total, [m.name for m in page.rows]) == (1, ["张伟"])
        assert member_views.list_members(r, MemberFilter(joined_year=2019), limit=None).total == 0


def test_enrol_from_outside_is_a_transfer_in(orgs: Target) -> None:
    view = add(orgs, from_outside=True, reason="自外县转入")
    assert [(e.kind, e.from_org, e.reason) for e in view.events] == [
        ("transfer_in", None, "自外县转入")
    ]
    fig = member_figures(engine_for(orgs), 2020)
    assert (fig.new, fig.transferred_in, fig.transferred_between_unions) == (0, 1, 0)
    assert fig.active_end == 1


# --- corrections ------------------------------------------------------------------------------


def test_update_changes_fields_and_audits_them(orgs: Target) -> None:
    add(orgs, phone="13800138000", education="高中")
    view = update(orgs, "1", phone="13912345678", education="大专", employer="县人民医院")
    assert (view.phone, view.education, view.employer) == ("13912345678", "college", "县人民医院")
    assert show(orgs, ZHANG_WEI).phone == "13912345678"
    (entry,) = audit_entries(orgs, "member.update")
    assert (entry["entity"], entry["entity_id"], entry["operator"]) == ("member", 1, "tester")
    assert json.loads(entry["before"] or "") == {
        "phone": "13800138000",
        "education": "senior",
        "employer": None,
    }
    assert json.loads(entry["after"] or "") == {
        "phone": "13912345678",
        "education": "college",
        "employer": "县人民医院",
    }


def test_update_of_the_name_updates_the_pinyin_keys(orgs: Target) -> None:
    add(orgs)
    update(orgs, "1", name="章伟")
    found, _ = find_members(orgs, "zhangwei")
    assert [r.name for r in found] == ["章伟"]
    with UnitOfWork(orgs) as uow:
        person = uow.session.scalars(select(Person)).one()
        assert (person.name_pinyin, person.name_initials) == ("zhangwei", "zw")


def test_update_refuses_a_gender_against_the_id(orgs: Target) -> None:
    add(orgs)
    with pytest.raises(InvalidValue) as exc:
        update(orgs, "1", gender="女")
    assert (exc.value.field, exc.value.reason, exc.value.exit_code) == (
        "gender",
        "ids.gender_is_male",
        2,
    )
    assert show(orgs, "1").gender == "male"
    assert audit_entries(orgs, "member.update") == []


def test_update_with_nothing_is_a_usage_error(orgs: Target) -> None:
    add(orgs)
    with pytest.raises(UsageError) as exc:
        update(orgs, "1")
    assert exc.value.key == "member.nothing_to_update"


def test_update_to_the_same_values_writes_no_audit_entry(orgs: Target) -> None:
    add(orgs, phone="13800138000")
    update(orgs, "1", phone="138-0013-8000", gender="男")
    assert audit_entries(orgs, "member.update") == []


# --- yearly figures ---------------------------------------------------------------------------


def test_figures_count_events_by_their_dates(orgs: Target) -> None:
    add(orgs, joined="2018-03-01")
    change(orgs, "1", K.LEAVE, "2020-06-01", reason="本人申请")
    add(orgs, name="王伟", id_number=WANG_WEI, joined="2021-04-01", org="2")
    eng = engine_for(orgs)
    f2018, f2019, f2020, f2021 = (member_figures(eng, y) for y in (2018, 2019, 2020, 2021))
    assert (f2018.new, f2018.left, f2018.active_end) == (1, 0, 1)
    assert (f2019.new, f2019.left, f2019.active_end) == (0, 0, 1)
    assert (f2020.new, f2020.left, f2020.active_end) == (0, 1, 0)
    assert (f2021.new, f2021.left, f2021.active_end) == (1, 0, 1)
    assert f2018.as_json()["members.new"] == 1
    assert f2020.as_json()["members.left"] == 1


def test_figures_count_retained_and_restored(orgs: Target) -> None:
    add(orgs, joined="2018-03-01")
    change(orgs, "1", K.RETAIN, "2019-02-01", reason="失业")
    change(orgs, "1", K.RESTORE, "2020-02-01", reason="再就业")
    eng = engine_for(orgs)
    f2019, f2020 = member_figures(eng, 2019), member_figures(eng, 2020)
    assert (f2019.retained, f2019.retained_end, f2019.active_end) == (1, 1, 0)
    assert (f2020.restored, f2020.retained_end, f2020.active_end) == (1, 0, 1)


def test_migrant_and_gig_are_counted_as_they_were_at_the_join(orgs: Target) -> None:
    add(orgs, joined="2019-04-01", migrant=True, gig_group="快递员")
    add(orgs, name="王伟", id_number=WANG_WEI, joined="2019-05-01")
    update(orgs, "1", migrant=False, gig_group="无")
    update(orgs, "2", migrant=True, gig_group="保安员")
    assert (show(orgs, "1").migrant, show(orgs, "1").gig_group) == (False, None)
    fig = member_figures(engine_for(orgs), 2019)
    assert (fig.new, fig.new_migrant, fig.new_gig) == (2, 1, 1)
    assert fig.new_gig_by_group == {"courier": 1}


def test_figures_count_new_unions(orgs: Target) -> None:
    eng = engine_for(orgs)
    assert (member_figures(eng, 2010).orgs_new, member_figures(eng, 2010).orgs_total_end) == (1, 1)
    assert (member_figures(eng, 2011).orgs_new, member_figures(eng, 2011).orgs_total_end) == (0, 1)
    assert (member_figures(eng, 2012).orgs_new, member_figures(eng, 2012).orgs_total_end) == (1, 2)


# --- lookup -----------------------------------------------------------------------------------


@pytest.fixture
def three(orgs: Target) -> Target:
    add(orgs, phone="13800138000")
    add(orgs, name="张丽", id_number=ZHANG_LI, phone="13900001111")
    add(orgs, name="王伟", id_number=WANG_WEI, org="2")
    return orgs


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("zhangwei", ["张伟"]),
        ("ZhangWei", ["张伟"]),
        ("zw", ["张伟"]),
        ("zhang", ["张丽", "张伟"]),
        ("张", ["张丽", "张伟"]),
        ("张伟", ["张伟"]),
        ("伟", []),
        (ZHANG_WEI[-4:], ["张伟"]),  # 003X
        (ZHANG_WEI[-4:].lower(), ["张伟"]),
        (ZHANG_WEI, ["张伟"]),
        ("13800138000", ["张伟"]),
        ("138-0013-8000", ["张伟"]),
        ("wangwei", ["王伟"]),
    ],
)
def test_find_members(three: Target, query: str, names: list[str]) -> None:
    found, total = find_members(three, query)
    assert [r.name for r in found] == names
    assert total == len(names)


def test_find_member_row_has_the_whole_record(three: Target) -> None:
    (row,), _ = find_members(three, "wangwei")
    assert (row.member_id, row.id_number, row.org, row.status, row.joined_on) == (
        3,
        WANG_WEI,
        ORG2,
        "active",
        date(2020, 1, 2),
    )


def test_find_limit_and_total(three: Target) -> None:
    found, total = find_members(three, "张", limit=1)
    assert ([r.name for r in found], total) == (["张丽"], 2)


@pytest.mark.parametrize("query", ["z", "", " ", "12"])
def test_find_refuses_a_too_short_query(three: Target, query: str) -> None:
    with pytest.raises(UsageError) as exc:
        find_members(three, query)
    assert exc.value.key == "find.too_short"
    assert exc.value.exit_code == 2


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture
def pg_ledger(pg_target: Target) -> Target:
    from unioncli.db import migrate

    migrate.upgrade(pg_target)
    return pg_target


@pytest.mark.postgres
def test_find_and_figures_on_postgres(pg_ledger: Target) -> None:
    two_orgs(pg_ledger)
    add(pg_ledger, phone="13800138000", migrant=True)
    add(pg_ledger, name="张丽", id_number=ZHANG_LI, joined="2021-02-03")
    change(pg_ledger, "1", K.LEAVE, "2021-06-01", reason="本人申请")
    eng = engine_for(pg_ledger)
    for query, names in [
        ("zw", ["张伟"]),
        ("zhang", ["张丽", "张伟"]),
        ("张", ["张丽", "张伟"]),
        (ZHANG_WEI[-4:], ["张伟"]),
        ("13800138000", ["张伟"]),
        ("z_", []),
    ]:
        if query == "z_":
            with pytest.raises(UsageError):
                find_members(pg_ledger, query)
            continue
        assert [r.name for r in find_members(pg_ledger, query)[0]] == names, query
    f2020, f2021 = member_figures(eng, 2020), member_figures(eng, 2021)
    assert (f2020.new, f2020.new_migrant, f2020.active_end) == (1, 1, 1)
    assert (f2021.new, f2021.left, f2021.active_end) == (1, 1, 1)
