"""Header rows: found below title rows and across merged header cells, trailing totals
left out, `--header-row` obeyed — in CSV and XLSX files as districts hand them over."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from etl.readers import read
from etl.readers.header import find_header, header_names, totals_at_end
from geo.errors import InputError
from tests.etl.builders import incidents

TITLE = "姑苏区2025年6月警情统计表"


def _xlsx(path, df, *, title=True, group=False, totals=True):
    """An export as the police hand it over: a title merged across the sheet, a date
    line, optionally 经度/纬度 under a merged 坐标 cell, the rows, then 合计/总计."""
    book = Workbook()
    sheet = book.active
    width = len(df.columns)
    if title:
        sheet.append([TITLE])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        sheet.append(["制表日期：2025-07-01"])
    if group:
        upper = [c if c not in ("经度", "纬度") else None for c in df.columns]
        upper[list(df.columns).index("经度")] = "坐标"
        sheet.append(upper)
        top = sheet.max_row
        for i, c in enumerate(df.columns, start=1):
            if c not in ("经度", "纬度"):
                sheet.merge_cells(start_row=top, start_column=i, end_row=top + 1, end_column=i)
        sheet.merge_cells(
            start_row=top,
            start_column=list(df.columns).index("经度") + 1,
            end_row=top,
            end_column=list(df.columns).index("纬度") + 1,
        )
        sheet.append([c if c in ("经度", "纬度") else None for c in df.columns])
    else:
        sheet.append(list(df.columns))
    for row in df.itertuples(index=False):
        sheet.append(list(row))
    if totals:
        sheet.append(["合计", None, f"{len(df)}起"])
        sheet.append([None] * width)
        sheet.append(["总计", None, f"{len(df)}起"])
    book.save(path)
    return path


def test_xlsx_header_below_a_merged_title_and_totals_left_out(tmp_path):
    df = incidents(6)
    src = read(_xlsx(tmp_path / "jq.xlsx", df))
    assert src.header_row == 3 and src.total_rows == 3
    assert list(src.frame.columns) == list(df.columns)
    assert src.frame["警情编号"].tolist() == df["警情编号"].tolist()
    assert any("row 3" in w for w in src.warnings) and any("total" in w for w in src.warnings)


def test_xlsx_two_header_rows_across_merged_cells(tmp_path):
    df = incidents(5)
    src = read(_xlsx(tmp_path / "jq.xlsx", df, group=True))
    assert (src.header_row, src.header_rows) == (3, 2)
    assert list(src.frame.columns) == list(df.columns)
    assert src.frame["经度"].astype(float).tolist() == df["经度"].tolist()


def test_csv_title_rows_and_totals(tmp_path):
    df = incidents(7)
    path = tmp_path / "jq.csv"
    body = df.to_csv(index=False)
    width = len(df.columns)
    path.write_text(
        f"{TITLE}{',' * (width - 1)}\n单位：起{',' * (width - 1)}\n{body}"
        f"合计,,7起{',' * (width - 3)}\n",
        encoding="utf-8",
    )
    src = read(path)
    assert (src.header_row, src.total_rows, len(src.frame)) == (3, 1, 7)
    assert src.frame["警情类别"].tolist() == df["警情类别"].tolist()


def test_header_row_option_overrides_and_is_checked(tmp_path):
    df = incidents(4)
    path = _xlsx(tmp_path / "jq.xlsx", df, totals=False)
    assert read(path, header_row=3).frame.columns.tolist() == list(df.columns)
    wrong = read(path, header_row=2)  # the date line as header: the user's choice, obeyed
    assert wrong.header_row == 2 and wrong.frame.columns[0] == "制表日期：2025-07-01"
    with pytest.raises(InputError, match="header-row 99"):
        read(path, header_row=99)


def test_plain_table_is_unchanged():
    rows = [["编号", "名称", "经度"], ["A1", "甲", 120.6], ["A2", "乙", 120.7]]
    assert find_header(rows) == 0 and header_names(rows, 0) == (["编号", "名称", "经度"], 1)
    assert totals_at_end(rows) == 0  # a last data row is never a total
    assert totals_at_end([*rows, ["合计", None, 241.3], [None, None, None]]) == 2


def test_load_reports_the_header_row(city, db_url, tmp_path, cli):
    df = incidents(6)
    path = _xlsx(tmp_path / "jq.xlsx", df)
    done = cli("load", "incidents", str(path), "--crs", "wgs84", "--json")
    assert done.returncode == 0, done.stderr
    import json

    result = json.loads(done.stdout)
    assert (result["header_row"], result["total_rows"], result["read"], result["loaded"]) == (
        3,
        3,
        6,
        6,
    )
