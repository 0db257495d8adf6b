"""Every command documents itself with an example, and the README tours every noun.

In the manner of sqlite-utils' tests/test_docs.py: the list of commands comes from the app itself,
so a new command without help or without an example fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from unioncli.cli import app
from unioncli.ids import is_valid_id_number, parse_uscc

README = Path(__file__).resolve().parents[1] / "README.md"
ID_LIKE = re.compile(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])")
USCC_LIKE = re.compile(
    r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}(?![0-9A-Z])"
)


def _walk(command: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    if hasattr(command, "list_commands"):
        ctx = typer.main.get_command(app).make_context("unioncli", [], resilient_parsing=True)
        for name in command.list_commands(ctx):
            found += _walk(command.get_command(ctx, name), (*path, name))
    return found


ROOT = typer.main.get_command(app)
COMMANDS = _walk(ROOT, ())
TOP_LEVEL = sorted(name for path, _ in COMMANDS if len(path) == 1 for name in path)


def _id(path: tuple[str, ...]) -> str:
    return " ".join(("unioncli", *path))


ALL = [pytest.param(p, c, id=_id(p)) for p, c in COMMANDS]


def test_the_command_list_is_complete() -> None:
    # guards the walk itself: these exist today, more may come
    paths = {path for path, _ in COMMANDS}
    for expected in [
        ("demo",),
        ("org", "add"),
        ("org", "list"),
        ("member", "add"),
        ("member", "find"),
        ("member", "rejoin"),
        ("db", "restore"),
        ("audit", "list"),
    ]:
        assert expected in paths
    assert len(paths) >= 27


@pytest.mark.parametrize(("path", "command"), ALL)
def test_command_has_help(path: tuple[str, ...], command: Any) -> None:
    assert (command.help or "").strip(), f"{_id(path)} has no help text"


@pytest.mark.parametrize(("path", "command"), ALL)
def test_command_help_has_an_example(path: tuple[str, ...], command: Any) -> None:
    assert "Example:" in (command.help or ""), f"{_id(path)} help has no Example:"
    example = (command.help or "").split("Example:", 1)[1].strip()
    assert example.startswith(_id(path)), example


@pytest.mark.parametrize(("path", "command"), ALL)
def test_help_option_exits_0(path: tuple[str, ...], command: Any) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Usage: {_id(path)} ")
    first_line = (command.help or "").strip().split(".")[0].split("\n")[0]
    assert first_line in " ".join(result.stdout.split())


def _id_examples() -> list[Any]:
    params = []
    for path, command in COMMANDS:
        for token in ID_LIKE.findall(command.help or ""):
            params.append(pytest.param(token, id=f"{_id(path)}: {token}"))
    return params


@pytest.mark.parametrize("token", _id_examples())
def test_id_numbers_in_examples_are_valid(token: str) -> None:
    assert is_valid_id_number(token)


def _readme() -> str:
    if not README.exists():
        pytest.skip("README.md does not exist yet")
    return README.read_text(encoding="utf-8")


@pytest.mark.parametrize("noun", TOP_LEVEL)
def test_readme_mentions_every_noun(noun: str) -> None:
    assert f"unioncli {noun}" in _readme()


def test_readme_commands_exist() -> None:
    text = _readme()
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, flags=re.S)
    used = set()
    for block in blocks:
        for noun, verb in re.findall(r"\bunioncli ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", block):
            used.add((noun, verb))
    assert used, "no unioncli commands found in README code blocks"
    paths = {path for path, _ in COMMANDS}
    for noun, verb in sorted(used):
        assert (noun,) in paths, f"README uses unknown command: unioncli {noun}"
        if verb and hasattr(dict(COMMANDS)[(noun,)], "list_commands"):
            assert (noun, verb) in paths, f"README uses unknown command: unioncli {noun} {verb}"


def test_readme_id_numbers_and_codes_are_valid() -> None:
    text = _readme()
    for token in ID_LIKE.findall(text):
        assert is_valid_id_number(token), token
    for token in USCC_LIKE.findall(text):
        if not ID_LIKE.fullmatch(token):
            assert parse_uscc(token) == token


def test_the_root_help_lists_each_noun_with_its_own_help() -> None:
    # the root --help reads the nouns' help from a table (so it imports none of them): the table
    # must say what each loaded command says
    from unioncli.cli import NOUNS, _short_help

    ctx = ROOT.make_context("unioncli", [], resilient_parsing=True)
    assert list(NOUNS) == ROOT.list_commands(ctx)
    for name in NOUNS:
        loaded = ROOT.get_command(ctx, name)
        assert _short_help(name) == loaded.help, name


def test_a_noun_loads_only_its_own_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from unioncli.cli import app\n"
        "CliRunner().invoke(app, ['org', '--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('unioncli.cli.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['unioncli.cli.common', 'unioncli.cli.nouns', 'unioncli.cli.org']"
