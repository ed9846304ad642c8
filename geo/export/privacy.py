"""Personal data never leaves through an export: which columns are personal, and dropping them.

One policy, shared with the loaders (geo.privacy): a column is personal when it is one
of the schema's personal columns (reporters of incidents, landlords of rentals), when
its header names personal data (names, phones, ID documents, contacts, a person's
address — Chinese, pinyin initials or English), when most of its values look personal
(phones, ID numbers, e-mails, names), or when its values are pseudonyms: a pseudonym
still singles a person out, so it is not exported either. Personal columns are dropped,
never masked; phones, ID numbers and e-mails left inside other text are masked — data
loaded before these rules existed leaves in no clearer form than data loaded after.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc

from geo.export.prepare import strings
from geo.privacy import is_identifier_header, is_personal_header, is_pseudonym, judge, mask_text

#: columns of the schema that hold personal data (geo/db/tables.py)
PERSONAL_COLUMNS = frozenset(
    {"reporter", "reporter_phone", "landlord", "landlord_phone", "landlord_id_no"}
)


def is_personal(column: str) -> bool:
    """True when the column's name says it holds (or may hold) personal data."""
    name = str(column).strip()
    return name.lower() in PERSONAL_COLUMNS or is_personal_header(name)


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def _has_pseudonyms(col: pd.Series) -> bool:
    return _is_text(col) and bool(pc.any(is_pseudonym(strings(col))).as_py())


def drop_personal(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """`frame` without its personal columns (by name, pseudonyms or content) and with
    personal substrings masked in its other text (keys and codes left as they are);
    the names dropped."""
    geometry = getattr(frame, "_geometry_column_name", None)
    dropped = [
        c
        for c in frame.columns
        if c != geometry
        and (
            is_personal(c)
            or _has_pseudonyms(frame[c])
            or (not is_identifier_header(c) and judge(frame[c]) is not None)
        )
    ]
    out = frame.drop(columns=dropped)
    for column in out.columns:
        if column != geometry and _is_text(out[column]) and not is_identifier_header(column):
            masked = mask_text(out[column])
            if masked.total:
                out[column] = masked.values
    return out, dropped
