"""Personal data at load: which columns are personal, and how they are treated.

The regulation asks that personal information obtained in governance work serve that
use alone, so by default names, phone and ID-card numbers are replaced by a salted
SHA-256 pseudonym (stable across loads: the same person links up, but is not readable);
`drop` removes them; `keep` (only when settings().keep_personal_data) stores them in clear.
"""

from __future__ import annotations

import re

import pandas as pd
import polars as pl
import polars_hash  # noqa: F401  (registers the `chash` expression namespace)
import pyarrow.compute as pc

from etl.validate import arrow_text
from geo.config import settings

MODES = ("hash", "drop", "keep")

#: headers that reveal a personal column among the columns a schema does not know
PERSONAL_HEADER = re.compile(
    r"姓名|人名|联系人|电话|手机|联系方式|身份证|证件号|户主|租客|承租人|"
    r"phone|mobile|tel$|telephone|id_?no|id_?card|id_?number|person|tenant_name|owner_name",
    re.IGNORECASE,
)
PREFIX = "sha256:"


def is_personal_header(header: str) -> bool:
    """True for a column header that names a person, a phone or an ID number."""
    return bool(PERSONAL_HEADER.search(str(header)))


def mode(requested: str | None = None) -> str:
    """The treatment in force: `requested`, or keep when settings allow it, else hash."""
    if requested:
        if requested not in MODES:
            raise ValueError(f"personal-data mode must be one of {MODES}")
        if requested == "keep" and not settings().keep_personal_data:
            raise ValueError("keeping personal data needs CIVICGRID_KEEP_PERSONAL_DATA=1")
        return requested
    return "keep" if settings().keep_personal_data else "hash"


def pseudonymise(values: pd.Series, salt: str | None = None) -> pd.Series:
    """'sha256:<hex>' of salt + value for each non-blank value (blanks stay missing).

    Each distinct value is hashed once (names and numbers repeat across rows): arrow's
    dictionary encoding finds them, polars-hash digests them in Rust on all cores without
    holding the GIL (validation goes on beside it), and a take puts them back in row order.
    """
    salt = salt if salt is not None else settings().pii_salt
    encoded = arrow_text(values).dictionary_encode()
    distinct = pl.DataFrame({"v": pl.from_arrow(encoded.dictionary)})
    digests = distinct.select((pl.lit(salt) + pl.col("v")).chash.sha2_256().alias("h"))["h"].to_arrow()
    digests = pc.binary_join_element_wise(PREFIX, digests.cast("string"), "")
    hashed = digests.take(encoded.indices)
    return pd.Series(pd.array(hashed, dtype="string"), index=values.index)


def treat(frame: pd.DataFrame, columns: list[str], how: str) -> pd.DataFrame:
    """`frame` with `columns` pseudonymised, dropped or kept according to `how`."""
    present = [c for c in columns if c in frame.columns]
    if how == "keep" or not present:
        return frame
    if how == "drop":
        return frame.drop(columns=present)
    out = frame.copy()
    for column in present:
        out[column] = pseudonymise(frame[column])
    return out
