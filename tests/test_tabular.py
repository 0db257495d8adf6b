"""Reading the spreadsheets grassroots unions send, and writing CSV/XLSX files, on real files."""

from __future__ import annotations

import codecs
import csv
import io
import os
import random
import re
import stat
from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from unioncli import i18n, tabular
from unioncli.errors import ExitCode
from unioncli.tabular import (
    FileRejected,
    Row,
    Source,
    TableWriter,
    neutralise,
    open_table,
    problem_error,
    writer_like,
)

HEADER = ["姓名", "身份证号", "手机号"]
DATA = [
    ["张三", "110105194912310021", "13812345678"],
    ["李四", "510322199001011000", ""],
    ["王五（退休）", "", "13900001111"],
]


def _csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _read(path: Path) -> tuple[Source, list[str], list[Row]]:
    with open_table(path) as table:
        return table.source, table.header, list(table.rows())


def _cells(rows: list[Row]) -> list[list[str]]:
    return [r.cells for r in rows]


def _rejected(path: Path) -> FileRejected:
    with pytest.raises(FileRejected) as info:
        open_table(path)
    assert info.value.exit_code == ExitCode.IMPORT_REJECTED == 5
    return info.value


# --- encodings and delimiters ------------------------------------------------------------------


def test_gbk_with_chinese_header(tmp_path: Path) -> None:
    p = _write(tmp_path / "members.csv", _csv_text([HEADER, *DATA]).encode("gbk"))
    source, header, rows = _read(p)
    assert (source.format, source.encoding, source.encoding_label) == (
        "csv",
        "gb18030",
        "GBK/GB18030",
    )
    assert source.delimiter == ","
    assert header == HEADER
    assert _cells(rows) == DATA
    assert [r.line for r in rows] == [2, 3, 4]
    assert all(r.problem is None for r in rows)


def test_utf8(tmp_path: Path) -> None:
    p = _write(tmp_path / "m.csv", _csv_text([HEADER, *DATA]).encode("utf-8"))
    source, header, rows = _read(p)
    assert (source.encoding, source.encoding_label) == ("utf-8", "UTF-8")
    assert header == HEADER
    assert _cells(rows) == DATA


def test_utf8_with_bom(tmp_path: Path) -> None:
    p = _write(tmp_path / "m.csv", _csv_text([HEADER, *DATA]).encode("utf-8-sig"))
    source, header, rows = _read(p)
    assert (source.encoding, source.encoding_label) == ("utf-8-sig", "UTF-8 (BOM)")
    assert header == HEADER  # no BOM stuck to 姓名
    assert _cells(rows) == DATA


def test_utf16_with_bom_tab_delimited_like_excel_unicode_text(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + _csv_text([HEADER, *DATA], "\t").encode("utf-16-le")
    source, header, rows = _read(_write(tmp_path / "m.txt", data))
    assert (source.encoding, source.encoding_label, source.delimiter) == ("utf-16", "UTF-16", "\t")
    assert header == HEADER
    assert _cells(rows) == DATA


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(tmp_path: Path, codec: str) -> None:
    p = _write(tmp_path / "m.csv", _csv_text([HEADER, *DATA]).encode(codec))
    source, header, rows = _read(p)
    assert (source.encoding, source.encoding_label) == (codec, "UTF-16")
    assert header == HEADER
    assert _cells(rows) == DATA


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    rows = [HEADER, ["赵六", "1,2", "x;y"]]
    p = _write(tmp_path / "m.csv", _csv_text(rows, delimiter).encode("utf-8"))
    source, header, got = _read(p)
    assert source.delimiter == delimiter
    assert header == HEADER
    assert _cells(got) == [["赵六", "1,2", "x;y"]]


def test_no_delimiter_means_one_column(tmp_path: Path) -> None:
    source, header, rows = _read(_write(tmp_path / "m.csv", "姓名\n张三\n李四\n".encode()))
    assert (source.delimiter, header) == (",", ["姓名"])
    assert _cells(rows) == [["张三"], ["李四"]]


def test_quoted_cells_with_commas_and_newlines_count_records(tmp_path: Path) -> None:
    text = (
        "姓名,地址,备注\r\n"
        '张三,"北京市,朝阳区","第一行\r\n第二行"\r\n'
        '李四,"上海\n浦东",无\r\n'
        "王五,广州,\r\n"
    )
    _, header, rows = _read(_write(tmp_path / "m.csv", text.encode("gbk")))
    assert header == ["姓名", "地址", "备注"]
    assert _cells(rows) == [
        ["张三", "北京市,朝阳区", "第一行\r\n第二行"],
        ["李四", "上海\n浦东", "无"],
        ["王五", "广州", ""],
    ]
    assert [r.line for r in rows] == [2, 3, 4]  # records, not physical lines


def test_old_mac_line_ends(tmp_path: Path) -> None:
    p = _write(tmp_path / "m.csv", "姓名,手机号\r张三,1\r李四,2\r".encode())
    assert _cells(_read(p)[2]) == [["张三", "1"], ["李四", "2"]]


# --- cells ---------------------------------------------------------------------------------------


def test_cells_are_stripped_and_blank_rows_skipped(tmp_path: Path) -> None:
    text = (
        "\ufeff 姓名 ,\u3000身份证号\u3000, 手机号\xa0\r\n"
        " 张三 ,\u3000110105194912310021\u3000,\xa013812345678\xa0\r\n"
        ",,\r\n"
        "  , \u3000 ,\xa0\r\n"
        "\r\n"
        '"  李四  ", x ,y\r\n'
    )
    _, header, rows = _read(_write(tmp_path / "m.csv", text.encode("utf-8")))
    assert header == HEADER
    assert _cells(rows) == [["张三", "110105194912310021", "13812345678"], ["李四", "x", "y"]]
    assert [r.line for r in rows] == [2, 6]


def test_inner_spaces_are_kept(tmp_path: Path) -> None:
    p = _write(tmp_path / "m.csv", "姓名,入会日期\r\n欧阳 娜娜,2018-03-05 08:30\r\n".encode())
    assert _cells(_read(p)[2]) == [["欧阳 娜娜", "2018-03-05 08:30"]]


def test_header_is_nfkc_normalised(tmp_path: Path) -> None:
    text = "姓名（ｎａｍｅ）,\u3000ＩＤ号,手机号\r\n张三,1,2\r\n"
    _, header, _ = _read(_write(tmp_path / "m.csv", text.encode("gbk")))
    assert header == ["姓名(name)", "ID号", "手机号"]


def test_trailing_empty_header_cells_are_dropped(tmp_path: Path) -> None:
    text = "姓名,手机号,,\r\n张三,1,,\r\n李四,2\r\n"
    _, header, rows = _read(_write(tmp_path / "m.csv", text.encode()))
    assert header == ["姓名", "手机号"]
    assert rows == [Row(2, ["张三", "1"], None), Row(3, ["李四", "2"], None)]


def test_short_rows_are_padded_long_rows_cut(tmp_path: Path) -> None:
    text = "姓名,身份证号,手机号\r\n张三\r\n李四,1,2,,\r\n王五,1,2,多余,内容\r\n"
    _, _, rows = _read(_write(tmp_path / "m.csv", text.encode()))
    assert rows == [
        Row(2, ["张三", "", ""], None),
        Row(3, ["李四", "1", "2"], None),  # empty extra cells are no problem
        Row(4, ["王五", "1", "2"], "tabular.extra_cells"),
    ]


def test_leading_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    text = "\r\n,,\r\n  \r\n姓名,手机号\r\n张三,1\r\n"
    _, header, rows = _read(_write(tmp_path / "m.csv", text.encode("gbk")))
    assert header == ["姓名", "手机号"]
    assert rows == [Row(5, ["张三", "1"], None)]


def test_apostrophe_before_formula_characters_is_removed(tmp_path: Path) -> None:
    text = "姓名,备注\r\n张三,'=1+2\r\n李四,'+86 138\r\n王五,'-5\r\n赵六,'@sum\r\n孙七,'abc\r\n周八,'\r\n吴九,''=x\r\n"
    _, _, rows = _read(_write(tmp_path / "m.csv", text.encode()))
    assert [r.cells[1] for r in rows] == ["=1+2", "+86 138", "-5", "@sum", "'abc", "'", "'=x"]


# --- undecodable bytes ---------------------------------------------------------------------------


def test_truncated_gbk_marks_only_the_last_row(tmp_path: Path) -> None:
    data = _csv_text([HEADER, *DATA, ["钱九", "1", "备注中文"]]).rstrip("\r\n").encode("gbk")
    p = _write(tmp_path / "m.csv", data[:-1])  # half of 文
    source, _, rows = _read(p)
    assert source.encoding == "gb18030"
    assert [r.problem for r in rows] == [None, None, None, "tabular.undecodable"]
    assert rows[-1].cells[:2] == ["钱九", "1"]
    assert rows[-1].cells[2].startswith("备注中")


def test_utf8_file_with_one_gbk_row(tmp_path: Path) -> None:
    rows_in = [HEADER, *DATA * 5]
    good = _csv_text(rows_in).encode("utf-8")
    stray = _csv_text([["错误编码行", "110105194912310021", "13812345678"]]).encode("gbk")
    p = _write(tmp_path / "m.csv", good + stray + _csv_text([DATA[0]]).encode("utf-8"))
    source, _, rows = _read(p)
    assert source.encoding == "utf-8"
    problems = [(r.line, r.problem) for r in rows if r.problem]
    assert problems == [(len(rows_in) + 1, "tabular.undecodable")]
    assert rows[-1] == Row(len(rows_in) + 2, DATA[0], None)
    assert rows[-2].cells[1:] == ["110105194912310021", "13812345678"]


def test_undecodable_row_in_a_big_file(tmp_path: Path) -> None:
    line = "张三,110105194912310021,13812345678\r\n".encode("gbk")
    bad = "李四,110105194912310021,1\r\n".encode("gbk").replace(b"1\r\n", b"\xff1\r\n")
    data = "姓名,身份证号,手机号\r\n".encode("gbk") + line * 3000 + bad + line * 3000
    _, _, rows = _read(_write(tmp_path / "m.csv", data))
    assert len(rows) == 6001
    assert [(r.line, r.problem) for r in rows if r.problem] == [(3002, "tabular.undecodable")]


def test_problem_error_names_the_encoding() -> None:
    source = Source(Path("x.csv"), "csv", "gb18030", "GBK/GB18030", ",")
    assert "GBK/GB18030" in problem_error("tabular.undecodable", source).message("zh")
    assert "GBK/GB18030" in problem_error("tabular.undecodable", source).message("en")
    extra = problem_error("tabular.extra_cells", source).message("en")
    assert extra == i18n.t("tabular.extra_cells", "en")
    # the bare keys read well without parameters, as a row's reason
    for key in ("tabular.undecodable", "tabular.extra_cells"):
        for lang in ("zh", "en"):
            assert "{" not in i18n.t(key, lang)


# --- big files: the fast path and the careful path agree ---------------------------------------


def test_big_file_mixing_clean_and_dirty_rows(tmp_path: Path) -> None:
    rng = random.Random(3)
    header = ["姓名", "身份证号", "备注"]
    expected = []
    lines = [",".join(header)]
    for i in range(20_000):
        name = f"会员{i}"
        note = rng.choice(["", "无", "困难", "快递员"])
        kind = rng.randrange(40)
        if kind == 0:
            lines.append(f" {name} ,{i}, {note}")
        elif kind == 1:
            lines.append(f'"{name}","{i}","多\n行"')
            note = "多\n行"
        elif kind == 2:
            lines.append(f"{name},{i}")
        elif kind == 3:
            lines.append(",,")
            continue
        elif kind == 4:
            lines.append(f"{name},'={i},{note}")
            expected.append([name, f"={i}", note])
            continue
        else:
            lines.append(f"{name},{i},{note}")
        expected.append([name, str(i), "" if kind == 2 else note])
    p = _write(tmp_path / "big.csv", ("\r\n".join(lines) + "\r\n").encode("gb18030"))
    with open_table(p) as table:
        assert table.total == p.stat().st_size
        got = []
        for row in table.rows():
            got.append(row)
            assert 0 < table.progress() <= table.total
        assert table.progress() == table.total
    assert _cells(got) == expected
    assert all(r.problem is None for r in got)
    # line numbers count records: the last row is the last record
    assert got[-1].line == len(lines) or lines[-1] == ",,"


# --- a property: streamed reading equals reading the whole text at once ------------------------

_ALPHABET = st.sampled_from(list("ab张三 ,;\"'=-+@\n\r\u3000\xa0\t。x1"))


def _reference(text: str, delimiter: str) -> list[Row]:
    ws = " \t\u3000\xa0".replace(delimiter, "")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = records[0]
    rows = []
    for line, record in enumerate(records[1:], start=2):
        cells = [c.strip(ws) for c in record]
        cells = [c[1:] if re.match("'+[=+@-]", c) else c for c in cells]
        if not any(cells):
            continue
        problem = "tabular.extra_cells" if any(cells[len(header) :]) else None
        cells = (cells + [""] * len(header))[: len(header)]
        rows.append(Row(line, cells, problem))
    return rows


@settings(max_examples=150, deadline=None)
@given(
    body=st.text(_ALPHABET, max_size=300),
    delimiter=st.sampled_from([",", ";", "\t"]),
    codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]),
    chunk=st.integers(1, 40),
    batch=st.integers(1, 5),
)
def test_streaming_equals_whole_text(
    tmp_path_factory: pytest.TempPathFactory,
    body: str,
    delimiter: str,
    codec: str,
    chunk: int,
    batch: int,
) -> None:
    text = delimiter.join(["姓名", "b", "c"]) + "\r\n" + body
    p = tmp_path_factory.mktemp("prop") / "p.csv"
    p.write_bytes(text.encode(codec))
    with pytest.MonkeyPatch.context() as m:  # tiny pieces and batches: every boundary case
        m.setattr(tabular, "_CHUNK", chunk)
        m.setattr(tabular, "_BATCH", batch)
        source, header, rows = _read(p)
    assert source.delimiter == delimiter
    assert header == ["姓名", "b", "c"]
    assert rows == _reference(text, delimiter)


# --- XLSX ----------------------------------------------------------------------------------------


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_xlsx_values_become_text(tmp_path: Path) -> None:
    p = _xlsx(
        tmp_path / "m.xlsx",
        [
            ["姓名", "身份证号", "手机号", "入会日期", "是否农民工", "金额", "时间", "签到"],
            [
                "张三",
                5.10322199001011e17,
                13812345678,
                date(2018, 3, 5),
                True,
                1234.5,
                datetime(2018, 3, 5, 8, 30),
                time(8, 30),
            ],
            [" 李四 ", "110105194912310021", 13812345678.0, datetime(2018, 3, 5), False, 0.1 + 0.2],
            ["'=1+2", None, None, None, None, 43164],
        ],
    )
    source, header, rows = _read(p)
    assert (source.format, source.encoding, source.encoding_label, source.delimiter) == (
        "xlsx",
        None,
        "XLSX",
        None,
    )
    assert header[:3] == HEADER
    assert rows[0].cells == [
        "张三",
        "510322199001011000",
        "13812345678",
        "2018-03-05",
        "是",
        "1234.5",
        "2018-03-05 08:30:00",
        "08:30:00",
    ]
    assert rows[1].cells == [
        "李四",
        "110105194912310021",
        "13812345678",
        "2018-03-05",
        "否",
        "0.3",
        "",
        "",
    ]
    assert rows[2].cells[:6] == ["=1+2", "", "", "", "", "43164"]
    assert [r.line for r in rows] == [2, 3, 4]


def test_xlsx_line_numbers_are_sheet_rows(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["B3"] = "姓名"
    ws["C3"] = "手机号"
    ws["B4"] = "张三"
    ws["B7"] = "李四"
    ws["E7"] = "多余"
    wb.save(tmp_path / "m.xlsx")
    with open_table(tmp_path / "m.xlsx") as table:
        assert table.header == ["", "姓名", "手机号"]
        rows = list(table.rows())
        assert table.progress() == 7
    assert rows == [
        Row(4, ["", "张三", ""], None),
        Row(7, ["", "李四", ""], "tabular.extra_cells"),
    ]


def test_xlsx_is_detected_by_content_not_name(tmp_path: Path) -> None:
    p = _xlsx(tmp_path / "m.xlsx", [HEADER, DATA[0]])
    renamed = p.rename(tmp_path / "members.csv")
    source, _, rows = _read(renamed)
    assert source.format == "xlsx"
    assert _cells(rows) == [DATA[0]]


def test_xlsx_header_only_and_empty(tmp_path: Path) -> None:
    assert _read(_xlsx(tmp_path / "h.xlsx", [HEADER]))[2] == []
    e = _rejected(_xlsx(tmp_path / "e.xlsx", []))
    assert e.key == "tabular.empty"


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "x.xlsx", "w") as z:
        z.writestr("word/document.xml", "<w/>")
    assert _rejected(tmp_path / "x.xlsx").key == "tabular.bad_xlsx"
    _write(tmp_path / "t.xlsx", b"PK\x03\x04 truncated")
    e = _rejected(tmp_path / "t.xlsx")
    assert e.key == "tabular.bad_xlsx"
    assert "t.xlsx" in e.message("zh") and "t.xlsx" in e.message("en")


# --- files that are rejected ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \r\n\t\n",
        codecs.BOM_UTF8,
        codecs.BOM_UTF16_LE,
        "\r\n,,,\r\n  ,\t,\u3000\r\n".encode(),
    ],
    ids=["zero-bytes", "whitespace", "utf8-bom", "utf16-bom", "blank-cells"],
)
def test_empty_files(tmp_path: Path, data: bytes) -> None:
    e = _rejected(_write(tmp_path / "empty.csv", data))
    assert e.key == "tabular.empty"
    assert e.message("zh") == f"文件是空的：{tmp_path / 'empty.csv'}"


def test_header_only_file(tmp_path: Path) -> None:
    with open_table(_write(tmp_path / "h.csv", "姓名,手机号\r\n".encode("gbk"))) as table:
        assert table.header == ["姓名", "手机号"]
        assert list(table.rows()) == []


def test_binary_files(tmp_path: Path) -> None:
    rng = random.Random(5)
    noise = bytes(rng.randrange(256) for _ in range(5000))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06" + noise
    controls = bytes(rng.choice(b"\x01\x02\x03\x1b\x7f") for _ in range(100)) + b"abc,def\n" * 10
    for name, data in [("noise.csv", noise), ("photo.csv", png), ("ctl.csv", controls)]:
        e = _rejected(_write(tmp_path / name, data))
        assert e.key == "tabular.binary"
        assert name in e.message("zh")
        assert e.message("zh") == f"{tmp_path / name} 不是 CSV 或 XLSX 表格文件；" + (
            "请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入"
        )


def test_a_dos_end_of_file_mark_is_tolerated(tmp_path: Path) -> None:
    p = _write(
        tmp_path / "m.csv", "姓名,手机号\r\n".encode() + "张三,1\r\n".encode() * 20 + b"\x1a"
    )
    assert len(_read(p)[2]) == 20


def test_old_xls_and_encrypted_workbooks(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    e = _rejected(_write(tmp_path / "old.xls", ole))
    assert e.key == "tabular.xls"
    assert ".xlsx" in e.message("zh") and "CSV" in e.message("en")
    locked = ole + "EncryptedPackage".encode("utf-16-le")
    assert _rejected(_write(tmp_path / "locked.xlsx", locked)).key == "tabular.encrypted"


def test_unreadable_paths(tmp_path: Path) -> None:
    e = _rejected(tmp_path / "missing.csv")
    assert e.key == "tabular.unreadable"
    assert "missing.csv" in e.message("zh")
    assert _rejected(tmp_path).key == "tabular.unreadable"


def test_a_cell_too_big_for_csv_is_rejected_with_its_line(tmp_path: Path) -> None:
    text = "姓名,备注\r\n张三,1\r\n李四," + "长" * 200_000 + "\r\n"
    e = _rejected_rows(_write(tmp_path / "m.csv", text.encode("gbk")))
    assert e.key == "tabular.bad_csv"
    assert e.params["line"] == 3
    assert "长" not in e.message("zh")


def _rejected_rows(path: Path) -> FileRejected:
    with pytest.raises(FileRejected) as info, open_table(path) as table:
        list(table.rows())
    return info.value


def test_messages_never_show_file_content(tmp_path: Path) -> None:
    secret = "110105194912310021"
    p = _write(tmp_path / "x.csv", (secret + "\x00\x01" * 50).encode())
    e = _rejected(p)
    assert secret not in e.message("zh") and secret not in e.message("en")


# --- writing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["=1+2", "+8613812345678", "-5", "@SUM(A1)", "\t=1", "\r=1", "'=x", "''-1"]
)
def test_neutralise_prefixes_an_apostrophe(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["", "张三", "1-2", "a=b", "'abc", "'", " =1"])
def test_neutralise_leaves_other_cells(value: str) -> None:
    assert neutralise(value) == value


ROUND_TRIP = [
    ["张三", '=HYPERLINK("http://x")', "-5", "+86 138", "@cmd"],
    ["李四", "510322199001011000", "多\n行", 'a,b;c\t"d"', ""],
    ["'=already", "0012", "1.50", "2018-03-05", "𠀀𪚥"],
]


@pytest.mark.parametrize(
    ("fmt", "encoding", "label"),
    [
        ("csv", "utf-8-sig", "UTF-8 (BOM)"),
        ("csv", "gb18030", "GBK/GB18030"),
        ("csv", "utf-16", "UTF-16"),
        ("xlsx", "utf-8-sig", "XLSX"),
    ],
)
def test_writer_round_trip(tmp_path: Path, fmt: str, encoding: str, label: str) -> None:
    header = ["姓名", "备注", "数", "电话", "其他"]
    p = tmp_path / f"out.{fmt}"
    with TableWriter(p, header, format=fmt, encoding=encoding) as w:
        for row in ROUND_TRIP:
            w.write(row)
        w.write([None, 12, 1.5, None, None])
    assert w.rows_written == 4
    source, got_header, rows = _read(p)
    assert source.encoding_label == label
    assert got_header == header
    assert _cells(rows) == [*ROUND_TRIP, ["", "12", "1.5", "", ""]]


def test_written_csv_is_what_excel_writes(tmp_path: Path) -> None:
    p = tmp_path / "out.csv"
    with TableWriter(p, ["姓名", "备注"]) as w:
        w.write(["张三", "=1+2"])
    assert p.read_bytes() == codecs.BOM_UTF8 + "姓名,备注\r\n张三,'=1+2\r\n".encode()


def test_written_xlsx_cells_are_text(tmp_path: Path) -> None:
    p = tmp_path / "out.xlsx"
    with TableWriter(p, ["身份证号", "公式"], format="xlsx") as w:
        w.write(["510322199001011000", "=1+2"])
        w.write(["13812345678", "\x01bell"])
    ws = load_workbook(p).active
    assert ws is not None
    assert ws["A2"].value == "510322199001011000"
    assert ws["A2"].data_type == "s"
    assert ws["A2"].number_format == "@"
    assert ws["B2"].value == "'=1+2"  # a string, never a formula
    assert ws["B3"].value == "bell"
    assert ws["A1"].font.b


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_written_files_are_private(tmp_path: Path, fmt: str) -> None:
    fresh = tmp_path / f"fresh.{fmt}"
    with TableWriter(fresh, ["a"], format=fmt) as w:
        assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o600  # before any data
        w.write(["1"])
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o600
    old = tmp_path / f"old.{fmt}"
    old.write_text("x")
    old.chmod(0o644)
    with TableWriter(old, ["a"], format=fmt) as w:
        w.write(["1"])
    assert stat.S_IMODE(os.stat(old).st_mode) == 0o600


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8-sig", codecs.BOM_UTF8),
        ("utf-16", codecs.BOM_UTF16),  # the machine's byte order, as Python writes it
        ("gb18030", b""),
        ("utf-8", b""),
        ("utf-16-le", b""),
    ],
)
def test_writer_like_keeps_the_encoding(tmp_path: Path, encoding: str, bom: bytes) -> None:
    delimiter = "\t" if encoding.startswith("utf-16") else ";"
    original = _write(tmp_path / "in.csv", _csv_text([HEADER, DATA[0]], delimiter).encode(encoding))
    with open_table(original) as table:
        source = table.source
    assert source.encoding == encoding
    rejects = tmp_path / "rejects.csv"
    with writer_like(source, rejects, [*HEADER, "行号", "错误原因"]) as w:
        w.write([*DATA[0], 2, "身份证号无效"])
    data = rejects.read_bytes()
    assert data.startswith(bom) and not data[len(bom) :].startswith(codecs.BOM_UTF8)
    assert stat.S_IMODE(os.stat(rejects).st_mode) == 0o600
    again, header, rows = _read(rejects)
    assert (again.encoding, again.delimiter) == (encoding, delimiter)
    assert header == [*HEADER, "行号", "错误原因"]
    assert _cells(rows) == [[*DATA[0], "2", "身份证号无效"]]


def test_writer_like_xlsx(tmp_path: Path) -> None:
    p = _xlsx(tmp_path / "in.xlsx", [HEADER, DATA[0]])
    with open_table(p) as table:
        source = table.source
    with writer_like(source, tmp_path / "rejects.xlsx", HEADER) as w:
        w.write(DATA[0])
    again, _, rows = _read(tmp_path / "rejects.xlsx")
    assert again.format == "xlsx"
    assert _cells(rows) == [DATA[0]]


_CELL = st.text(st.sampled_from(list("ab张三 ,;\"'=-+@\n.0\u3000")), max_size=8).map(
    lambda s: s.strip(" \u3000\n")
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), max_size=6),
    target=st.sampled_from(
        [("csv", "utf-8-sig"), ("csv", "gb18030"), ("csv", "utf-16"), ("xlsx", "utf-8-sig")]
    ),
)
def test_writer_round_trip_property(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], target: tuple[str, str]
) -> None:
    fmt, encoding = target
    p = tmp_path_factory.mktemp("rt") / f"out.{fmt}"
    with TableWriter(p, ["姓名", "b", "c"], format=fmt, encoding=encoding) as w:
        for row in rows:
            w.write(row)
    _, header, got = _read(p)
    assert header == ["姓名", "b", "c"]
    assert _cells(got) == [r for r in rows if any(r)]


# --- XLSX numbers as Excel shows them ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5.10322199001011e17, "510322199001011000"),
        (13812345678.0, "13812345678"),
        (1234.5, "1234.5"),
        (0.1 + 0.2, "0.3"),
        (-0.0, "0"),
        (1e-7, "0.0000001"),
        (1234567890123456.0, "1234567890123460"),
        (123456789012345.0, "123456789012345"),
    ],
)
def test_float_text(value: float, text: str) -> None:
    assert tabular._float_text(value) == text


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused(tmp_path, monkeypatch) -> None:
    """A zip bomb: openpyxl would read its shared strings whole."""
    from openpyxl import Workbook

    import unioncli.tabular as tabular

    wb = Workbook()
    wb.active.append(["姓名", "身份证号"])
    wb.active.append(["张伟" * 200, "x"])
    path = tmp_path / "m.xlsx"
    wb.save(path)
    monkeypatch.setattr(tabular, "MAX_XLSX_UNPACKED", 1024)
    with pytest.raises(FileRejected) as exc:
        open_table(path)
    assert exc.value.key == "tabular.xlsx_too_big"
    monkeypatch.setattr(tabular, "MAX_XLSX_UNPACKED", 10 * 1024 * 1024)
    with open_table(path) as table:
        assert table.header == ["姓名", "身份证号"]


def test_a_long_bad_value_is_named_not_echoed() -> None:
    from unioncli.errors import InvalidValue

    err = InvalidValue("name", "甲" * 5000, "common.name_digits")
    assert len(err.message("zh")) < 200
    assert "…" in err.message("zh")
