"""``import … --repair-ids``: numbers a spreadsheet damaged come back from the ledger, never guessed.

The damaged forms are the ones real programs write: LibreOffice Calc saves an 18-digit ID read
as a number as ``2.3012519970721E+017`` (15 significant digits, trailing zeros dropped), Excel
shows ``2.30125E+17`` or keeps 15 digits and zeroes the rest; a mobile becomes ``1.38E+10``.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from dbutil import fingerprint, rows
from test_import import ORG1, ORG2, pid, read_csv, row, write_csv

from unioncli.ids import make_id_number, make_uscc
from unioncli.services.imports.repair import damaged_span

ORG1_USCC = make_uscc("81230125000000001")


def calc(number: str) -> str:
    """As Calc saves a "standard" cell: 15 significant digits, no trailing zeros, E+017."""
    mantissa = format(Decimal(number[:15]).scaleb(-14), "f").rstrip("0").rstrip(".")
    return f"{mantissa}E+{len(number) - 1:03d}"


def excel(number: str) -> str:
    """As a narrow Excel column shows it: 6 significant digits."""
    return f"{float(number):.5E}"


def zeroed(number: str) -> str:
    return number[:15] + "0" * (len(number) - 15)


@pytest.mark.parametrize("form", [calc, excel, zeroed])
def test_the_span_holds_the_true_number(form: object) -> None:
    number = "230125199707210033"
    damaged = form(number)  # type: ignore[operator]
    assert damaged != number
    span = damaged_span(damaged, 18)
    assert span is not None and span.holds(number)
    low, high = span.bounds()
    assert low <= number < high
    assert not span.holds("230225199707210033")


def test_what_is_not_damage_has_no_span() -> None:
    assert calc("230125199707210033") == "2.3012519970721E+017"
    assert damaged_span("2.30125E+16", 18) is None  # 17 digits: not an 18-digit number
    assert damaged_span("230125199707210034", 18) is None  # a typo, not a lost tail
    assert damaged_span("23012519970721003", 18) is None
    assert damaged_span("abc", 18) is None
    span = damaged_span("1.38E+10", 11)
    assert span is not None and span.holds("13812345678") and not span.holds("13912345678")


def _setup(cli: object, tmp_path: Path, n: int = 6) -> tuple[Path, list[dict[str, str]]]:
    assert cli("org", "add", ORG1, "--founded", "2019-05-01", "--uscc", ORG1_USCC).exit_code == 0  # type: ignore[operator]
    assert cli("org", "add", ORG2, "--founded", "2018-01-01").exit_code == 0  # type: ignore[operator]
    people = [row(i) for i in range(1, n + 1)]
    good = write_csv(tmp_path / "good.csv", people)
    assert cli("import", "members", str(good)).exit_code == 0  # type: ignore[operator]
    return good, people


def test_damaged_ids_are_refused_naming_the_repair_then_repaired(
    cli: object, ledger: object, tmp_path: Path
) -> None:
    _, people = _setup(cli, tmp_path)
    damaged = [dict(p, 身份证号=calc(p["身份证号"])) for p in people[:4]] + people[4:]
    damaged[1]["身份证号"] = zeroed(people[1]["身份证号"])
    path = write_csv(tmp_path / "damaged.csv", damaged)
    before = fingerprint(ledger)  # type: ignore[arg-type]

    refused = cli("import", "members", str(path))  # type: ignore[operator]
    assert refused.exit_code == 5
    assert "科学计数法" in (refused.stdout + refused.stderr) and "--repair-ids" in (
        refused.stdout + refused.stderr
    )
    assert "拒绝 4" in (refused.stdout + refused.stderr)
    assert fingerprint(ledger) == before  # type: ignore[arg-type]
    rejects = read_csv(tmp_path / "damaged.rejects.csv")
    assert all("--repair-ids" in r["错误原因"] for r in rejects)

    done = cli("import", "members", str(path), "--repair-ids")  # type: ignore[operator]
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "未变 6" in (done.stdout + done.stderr) and "拒绝 0" in (done.stdout + done.stderr)
    assert "按台账修复了 4 个" in (done.stdout + done.stderr)
    whole = people[0]["身份证号"]
    assert f"第 2 行 身份证号：2.30************+017 → {whole[:4]}**********{whole[-4:]}" in (
        done.stdout + done.stderr
    )
    assert whole not in (done.stdout + done.stderr)  # masked, before and after
    (after,) = rows(
        ledger,  # type: ignore[arg-type]
        "SELECT after FROM audit_log WHERE action = 'import.members' ORDER BY id DESC LIMIT 1",
    )[0]
    entry = json.loads(after) if isinstance(after, str) else after
    assert [r["line"] for r in entry["repaired"]] == [2, 3, 4, 5]
    assert entry["repaired"][0]["after"] == f"{whole[:4]}**********{whole[-4:]}"
    assert entry["unchanged"] == 6


def test_several_or_no_matching_people_are_not_repaired(
    cli: object, ledger: object, tmp_path: Path
) -> None:
    _setup(cli, tmp_path, n=0)
    born = date(1990, 1, 1)
    made = [make_id_number("230125", born, s, "male") for s in range(200)]
    # two numbers of one birthday, apart in their 15th digit; an X at the end is never damaged
    first = next(n for n in made if n[-1] != "X")
    twins = [first, next(n for n in made if n[-1] != "X" and n[14] != first[14])]
    assert twins[0][-1] != "X" and twins[0][14] != twins[1][14]
    same = [
        {
            "姓名": "王强",
            "身份证号": twins[0],
            "性别": "男",
            "所属工会": ORG1,
            "入会日期": "2020-01-01",
        },
        {
            "姓名": "王强",
            "身份证号": twins[1],
            "性别": "男",
            "所属工会": ORG1,
            "入会日期": "2020-01-01",
        },
    ]
    assert cli("import", "members", str(write_csv(tmp_path / "two.csv", same))).exit_code == 0  # type: ignore[operator]
    # 6 digits survive: both 王强 agree with them; 15 survive: each is told apart
    several = [dict(same[0], 身份证号=excel(twins[0]))]
    result = cli("import", "members", str(write_csv(tmp_path / "s.csv", several)), "--repair-ids")  # type: ignore[operator]
    assert result.exit_code == 5
    assert "有 2 条记录与残存数字和姓名相符" in (result.stdout + result.stderr)
    without = cli("import", "members", str(write_csv(tmp_path / "s2.csv", several)))  # type: ignore[operator]
    assert "--repair-ids" not in (
        without.stdout + without.stderr
    )  # no repair would have worked: not suggested
    nobody = [dict(same[0], 姓名="王刚", 身份证号=calc(twins[0]))]
    result = cli("import", "members", str(write_csv(tmp_path / "n.csv", nobody)), "--repair-ids")  # type: ignore[operator]
    assert result.exit_code == 5
    assert "没有与残存数字和姓名都相符的记录" in (result.stdout + result.stderr)
    told_apart = [dict(same[1], 身份证号=calc(twins[1]))]
    result = cli(
        "import", "members", str(write_csv(tmp_path / "t.csv", told_apart)), "--repair-ids"
    )  # type: ignore[operator]
    assert result.exit_code == 0 and "未变 1" in (result.stdout + result.stderr)


def test_a_value_wrong_for_another_reason_is_never_repaired(cli: object, tmp_path: Path) -> None:
    _, people = _setup(cli, tmp_path, n=2)
    typo = people[0]["身份证号"][:-1] + ("0" if people[0]["身份证号"][-1] != "0" else "1")
    bad = [
        dict(people[0], 身份证号=typo),
        dict(people[1], 性别="女", 身份证号=calc(people[1]["身份证号"])),
    ]
    result = cli("import", "members", str(write_csv(tmp_path / "bad.csv", bad)), "--repair-ids")  # type: ignore[operator]
    assert result.exit_code == 5
    assert "校验位不符" in (result.stdout + result.stderr)  # the typo stays a typo
    assert "按台账修复" not in (result.stdout + result.stderr)
    # 性别 contradicts every candidate: the damaged number is not taken as anyone's
    assert "没有与残存数字和姓名都相符的记录" in (result.stdout + result.stderr)


def test_a_mobile_turned_into_a_number_is_matched_to_the_stored_phone(
    cli: object, tmp_path: Path
) -> None:
    _, people = _setup(cli, tmp_path, n=2)
    phone = people[0]["手机号"]
    damaged = [dict(people[0], 手机号=f"{int(phone) / 1e10:.2f}E+10"), people[1]]
    result = cli("import", "members", str(write_csv(tmp_path / "p.csv", damaged)))  # type: ignore[operator]
    assert result.exit_code == 5 and "--repair-ids" in (result.stdout + result.stderr)
    result = cli("import", "members", str(write_csv(tmp_path / "p.csv", damaged)), "--repair-ids")  # type: ignore[operator]
    assert result.exit_code == 0, result.stdout + result.stderr
    assert f"手机号：1.3*E+10 → {phone[:3]}****{phone[-4:]}" in (result.stdout + result.stderr)
    assert "未变 2" in (result.stdout + result.stderr)


def test_aid_rows_are_confirmed_by_their_file_number(cli: object, tmp_path: Path) -> None:
    assert cli("org", "add", ORG1, "--founded", "2019-05-01").exit_code == 0  # type: ignore[operator]
    head = pid(7, "female")
    opened = cli(  # type: ignore[operator]
        "hardship", "open", "李芳", "--id", head, "--org", ORG1, "--category", "深度困难",
        "--cause", "患重特大疾病", "--size", "3", "--income", "450", "--opened", "2024-01-02",
    )  # fmt: skip
    assert opened.exit_code == 0, opened.stdout + opened.stderr
    (file_no,) = [w for w in (opened.stdout + opened.stderr).split() if w.startswith("KN")][:1] or [
        "KN2024-00001"
    ]
    header = ["档案编号", "身份证号", "帮扶日期", "帮扶类型", "金额"]
    first = {"档案编号": "KN2024-00001", "身份证号": head, "帮扶日期": "2024-02-01",
             "帮扶类型": "送温暖", "金额": "500"}  # fmt: skip
    ok = cli("import", "aid", str(write_csv(tmp_path / "a.csv", [first], header=header)))  # type: ignore[operator]
    assert ok.exit_code == 0, ok.stdout + ok.stderr
    damaged = dict(first, 身份证号=calc(head))
    result = cli(
        "import",
        "aid",
        str(write_csv(tmp_path / "d.csv", [damaged], header=header)),
        "--repair-ids",
    )  # type: ignore[operator]
    assert result.exit_code == 0 and "未变 1" in (result.stdout + result.stderr), (
        result.stdout + result.stderr
    )
    no_file = dict(damaged, 档案编号="")
    result = cli(
        "import",
        "aid",
        str(write_csv(tmp_path / "n.csv", [no_file], header=header)),
        "--repair-ids",
    )  # type: ignore[operator]
    assert result.exit_code == 5
    assert "该行没有可核对的档案编号" in (result.stdout + result.stderr)
    assert file_no
