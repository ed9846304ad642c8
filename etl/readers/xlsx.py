"""Excel (.xlsx) reader: the first worksheet, first non-empty row as the header.

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


def _width(rows: list[tuple]) -> int:
    """Columns up to the last one holding a value in any row."""
    width = 0
    for row in rows:
        for i in range(len(row) - 1, width - 1, -1):
            if row[i] is not None:
                width = i + 1
                break
    return width


def read_xlsx(path: Path, encoding: str | None = None) -> Source:
    """Read the first sheet with cell values as Excel stores them (numbers, dates, text)."""
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
    while rows and all(v is None for v in rows[0]):
        rows.pop(0)
    if not rows:
        raise InputError("empty worksheet")
    width = _width(rows)
    header = [
        str(v).strip() if v is not None else f"column_{i + 1}"
        for i, v in enumerate(rows[0][:width])
    ]
    header += [f"column_{i + 1}" for i in range(len(header), width)]
    body = [list(r[:width]) + [None] * (width - len(r)) for r in rows[1:]]
    while body and all(v is None for v in body[-1]):
        body.pop()  # trailing blank rows Excel keeps after deletions
    frame = pd.DataFrame(body, columns=header, dtype=object)
    return Source(path=path, format="xlsx", frame=frame, encoding="utf-8", encoding_source="format")
