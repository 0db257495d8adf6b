"""A station's status as dated events (issue 14): recording a reopening, a suspension or a
closing dated after a year never changes that year's figures; the migration backfills the
events of stations stored before the history; the past rules (ledger months, ratings) read it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dbutil import dated, execute, rows

from unioncli.config import Target
from unioncli.db import migrate
from unioncli.db.uow import UnitOfWork
from unioncli.errors import ExitCode
from unioncli.services.report import year_report
from unioncli.services.stations import figures as sfigures
from unioncli.services.stations import register as sregister

YEARS = range(2017, 2027)
# every scope a report takes: the whole ledger, a township, a county, a union (stations left out)
SCOPES: tuple[tuple[str, ...], ...] = (
    (),
    ("--township", "城关镇"),
    ("--county", "道里区"),
    ("--org", "1"),
)


def ok(r: Any) -> str:
    assert r.exit_code == 0, (r.exit_code, r.stdout, r.stderr)
    return str(r.stdout)


def reports(cli: Any) -> dict[tuple[int, tuple[str, ...]], str]:
    """``report year Y --format json`` of every year and scope, as printed."""
    return {
        (year, scope): ok(cli("report", "year", str(year), "--format", "json", *scope))
        for year in YEARS
        for scope in SCOPES
    }


def events(target: Target, code: str) -> list[tuple[Any, ...]]:
    return dated(
        rows(
            target,
            "SELECT e.event_date, e.status, e.reason FROM station_event e "
            "JOIN station s ON s.id = e.station_id WHERE s.code = :code "
            "ORDER BY e.event_date, e.id",
            code=code,
        )
    )


@pytest.fixture
def county(cli: Any) -> Any:
    """A union (for --org), and three stations of 道里区: ZD-A closed in 2018, ZD-B open since
    2016, ZD-C (河西镇) opened 2019."""
    ok(cli("org", "add", "城关镇第一小学工会", "--founded", "2010-05-01", "--county", "道里区"))
    for code, name, opened, town in (
        ("ZD-A", "城关镇邮政驿站", "2017-04-01", "城关镇"),
        ("ZD-B", "城关镇环卫驿站", "2016-05-01", "城关镇"),
        ("ZD-C", "河西镇加油站驿站", "2019-03-01", "河西镇"),
    ):
        ok(cli("station", "add", code, name, "--opened", opened, "--township", town,
               "--county", "道里区"))  # fmt: skip
    ok(cli("station", "close", "ZD-A", "--date", "2018-06-30", "--reason", "拆迁"))
    return cli


def figure(cli: Any, year: int, key: str, *scope: str) -> Any:
    return json.loads(ok(cli("report", "year", str(year), "--format", "json", *scope)))[key]


# --- the reproduction ----------------------------------------------------------------------------


def test_reopening_a_station_closed_in_2018_leaves_earlier_years_as_they_were(
    county: Any, ledger: Target
) -> None:
    cli = county
    before = reports(cli)
    assert figure(cli, 2017, "stations.open_end") == 2
    assert figure(cli, 2018, "stations.open_end") == 1
    ok(cli("station", "reopen", "ZD-A", "--date", "2026-01-05"))
    after = reports(cli)
    for key, text in before.items():
        if key[0] < 2026:
            assert after[key] == text, key  # byte for byte, in every scope
    # the year of the reopening counts it again
    assert figure(cli, 2026, "stations.open_end") == 3
    assert figure(cli, 2026, "stations.open_end", "--township", "城关镇") == 2
    assert figure(cli, 2025, "stations.open_end", "--county", "道里区") == 2
    assert events(ledger, "ZD-A") == [
        ("2017-04-01", "open", None),
        ("2018-06-30", "closed", "拆迁"),
        ("2026-01-05", "open", None),
    ]
    # the cached current state follows the latest event
    state = "SELECT status, status_since, closed_on FROM station WHERE code = 'ZD-A'"
    assert dated(rows(ledger, state)) == [("open", "2026-01-05", None)]


def test_a_station_suspended_in_2019_and_reopened_in_2020(county: Any, ledger: Target) -> None:
    cli = county
    ok(cli("station", "suspend", "ZD-B", "--date", "2019-07-01", "--reason", "装修"))
    ok(cli("station", "reopen", "ZD-B", "--date", "2020-04-01"))
    got = {y: figure(cli, y, "stations.suspended_end") for y in (2018, 2019, 2020, 2021)}
    assert got == {2018: 0, 2019: 1, 2020: 0, 2021: 0}
    # a suspended station still counts as open at year end; a suspension is a pause
    assert figure(cli, 2019, "stations.open_end") == 2  # ZD-B (suspended) and ZD-C
    assert figure(cli, 2019, "stations.suspended_end", "--township", "城关镇") == 1
    assert figure(cli, 2019, "stations.suspended_end", "--township", "河西镇") == 0
    assert figure(cli, 2019, "stations.suspended_end", "--org", "1") == 0
    # the key comes right after the stations' SPEC keys, at the end of the report
    keys = list(json.loads(ok(cli("report", "year", "2019", "--format", "json"))))
    assert keys[-1] == "stations.suspended_end"
    # the services' own figures agree with the report, in every year and township
    with UnitOfWork(ledger) as uow:
        for year in (2018, 2019, 2020):
            for town in (None, "城关镇", "河西镇"):
                own = sfigures.year_figures(uow.session, year, town)
                rep = year_report(ledger, year, None if town is None else _town(town))
                assert own == {k: v for k, v in rep.items() if k.startswith("stations.")}


def _town(name: str) -> Any:
    from unioncli.services.figures import Scope

    return Scope(township=name)


def test_station_show_lists_the_history(county: Any) -> None:
    cli = county
    ok(cli("station", "reopen", "ZD-A", "--date", "2025-03-01", "--reason", "重建完成"))
    out = ok(cli("station", "show", "ZD-A"))
    assert "状态变动" in out
    lines = [ln.split() for ln in out.splitlines()]
    assert ["2017-04-01", "开放"] in lines
    assert ["2018-06-30", "撤销", "拆迁"] in lines
    assert ["2025-03-01", "开放", "重建完成"] in lines
    data = json.loads(ok(cli("station", "show", "ZD-A", "--format", "json")))
    assert [(e["event_date"], e["status"]) for e in data["history"]] == [
        ("2017-04-01", "open"),
        ("2018-06-30", "closed"),
        ("2025-03-01", "open"),
    ]


def test_a_change_dated_before_the_latest_event_is_refused(county: Any, ledger: Target) -> None:
    cli = county
    ok(cli("station", "reopen", "ZD-A", "--date", "2024-01-10"))
    r = cli("station", "suspend", "ZD-A", "--date", "2023-12-31")
    assert r.exit_code == ExitCode.CONFLICT
    assert "2024-01-10" in r.stderr and "\n" not in r.stderr.strip()
    assert len(events(ledger, "ZD-A")) == 3


# --- the past rules read the history --------------------------------------------------------------


def test_a_reopened_station_logs_and_is_rated_from_its_reopening(county: Any) -> None:
    cli = county
    ok(cli("station", "reopen", "ZD-A", "--date", "2024-03-15"))
    # closed throughout: refused, naming the closing
    r = cli("station", "log", "ZD-A", "--month", "2021-05", "--visits", "10")
    assert r.exit_code == ExitCode.CONFLICT and "2018-06-30" in r.stderr
    r = cli("station", "rate", "ZD-A", "--year", "2020", "--rating", "达标")
    assert r.exit_code == ExitCode.CONFLICT and "2018-06-30" in r.stderr
    # the closing month, the reopening month and after: allowed
    ok(cli("station", "log", "ZD-A", "--month", "2018-06", "--visits", "10"))
    ok(cli("station", "log", "ZD-A", "--month", "2024-03", "--visits", "10"))
    ok(cli("station", "rate", "ZD-A", "--year", "2024", "--rating", "达标"))
    ok(cli("station", "rate", "ZD-A", "--year", "2018", "--rating", "达标"))


def test_a_new_opening_date_moves_the_opening_event(county: Any, ledger: Target) -> None:
    cli = county
    ok(cli("station", "update", "ZD-C", "--opened", "2019-02-01"))
    assert events(ledger, "ZD-C") == [("2019-02-01", "open", None)]
    # not after the station's first status change
    r = cli("station", "update", "ZD-A", "--opened", "2018-07-01")
    assert r.exit_code == ExitCode.CONFLICT
    ok(cli("station", "update", "ZD-A", "--opened", "2017-01-01"))
    assert events(ledger, "ZD-A")[0] == ("2017-01-01", "open", None)


def test_a_station_added_as_closed_has_both_events(ledger: Target) -> None:
    with UnitOfWork(ledger) as uow:
        sregister.add_station(uow, {"code": "ZD-X", "name": "旧驿站", "opened": "2016-01-01",
                             "status": "撤销", "closed": "2019-01-01"})  # fmt: skip
        uow.commit()
    assert events(ledger, "ZD-X") == [("2016-01-01", "open", None), ("2019-01-01", "closed", None)]
    assert year_report(ledger, 2018)["stations.open_end"] == 1
    assert year_report(ledger, 2019)["stations.open_end"] == 0


# --- the migration ----------------------------------------------------------------------------------


def test_0009_backfills_the_events_of_stored_stations(ledger: Target) -> None:
    """A ledger at 0008 with an open, a closed, a suspended and a reopened station (the old
    shape: status, status_since, closed_on only): 0009 gives each its events, and no year's
    figures move."""
    from unioncli.db.engine import dispose_all

    dispose_all()
    migrate.downgrade(ledger, "0008")
    shape = (
        "INSERT INTO station (code, name, township, opened_on, staffed, on_maps, has_premises, "
        "has_sign, has_rules, status, status_since, closed_on, created_at, updated_at) VALUES "
        "(:code, :code, '城关镇', :opened, false, false, true, false, false, :status, :since, "
        ":closed, '2020-01-01 00:00:00', :updated)"
    )
    for code, opened, status, since, closed in (
        ("S-OPEN", "2016-03-01", "open", "2016-03-01", None),
        ("S-CLOSED", "2017-03-01", "closed", "2019-05-31", "2019-05-31"),
        ("S-SUSP", "2018-03-01", "suspended", "2021-08-01", None),
        ("S-REOPENED", "2018-06-01", "open", "2022-02-01", None),
    ):
        execute(ledger, shape, code=code, opened=opened, status=status, since=since,
                closed=closed, updated="2020-01-02 00:00:00")  # fmt: skip
    old = {
        y: dated(
            rows(
                ledger,
                "SELECT SUM(CASE WHEN closed_on IS NULL OR closed_on > :end THEN 1 ELSE 0 END) "
                "FROM station WHERE opened_on <= :end",
                end=f"{y}-12-31",
            )
        )[0][0]
        for y in YEARS
    }
    dispose_all()
    migrate.upgrade(ledger)
    assert migrate.drift(ledger) == []
    got = dated(
        rows(
            ledger,
            "SELECT s.code, e.event_date, e.status, e.reason FROM station_event e "
            "JOIN station s ON s.id = e.station_id ORDER BY s.code, e.event_date, e.id",
        )
    )
    assert got == [
        ("S-CLOSED", "2017-03-01", "open", None),
        ("S-CLOSED", "2019-05-31", "closed", None),
        # a reopened station's earlier closing was not stored: open throughout
        ("S-OPEN", "2016-03-01", "open", None),
        ("S-REOPENED", "2018-06-01", "open", None),
        ("S-SUSP", "2018-03-01", "open", None),
        ("S-SUSP", "2021-08-01", "suspended", None),
    ]
    for y in YEARS:
        report = year_report(ledger, y)
        assert report["stations.open_end"] == (old[y] or 0), y
    assert year_report(ledger, 2021)["stations.suspended_end"] == 1
    assert year_report(ledger, 2020)["stations.suspended_end"] == 0
    # and back: 0009's downgrade drops the history, the stations stay
    dispose_all()
    migrate.downgrade(ledger, "0008")
    assert rows(ledger, "SELECT COUNT(*) FROM station") == [(4,)]
    dispose_all()
    migrate.upgrade(ledger)
    assert rows(ledger, "SELECT COUNT(*) FROM station_event") == [(6,)]


def test_0009_gives_an_imported_station_the_events_of_its_batch(ledger: Target) -> None:
    """A station an import created (and not edited since) gets events of that batch, so that
    ``import undo`` still removes it whole."""
    from unioncli.db.engine import dispose_all

    dispose_all()
    migrate.downgrade(ledger, "0008")
    execute(
        ledger,
        "INSERT INTO import_batch (id, kind, file_name, encoding, on_duplicate, operator, "
        "started_at, rows, created, updated, unchanged, skipped, rejected, status) VALUES "
        "(1, 'stations', 's.csv', 'utf-8', 'error', 'tester', '2020-01-01 00:00:00', 1, 1, 0, "
        "0, 0, 0, 'done')",
    )
    execute(
        ledger,
        "INSERT INTO station (code, name, opened_on, staffed, on_maps, has_premises, has_sign, "
        "has_rules, status, status_since, closed_on, created_at, updated_at, batch_id) VALUES "
        "('S-IMP', '驿站', '2017-03-01', false, false, true, false, false, 'closed', "
        "'2019-05-31', '2019-05-31', '2020-01-01 00:00:00', '2020-01-01 00:00:00', 1)",
    )
    dispose_all()
    migrate.upgrade(ledger)
    assert rows(ledger, "SELECT status, batch_id FROM station_event ORDER BY id") == [
        ("open", 1),
        ("closed", 1),
    ]
    if ledger.is_sqlite is False:  # the batch was written with its id given
        from unioncli.db.engine import make_engine
        from unioncli.db.schema import move_sequences

        engine = make_engine(ledger)
        with engine.begin() as conn:
            move_sequences(conn, ["import_batch"])
        engine.dispose()
    with UnitOfWork(ledger) as uow:
        from unioncli.services.imports.batches import undo_batch

        undo_batch(uow, 1)
        uow.commit()
    assert rows(ledger, "SELECT COUNT(*) FROM station") == [(0,)]
    assert rows(ledger, "SELECT COUNT(*) FROM station_event") == [(0,)]
