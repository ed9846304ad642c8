"""Phone numbers, ID numbers and e-mail addresses masked inside free text (备注, 简要案情).

The text around them is kept: each is replaced by a token naming what was there
(`[电话]`, `[证件号]`, `[邮箱]`). RE2 has no look-behind, so a pattern carries the
character before and after a number as groups and writes them back; two numbers side by
side share that character, so each pattern runs twice. Only the values that may hold
something (seven digits in a row, an @, or a spaced mobile number) are rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_NOT_DIGIT = r"(^|[^0-9])"
_NOT_ALNUM = r"(^|[^0-9A-Za-z])"
#: (kind, pattern with the surrounding characters as groups 1 and 3, token), in order:
#: e-mails before the numbers they may hold, ID numbers before the phones inside them
RULES = (
    ("email", r"()([\w.+-]+@[\w-]+(?:\.[\w-]+)+)()", "[邮箱]"),
    ("id_number", _NOT_ALNUM + r"([1-9]\d{16}[\dXx]|[1-9]\d{14})([^0-9A-Za-z]|$)", "[证件号]"),
    ("passport", _NOT_ALNUM + r"([EeGg]\d{8}|[Ee][A-HJ-NP-Z]\d{7})([^0-9A-Za-z]|$)", "[证件号]"),
    ("phone", _NOT_DIGIT + r"((?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2})([^0-9]|$)", "[电话]"),
    ("phone", _NOT_DIGIT + r"((?:\(0\d{2,3}\)|0\d{2,3})[- ]?[2-9]\d{6,7})([^0-9]|$)", "[电话]"),
)
#: a value can hold none of the above without one of these
_CANDIDATE = r"[0-9]{7}|@|[0-9][- ][0-9]{4}[- ][0-9]{4}"


@dataclass
class Masked:
    """The masked text and how many substrings of each kind were replaced."""

    values: pd.Series
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _text(series: pd.Series) -> pa.Array:
    arr = pa.array(series.astype("string").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string())


def mask_array(text: pa.Array) -> tuple[pa.Array, dict[str, int]]:
    """`text` with personal substrings replaced by tokens, and the count per kind."""
    candidate = pc.fill_null(pc.match_substring_regex(text, _CANDIDATE), False)
    if not pc.any(candidate).as_py():
        return text, {}
    part = text.filter(candidate)
    counts: dict[str, int] = {}
    for kind, pattern, token in RULES:
        before = pc.sum(pc.count_substring(part, token)).as_py() or 0
        for _ in range(2):
            part = pc.replace_substring_regex(part, pattern, rf"\1{token}\3")
        replaced = (pc.sum(pc.count_substring(part, token)).as_py() or 0) - before
        if replaced:
            counts[kind] = counts.get(kind, 0) + replaced
    return pc.replace_with_mask(text, candidate, part), counts


def mask_text(series: pd.Series) -> Masked:
    """A text column with phones, ID numbers, passports and e-mails masked (index kept)."""
    masked, counts = mask_array(_text(series))
    if not counts:
        return Masked(series, {})
    return Masked(pd.Series(pd.array(masked, dtype="string"), index=series.index), counts)
