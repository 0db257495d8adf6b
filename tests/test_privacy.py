"""Privacy (issue 8): retention (``privacy purge``) and data at rest — owner-only files, masked
output by default, reasons for revealing, no personal data in error messages."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from unioncli.config import Target, sqlite_target
from unioncli.db.engine import engine_for, make_engine
from unioncli.db.uow import UnitOfWork
from unioncli.errors import InvalidValue, UsageError
from unioncli.ids import is_valid_id_number
from unioncli.models import AuditEntry, Person
from unioncli.services import privacy
from unioncli.services.demo.builder import build
from unioncli.services.report import by_org, year_report

CUTOFF = date(2023, 7, 1)
YEARS = range(2015, 2026)
ID18 = re.compile(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])")
TABLES = (
    "person",
    "member",
    "member_event",
    "hardship_file",
    "hardship_family",
    "hardship_review",
    "hardship_visit",
    "aid",
    "student_grant",
    "audit_log",
)


def _dump(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


def _people(engine: Engine) -> dict[int, tuple[Any, ...]]:
    return {r[0]: r for r in _dump(engine, "person")}


def _expected_anonymised(engine: Engine, before: date) -> set[int]:
    """Worked out apart from the service: the people only purged records reference."""
    with engine.connect() as conn:
        files = {
            fid: (
                status == "closed"
                and closed_on is not None
                and date.fromisoformat(closed_on) < before
            )
            for fid, status, closed_on in conn.execute(
                text("SELECT id, status, closed_on FROM hardship_file")
            )
        }
        uses: list[tuple[int, bool]] = []
        for fid, head in conn.execute(text("SELECT id, head_id FROM hardship_file")):
            uses.append((head, files[fid]))
        for fid, pid in conn.execute(text("SELECT file_id, person_id FROM hardship_family")):
            uses.append((pid, files[fid]))
        for year, status, student, parent in conn.execute(
            text("SELECT year, status, student_id, parent_id FROM student_grant")
        ):
            gone = year < before.year and status in ("paid", "rejected", "withdrawn")
            uses += [(student, gone), (parent, gone)]
        members = {pid for (pid,) in conn.execute(text("SELECT person_id FROM member"))}
    purged = {pid for pid, gone in uses if gone}
    kept = {pid for pid, gone in uses if not gone} | members
    return purged - kept


def _purge(target: Target, before: date = CUTOFF, *, dry_run: bool = False) -> privacy.PurgeResult:
    with UnitOfWork(target, dry_run=dry_run) as work:
        result = privacy.purge(work, before, "保存期满")
        work.commit()
    return result


@pytest.fixture(scope="module")
def county_template(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("privacy") / "county.sqlite3"
    shutil.copy(template_db, path)
    engine = make_engine(sqlite_target(path))
    try:
        build(engine, "tester", members=3000)
    finally:
        engine.dispose()
    return path


@pytest.fixture
def county(county_template: Path, tmp_path: Path) -> Iterator[tuple[Target, Engine]]:
    path = tmp_path / "county.sqlite3"
    shutil.copy(county_template, path)
    os.chmod(path, 0o600)
    target = sqlite_target(path)
    yield target, engine_for(target)


# --- retention --------------------------------------------------------------------------------


def test_every_past_yearly_report_is_identical_after_a_purge(county) -> None:
    target, engine = county
    before = {y: (year_report(engine, y), by_org(engine, y)) for y in YEARS}
    assert any(r["grants.students"] for r, _ in before.values())
    assert any(r["hardship.closed"] for r, _ in before.values())
    result = _purge(target)
    assert result.files > 0 and result.grants > 0 and result.people > 0
    for y in YEARS:
        assert year_report(engine, y) == before[y][0], y
        assert year_report(target, y) == before[y][0], y  # the fast sqlite3 path too
        assert by_org(engine, y) == before[y][1], y


def test_a_purge_anonymises_exactly_the_people_only_purged_records_reference(county) -> None:
    target, engine = county
    expected = _expected_anonymised(engine, CUTOFF)
    assert expected
    old = _people(engine)
    result = _purge(target)
    new = _people(engine)
    assert result.people == len(expected)
    changed = {pid for pid in old if old[pid] != new[pid]}
    assert changed == expected
    with UnitOfWork(target) as work:
        for pid in expected:
            p = work.session.get(Person, pid)
            assert p is not None
            assert p.name == privacy.ANONYMOUS_NAME and p.phone is None
            assert p.name_pinyin == "" and p.name_initials == ""
            assert len(p.id_number) <= 18 and not is_valid_id_number(p.id_number)
            assert p.id_rev == p.id_number[::-1]
            # no longer findable by ID number
            was = old[pid][1]
            found = work.session.execute(select(Person).where(Person.id_number == was))
            assert found.scalars().first() is None
    # nor by name: each anonymised name left the register, other holders of it stay
    names_before = Counter(r[3] for r in old.values())
    names_after = Counter(r[3] for r in new.values())
    gone = Counter(old[pid][3] for pid in expected)
    for name, n in gone.items():
        assert names_after[name] == names_before[name] - n
    # placeholders are unique
    assert len({new[pid][1] for pid in expected}) == len(expected)


def test_members_and_people_in_open_files_are_untouched(county) -> None:
    target, engine = county
    with engine.connect() as conn:
        protected = {
            pid
            for (pid,) in conn.execute(
                text(
                    "SELECT person_id FROM member UNION SELECT head_id FROM hardship_file "
                    "WHERE status = 'open' UNION SELECT person_id FROM hardship_family WHERE "
                    "file_id IN (SELECT id FROM hardship_file WHERE status = 'open')"
                )
            )
        }
    old = _people(engine)
    open_files = [r for r in _dump(engine, "hardship_file") if r[13] == "open"]
    members = _dump(engine, "member")
    _purge(target)
    new = _people(engine)
    assert all(new[pid] == old[pid] for pid in protected)
    assert [r for r in _dump(engine, "hardship_file") if r[13] == "open"] == open_files
    assert _dump(engine, "member") == members


def test_purged_records_keep_the_figures_fields_and_lose_the_details(county) -> None:
    target, engine = county
    cols = "id, category, cause, secondary_causes, household_size, opened_on, closed_on, close_reason, org_id"
    with engine.connect() as conn:
        kept_before = conn.execute(text(f"SELECT {cols} FROM hardship_file ORDER BY id")).all()
        aid_before = conn.execute(
            text("SELECT id, aid_date, kind, amount_fen, fund_source, reverses_id FROM aid")
        ).all()
        grant_before = conn.execute(
            text(
                "SELECT id, year, level, amount_fen, status, eligibility, paid_on, "
                "hardship_file_id, student_id, parent_id FROM student_grant"
            )
        ).all()
    _purge(target)
    with engine.connect() as conn:
        assert (
            conn.execute(text(f"SELECT {cols} FROM hardship_file ORDER BY id")).all() == kept_before
        )
        assert (
            conn.execute(
                text("SELECT id, aid_date, kind, amount_fen, fund_source, reverses_id FROM aid")
            ).all()
            == aid_before
        )
        assert (
            conn.execute(
                text(
                    "SELECT id, year, level, amount_fen, status, eligibility, paid_on, "
                    "hardship_file_id, student_id, parent_id FROM student_grant"
                )
            ).all()
            == grant_before
        )
        old_files = "status = 'closed' AND closed_on < :d"
        d = {"d": CUTOFF}
        assert (
            conn.execute(
                text(
                    f"SELECT COUNT(*) FROM hardship_file WHERE {old_files} AND (health IS NOT NULL "
                    "OR housing IS NOT NULL OR address IS NOT NULL OR phone IS NOT NULL)"
                ),
                d,
            ).scalar()
            == 0
        )
        assert (
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM hardship_family WHERE file_id IN (SELECT id FROM "
                    f"hardship_file WHERE {old_files}) AND (health IS NOT NULL OR income_fen IS NOT "
                    "NULL OR occupation IS NOT NULL)"
                ),
                d,
            ).scalar()
            == 0
        )
        assert (
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM aid WHERE file_id IN (SELECT id FROM hardship_file "
                    f"WHERE {old_files}) AND (note IS NOT NULL OR handler IS NOT NULL)"
                ),
                d,
            ).scalar()
            == 0
        )
        assert (
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM student_grant WHERE year < 2023 AND status IN "
                    "('paid','rejected','withdrawn') AND (school IS NOT NULL OR note IS NOT NULL OR "
                    "status_reason IS NOT NULL OR override_reason IS NOT NULL)"
                )
            ).scalar()
            == 0
        )
        # what is newer keeps its details
        assert (
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM hardship_file WHERE status = 'open' AND address IS NOT NULL"
                )
            ).scalar()
            > 0
        )
        assert (
            conn.execute(
                text("SELECT COUNT(*) FROM student_grant WHERE year >= 2023 AND school IS NOT NULL")
            ).scalar()
            > 0
        )


def test_a_purge_is_audited_without_personal_data_and_is_idempotent(county) -> None:
    target, engine = county
    old = _people(engine)
    first = _purge(target)
    with UnitOfWork(target) as work:
        query = select(AuditEntry).where(AuditEntry.action == "purge")
        entries = list(work.session.execute(query).scalars())
        assert len(entries) == 1
        entry = entries[0]
        assert entry.after is not None
        reason, entity, after_text = entry.reason, entry.entity, entry.after
    assert reason == "保存期满" and entity == "privacy"
    after = json.loads(after_text)
    assert after == {"before": CUTOFF.isoformat(), **first.counts()}
    anonymised = {pid for pid, row in _people(engine).items() if row != old[pid]}
    for pid in anonymised:
        assert old[pid][1] not in after_text and old[pid][3] not in after_text
    snapshot = {t: _dump(engine, t) for t in TABLES}
    second = _purge(target)
    assert second.total == 0
    assert {t: _dump(engine, t) for t in TABLES} == snapshot  # nothing changed, nothing audited


def test_a_dry_run_counts_the_same_and_writes_nothing(county) -> None:
    target, engine = county
    snapshot = {t: _dump(engine, t) for t in TABLES}
    dry = _purge(target, dry_run=True)
    assert {t: _dump(engine, t) for t in TABLES} == snapshot
    real = _purge(target)
    assert dry.counts() == real.counts() and dry.total > 0


def test_a_purge_needs_a_reason_and_a_past_date(county) -> None:
    target, engine = county
    snapshot = _dump(engine, "person")
    with UnitOfWork(target) as work:
        with pytest.raises(UsageError):
            privacy.purge(work, CUTOFF, "  ")
        with pytest.raises(InvalidValue):
            privacy.purge(work, date(2999, 1, 1), "保存期满")
        with pytest.raises(InvalidValue):
            privacy.purge(work, "2023-13-45", "保存期满")
    assert _dump(engine, "person") == snapshot


def test_privacy_purge_command(cli, ledger: Target) -> None:
    engine = make_engine(ledger)
    try:
        build(engine, "tester", members=600)
    finally:
        engine.dispose()
    r = cli("privacy", "purge", "--before", "2023-07-01")
    assert r.exit_code == 2 and "--reason" in r.stderr
    r = cli("privacy", "purge", "--before", "2023-07-01", "--dry-run", "--reason", "保存期满")
    assert r.exit_code == 0 and "试运行" in r.stdout
    r = cli("--lang", "en", "privacy", "purge", "--before", "2023-07-01", "--reason", "expired")
    assert r.exit_code == 0 and "anonymised" in r.stdout, r.stderr
    r = cli("--lang", "en", "privacy", "purge", "--before", "2023-07-01", "--reason", "expired")
    assert r.exit_code == 0 and "nothing left" in r.stdout
    r = cli("audit", "list", "--action", "purge", "--format", "json")
    assert r.exit_code == 0 and r.stdout.count('"purge"') == 1


# --- data at rest -----------------------------------------------------------------------------


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: files readable by everyone unless we say not
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_ledger_and_its_wal_and_shm_are_owner_only(tmp_path: Path, loose_umask) -> None:
    from unioncli.services.orgs import add_org

    target = sqlite_target(tmp_path / "new" / "ledger.sqlite3")
    engine = engine_for(target)
    with UnitOfWork(target) as work:
        add_org(work, {"org_name": "城关镇第一小学工会", "founded": "2010-05-01"})
        work.commit()
    with engine.connect() as conn:  # a connection open: the -wal and -shm are there
        conn.execute(text("SELECT COUNT(*) FROM org")).scalar()
        wal = Path(f"{target.path}-wal")
        shm = Path(f"{target.path}-shm")
        assert wal.exists() and shm.exists()
        assert target.path is not None and _private(target.path)
        assert _private(wal) and _private(shm)


@pytest.mark.sqlite_only("file modes of SQLite backups; a server ledger has no backup command")
def test_backups_and_the_restore_safety_copy_are_owner_only(
    cli, ledger: Target, tmp_path: Path, loose_umask
) -> None:
    assert cli("org", "add", "城关镇第一小学工会", "--founded", "2010-05-01").exit_code == 0
    dest = tmp_path / "out" / "backup.sqlite3"
    r = cli("db", "backup", str(dest))
    assert r.exit_code == 0, r.stderr
    assert _private(dest)
    r = cli("db", "backup")
    assert r.exit_code == 0, r.stderr
    default = Path(r.stdout.split()[-1]) if Path(r.stdout.split()[-1]).exists() else None
    backups = list((Path(str(ledger.path)).parent / "backups").glob("*"))
    assert backups or default
    assert all(_private(p) for p in backups)
    before = set(Path(str(ledger.path)).parent.rglob("*"))
    r = cli("db", "restore", str(dest), "--yes")
    assert r.exit_code == 0, r.stderr
    made = [p for p in set(Path(str(ledger.path)).parent.rglob("*")) - before if p.is_file()]
    assert made, "restore keeps the replaced ledger aside"
    assert all(_private(p) for p in made), [(p, oct(p.stat().st_mode)) for p in made]
    assert ledger.path is not None and _private(ledger.path)


@pytest.fixture
def small_county(cli, ledger: Target) -> Target:
    engine = make_engine(ledger)
    try:
        build(engine, "tester", members=300)
    finally:
        engine.dispose()
    return ledger


def _whole_ids(text_: str) -> list[str]:
    return [t for t in ID18.findall(text_) if is_valid_id_number(t)]


def test_exports_and_printouts_are_masked_by_default(cli, small_county: Target, tmp_path) -> None:
    out = tmp_path / "members.csv"
    r = cli("export", "members", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    content = out.read_text(encoding="utf-8-sig")
    assert content.count("\n") > 100 and not _whole_ids(content)
    assert re.search(r"\d{4}\*{10}[\dX]{4}", content)
    with UnitOfWork(small_county) as work:
        file_no = work.session.execute(text("SELECT file_no FROM hardship_file LIMIT 1")).scalar()
    r = cli("hardship", "show", str(file_no))
    assert r.exit_code == 0, r.stderr
    assert not _whole_ids(r.stdout) and "*" in r.stdout
    r = cli("grant", "list", "--all", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.count("\n") > 10 and not _whole_ids(r.stdout)


def test_revealing_needs_a_reason_and_is_audited(cli, small_county: Target, tmp_path) -> None:
    with UnitOfWork(small_county) as work:
        file_no = work.session.execute(text("SELECT file_no FROM hardship_file LIMIT 1")).scalar()
    out = tmp_path / "members.csv"
    refused = [
        cli("export", "members", "--out", str(out), "--unmasked"),
        cli("hardship", "show", str(file_no), "--show-id"),
        cli("grant", "list", "--show-id"),
        cli("member", "list", "--show-id"),
    ]
    for r in refused:
        assert r.exit_code == 2 and "--reason" in r.stderr
        assert not _whole_ids(r.stdout)
    assert not out.exists()
    shown = [
        cli("export", "members", "--out", str(out), "--unmasked", "--reason", "社保核对"),
        cli("hardship", "show", str(file_no), "--show-id", "--reason", "社保核对"),
        cli("grant", "list", "--show-id", "--reason", "社保核对"),
    ]
    assert all(r.exit_code == 0 for r in shown), [r.stderr for r in shown]
    assert _whole_ids(out.read_text(encoding="utf-8-sig"))
    assert _whole_ids(shown[1].stdout) and _whole_ids(shown[2].stdout)
    with UnitOfWork(small_county) as work:
        reasons = work.session.execute(
            text("SELECT reason FROM audit_log WHERE action IN ('reveal', 'export')")
        ).all()
    assert len([r for (r,) in reasons if r == "社保核对"]) >= 3


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_internal_error_on_a_record_leaks_no_personal_data(
    cli, ledger: Target, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    from unioncli.views.hardship import files as hardship_files

    idn, name = "230125199001012350", "张伟"
    assert cli("org", "add", "城关镇第一小学工会", "--founded", "2010-05-01").exit_code == 0
    r = cli(
        "member", "add", name, "--id", idn, "--org", "城关镇第一小学工会", "--joined", "2024-03-05"
    )
    assert r.exit_code == 0, r.stderr

    def boom(work: Any, person_id: int) -> Any:
        raise RuntimeError(f"boom {idn} {name} 138-0013-8000")

    monkeypatch.delenv("UNIONCLI_DEBUG", raising=False)
    monkeypatch.setattr(hardship_files, "files_headed_by", boom)
    r = cli("--lang", lang, "member", "show", idn)
    assert r.exit_code == 1
    assert idn not in r.stderr and name not in r.stderr and "boom" not in r.stderr
    assert idn not in r.stdout and name not in r.stdout
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "RuntimeError" in r.stderr
