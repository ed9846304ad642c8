"""Excel (.xlsx) reader: the first worksheet; the header found below title rows and
across merged header cells, trailing total rows (合计, 总计) left out (etl.readers.header).

A worksheet's `<dimension>` is what openpyxl pads every row to, so a workbook of a few
rows declaring A1:XFD1048576 would become billions of empty cells: a declared size over
MAX_CELLS is refused before any row is read, the declared size is then ignored (rows
come back as long as they really are) and the cells actually read are counted against
the same limit.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from etl.readers import header
from etl.readers.source import Source
from etl.safety import check_zip
from geo.errors import InputError

#: cells one worksheet may hold (a million rows of thirty columns)
MAX_CELLS = 30_000_000


def _rows(sheet) -> list[tuple]:
    """The sheet's rows, refused past MAX_CELLS (declared or read)."""
    declared = (sheet.max_row or 0) * (sheet.max_column or 0)
    if declared > MAX_CELLS:
        raise InputError(
            f"worksheet declares {sheet.max_row:,} rows × {sheet.max_column:,} columns "
            f"({declared:,} cells; the limit is {MAX_CELLS:,}); refused"
        )
    sheet.reset_dimensions()
    rows, cells = [], 0
    for row in sheet.iter_rows(values_only=True):
        cells += len(row)
        if cells > MAX_CELLS:
            raise InputError(f"worksheet holds more than {MAX_CELLS:,} cells; refused")
        rows.append(row)
    return rows


def read_xlsx(path: Path, encoding: str | None = None, header_row: int | None = None) -> Source:
    """Read the first sheet with cell values as Excel stores them (numbers, dates, text);
    `header_row` (1-based sheet row) overrides the header found."""
    if not zipfile.is_zipfile(path):
        raise InputError("not an .xlsx workbook (corrupt or mislabelled)")
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive)  # an .xlsx is a zip: no bombs, no traversal names
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = _rows(book.worksheets[0])
        finally:
            book.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"damaged .xlsx workbook: {exc}") from exc
    if not any(any(v is not None for v in r) for r in rows):
        raise InputError("empty worksheet")
    at = header.chosen(rows, header_row)
    names, used = header.header_names(rows, at)
    data = rows[at + used :]
    while (
        names
        and names[-1].startswith("column_")
        and all(len(r) < len(names) or r[len(names) - 1] is None for r in data)
    ):
        names.pop()
    body = [list(r[: len(names)]) + [None] * (len(names) - len(r)) for r in data]
    while body and all(v is None for v in body[-1]):
        body.pop()  # trailing blank rows Excel keeps after deletions
    totals = header.totals_at_end(body)
    frame = pd.DataFrame(body[: len(body) - totals], columns=names, dtype=object)
    return Source(
        path=path,
        format="xlsx",
        frame=frame,
        encoding="utf-8",
        encoding_source="format",
        header_row=at + 1,
        header_rows=used,
        total_rows=totals,
        warnings=header.notes(at, used, totals, header_row),
    )
