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
