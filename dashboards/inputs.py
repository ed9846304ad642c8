"""Server-side bounds on the values callbacks receive.

The pages' controls (sliders, radio items, date pickers) only offer values in range,
but a callback can be posted by hand, and a neighbourhood of k = 1000 or a resolution
of 99 would tie a worker up or fail deep inside the analysis. So each callback checks
its numbers here: a value outside its bounds or of the wrong kind is refused (Dash's
PreventUpdate: the page keeps what it shows, the response is 204), and a date range is
clamped to the span of the data, which is all it can select anyway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from dash.exceptions import PreventUpdate

#: most categories one filter may name (the vocabulary has a few dozen)
MAX_CHOICES = 200


def bounded_int(value: object, lo: int, hi: int) -> int:
    """`value` as an int in [lo, hi]; refused otherwise (bools and fractions too)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PreventUpdate
    try:
        number = float(value)
    except ValueError:
        raise PreventUpdate from None
    if not number.is_integer() or not lo <= number <= hi:
        raise PreventUpdate
    return int(number)


def one_of(value: object, allowed: Collection) -> object:
    """`value` when it is one of `allowed`; refused otherwise."""
    try:
        if value in allowed:
            return value
    except TypeError:  # an unhashable value posted for a set
        pass
    raise PreventUpdate


def date_of(value: object) -> dt.date:
    """The date an ISO date or date-time string starts with; refused otherwise."""
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise PreventUpdate from None


def date_range(
    start: object, end: object, span: tuple[dt.date, dt.date] | None
) -> tuple[dt.date, dt.date]:
    """(start, end) clamped to `span` (the data's first and last day; None: not clamped);
    refused when they are not dates or start is after end."""
    a, b = date_of(start), date_of(end)
    if span is not None:
        lo, hi = span
        a, b = min(max(a, lo), hi), min(max(b, lo), hi)
    if a > b:
        raise PreventUpdate
    return a, b


def choices(values: object) -> list[str] | None:
    """A multi-select's values: a list of at most MAX_CHOICES strings (None: none chosen)."""
    if values is None or values == []:
        return None
    if not isinstance(values, Sequence) or isinstance(values, str) or len(values) > MAX_CHOICES:
        raise PreventUpdate
    if not all(isinstance(v, str) for v in values):
        raise PreventUpdate
    return list(values)


def text_or_none(value: object, max_chars: int = 100) -> str | None:
    """A single-select's value: a short string or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > max_chars:
        raise PreventUpdate
    return value
