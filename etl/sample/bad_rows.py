"""Deliberately bad rows, so that every loader's reject path is exercised by the demo.

A fault is (reason, field, change, note): `change(row) -> {column: new value}`. `inject`
puts faults on distinct good rows (edits) or appends changed copies of good rows
(appends: duplicates and extra bogus units that must not replace real ones), and returns
the list of `BadRow`s with 1-based data row numbers. Reason codes and the expected loader
action are the contract in SAMPLE_SPEC.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from etl.sample.plane import M_PER_DEG_LAT, M_PER_DEG_LON

#: what a correct loader does with a row of each reason
EXPECT = {
    "missing_coordinates": "reject",
    "bad_coordinates": "reject",
    "swapped_coordinates": "reject",
    "outside_city": "reject",
    "bad_time": "reject",
    "unknown_category": "reject",
    "unclassified": "load",  # a value outside a vocabulary: loaded as 未分类, raw text kept
    "bad_value": "reject",
    "missing_key": "reject",
    "duplicate_row": "duplicate",
    "duplicate_key": "reject",
    "missing_geometry": "reject",
    "invalid_geometry": "repair",
    "unknown_parent": "reject",
    "overlap": "flag",
}
#: a valid point well outside Suzhou (Nanjing, 新街口)
OUTSIDE = (118.7843, 32.0415)

Row = dict[str, Any]
Change = Callable[[Row], Row]


@dataclass(frozen=True)
class Fault:
    reason: str
    field: str
    change: Change
    note: str


@dataclass(frozen=True)
class BadRow:
    file: str
    row: int
    field: str
    reason: str
    expect: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def coordinate_faults(lon: str = "经度", lat: str = "纬度", text: bool = True) -> list[Fault]:
    """Missing, unparseable, swapped and out-of-city coordinates (text=True: CSV strings)."""
    fmt = (lambda v: f"{v:.6f}") if text else (lambda v: v)
    return [
        Fault(
            "missing_coordinates",
            lon,
            lambda r: {lon: None, lat: None},
            "经纬度为空 / lon and lat empty",
        ),
        Fault(
            "bad_coordinates",
            lon,
            lambda r: {lon: f"东经{r[lon]}"},
            "经度不是数字 / lon is not a number",
        ),
        Fault(
            "swapped_coordinates",
            lon,
            lambda r: {lon: r[lat], lat: r[lon]},
            "经纬度颠倒 / lon and lat swapped",
        ),
        Fault(
            "outside_city",
            lon,
            lambda r: {lon: fmt(OUTSIDE[0]), lat: fmt(OUTSIDE[1])},
            "点位在南京 / point in Nanjing, outside the city",
        ),
    ]


def duplicate_faults(key: str, other: str, value: Change) -> list[Fault]:
    """An exact copy of a row, and a row with the same key but a different `other` field."""
    return [
        Fault(
            "duplicate_row", key, lambda r: {}, "与前面某行完全相同 / exact copy of an earlier row"
        ),
        Fault(
            "duplicate_key",
            key,
            lambda r: {other: value(r)},
            f"编号重复但{other}不同 / same key as an earlier row, different {other}",
        ),
    ]


def bow_tie(geom: shapely.Geometry, sliver_m2: float = 0.2) -> shapely.Geometry:
    """`geom` with its shortest edge (≥ 1 m) replaced by a crossing pair of segments: a
    self-intersecting ring that make_valid repairs to the same polygon ± two slivers of
    `sliver_m2` each. No vertex is added on a shared edge, so neighbours still fit exactly."""
    parts = list(shapely.get_parts(geom))
    k = int(np.argmax([p.area for p in parts]))
    ring = np.asarray(parts[k].exterior.coords)
    seg = np.diff(ring, axis=0)
    length = np.hypot(seg[:, 0] * M_PER_DEG_LON, seg[:, 1] * M_PER_DEG_LAT)
    i = int(np.argmin(np.where(length >= 1.0, length, np.inf)))
    a, b = ring[i], ring[i + 1]
    u = (b - a) / length[i]  # degrees per metre along the edge
    depth_m = 4 * sliver_m2 / length[i]  # each sliver: ½ · length · depth/2
    nrm = np.array([-u[1] * M_PER_DEG_LAT / M_PER_DEG_LON, u[0] * M_PER_DEG_LON / M_PER_DEG_LAT])
    coords = np.vstack([ring[: i + 1], [b + nrm * depth_m, a + nrm * depth_m], ring[i + 1 :]])
    parts[k] = shapely.Polygon(coords, [h.coords for h in parts[k].interiors])
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _positions(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """`k` row positions out of `n`, distinct while there are enough rows (tiny tables reuse)."""
    return np.sort(
        np.resize(rng.permutation(n), k) if k > n else rng.choice(n, size=k, replace=False)
    )


def inject(
    df: pd.DataFrame,
    file: str,
    edits: list[Fault],
    appends: list[Fault],
    rng: np.random.Generator,
    allowed: np.ndarray | None = None,
) -> tuple[pd.DataFrame, list[BadRow]]:
    """Faults applied to a DataFrame (or GeoDataFrame): edits in place, appends at the end.

    `allowed`: row positions eligible to carry a fault or be copied (default: all).
    """
    pool = np.arange(len(df)) if allowed is None else np.asarray(allowed)
    pos = pool[_positions(len(pool), len(edits) + len(appends), rng)]
    rng.shuffle(pos)
    out = df.copy()
    for col in out.columns:
        if col != "geometry" and out[col].dtype != object:
            out[col] = out[col].astype(object)
    bad: list[BadRow] = []
    for fault, p in zip(edits, pos[: len(edits)], strict=True):
        row = out.iloc[p].to_dict()
        for col, value in fault.change(row).items():
            out.iat[p, out.columns.get_loc(col)] = value
        bad.append(
            BadRow(file, int(p) + 1, fault.field, fault.reason, EXPECT[fault.reason], fault.note)
        )
    extra = []
    for j, (fault, p) in enumerate(zip(appends, pos[len(edits) :], strict=True)):
        row = out.iloc[p].to_dict()
        row.update(fault.change(row))
        extra.append(row)
        bad.append(
            BadRow(
                file, len(out) + j + 1, fault.field, fault.reason, EXPECT[fault.reason], fault.note
            )
        )
    if extra:
        out = pd.concat([out, pd.DataFrame(extra, columns=out.columns)], ignore_index=True)
    for col in out.columns:  # give back the original types where the faults allow it
        if col != "geometry" and df[col].dtype != object:
            with contextlib.suppress(TypeError, ValueError):
                out[col] = out[col].astype(df[col].dtype)
    if isinstance(df, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry="geometry", crs=df.crs)
    return out, sorted(bad, key=lambda b: b.row)


def inject_table(
    table: pa.Table, file: str, edits: list[Fault], appends: list[Fault], rng: np.random.Generator
) -> tuple[pa.Table, list[BadRow]]:
    """As `inject`, for a large pyarrow table of strings (only the touched rows leave Arrow)."""
    n = table.num_rows
    pos = _positions(n, len(edits) + len(appends), rng)
    rng.shuffle(pos)
    rows = table.take(pa.array(pos)).to_pylist()
    bad: list[BadRow] = []
    patched = []
    for fault, row, p in zip(edits, rows, pos, strict=False):
        patched.append({**row, **fault.change(row)})
        bad.append(
            BadRow(file, int(p) + 1, fault.field, fault.reason, EXPECT[fault.reason], fault.note)
        )
    for j, (fault, row) in enumerate(zip(appends, rows[len(edits) :], strict=True)):
        patched.append({**row, **fault.change(row)})
        bad.append(
            BadRow(file, n + j + 1, fault.field, fault.reason, EXPECT[fault.reason], fault.note)
        )
    patch = pa.Table.from_pylist(patched, schema=table.schema)
    index = np.arange(n + len(appends))
    index[pos[: len(edits)]] = n + np.arange(len(edits))
    index[n:] = n + len(edits) + np.arange(len(appends))
    return pa.concat_tables([table, patch]).take(pa.array(index)), sorted(bad, key=lambda b: b.row)
