"""Where a table's header is: below title rows, across merged header cells, above
trailing total rows (pure functions over the first rows of a CSV or worksheet).

Real exports open with a title (姑苏区2025年6月警情统计表, one cell merged across the
sheet), sometimes a unit or date line, then the header — at times two rows, a merged
group name (坐标) over its columns (经度, 纬度) — and close with 合计/总计 rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from geo.errors import InputError

#: rows looked at for the header
SCAN = 30
#: a trailing row whose first filled cell starts so is a total, not data
TOTAL = re.compile(r"^\s*(合\s*计|总\s*计|小\s*计|total\b|sum\b)", re.IGNORECASE)
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

Row = Sequence[object]


def _filled(row: Row) -> list[int]:
    return [i for i, v in enumerate(row) if v is not None and str(v).strip() != ""]


def _is_label(value: object) -> bool:
    """Text that could name a column: not a number, not a date or time."""
    if value is None or isinstance(value, int | float) or hasattr(value, "year"):
        return False
    text = str(value).strip()
    return bool(text) and not _NUMBER.match(text)


def _header_like(row: Row) -> bool:
    filled = _filled(row)
    return len(filled) >= 2 and all(_is_label(row[i]) for i in filled)


def find_header(rows: Sequence[Row]) -> int:
    """Index (0-based) of the header row among `rows`: the first row of at least two
    cells, all labels, that fills at least half as many cells as the widest of the
    rows scanned (a title fills one cell; a note line a few)."""
    scan = rows[:SCAN]
    if not scan:
        raise InputError("empty table")
    widest = max(len(_filled(r)) for r in scan)
    for i, row in enumerate(scan):
        if _header_like(row) and 2 * len(_filled(row)) >= widest:
            return i
    first = next((i for i, r in enumerate(scan) if _filled(r)), 0)
    return first


def header_names(rows: Sequence[Row], at: int) -> tuple[list[str], int]:
    """(column names, rows the header takes: 1 or 2) of the header at row `at`.

    A second header row is taken when it holds only labels and fills cells the first
    leaves blank (a merged group name over sub-columns, or names merged down over two
    rows): each column is named by its lower cell, else the upper one. Blank names
    become column_N."""
    top = list(rows[at])
    used = 1
    if len(rows) > at + 1:
        width = max(len(top), len(rows[at + 1]))
        upper = top + [None] * (width - len(top))
        below = list(rows[at + 1]) + [None] * (width - len(rows[at + 1]))
        blanks = [i for i in range(width) if i not in _filled(upper)]
        inner = [i for i in blanks if i <= max(_filled(below) or [-1])]
        if (
            len(_filled(upper)) >= 2
            and _header_like(below)
            and any(i in _filled(below) for i in inner)
        ):
            top = [
                b if b is not None and str(b).strip() else t
                for t, b in zip(upper, below, strict=True)
            ]
            used = 2
    names = [
        str(v).strip() if v is not None and str(v).strip() else f"column_{i + 1}"
        for i, v in enumerate(top)
    ]
    return names, used


def chosen(rows: Sequence[Row], header_row: int | None) -> int:
    """The header's index: `header_row` (1-based, as the file's row numbers) when given,
    else the one found."""
    if header_row is None:
        return find_header(rows)
    if not 1 <= header_row <= len(rows):
        raise InputError(
            f"--header-row {header_row}: the table has {len(rows)} rows", field="header_row"
        )
    return header_row - 1


def notes(at: int, used: int, totals: int, given: int | None) -> list[str]:
    """Warnings for the report when the table did not start and end where a plain one does."""
    out = []
    if at or used > 1:
        how = "as given by --header-row" if given else "found below title rows"
        rows = f"rows {at + 1}-{at + used}" if used > 1 else f"row {at + 1}"
        out.append(f"header in {rows} ({how}); data from row {at + used + 1}")
    if totals:
        out.append(f"{totals} trailing total row(s) (合计/总计) left out")
    return out


def totals_at_end(rows: Sequence[Row]) -> int:
    """How many of the last rows are totals (合计, 总计, 小计) or blank after a total."""
    n = 0
    for row in reversed(rows):
        filled = _filled(row)
        if not filled:
            n += 1
            continue
        if TOTAL.match(str(row[filled[0]])):
            n += 1
            continue
        break
    # blank rows only count when a total sits above them
    while n and not _filled(rows[len(rows) - n]):
        n -= 1
    return n
