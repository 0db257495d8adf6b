"""The table renderer: a long table is written line by line in Rich's layout, the same text
Rich writes itself (``render.FAST_ROWS``)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unioncli.cli import render

WORDS = st.sampled_from(
    [
        "城关镇",
        "第一小学工会",
        "张伟",
        "2301**********0006",
        "1,000.00",
        "abc",
        "x y z",
        "",
        "3",
        "—",
        "[补录]",
    ]
)
CELL = st.lists(WORDS, min_size=0, max_size=4).map(
    lambda ws: "".join(ws) if len(ws) < 3 else " ".join(ws)
)
COLUMN = st.tuples(
    st.sampled_from(
        ["编号", "工会名称", "金额（元）", "name", "状态日期", "年末\n会员", "帮扶\n人次\n(万)"]
    ),
    st.sampled_from(["left", "right"]),
    st.booleans(),
)


def _capture(monkeypatch: pytest.MonkeyPatch, width: int, fast_rows: int, draw: Any) -> str:
    out = io.StringIO()
    monkeypatch.setattr(render, "FAST_ROWS", fast_rows)
    monkeypatch.setattr(render.sys, "stdout", out)
    monkeypatch.setenv("COLUMNS", str(width))
    draw()
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(
    columns=st.lists(COLUMN, min_size=1, max_size=6),
    data=st.data(),
    width=st.integers(min_value=30, max_value=140),
    title=st.sampled_from([None, "2024 年度各基层工会", "x" * 50]),
)
def test_a_long_table_reads_as_rich_writes_it(
    columns: list[Any], data: Any, width: int, title: Any
) -> None:
    cols = [
        render.Column(f"k{i}", label, justify=justify, wrap=wrap)
        for i, (label, justify, wrap) in enumerate(columns)
    ]
    items = data.draw(
        st.lists(st.fixed_dictionaries({c.key: CELL for c in cols}), min_size=1, max_size=12)
    )
    with pytest.MonkeyPatch.context() as m:
        slow = _capture(m, width, 10_000, lambda: render.rows(cols, items, title=title))
    with pytest.MonkeyPatch.context() as m:
        fast = _capture(m, width, 0, lambda: render.rows(cols, items, title=title))
    assert fast == slow


@settings(max_examples=200, deadline=None)
@given(
    n_columns=st.integers(min_value=2, max_value=7),
    data=st.data(),
    width=st.integers(min_value=40, max_value=140),
)
def test_a_long_grouped_table_reads_as_rich_writes_it(
    n_columns: int, data: Any, width: int
) -> None:
    headers = ["工会", *[f"指标\n{i}" if i % 2 else f"指标{i}" for i in range(1, n_columns)]]
    numeric = [False, *([True] * (n_columns - 1))]
    groups = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from([None, "城关镇", "太平镇 合计"]),
                st.lists(
                    st.tuples(
                        st.lists(CELL, min_size=n_columns, max_size=n_columns), st.booleans()
                    ),
                    min_size=1,
                    max_size=5,
                ),
            ),
            min_size=1,
            max_size=4,
        )
    )

    def draw() -> None:
        render.grouped(headers, numeric, groups, title="各工会", notes=["注"], footer="合计")

    with pytest.MonkeyPatch.context() as m:
        slow = _capture(m, width, 10_000, draw)
    with pytest.MonkeyPatch.context() as m:
        fast = _capture(m, width, 0, draw)
    assert fast == slow


def test_the_fast_path_is_taken_for_a_long_table(monkeypatch: pytest.MonkeyPatch) -> None:
    # guards the comparison above: past FAST_ROWS the rows never reach a Rich table
    added: list[int] = []
    monkeypatch.setattr(render.Table, "add_row", lambda self, *a, **k: added.append(1))
    cols = [render.Column("a", "甲")]
    monkeypatch.setattr(render.sys, "stdout", io.StringIO())
    render.rows(cols, [{"a": str(i)} for i in range(render.FAST_ROWS + 50)])
    assert len(added) == 2  # only the two sample rows the layout is measured from
