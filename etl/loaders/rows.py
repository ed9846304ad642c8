"""The rows of one load as the kind loaders see them, and the field parsers they share.

Each parser validates a whole column at once, marks bad rows in the verdict with the
field's canonical name, and returns a `Column` over ALL rows; `Rows.staged` later keeps
only the rows that are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from etl import validate as v
from etl.columns import Mapping, Schema, apply_values
from geo.db.copy import Column
from geo.vocab import UNCLASSIFIED


@dataclass
class Context:
    """What the database already holds that validation needs (read once per load)."""

    city: shapely.Geometry | None = None  # union of city/district boundaries
    admin_codes: dict[str, str] = field(default_factory=dict)  # code → level
    has_communities: bool = False
    #: vocabulary → spelling key → (code, top code, top name) (geo.vocab.store.lookup)
    vocab: dict[str, dict[str, tuple[str, str, str]]] = field(default_factory=dict)


@dataclass
class Rows:
    """One file's rows on their way to a table."""

    schema: Schema
    frame: pd.DataFrame
    mapping: Mapping
    crs: str
    context: Context
    geometry: np.ndarray | None = None  # source geometries (file CRS)
    verdict: v.Verdict = None  # type: ignore[assignment]
    warnings: list[str] = field(default_factory=list)
    #: canonical field → (vocabulary, raw text, mask of the rows no vocabulary term matched)
    unclassified: dict[str, tuple[str, pd.Series, np.ndarray]] = field(default_factory=dict)
    repaired: np.ndarray | None = None  # rows whose polygon make_valid repaired
    lon: np.ndarray | None = None  # WGS-84 points (point kinds)
    lat: np.ndarray | None = None
    geoms: np.ndarray | None = None  # WGS-84 polygons (polygon kinds)

    def __post_init__(self) -> None:
        if self.verdict is None:
            self.verdict = v.Verdict(len(self.frame))

    @property
    def n(self) -> int:
        return len(self.frame)

    def col(self, name: str) -> pd.Series | None:
        """The file's column feeding canonical field `name`, or None when absent."""
        header = self.mapping.fields.get(name)
        return None if header is None else self.frame[header]

    def blank(self) -> pd.Series:
        return pd.Series(pd.array([None] * self.n, dtype="string"))

    # -- field parsers ----------------------------------------------------------------

    def text(self, name: str, *, reason: str = "missing_value") -> Column:
        """A text field (codes: numbers written as 320508.0 come back as '320508')."""
        f = self.schema.field(name)
        series = self.col(name)
        if series is None:
            series = self.blank()
        elif f.type == "code" and pd.api.types.is_float_dtype(series.dtype):
            series = series.map(lambda x: None if pd.isna(x) else f"{x:.0f}")
        text = v.clean_text(series)
        if f.required:
            self.verdict.reject(text.isna().to_numpy(), reason, name)
        if f.values is not None:
            mapped, unknown = apply_values(text, f)
            self.verdict.reject(unknown.to_numpy(), "unknown_category", name)
            text = mapped.astype("string")
        return Column(name, "text", text)

    def coded(
        self,
        name: str,
        *,
        also: str | None = None,
        stores: str = "code",
        code_column: str | None = None,
    ) -> list[Column]:
        """A field coded by a vocabulary: the stored value (the term's code, or its top
        level's name when `stores` is top_name; 未分类 / NULL when unknown), the raw text
        (`<name>_raw`) and, with `code_column`, the finest code found. A value of `also`
        (警情细类) found in the vocabulary wins over the field's own. Unknown values are
        loaded, never rejected, and counted in `unclassified`."""
        f = self.schema.field(name)
        raw = self.text(name)
        table = self.context.vocab.get(f.vocab, {})
        keys = pd.Series(
            np.asarray(raw.values.str.strip().str.lower().to_numpy(dtype=object, na_value=None)),
            dtype=object,
        )
        hit = keys.map(table)
        if also is not None:
            other = self.text(also).values.str.strip().str.lower()
            first = pd.Series(
                np.asarray(other.to_numpy(dtype=object, na_value=None)), dtype=object
            ).map(table)
            hit = first.where(first.notna(), hit)
        part = 2 if stores == "top_name" else 0
        value = hit.map(lambda h: None if not isinstance(h, tuple) else h[part])
        unknown = value.isna().to_numpy() & raw.values.notna().to_numpy()
        if unknown.any():
            self.unclassified[name] = (f.vocab, raw.values, unknown)
        columns = [Column(f"{name}_raw", "text", raw.values)]
        if f.type == "int":
            columns.insert(
                0,
                Column(
                    name,
                    "int2",
                    pd.Series(
                        pd.array(
                            [int(v) if isinstance(v, str) else None for v in value], dtype="Int16"
                        )
                    ),
                ),
            )
        else:
            stored = value.where(~unknown, UNCLASSIFIED).where(raw.values.notna().to_numpy(), None)
            columns.insert(0, Column(name, "text", pd.Series(pd.array(stored, dtype="string"))))
        if code_column is not None:
            codes = hit.map(lambda h: None if not isinstance(h, tuple) else h[0])
            columns.append(Column(code_column, "text", pd.Series(pd.array(codes, dtype="string"))))
        return columns

    def key(self) -> Column:
        """The source key; empty keys are rejected as missing_key."""
        return self.text(self.schema.key, reason="missing_key")

    def integer(self, name: str, kind: str = "int4") -> Column:
        """A whole number."""
        f = self.schema.field(name)
        series = self.col(name)
        if series is None:
            values = pd.Series(pd.array([None] * self.n, dtype="Int64"))
            bad = np.zeros(self.n, bool)
        else:
            values, bad = v.parse_int(series)
        self.verdict.reject(bad, "bad_value", name)
        if f.required:
            self.verdict.reject(values.isna().to_numpy(), "missing_value", name)
        return Column(name, kind, values)

    def date(self, name: str) -> Column:
        """A calendar date, staged as days since 1970-01-01."""
        series = self.col(name)
        if series is None:
            return Column(name, "date", pd.Series(pd.array([None] * self.n, dtype="Int32")))
        days, blank, bad = v.parse_date(series)
        self.verdict.reject(bad, "bad_time", name)
        values = pd.Series(pd.array(days, dtype="Int32")).mask(blank | bad)
        return Column(name, "date", values)

    def timestamp(self, name: str) -> Column:
        """A local time (fixed UTC+8, geo.localtime, unless the file says otherwise), as µs since epoch."""
        series = self.col(name)
        if series is None:
            series = self.blank()
        micros, bad = v.parse_time(series)
        self.verdict.reject(bad, "bad_time", name)
        return Column(name, "timestamptz", micros)
