"""Personal data never leaves through an export: which columns are personal, and dropping them.

One policy, shared with the loaders: a column is personal when it is one of the schema's
personal columns (reporters of incidents, landlords of rentals), when its header is
personal by `etl.personal.is_personal_header` (names, phones, ID numbers), when it names a
person's role (reporter, landlord, tenant, 房东, 报警人 …), or when its values are
pseudonyms ('sha256:…'): a pseudonym still singles a person out, so it is not exported
either. Personal columns are dropped, never masked.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow.compute as pc

from etl.personal import PREFIX, is_personal_header
from geo.export.prepare import strings

#: columns of the schema that hold personal data (geo/db/tables.py)
PERSONAL_COLUMNS = frozenset(
    {"reporter", "reporter_phone", "landlord", "landlord_phone", "landlord_id_no"}
)

#: roles that name a person, beyond the loaders' header pattern
_PERSON_ROLE = re.compile(
    r"reporter|landlord|tenant(?!s$)|contact|(^|_)tel(_|$)|identity|passport|"
    r"名字|报警人|报案人|举报人|房东|房主|业主|租户|出租人|证件",
    re.IGNORECASE,
)


def is_personal(column: str) -> bool:
    """True when the column's name says it holds (or may hold) personal data."""
    name = str(column).strip()
    return (name.lower() in PERSONAL_COLUMNS or is_personal_header(name)
            or bool(_PERSON_ROLE.search(name)))


def _has_pseudonyms(col: pd.Series) -> bool:
    if not (col.dtype == object or pd.api.types.is_string_dtype(col)):
        return False
    return bool(pc.any(pc.starts_with(strings(col), PREFIX)).as_py())


def drop_personal(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """`frame` without its personal columns, and the names dropped."""
    dropped = [c for c in frame.columns if is_personal(c) or _has_pseudonyms(frame[c])]
    return frame.drop(columns=dropped), dropped
