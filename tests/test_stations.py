"""Worker stations: the registry, status changes and their dates, the standard check, yearly
ratings, the monthly service ledger and the yearly figures built from it alone."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from unioncli.config import Target
from unioncli.db.uow import UnitOfWork
from unioncli.errors import Conflict, ExitCode, InvalidValue, MissingFields
from unioncli.models import AuditEntry
from unioncli.models.station import Station, StationLog, StationRatingEntry
from unioncli.services.stations import figures as sfigures
from unioncli.services.stations import rules as srules

FULL = "饮水、桌椅、应急药箱、手机充电"


# --- helpers ---------------------------------------------------------------------------------


def add(cli: Any, code: str, name: str, opened: str, *extra: str) -> None:
    r = cli("station", "add", code, name, "--opened", opened, *extra)
    assert r.exit_code == 0, r.stderr


@pytest.fixture
def two(cli: Any) -> Any:
    """ZD0001 (城关镇, opened 2018-06-15, meets the standard) and ZD0002 (河西镇, bare)."""
    add(
        cli,
        "ZD0001",
        "城关镇爱心驿站",
        "2018-06-15",
        "--township",
        "城关镇",
        "--facilities",
        FULL + ";无线网络",
        "--staffed",
        "--sign",
        "--rules",
        "--lat",
        "45.75",
        "--lon",
        "126.63",
    )
    add(cli, "ZD0002", "河西镇环卫驿站", "2020-03-01", "--township", "河西镇")
    return cli


def audit(target: Target, action: str) -> list[dict[str, Any]]:
    with UnitOfWork(target) as uow:
        found = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return [
            {
                "entity_id": e.entity_id,
                "reason": e.reason,
                "before": json.loads(e.before) if e.before else None,
                "after": json.loads(e.after) if e.after else None,
            }
            for e in found
        ]


def one_line_error(r: Any, code: ExitCode) -> str:
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    text = r.stderr.strip()
    assert text and "\n" not in text and "Traceback" not in text
    return text


def logs(target: Target) -> list[tuple[str, date, int, int]]:
    with UnitOfWork(target) as uow:
        return [
            (code, m, v, a)
            for code, m, v, a in uow.session.execute(
                select(Station.code, StationLog.month, StationLog.visits, StationLog.activities)
                .join(Station, Station.id == StationLog.station_id)
                .order_by(Station.code, StationLog.month)
            )
        ]


# --- registry --------------------------------------------------------------------------------


def test_duplicate_code_is_a_conflict(two: Any, ledger: Target) -> None:
    r = two("station", "add", "zd0001", "另一个驿站", "--opened", "2021-01-01")
    assert "ZD0001" in one_line_error(r, ExitCode.CONFLICT)
    r = two("station", "update", "ZD0002", "--code", "ZD0001")
    one_line_error(r, ExitCode.CONFLICT)
    with UnitOfWork(ledger) as uow:
        assert uow.session.execute(select(func.count()).select_from(Station)).scalar_one() == 2


def test_add_is_audited_and_facilities_are_codes(two: Any, ledger: Target) -> None:
    (entry, _) = audit(ledger, "station.add")
    assert entry["after"]["station_code"] == "ZD0001"
    assert entry["after"]["facilities"] == "water,seating,first_aid,phone_charging,wifi"


def test_bad_values_are_one_line_with_exit_codes(two: Any) -> None:
    r = two(
        "station", "add", "ZD0009", "驿站", "--opened", "2021-01-01", "--facilities", "饮水、火锅"
    )
    text = one_line_error(r, ExitCode.USAGE)
    assert "设施" in text and "火锅" in text
    r = two("station", "add", "ZD0009", "驿站", "--opened", "2021-02-30")
    assert "建成日期" in one_line_error(r, ExitCode.USAGE)
    r = two("station", "add", "ZD0009", "驿站", "--opened", "2021-01-01", "--lat", "45")
    assert "经度" in one_line_error(r, ExitCode.USAGE) or "纬度" in r.stderr
    r = two("station", "show", "ZD9999")
    assert "ZD9999" in one_line_error(r, ExitCode.NOT_FOUND)
    r = two("station", "log", "ZD0001", "--month", "2019-01", "--visits", "-3")
    assert "服务人次" in one_line_error(r, ExitCode.USAGE)
    r = two("station", "rate", "ZD0001", "--year", "2019", "--rating", "优秀")
    assert "评级" in one_line_error(r, ExitCode.USAGE)


def test_update_and_show(two: Any, ledger: Target) -> None:
    r = two("station", "update", "ZD0002", "--host", "环卫站", "--build-model", "社会共建")
    assert r.exit_code == 0, r.stderr
    (entry,) = audit(ledger, "station.update")
    assert entry["before"] == {"station_host": None, "build_model": None}
    assert entry["after"] == {"station_host": "环卫站", "build_model": "co_built"}
    r = two("station", "show", "河西镇环卫驿站")
    assert r.exit_code == 0 and "社会共建" in r.stdout and "环卫站" in r.stdout


def test_opening_date_cannot_move_after_the_ledger(two: Any) -> None:
    assert two("station", "log", "ZD0001", "--month", "2018-06", "--visits", "10").exit_code == 0
    r = two("station", "update", "ZD0001", "--opened", "2018-07-01")
    assert "2018-06" in one_line_error(r, ExitCode.CONFLICT)
    assert two("station", "update", "ZD0001", "--opened", "2018-06-01").exit_code == 0


# --- status ----------------------------------------------------------------------------------


def test_status_transitions_and_their_dates(two: Any, ledger: Target) -> None:
    # not before opening, not in the future
    r = two("station", "suspend", "ZD0002", "--date", "2020-02-29")
    one_line_error(r, ExitCode.CONFLICT)
    future = (date.today() + timedelta(days=2)).isoformat()
    one_line_error(two("station", "suspend", "ZD0002", "--date", future), ExitCode.USAGE)
    # reopen is only from suspended or closed
    one_line_error(two("station", "reopen", "ZD0002", "--date", "2021-01-01"), ExitCode.CONFLICT)

    r = two("station", "suspend", "ZD0002", "--date", "2021-05-01", "--reason", "装修")
    assert r.exit_code == 0, r.stderr
    one_line_error(two("station", "suspend", "ZD0002", "--date", "2021-06-01"), ExitCode.CONFLICT)
    # not before the last status change
    r = two("station", "close", "ZD0002", "--date", "2021-04-30")
    assert "2021-05-01" in one_line_error(r, ExitCode.CONFLICT)
    assert two("station", "close", "ZD0002", "--date", "2021-08-31").exit_code == 0
    one_line_error(two("station", "close", "ZD0002", "--date", "2021-09-30"), ExitCode.CONFLICT)
    assert two("station", "reopen", "ZD0002", "--date", "2022-03-01").exit_code == 0

    with UnitOfWork(ledger) as uow:
        s = uow.session.scalars(select(Station).where(Station.code == "ZD0002")).one()
        assert (s.status, s.status_since, s.closed_on) == ("open", date(2022, 3, 1), None)
    (suspended,) = audit(ledger, "station.suspend")
    assert suspended["reason"] == "装修"
    assert suspended["before"]["station_status"] == "open"
    assert suspended["after"]["station_status"] == "suspended"
    (closed,) = audit(ledger, "station.close")
    assert closed["after"]["station_closed"] == "2021-08-31"
    assert len(audit(ledger, "station.reopen")) == 1


def test_a_station_cannot_close_before_a_month_it_logged(two: Any) -> None:
    assert two("station", "log", "ZD0002", "--month", "2021-06", "--visits", "5").exit_code == 0
    one_line_error(two("station", "close", "ZD0002", "--date", "2021-05-31"), ExitCode.CONFLICT)
    # closing within the logged month is fine: the month was open part of the time
    assert two("station", "close", "ZD0002", "--date", "2021-06-10").exit_code == 0


# --- service ledger --------------------------------------------------------------------------


def test_log_month_must_be_within_opening_and_closing(two: Any, ledger: Target) -> None:
    r = two("station", "log", "ZD0001", "--month", "2018-05", "--visits", "10")
    assert "2018-05" in one_line_error(r, ExitCode.CONFLICT)
    # the opening month itself is fine (opened on the 15th)
    assert two("station", "log", "ZD0001", "--month", "2018年6月", "--visits", "10").exit_code == 0
    assert two("station", "close", "ZD0001", "--date", "2019-03-20").exit_code == 0
    assert two("station", "log", "ZD0001", "--month", "2019-03", "--visits", "7").exit_code == 0
    r = two("station", "log", "ZD0001", "--month", "2019-04", "--visits", "7")
    assert "2019-04" in one_line_error(r, ExitCode.CONFLICT)
    assert [(m, v) for _, m, v, _ in logs(ledger)] == [
        (date(2018, 6, 1), 10),
        (date(2019, 3, 1), 7),
    ]


def test_check_log_month_is_the_rule_imports_use(two: Any, ledger: Target) -> None:
    with UnitOfWork(ledger) as uow:
        info = srules.resolve_station(uow.session, "zd0001")
        srules.check_log_month(info, date(2018, 6, 1))
        with pytest.raises(Conflict):
            srules.check_log_month(info, date(2018, 5, 1))
        assert srules.resolve_station(uow.session, None, "河西镇环卫驿站").code == "ZD0002"
    fields = srules.parse_log_fields(
        {"name": "河西镇环卫驿站", "month": "2021/3", "visits": "1,234"}
    )
    assert fields == {
        "code": None,
        "name": "河西镇环卫驿站",
        "month": date(2021, 3, 1),
        "visits": 1234,
        "activities": 0,
    }
    with pytest.raises(MissingFields):
        srules.parse_log_fields({"month": "2021-03", "visits": "3"})
    with pytest.raises(InvalidValue):
        srules.parse_log_fields({"code": "ZD0001", "month": "2021-03", "visits": "2.5"})


def test_second_entry_for_a_month_needs_replace_which_is_audited(two: Any, ledger: Target) -> None:
    r = two(
        "station", "log", "ZD0001", "--month", "2019-06", "--visits", "300", "--activities", "2"
    )
    assert r.exit_code == 0, r.stderr
    r = two("station", "log", "ZD0001", "--month", "2019-06", "--visits", "500")
    assert "--replace" in one_line_error(r, ExitCode.CONFLICT)
    assert [(v, a) for *_, v, a in logs(ledger)] == [(300, 2)]

    r = two("station", "log", "ZD0001", "--month", "2019-06", "--visits", "500", "--replace")
    assert r.exit_code == 0, r.stderr
    assert [(v, a) for *_, v, a in logs(ledger)] == [(500, 2)]  # activities kept
    (first,) = audit(ledger, "station.log")
    assert first["after"] == {"month": "2019-06", "visits": 300, "activities": 2}
    (replaced,) = audit(ledger, "station.log_replace")
    assert replaced["before"] == {"month": "2019-06", "visits": 300, "activities": 2}
    assert replaced["after"] == {"month": "2019-06", "visits": 500, "activities": 2}


def test_ledger_totals_are_the_sum_of_the_monthly_entries(two: Any, ledger: Target) -> None:
    entries = [
        ("ZD0001", "2019-12", 100, 1),
        ("ZD0001", "2020-01", 200, 2),
        ("ZD0001", "2020-12", 300, 0),
        ("ZD0002", "2020-03", 40, 1),
        ("ZD0002", "2021-01", 5000, 3),
    ]
    for code, month, visits, acts in entries:
        r = two(
            "station", "log", code, "--month", month, "--visits", str(visits),
            "--activities", str(acts),
        )  # fmt: skip
        assert r.exit_code == 0, r.stderr
    r = two("station", "ledger", "--year", "2020", "--format", "json")
    data = json.loads(r.stdout)
    assert data["total"] == {"entries": 3, "visits": 540, "activities": 3}
    assert {row["code"]: row["visits"] for row in data["rows"]} == {"ZD0001": 500, "ZD0002": 40}

    by_township = json.loads(two("station", "ledger", "--by", "township", "-f", "json").stdout)
    assert {r["township"]: r["visits"] for r in by_township["rows"]} == {
        "城关镇": 600,
        "河西镇": 5040,
    }
    assert by_township["total"]["visits"] == sum(v for _, _, v, _ in entries)
    by_month = json.loads(
        two("station", "ledger", "--station", "ZD0001", "--by", "month", "-f", "json").stdout
    )
    assert [r["month"] for r in by_month["rows"]] == ["2019-12-01", "2020-01-01", "2020-12-01"]
    table = two("station", "ledger", "--year", "2020")
    assert "540" in table.stdout and "合计" in table.stdout

    with UnitOfWork(ledger) as uow:
        fig = sfigures.year_figures(uow.session, 2020)
    assert (fig["stations.visits"], fig["stations.activities"]) == (540, 3)
    # a corrected month moves the yearly figure by exactly the correction
    two("station", "log", "ZD0002", "--month", "2020-03", "--visits", "45", "--replace")
    with UnitOfWork(ledger) as uow:
        assert sfigures.year_figures(uow.session, 2020)["stations.visits"] == 545
        assert sfigures.year_figures(uow.session, 2021)["stations.visits"] == 5000


def test_year_figures_count_opened_open_at_end_and_rated(two: Any, ledger: Target) -> None:
    add(two, "ZD0003", "三号驿站", "2020-07-01")
    assert two("station", "suspend", "ZD0003", "--date", "2020-09-01").exit_code == 0
    assert two("station", "close", "ZD0001", "--date", "2021-02-01").exit_code == 0
    for code, year, rating in [
        ("ZD0001", "2020", "standard"),
        ("ZD0002", "2020", "示范"),
        ("ZD0003", "2020", "none"),
        ("ZD0002", "2021", "最美驿站"),
    ]:
        assert two("station", "rate", code, "--year", year, "--rating", rating).exit_code == 0
    with UnitOfWork(ledger) as uow:
        f2020 = sfigures.year_figures(uow.session, 2020)
        f2021 = sfigures.year_figures(uow.session, 2021)
    assert f2020["stations.opened"] == 2
    assert f2020["stations.open_end"] == 3  # a suspended station still counts; none closed yet
    assert f2020["stations.rated"] == {"demonstration": 1, "standard": 1}
    assert f2021["stations.open_end"] == 2  # ZD0001 closed in 2021
    assert f2021["stations.rated"] == {"most_beautiful": 1}


# --- ratings ---------------------------------------------------------------------------------


def ratings(target: Target, code: str) -> dict[int, str]:
    with UnitOfWork(target) as uow:
        return dict(
            uow.session.execute(
                select(StationRatingEntry.year, StationRatingEntry.rating)
                .join(Station, Station.id == StationRatingEntry.station_id)
                .where(Station.code == code)
            ).all()
        )


def test_one_rating_per_year_replaced_and_audited(two: Any, ledger: Target) -> None:
    assert two("station", "rate", "ZD0001", "--year", "2019", "--rating", "达标").exit_code == 0
    assert two("station", "rate", "ZD0001", "--year", "2020", "--rating", "示范").exit_code == 0
    r = two("station", "rate", "ZD0001", "--year", "2020", "--rating", "standard")
    assert r.exit_code == 0 and "示范" in r.stdout  # says what it replaced
    assert ratings(ledger, "ZD0001") == {2019: "standard", 2020: "standard"}
    # withdrawing is a rating too
    assert two("station", "rate", "ZD0001", "--year", "2020", "--rating", "none").exit_code == 0
    assert ratings(ledger, "ZD0001") == {2019: "standard", 2020: "none"}

    entries = audit(ledger, "station.rate")
    assert [e["after"]["rating"] for e in entries] == [
        "standard",
        "demonstration",
        "standard",
        "none",
    ]
    assert entries[0]["before"] is None
    assert entries[2]["before"]["rating"] == "demonstration"
    assert entries[3]["before"]["rating"] == "standard"
    assert all(e["after"]["year"] == (2019 if i == 0 else 2020) for i, e in enumerate(entries))


def test_rating_years_are_bounded(two: Any) -> None:
    r = two("station", "rate", "ZD0002", "--year", "2019", "--rating", "达标")
    assert "2020" in one_line_error(r, ExitCode.USAGE)  # opened in 2020
    nxt = str(date.today().year + 1)
    one_line_error(
        two("station", "rate", "ZD0002", "--year", nxt, "--rating", "达标"), ExitCode.USAGE
    )
    assert two("station", "close", "ZD0002", "--date", "2021-05-01").exit_code == 0
    r = two("station", "rate", "ZD0002", "--year", "2022", "--rating", "达标")
    one_line_error(r, ExitCode.CONFLICT)
    assert two("station", "rate", "ZD0002", "--year", "2021", "--rating", "达标").exit_code == 0


# --- the standard check ----------------------------------------------------------------------


def test_check_lists_missing_items_and_warns_for_rated_stations(two: Any) -> None:
    add(two, "ZD0003", "三号驿站", "2021-01-01", "--facilities", "饮水、桌椅", "--staffed")
    assert two("station", "rate", "ZD0002", "--year", "2021", "--rating", "示范").exit_code == 0
    assert two("station", "rate", "ZD0003", "--year", "2021", "--rating", "达标").exit_code == 0
    assert two("station", "rate", "ZD0003", "--year", "2022", "--rating", "none").exit_code == 0
    assert two("station", "rate", "ZD0001", "--year", "2021", "--rating", "最美").exit_code == 0

    found = {c["code"]: c for c in json.loads(two("station", "check", "-f", "json").stdout)}
    assert found["ZD0001"]["missing"] == [] and not found["ZD0001"]["warn"]
    assert found["ZD0002"]["missing"] == ["sign", "facilities", "rules", "staff"]
    assert found["ZD0002"]["missing_facilities"] == [
        "water",
        "seating",
        "first_aid",
        "phone_charging",
    ]
    assert found["ZD0002"]["warn"]
    # ZD0003's latest rating is a withdrawal: lacking items, but no warning
    assert found["ZD0003"]["missing"] == ["sign", "facilities", "rules"]
    assert found["ZD0003"]["missing_facilities"] == ["first_aid", "phone_charging"]
    assert not found["ZD0003"]["warn"]

    r = two("station", "check")
    assert r.exit_code == 0
    assert "ZD0002" in r.stdout and "ZD0001" not in r.stdout  # only stations lacking items
    assert "ZD0002" in r.stderr and "示范" in r.stderr  # the warning
    assert "ZD0003" not in r.stderr
    one = two("station", "check", "ZD0003")
    assert "应急药箱" in one.stdout and "手机充电" in one.stdout


def test_check_of_a_station_meeting_the_standard(two: Any) -> None:
    r = two("station", "check", "ZD0001")
    assert r.exit_code == 0 and "齐全" in r.stdout


# --- list ------------------------------------------------------------------------------------


def test_list_json_has_coordinates_when_known(two: Any) -> None:
    data = {r["code"]: r for r in json.loads(two("station", "list", "-f", "json").stdout)}
    assert (data["ZD0001"]["latitude"], data["ZD0001"]["longitude"]) == (45.75, 126.63)
    assert data["ZD0002"]["latitude"] is None and data["ZD0002"]["longitude"] is None
    assert data["ZD0001"]["facilities"][:4] == ["water", "seating", "first_aid", "phone_charging"]


def test_list_by_township_with_marks_and_filters(two: Any) -> None:
    r = two("station")
    assert r.exit_code == 0
    assert "水椅药充网" in r.stdout and "水=饮水" in r.stdout  # marks and their legend
    assert r.stdout.index("城关镇") < r.stdout.index("河西镇")
    r = two("station", "list", "--township", "河西镇", "-f", "json")
    assert [s["code"] for s in json.loads(r.stdout)] == ["ZD0002"]
    two("station", "rate", "ZD0001", "--year", "2020", "--rating", "达标")
    two("station", "suspend", "ZD0002", "--date", "2021-01-01")
    r = two("station", "list", "--rating", "达标", "-f", "json")
    assert [s["code"] for s in json.loads(r.stdout)] == ["ZD0001"]
    r = two("station", "list", "--rating-year", "2021", "--rating", "none", "-f", "json")
    assert [s["code"] for s in json.loads(r.stdout)] == ["ZD0001", "ZD0002"]
    r = two("station", "list", "--status", "暂停", "-f", "json")
    assert [s["code"] for s in json.loads(r.stdout)] == ["ZD0002"]


# --- import fields ---------------------------------------------------------------------------


def test_parse_station_fields_for_imports() -> None:
    out = srules.parse_station_fields(
        {
            "name": "北街驿站",
            "opened": "2019年5月1日",
            "facilities": "饮水/桌椅；手机充电,药箱",
            "build_model": "共建",
            "rating": "示范站点",
            "rating_year": "2020年度",
            "closed": "2022-01-31",
        }
    )
    assert out["facilities"] == "water,seating,first_aid,phone_charging"
    assert (out["build_model"], out["rating"], out["rating_year"]) == (
        "co_built",
        "demonstration",
        2020,
    )
    assert (out["status"], out["closed_on"]) == ("closed", date(2022, 1, 31))
    assert out["code"] is None and out["has_premises"] is True
    with pytest.raises(MissingFields):
        srules.parse_station_fields({"name": "北街驿站"})
    with pytest.raises(InvalidValue):  # a rating needs its year
        srules.parse_station_fields({"name": "北街驿站", "opened": "2019-05-01", "rating": "达标"})
    with pytest.raises(InvalidValue):  # closed without a date
        srules.parse_station_fields({"name": "北街驿站", "opened": "2019-05-01", "status": "撤销"})
