"""Excel (.xlsx) reader: the first worksheet; the header found below title rows and
across merged header cells, trailing total rows (合计, 总计) left out (etl.readers.header)."""

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
            sheet = book.worksheets[0]
            rows = [r for r in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"damaged .xlsx workbook: {exc}") from exc
    if not any(any(v is not None for v in r) for r in rows):
        raise InputError("empty worksheet")
    at = header.chosen(rows, header_row)
    names, used = header.header_names(rows, at)
    data = rows[at + used:]
    while names and names[-1].startswith("column_") and all(
            len(r) < len(names) or r[len(names) - 1] is None for r in data):
        names.pop()
    body = [list(r[: len(names)]) + [None] * (len(names) - len(r)) for r in data]
    while body and all(v is None for v in body[-1]):
        body.pop()  # trailing blank rows Excel keeps after deletions
    totals = header.totals_at_end(body)
    frame = pd.DataFrame(body[: len(body) - totals], columns=names, dtype=object)
    return Source(path=path, format="xlsx", frame=frame, encoding="utf-8", encoding_source="format",
                  header_row=at + 1, header_rows=used, total_rows=totals,
                  warnings=header.notes(at, used, totals, header_row))
