"""Row validation, vectorised: each check marks rows with a reason code and the field.

A row keeps the first reason found (checks run in a fixed order), so every rejected row
has exactly one reason in `load_rejects`. Codes (as in SAMPLE_SPEC.md):
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo import localtime

#: every reason a row can be rejected (or, for duplicate_key, set aside) for
REASONS = (
    "missing_key",  # the source key (编号 …) is empty
    "missing_value",  # a required field is empty
    "missing_coordinates",  # 经度/纬度 (or the geometry) empty
    "bad_coordinates",  # coordinates unparseable, infinite or off the globe
    "swapped_coordinates",  # this row's lon/lat are the other way round
    "outside_city",  # outside the loaded city/district boundaries (China, if none loaded)
    "bad_time",  # a time or date that cannot be read
    "bad_value",  # a number (or level) that cannot be read
    "unknown_category",  # a value outside the closed list of its field
    "missing_geometry",  # a feature with a null or empty shape (polygon layers)
    "invalid_geometry",  # not the geometry type of the layer, or empty after make_valid
    "unknown_parent",  # the parent code (上级代码, 社区代码) names no known unit
    "duplicate_key",  # an earlier row has the same source key but other content (rejected)
    "duplicate_row",  # exact copy of an earlier row (counted as a duplicate, not rejected)
)
__doc__ += "\n".join(f"- {r}" for r in REASONS)

_CANONICAL_TIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
#: mainland China plus Hainan and the coast, generously (lon, lat ranges)
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


class Verdict:
    """Reason code per row (0 = fine) and the field it concerns."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.int8)
        self.field = np.full(n, None, dtype=object)

    def reject(self, mask: np.ndarray | pd.Series, reason: str, field: str | None) -> int:
        """Mark rows in `mask` not marked yet; returns how many were newly marked."""
        m = np.asarray(mask, dtype=bool) & (self.code == 0)
        self.code[m] = REASONS.index(reason) + 1
        self.field[m] = field
        return int(m.sum())

    @property
    def ok(self) -> np.ndarray:
        return self.code == 0

    def reasons(self) -> np.ndarray:
        """The reason code names per row (None where fine)."""
        names = np.array((None, *REASONS), dtype=object)
        return names[self.code]

    def counts(self) -> dict[str, int]:
        values, counts = np.unique(self.code[self.code > 0], return_counts=True)
        return {REASONS[v - 1]: int(c) for v, c in zip(values, counts, strict=True)}


def arrow_text(series: pd.Series) -> pa.Array:
    """A column as one arrow string array, whitespace trimmed, blanks as nulls."""
    if isinstance(series.array, pd.arrays.ArrowStringArray):
        arr = pa.array(series.array)
    else:
        arr = pa.array(series.astype("string").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def clean_text(series: pd.Series) -> pd.Series:
    """`series` as trimmed text with blanks missing (pandas string, arrow-backed)."""
    return pd.Series(pd.array(arrow_text(series), dtype="string"), index=series.index)


def is_blank(series: pd.Series) -> np.ndarray:
    """True where a cell is missing or only whitespace."""
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        return arrow_text(series).is_null().to_numpy(zero_copy_only=False)
    return series.isna().to_numpy(dtype=bool)


_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"


def parse_float(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values, unparseable mask): blank → NaN and not flagged; junk → NaN and flagged."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), np.zeros(len(series), bool)
    text = arrow_text(series)
    present = text.is_valid().to_numpy(zero_copy_only=False)
    try:  # a clean column in one cast; it also reads nan/inf, which the regex does not
        values = text.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)
        bad = present & ~np.isfinite(values)
        values[bad] = np.nan
        return values, bad
    except pa.ArrowInvalid:
        pass
    number = pc.fill_null(pc.match_substring_regex(text, _NUMBER), False)
    values = pc.cast(pc.if_else(number, text, pa.scalar(None, pa.string())), pa.float64())
    values = values.to_numpy(zero_copy_only=False)
    bad = ~number.to_numpy(zero_copy_only=False) & present
    return values.astype(np.float64), bad


def parse_int(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(nullable Int64 values, mask of unparseable, fractional or negative values)."""
    values, bad = parse_float(series)
    with np.errstate(invalid="ignore"):
        frac = np.isfinite(values) & ((values != np.round(values)) | (values < 0))
    bad |= frac | np.isinf(values)
    out = pd.array(np.where(np.isfinite(values) & ~bad, values, np.nan), dtype="Float64")
    return pd.Series(out, index=series.index).round().astype("Int64"), bad


def parse_time(series: pd.Series, tz: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(int64 microseconds since the epoch UTC, unparseable mask); blanks are flagged too.

    Naive local times are taken in `tz` (default: the city's fixed UTC+8, geo.localtime). A column of ISO 8601 times is read by one cast;
    otherwise "YYYY-MM-DD HH:MM:SS" is parsed on a fast path and other spellings
    (slashes, dates alone) on a slower one, row by row.
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = pd.to_datetime(series)
    else:
        text = arrow_text(series)
        try:  # ISO 8601 throughout (the usual export): one cast, which refuses 2025-02-30
            fast = text.cast(pa.timestamp("s"))
        except pa.ArrowInvalid:
            fmt = "%Y-%m-%d %H:%M:%S"
            fast = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
            # strptime rolls 2025-02-30 over to March: keep times whose day is the day written
            canonical = pc.fill_null(pc.match_substring_regex(text, _CANONICAL_TIME), False)
            day = pc.if_else(canonical, pc.utf8_slice_codeunits(text, 8, 10), "0")
            same = pc.fill_null(pc.equal(pc.day(fast), pc.cast(day, pa.int64())), False)
            fast = pc.if_else(same, fast, pa.scalar(None, fast.type))
        local = fast.to_numpy(zero_copy_only=False).astype("datetime64[s]")
        retry = pc.and_(fast.is_null(), text.is_valid()).to_numpy(zero_copy_only=False)
        if retry.any():
            again = pd.to_datetime(
                pd.Series(text.filter(pa.array(retry)).to_pylist()), format="mixed", errors="coerce"
            )
            local[retry] = again.astype("datetime64[s]").to_numpy()
        valid = ~np.isnat(local)
        if tz is None:  # the fixed UTC+8 rule: no time-zone database needed
            utc = local.astype("datetime64[us]") - localtime.OFFSET_NP
            bad = ~valid
            micros = utc.view(np.int64).copy()
            micros[bad] = 0
            return micros, bad
        stamps = pd.Series(local.astype("datetime64[ns]"), index=series.index)
    if getattr(stamps.dt, "tz", None) is None:
        stamps = stamps.dt.tz_localize(tz or localtime.TZ, ambiguous="NaT", nonexistent="NaT")
    stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
    bad = stamps.isna().to_numpy()
    micros = stamps.to_numpy().view(np.int64).copy()
    micros[bad] = 0
    return micros, bad


def parse_date(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(days since 1970-01-01, blank mask, unparseable mask) for date columns."""
    blank = is_blank(series)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = pd.to_datetime(series)
    else:
        text = series.astype("string").str.strip()
        stamps = pd.to_datetime(text, format="mixed", errors="coerce")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    days = stamps.astype("datetime64[s]").to_numpy().astype("datetime64[D]")
    bad = np.isnat(days) & ~blank
    out = days.view(np.int64).copy()
    out[np.isnat(days)] = 0
    return out.astype(np.int32), blank, bad


def in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True inside the generous China rectangle (NaN → False)."""
    with np.errstate(invalid="ignore"):
        return (
            (lon >= CHINA_LON[0])
            & (lon <= CHINA_LON[1])
            & (lat >= CHINA_LAT[0])
            & (lat <= CHINA_LAT[1])
        )


def off_globe(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Coordinates no geographic CRS allows (or not finite)."""
    with np.errstate(invalid="ignore"):
        return ~(np.isfinite(lon) & np.isfinite(lat)) | (np.abs(lon) > 180) | (np.abs(lat) > 90)


def inside(area: shapely.Geometry, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where (lon, lat) lies in `area` (boundary included); bbox first, then exact."""
    out = np.zeros(len(lon), dtype=bool)
    xmin, ymin, xmax, ymax = area.bounds
    with np.errstate(invalid="ignore"):
        near = (lon >= xmin) & (lon <= xmax) & (lat >= ymin) & (lat <= ymax)
    if near.any():
        shapely.prepare(area)
        out[near] = shapely.intersects_xy(area, lon[near], lat[near])
    return out


def repeating(series: pd.Series | None) -> np.ndarray | None:
    """True where a text column's trimmed value occurs more than once; None when that
    says nothing about the keys parsed from it (numbers read as floats, which the key
    parser formats, or no column). It needs no verdict, so it runs beside validation
    and leaves `repeated_keys` only the few rows it marks."""
    if series is None or not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
        return None
    return pd.Series(arrow_text(series)).duplicated(keep=False).to_numpy()


def repeated_keys(
    keys: pd.Series,
    candidates: np.ndarray,
    content: Callable[[np.ndarray], np.ndarray],
    repeating: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(exact copies, same key but other content) among candidate rows after the first.

    `content(idx)` gives a hash of the rows `idx`; it is called only for rows whose key
    occurs more than once, so a file without repeats costs one `duplicated` pass — over
    the rows `repeating` marks (keys seen more than once in the whole file) when given.
    """
    copies = np.zeros(len(keys), dtype=bool)
    clashes = np.zeros(len(keys), dtype=bool)
    idx = np.flatnonzero(candidates if repeating is None else candidates & repeating)
    sub = keys.iloc[idx].reset_index(drop=True)
    repeated = sub.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return copies, clashes
    ridx = idx[repeated]
    frame = pd.DataFrame({"key": sub[repeated].to_numpy(), "hash": content(ridx)})
    first_hash = frame.groupby("key", sort=False)["hash"].transform("first").to_numpy()
    later = frame["key"].duplicated(keep="first").to_numpy()
    same = frame["hash"].to_numpy() == first_hash
    copies[ridx[later & same]] = True
    clashes[ridx[later & ~same]] = True
    return copies, clashes
