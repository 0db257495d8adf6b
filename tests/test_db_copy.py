"""``unioncli db copy``: a county's ledger into a server and back, merged with others, verified.

The server tests need ``UNIONCLI_TEST_DATABASE_URL`` (they skip without it); the ones whose
destination is the ``ledger`` fixture run on a SQLite file and on PostgreSQL alike.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dbutil import contents, count, execute, fingerprint, rows, scalar
from demo_ledger import build_demo
from typer.testing import CliRunner

from unioncli import i18n
from unioncli.config import Target, sqlite_target
from unioncli.ids import make_id_number

ZHANG_WEI = make_id_number("230125", date(1990, 1, 1), 1, "male")
ZHANG_LI = make_id_number("230125", date(1992, 5, 6), 2, "female")
WANG_WEI = make_id_number("230125", date(1988, 8, 8), 3, "male")
LI_NA = make_id_number("230125", date(1995, 3, 3), 4, "female")

# every table a copy carries (alembic_version aside)
TABLES = (
    "org",
    "person",
    "member",
    "member_event",
    "hardship_file",
    "hardship_family",
    "hardship_review",
    "hardship_visit",
    "aid",
    "low_income_line",
    "grant_round",
    "grant_standard",
    "student_grant",
    "station",
    "station_event",
    "station_rating",
    "station_log",
    "import_batch",
    "import_change",
    "ledger_meta",
    "report_issue",
    "audit_log",
    "audit_head",
)


def run(target: Target, *args: str) -> Any:
    """unioncli on ``target`` (``--db`` for a file, ``UNIONCLI_DATABASE_URL`` for a server)."""
    from unioncli.cli import app

    argv = (["--db", str(target.path)] if target.is_sqlite else []) + list(args)
    env = None if target.is_sqlite else {"UNIONCLI_DATABASE_URL": target.url}
    result = CliRunner().invoke(app, argv, env=env, catch_exceptions=False)
    i18n.set_lang(None)
    return result


def ok(result: Any) -> str:
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def where(target: Target) -> str:
    return str(target.path) if target.is_sqlite else target.url


def counts(target: Target) -> dict[str, int]:
    return {t: count(target, t) for t in TABLES}


def reports(target: Target, years: range, county: str | None = None) -> list[dict[str, Any]]:
    from unioncli.db.engine import engine_for
    from unioncli.services.report import Scope, year_report

    scope = Scope(county=county) if county else None
    return [year_report(engine_for(target), y, scope) for y in years]


def chain(target: Target) -> int:
    from unioncli.db.read import reading
    from unioncli.views.audit import verify_chain

    with reading(target) as r:
        return verify_chain(r).count


def revision(target: Target) -> str | None:
    """The schema revision, read without bringing the ledger to the head (as dbutil would)."""
    from unioncli.db.engine import make_engine
    from unioncli.db.schema import stored_revision

    engine = make_engine(target)
    try:
        return stored_revision(engine)
    finally:
        engine.dispose()


def demo(template_db: Path, path: Path, **kw: Any) -> Target:
    build_demo(template_db, path, **kw)
    return sqlite_target(path)


def small_county(path: Path, org: str, members: list[tuple[str, str]]) -> Target:
    """A county's own ledger built by the commands: one union, its members (2020)."""
    target = sqlite_target(path)
    ok(run(target, "org", "add", org, "--founded", "2010-05-01", "--township", "城关镇"))
    for name, idn in members:
        ok(run(target, "member", "add", name, "--id", idn, "--org", "1", "--joined", "2020-03-01"))
    return target


YEARS = range(2015, 2025)


# --- a county's ledger into an empty server and back -----------------------------------------


def test_demo_ledger_to_an_empty_server_and_back(template_db, tmp_path, pg_target) -> None:
    county = demo(template_db, tmp_path / "county.sqlite3", members=400)
    before = counts(county)
    # trust auth takes any password: the command must never print it
    server = Target(url=pg_target.url.replace("postgres@", "postgres:s3cret@"), path=None)

    out = run(county, "db", "copy", "--to", server.url)
    assert out.exit_code == 0, out.stderr
    assert "s3cret" not in out.stdout + out.stderr
    assert "目标原为空库，编号不变" in out.stdout
    first = scalar(county, "SELECT MIN(founded) FROM org")[:4]
    assert f"年度数据核对一致：{first}–2024 共 {2025 - int(first)} 年" in out.stdout
    assert "审计日志：1 条原样复制，链完整" in out.stdout
    assert "行/秒" in out.stderr

    on_server = counts(pg_target)
    assert on_server == {**before, "audit_log": before["audit_log"] + 1}
    assert reports(pg_target, YEARS) == reports(county, YEARS)
    assert chain(pg_target) == before["audit_log"] + 1
    # the same ids: the copy is the ledger itself
    assert rows(pg_target, "SELECT id, id_number FROM person ORDER BY id LIMIT 5") == rows(
        county, "SELECT id, id_number FROM person ORDER BY id LIMIT 5"
    )
    # the audit entry says what was copied, with no password and no personal data
    after = scalar(pg_target, "SELECT after FROM audit_log WHERE action = 'db.copy'")
    assert '"mode": "copy"' in after and "s3cret" not in after and "person" in after

    back = sqlite_target(tmp_path / "back" / "county.sqlite3")
    ok(run(back, "db", "copy", "--from", server.url))
    assert back.path is not None and back.path.stat().st_mode & 0o777 == 0o600
    assert counts(back) == {**before, "audit_log": before["audit_log"] + 2}
    assert reports(back, YEARS) == reports(county, YEARS)
    assert chain(back) == before["audit_log"] + 2
    # there and back loses nothing: every row, every value (times to the microsecond), every id
    for table in TABLES:
        if table != "audit_head":
            every = f"SELECT * FROM {table} ORDER BY 1"
            assert rows(back, every)[: before[table]] == rows(county, every), table
    # reading the server left no trace on it
    assert count(pg_target, "audit_log") == before["audit_log"] + 1


def test_ids_continue_after_a_copy_to_the_server(tmp_path, pg_target) -> None:
    county = small_county(tmp_path / "c.sqlite3", "城关镇第一小学工会", [("张伟", ZHANG_WEI)])
    ok(run(county, "db", "copy", "--to", pg_target.url))
    top = {t: scalar(pg_target, f"SELECT MAX(id) FROM {t}") for t in ("org", "person", "member")}

    ok(run(pg_target, "org", "add", "城关镇第二小学工会", "--founded", "2011-01-01"))
    ok(
        run(
            pg_target,
            "member",
            "add",
            "张丽",
            "--id",
            ZHANG_LI,
            "--org",
            "城关镇第二小学工会",
            "--joined",
            "2021-01-01",
        )
    )
    for table, last in top.items():
        assert scalar(pg_target, f"SELECT MAX(id) FROM {table}") == last + 1, table
    assert chain(pg_target) == count(pg_target, "audit_log")


# --- merging counties into one ledger ---------------------------------------------------------


def two_counties(tmp_path: Path) -> tuple[Target, Target]:
    """甲: 张伟 and 张丽 are members. 乙: 王伟 is a member and heads a hardship file where 张伟
    (the same person) is his household; 李娜, a student, has a grant."""
    a = small_county(
        tmp_path / "a.sqlite3", "甲县第一小学工会", [("张伟", ZHANG_WEI), ("张丽", ZHANG_LI)]
    )
    b = small_county(tmp_path / "b.sqlite3", "乙县人民医院工会", [("王伟", WANG_WEI)])
    ok(
        run(
            b,
            "hardship",
            "open",
            "王伟",
            "--id",
            WANG_WEI,
            "--org",
            "1",
            "--category",
            "深度困难",
            "--cause",
            "患重特大疾病",
            "--size",
            "2",
            "--income",
            "400",
            "--opened",
            "2023-02-01",
            "--family",
            f"张伟,{ZHANG_WEI},其他",
        )
    )
    ok(
        run(
            b, "aid", "add", WANG_WEI, "--date", "2023-03-01", "--kind", "送温暖", "--amount", "800"
        )
    )
    return a, b


def test_two_counties_merge_into_one_ledger_sharing_a_person(tmp_path, ledger) -> None:
    a, b = two_counties(tmp_path)
    b_member_entry = scalar(b, "SELECT COUNT(*) FROM audit_log")

    ok(run(a, "db", "copy", "--to", where(ledger), "--county", "甲县"))
    out = ok(run(b, "db", "copy", "--to", where(ledger), "--county", "乙县"))
    assert "已合并" in out

    # 张伟 is one person, a member in 甲 and in the household of 乙's file
    assert count(ledger, "person") == 3
    zhang = scalar(ledger, "SELECT id FROM person WHERE id_number = :n", n=ZHANG_WEI)
    assert scalar(ledger, "SELECT person_id FROM hardship_family") == zhang
    assert scalar(ledger, "SELECT COUNT(*) FROM member WHERE person_id = :p", p=zhang) == 1
    assert rows(ledger, "SELECT name, county FROM org ORDER BY id") == [
        ("甲县第一小学工会", "甲县"),
        ("乙县人民医院工会", "乙县"),
    ]
    # 乙's rows hang off 乙's union and file on the merged ledger
    wang = scalar(ledger, "SELECT id FROM person WHERE id_number = :n", n=WANG_WEI)
    b_org = scalar(ledger, "SELECT id FROM org WHERE county = '乙县'")
    assert rows(ledger, "SELECT org_id FROM member WHERE person_id = :p", p=wang) == [(b_org,)]
    file_id = scalar(ledger, "SELECT id FROM hardship_file WHERE head_id = :p", p=wang)
    assert scalar(ledger, "SELECT file_id FROM aid") == file_id
    assert scalar(ledger, "SELECT org_id FROM hardship_file") == b_org

    # the figures: the sum of the two
    from unioncli.services.copy.checks import add_reports

    assert reports(ledger, YEARS) == [
        add_reports(x, y) for x, y in zip(reports(a, YEARS), reports(b, YEARS), strict=True)
    ]

    # 乙's audit entries follow 甲's on one chain, naming the merged rows
    assert chain(ledger) == count(a, "audit_log") + 1 + b_member_entry + 1
    entity = scalar(
        ledger,
        "SELECT entity_id FROM audit_log WHERE action = 'member.add' ORDER BY id DESC LIMIT 1",
    )
    assert entity == scalar(ledger, "SELECT id FROM member WHERE person_id = :p", p=wang)
    assert scalar(
        ledger, "SELECT after FROM audit_log WHERE action = 'db.copy' ORDER BY id DESC LIMIT 1"
    ).count('"mode": "merge"')


def test_issued_reports_come_with_a_plain_copy_not_with_a_merge(tmp_path, ledger) -> None:
    import json

    a, b = two_counties(tmp_path)
    ok(run(a, "report", "issue", "2020"))
    ok(run(b, "report", "issue", "2020"))
    ok(run(a, "db", "copy", "--to", where(ledger), "--county", "甲县"))
    assert count(ledger, "report_issue") == 1  # the same ids, the same chain: still true
    assert "与定稿一致" in ok(run(ledger, "report", "diff", "2020"))
    ok(run(b, "db", "copy", "--to", where(ledger), "--county", "乙县"))
    assert count(ledger, "report_issue") == 1  # 乙's issue was of 乙's ledger: it stays there
    # the whole ledger grew by 乙's county since 甲's issue, and the merged entries say why
    data = json.loads(ok(run(ledger, "report", "diff", "2020", "--format", "json")))
    assert {"key": "members.new", "issued": 2, "now": 3} in data["changes"]
    assert "member.add" in {c["action"] for c in data["causes"]}


def test_a_county_less_ledger_needs_its_county_to_join_a_divided_one(tmp_path, ledger) -> None:
    a, b = two_counties(tmp_path)
    ok(run(a, "db", "copy", "--to", where(ledger), "--county", "甲县"))
    out = run(b, "db", "copy", "--to", where(ledger))
    assert out.exit_code == 2
    assert out.stderr == (
        "错误：目标台账已按区县划分（甲县），而源台账的基层工会或站点没有区县："
        "请用 --county 指明它们所属的区县\n"
    )
    assert count(ledger, "org") == 1


def test_a_conflict_is_refused_and_nothing_written(tmp_path, ledger) -> None:
    a, _ = two_counties(tmp_path)
    ok(run(a, "db", "copy", "--to", where(ledger), "--county", "甲县"))
    before = contents(ledger)
    entries = count(ledger, "audit_log")
    # another county whose union has the same name, and 张伟 a member there too
    c = small_county(
        tmp_path / "c.sqlite3", "甲县第一小学工会", [("张伟", ZHANG_WEI), ("王伟", WANG_WEI)]
    )
    out = run(c, "db", "copy", "--to", where(ledger), "--county", "丙县")
    assert out.exit_code == 4
    assert out.stderr.count("\n") == 1
    assert out.stderr == (
        "错误：目标台账中已有与源台账冲突的记录 2 处，未写入任何数据："
        "工会 “甲县第一小学工会” 已在目标台账中（name）；"
        "会员 张伟（2301**********003X） 已在目标台账中（person_id）\n"
    )
    assert contents(ledger) == before
    assert chain(ledger) == entries


def test_settings_identical_are_reused_and_different_ones_refused(tmp_path, ledger) -> None:
    a, b = two_counties(tmp_path)
    for target, line in ((a, "760"), (b, "760")):
        ok(run(target, "hardship", "settings", "--year", "2024", "--low-income-line", line))
    ok(run(a, "db", "copy", "--to", where(ledger), "--county", "甲县"))
    out = ok(run(b, "db", "copy", "--to", where(ledger), "--county", "乙县"))
    assert rows(ledger, "SELECT year, amount_fen FROM low_income_line") == [(2024, 76000)]
    assert "low_income_line" in out

    c = small_county(tmp_path / "c.sqlite3", "丙县实验中学工会", [("李娜", LI_NA)])
    ok(run(c, "hardship", "settings", "--year", "2024", "--low-income-line", "800"))
    refused = run(c, "db", "copy", "--to", where(ledger), "--county", "丙县")
    assert refused.exit_code == 4
    assert "2024：目标为 amount_fen=76000，源为 amount_fen=80000" in refused.stderr


def test_an_import_merged_in_can_still_be_undone(tmp_path, ledger) -> None:
    """Rows an import created carry its batch; rows it changed are named by table and id: both
    follow the merge, so ``import undo`` on the merged ledger undoes exactly that import."""
    a, b = two_counties(tmp_path)
    header = ["姓名", "身份证号", "性别", "手机号", "所属工会", "入会日期"]
    csv = tmp_path / "members.csv"
    csv.write_text(
        ",".join(header)
        + f"\n王伟,{WANG_WEI},男,13900000003,乙县人民医院工会,2020-03-01"
        + f"\n李娜,{LI_NA},女,,乙县人民医院工会,2021-06-01\n",
        encoding="utf-8",
    )
    ok(run(b, "import", "members", str(csv), "--on-duplicate", "update"))
    ok(run(a, "db", "copy", "--to", where(ledger), "--county", "甲县"))
    ok(run(b, "db", "copy", "--to", where(ledger), "--county", "乙县"))

    wang = scalar(ledger, "SELECT id FROM person WHERE id_number = :n", n=WANG_WEI)
    entity, entity_id = rows(ledger, "SELECT entity, entity_id FROM import_change")[0]
    assert (entity, entity_id) == ("person", wang)
    batch = scalar(ledger, "SELECT id FROM import_batch")
    assert scalar(ledger, "SELECT batch_id FROM person WHERE id_number = :n", n=LI_NA) == batch

    ok(run(ledger, "import", "undo", str(batch)))
    assert scalar(ledger, "SELECT phone FROM person WHERE id = :p", p=wang) is None
    assert count(ledger, "person", "id_number = :n", n=LI_NA) == 0
    assert count(ledger, "member") == 3


# --- a county's part back from the city's ledger --------------------------------------------


def test_a_county_part_comes_back_alone(tmp_path, ledger) -> None:
    a, b = two_counties(tmp_path)
    ok(run(a, "db", "copy", "--to", where(ledger), "--county", "甲县"))
    ok(run(b, "db", "copy", "--to", where(ledger), "--county", "乙县"))

    back = sqlite_target(tmp_path / "甲县.sqlite3")
    out = ok(run(back, "db", "copy", "--from", where(ledger), "--county", "甲县"))
    assert "只复制该区县的部分" in out
    assert rows(back, "SELECT name, county FROM org") == [("甲县第一小学工会", "甲县")]
    assert count(back, "member") == 2 and count(back, "person") == 2
    # 乙's file, its household (张伟 among them) and its aid stay behind
    assert count(back, "hardship_file") == count(back, "hardship_family") == count(back, "aid") == 0
    assert reports(back, YEARS, "甲县") == reports(ledger, YEARS, "甲县")
    # 甲's audit entries about its own rows come along, on a fresh chain
    assert chain(back) == count(back, "audit_log")
    assert scalar(back, "SELECT COUNT(*) FROM audit_log WHERE action = 'member.add'") == 2

    part_b = sqlite_target(tmp_path / "乙县.sqlite3")
    ok(run(part_b, "db", "copy", "--from", where(ledger), "--county", "乙县"))
    # 乙's part holds 张伟 as its household member: a person, not a member
    assert count(part_b, "person") == 2 and count(part_b, "member") == 1
    assert count(part_b, "hardship_family") == 1 and count(part_b, "aid") == 1

    unknown = run(
        sqlite_target(tmp_path / "x.sqlite3"),
        "db",
        "copy",
        "--from",
        where(ledger),
        "--county",
        "丁县",
    )
    assert unknown.exit_code == 3
    assert "（其中的区县：乙县、甲县）" in unknown.stderr


# --- dry runs and refusals --------------------------------------------------------------------


def test_dry_run_writes_nothing(template_db, tmp_path, pg_target) -> None:
    county = demo(template_db, tmp_path / "county.sqlite3", members=200)
    out = ok(run(county, "db", "copy", "--to", pg_target.url, "--dry-run"))
    assert "试运行" in out and "年度数据核对一致" in out
    # not even the tables: the migrations ran inside the rolled-back transaction
    assert revision(pg_target) is None

    new_file = tmp_path / "new.sqlite3"
    ok(run(county, "db", "copy", "--to", str(new_file), "--dry-run"))
    assert not new_file.exists()


def test_dry_run_of_a_merge_writes_nothing(tmp_path, ledger) -> None:
    a, b = two_counties(tmp_path)
    ok(run(a, "db", "copy", "--to", where(ledger), "--county", "甲县"))
    before = contents(ledger)
    out = ok(run(b, "db", "copy", "--to", where(ledger), "--county", "乙县", "--dry-run"))
    assert "试运行" in out
    assert contents(ledger) == before


def test_the_source_is_only_read(tmp_path, ledger) -> None:
    a, _ = two_counties(tmp_path)
    mark = fingerprint(a)  # the file's bytes
    ok(run(a, "db", "copy", "--to", where(ledger)))
    assert fingerprint(a) == mark


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ((), 2, "请给出 --to URL 或 --from URL 之一（只能一个）"),
        (("--to", "a.sqlite3", "--from", "b.sqlite3"), 2, "请给出 --to URL 或 --from URL 之一"),
        (("--to", "mysql://u:pw@host/db"), 2, "不支持的数据库类型：mysql"),
        (("--to", "postgresql+psycopg://"), 2, "不是数据库地址或文件路径"),
        (("--to", "sqlite://"), 2, "不是数据库地址或文件路径"),
        (("--from", "missing.sqlite3"), 3, "找不到源台账文件"),
    ],
)
def test_mistakes_are_one_line(tmp_path, args, code, message) -> None:
    os.chdir(tmp_path)
    here = small_county(tmp_path / "here.sqlite3", "城关镇第一小学工会", [("张伟", ZHANG_WEI)])
    out = run(here, "db", "copy", *args)
    assert out.exit_code == code, out.stderr
    assert message in out.stderr and out.stderr.count("\n") == 1
    assert "pw@" not in out.stderr


def test_an_unreachable_server_is_one_line_without_its_password(tmp_path) -> None:
    here = small_county(tmp_path / "here.sqlite3", "城关镇第一小学工会", [("张伟", ZHANG_WEI)])
    out = run(here, "db", "copy", "--to", "postgresql+psycopg://clerk:s3cret@127.0.0.1:1/city")
    assert out.exit_code == 1
    assert out.stderr.startswith("错误：无法打开 postgresql+psycopg://clerk:***@127.0.0.1:1/city：")
    assert "s3cret" not in out.stderr and out.stderr.count("\n") == 1


def test_the_same_ledger_is_refused(tmp_path) -> None:
    here = small_county(tmp_path / "here.sqlite3", "城关镇第一小学工会", [("张伟", ZHANG_WEI)])
    out = run(here, "db", "copy", "--to", f"sqlite:///{here.path}")
    assert out.exit_code == 4
    assert out.stderr == f"错误：源台账与目标是同一个：{here.path}\n"


def test_a_source_behind_the_schema_is_pointed_at_db_upgrade(tmp_path) -> None:
    from unioncli.db import migrate

    old = sqlite_target(tmp_path / "old.sqlite3")
    migrate.upgrade(old, "0007")
    out = run(old, "db", "copy", "--to", str(tmp_path / "new.sqlite3"))
    assert out.exit_code == 1
    assert "结构版本 0007 不是最新" in out.stderr and "unioncli db upgrade" in out.stderr
    assert not (tmp_path / "new.sqlite3").exists()
    assert revision(old) == "0007"


def test_a_tampered_audit_log_is_not_carried(tmp_path, ledger) -> None:
    a, _ = two_counties(tmp_path)
    execute(a, "UPDATE audit_log SET reason = 'x' WHERE id = 1")
    out = run(a, "db", "copy", "--to", where(ledger))
    assert out.exit_code == 1
    assert "审计日志被篡改" in out.stderr
    assert count(ledger, "org") == 0 and count(ledger, "audit_log") == 0


# --- generic over the schema ------------------------------------------------------------------


def test_a_row_naming_a_later_row_of_its_own_table(tmp_path, ledger) -> None:
    """Files name their previous file; one that names a later one (hand-made here) still copies,
    kept or remapped."""
    a, b = two_counties(tmp_path)
    ok(
        run(
            b,
            "hardship",
            "open",
            "李娜",
            "--id",
            LI_NA,
            "--category",
            "相对困难",
            "--cause",
            "下岗失业",
            "--size",
            "1",
            "--income",
            "600",
            "--opened",
            "2023-05-01",
        )
    )
    execute(b, "UPDATE hardship_file SET previous_id = 2 WHERE id = 1")
    ok(run(a, "db", "copy", "--to", where(ledger), "--county", "甲县"))
    ok(run(b, "db", "copy", "--to", where(ledger), "--county", "乙县"))
    named = rows(
        ledger,
        "SELECT p.head_id FROM hardship_file f JOIN hardship_file p ON p.id = f.previous_id",
    )
    assert named == [(scalar(ledger, "SELECT id FROM person WHERE id_number = :n", n=LI_NA),)]

    kept = sqlite_target(tmp_path / "kept.sqlite3")
    ok(run(b, "db", "copy", "--to", str(kept.path)))
    assert scalar(kept, "SELECT previous_id FROM hardship_file WHERE id = 1") == 2


def test_every_table_is_copied() -> None:
    """A table added later is copied without a change here: the list is the models'."""
    from unioncli.models import metadata

    assert set(metadata.tables) == set(TABLES)
