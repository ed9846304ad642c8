"""Excel (.xlsx) reader: the first worksheet, first non-empty row as the header."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from etl.readers.source import Source
from etl.safety import check_zip
from geo.errors import InputError


def read_xlsx(path: Path, encoding: str | None = None) -> Source:
    """Read the first sheet with cell values as Excel stores them (numbers, dates, text)."""
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
    while rows and all(v is None for v in rows[0]):
        rows.pop(0)
    if not rows:
        raise InputError("empty worksheet")
    header = [str(v).strip() if v is not None else f"column_{i + 1}" for i, v in enumerate(rows[0])]
    while header and header[-1].startswith("column_") and all(
            len(r) < len(header) or r[len(header) - 1] is None for r in rows[1:]):
        header.pop()
    body = [list(r[: len(header)]) + [None] * (len(header) - len(r)) for r in rows[1:]]
    while body and all(v is None for v in body[-1]):
        body.pop()  # trailing blank rows Excel keeps after deletions
    frame = pd.DataFrame(body, columns=header, dtype=object)
    return Source(path=path, format="xlsx", frame=frame, encoding="utf-8", encoding_source="format")
