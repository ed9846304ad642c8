"""Personal data at load: which columns are personal, and how they are treated.

The regulation asks that personal information obtained in governance work serve that
use alone. A column is personal when the schema says so (报警人, 房东电话 …), when its
header names personal data, or — for the columns that would go to `attributes` — when
most of its values look personal (geo.privacy). By default those columns are replaced by
keyed HMAC pseudonyms (the same person links up across loads, nobody can read or
enumerate them without the key); `drop` removes them; `keep` (only when
settings().keep_personal_data) stores them in clear. Phones, ID numbers and e-mails
inside the remaining free text (备注, 发生地址 …) are masked unless personal data is kept.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from etl.columns import Mapping, Schema
from geo.config import settings
from geo.privacy import is_identifier_header, is_personal_header, judge, mask_text, pseudonymise

MODES = ("hash", "drop", "keep")


@dataclass(frozen=True)
class Found:
    """One personal column of a file: its header, the schema field it feeds (None for
    an attribute), why it is personal (header | content) and, by content, what most of
    its values look like and their share."""

    column: str
    field: str | None
    why: str
    looks_like: str | None = None
    share: float | None = None

    def report(self, how: str) -> dict:
        return {**{k: v for k, v in asdict(self).items() if v is not None}, "treatment": how}


def mode(requested: str | None = None) -> str:
    """The treatment in force: `requested`, or keep when settings allow it, else hash."""
    if requested:
        if requested not in MODES:
            raise ValueError(f"personal-data mode must be one of {MODES}")
        if requested == "keep" and not settings().keep_personal_data:
            raise ValueError("keeping personal data needs CIVICGRID_KEEP_PERSONAL_DATA=1")
        return requested
    return "keep" if settings().keep_personal_data else "hash"


def find(frame: pd.DataFrame, mapping: Mapping, schema: Schema) -> list[Found]:
    """The personal columns of a file: the schema's personal fields, then the attribute
    columns personal by header, then those personal by content."""
    found = [Found(mapping.fields[n], n, "header") for n in schema.personal if n in mapping.fields]
    for header in mapping.extra:
        if is_personal_header(header):
            found.append(Found(header, None, "header"))
        elif not is_identifier_header(header) and (finding := judge(frame[header])) is not None:
            found.append(Found(header, None, "content", finding.kind, finding.share))
    return found


def free_text(
    frame: pd.DataFrame, mapping: Mapping, schema: Schema, found: list[Found]
) -> list[str]:
    """Headers of the text columns to mask: attributes neither personal nor identifiers,
    and the schema's free text fields (no code, no closed list of values, not personal)."""
    personal = {f.column for f in found}
    fields = [
        mapping.fields[f.name]
        for f in schema.fields
        if f.type == "text" and f.values is None and not f.personal and f.name in mapping.fields
    ]
    extra = [h for h in mapping.extra if h not in personal and not is_identifier_header(h)]
    return [
        h
        for h in (*fields, *extra)
        if frame[h].dtype == object or pd.api.types.is_string_dtype(frame[h].dtype)
    ]


def treat(
    frame: pd.DataFrame, found: list[Found], texts: list[str], how: str, key: str | None
) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """(`frame` with personal columns pseudonymised — or, for `drop`, schema fields emptied
    and attributes removed — and free text masked; {header: {kind: count}} of what was
    masked). `keep` changes nothing."""
    if how == "keep":
        return frame, {}
    out = frame.copy()
    for f in found:
        if how == "hash":
            out[f.column] = pseudonymise(frame[f.column], key)
        elif f.field is not None:
            out[f.column] = None
    if how == "drop":
        out = out.drop(columns=[f.column for f in found if f.field is None])
    masked = {}
    for header in texts:
        result = mask_text(frame[header])
        if result.total:
            out[header] = result.values
            masked[header] = result.counts
    return out, masked
