def test_member_add_and_show(cli):
    r = cli("org", "add", "城关镇第一小学工会", "--founded", "2010-05-01", "--township", "城关镇")
    assert r.exit_code == 0, r.stderr
    r = cli(
        "member",
        "add",
        "张伟",
        "--id",
        "11010519491231002X",
        "--org",
        "1",
        "--joined",
        "2020-01-02",
    )
    assert r.exit_code == 0, r.stderr
    assert "张伟" in r.stdout


def test_every_package_is_installed():
    """A non-editable ``pip install .`` ships only the packages pyproject lists: a new
    subpackage left off that list works in a checkout and fails once installed."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(root).parts) for p in (root / "unioncli").rglob("__init__.py")
    }
    assert found - listed == set()
