"""Which columns are coded by which vocabulary, and reading a file of terms (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.errors import InputError

#: the top level of a value no vocabulary knows
UNCLASSIFIED = "未分类"
#: vocabulary name → what it names (zh / en)
VOCABS = {
    "incident_category": "警情类别 / incident categories (大类 → 细类)",
    "hazard_category": "危险源类别 / hazard categories",
    "facility_kind": "设施类型 / facility kinds",
    "key_site_kind": "重点场所类型 / key-site kinds",
    "risk_level": "风险等级 / risk levels",
}
COLUMNS = ("code", "name", "parent", "aliases")
_ALIAS_SEP = re.compile(r"[|;；、]")


@dataclass(frozen=True)
class Coded:
    """A column of a table whose values come from a vocabulary.

    `column` holds the term's code — for incident categories the top level's name
    (大类: what incident_counts is keyed on), with the finest code in `code_column` —
    and `raw` the text as loaded. `also` is a raw column looked up first (警情细类).
    """

    table: str
    column: str
    vocab: str
    raw: str
    stores: str = "code"  # code | top_name
    code_column: str | None = None
    also: str | None = None
    cast: str = "text"


CODED = (
    Coded(
        "incidents",
        "category",
        "incident_category",
        "category_raw",
        stores="top_name",
        code_column="category_code",
        also="subcategory",
    ),
    Coded("hazards", "category", "hazard_category", "category_raw"),
    Coded("hazards", "risk_level", "risk_level", "risk_level_raw", cast="int2"),
    Coded("facilities", "kind", "facility_kind", "kind_raw"),
    Coded("key_sites", "kind", "key_site_kind", "kind_raw"),
)


def key(text: str) -> str:
    """The lookup form of a spelling: trimmed and lower-cased."""
    return str(text).strip().lower()


def aliases(cell: object) -> list[str]:
    """The aliases of one cell (separated by | ; ； or 、), blanks dropped."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    return [a.strip() for a in _ALIAS_SEP.split(str(cell)) if a.strip()]


def read_terms(path: Path, vocab: str | None = None) -> pd.DataFrame:
    """Terms from a CSV or XLSX file with columns code, name, parent, aliases (and
    optionally vocab); returns `vocab, code, name, parent, aliases` (aliases a list).

    InputError naming the file, row and field for a missing code or name, an unknown
    vocabulary or a file without the columns.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str)
        elif suffix in (".csv", ".txt"):
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        else:
            raise InputError("a vocabulary is a .csv or .xlsx file", file=str(path))
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"not a readable table: {exc}", file=str(path)) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("code", "name") if c not in frame.columns]
    if missing:
        raise InputError(
            f"no column {missing[0]!r} (columns: code, name, parent, aliases)", file=str(path)
        )
    if "vocab" not in frame.columns:
        frame["vocab"] = vocab or "incident_category"
    elif vocab:
        frame["vocab"] = frame["vocab"].fillna("").mask(frame["vocab"].fillna("") == "", vocab)
    out = pd.DataFrame(
        {
            "vocab": frame["vocab"].fillna("").astype(str).str.strip(),
            "code": frame["code"].fillna("").astype(str).str.strip(),
            "name": frame["name"].fillna("").astype(str).str.strip(),
            "parent": (
                frame["parent"].fillna("").astype(str).str.strip() if "parent" in frame else ""
            ),
            "aliases": [aliases(a) for a in frame.get("aliases", pd.Series([None] * len(frame)))],
        }
    )
    out["parent"] = out["parent"].astype(object).mask(out["parent"] == "", None)
    for i, row in out.iterrows():
        line = int(i) + 2  # the header is line 1
        if row["vocab"] not in VOCABS:
            raise InputError(
                f"unknown vocabulary {row['vocab']!r}; use one of {', '.join(VOCABS)}",
                file=str(path),
                row=line,
                field="vocab",
            )
        for field in ("code", "name"):
            if not row[field]:
                raise InputError(f"empty {field}", file=str(path), row=line, field=field)
    return out


def clashes(terms: pd.DataFrame) -> list[str]:
    """Spellings that would mean two different terms of one vocabulary (one line each)."""
    seen: dict[tuple[str, str], str] = {}
    out = []
    for row in terms.itertuples():
        for spelling in {row.code, row.name, *row.aliases}:
            k = (row.vocab, key(spelling))
            if seen.setdefault(k, row.code) != row.code:
                out.append(f"{row.vocab}: {spelling!r} means both {seen[k]!r} and {row.code!r}")
    return out
