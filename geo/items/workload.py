"""Hours a month per grid from the service-item list, explained item by item.

Pure: grids (with `grid_code`, `households`, `population`), the items (catalogue
ITEM_COLUMNS) and the point layers in; per item and grid the count and the hours out.
Incidents are counted as given (the caller passes the last 12 months). A point is
counted in the first grid that holds it (geo.zones.assign).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.items.catalogue import LAYERS, selector_values
from geo.zones import assign

#: point layer → its column a filter selects on
FILTERED = {layer: column for layer, (_, column) in LAYERS.items() if column is not None}


def grids_of(
    grids: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame | None]
) -> dict[str, np.ndarray]:
    """Per point layer, the position of the grid holding each point (−1: none): found
    once per layer, then shared by every item counting that layer."""
    return {
        name: assign(points.geometry, grids.geometry)
        for name, points in layers.items()
        if points is not None and len(points)
    }


def points_per_grid(n: int, where: np.ndarray | None) -> np.ndarray:
    """Points per grid (of `n`) from the grid of each point (−1: none; None: no points)."""
    if where is None:
        return np.zeros(n, dtype=np.int64)
    return np.bincount(where[where >= 0], minlength=n).astype(np.int64)


def _counts(
    n: int,
    points: gpd.GeoDataFrame | None,
    where: np.ndarray | None,
    column: str | None,
    values: list[str] | None,
) -> np.ndarray:
    """Points of the layer (those whose `column` is in `values`, when given) per grid."""
    if points is None or where is None or len(points) == 0:
        return np.zeros(n)
    if values is not None and column is not None:
        text = points[column].astype("string").str.replace(r"\.0$", "", regex=True)
        where = where[text.isin(values).fillna(False).to_numpy()]
    return points_per_grid(n, where).astype(float)


def rate(items: pd.DataFrame) -> np.ndarray:
    """Hours a month each item costs per counted thing: per_year × minutes ÷ 60 ÷ 12."""
    return items["per_year"].to_numpy(float) * items["minutes"].to_numpy(float) / 60.0 / 12.0


def grid_hours(items: pd.DataFrame) -> float:
    """Hours a month every grid carries whatever it holds (the items counting grids)."""
    return float(rate(items)[(items["layer"] == "grids").to_numpy()].sum())


def item_workload(
    grids: gpd.GeoDataFrame,
    items: pd.DataFrame,
    layers: Mapping[str, gpd.GeoDataFrame | None],
    *,
    per_grid: bool = True,
    where: Mapping[str, np.ndarray] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per grid, in order: grid_code, hours; per item then grid: grid_code, item_code, item_name,
    department, count, hours) — hours a month = count × per_year × minutes ÷ 60 ÷ 12.

    `layers`: 'rentals', 'hazards' (risk_level), 'key_sites' (kind), 'incidents'
    (category) as WGS-84 points; a layer that is missing counts zero. `per_grid=False`
    is for pieces of grids (the editor's units, a proposal's cells): the items counting
    grids count 0 there, since a grid carries them once however it is cut
    (`grid_hours`), so the hours of a grid are the sum of its pieces' + grid_hours.
    `where`: `grids_of(grids, layers)` when the caller has it already.
    """
    where = grids_of(grids, layers) if where is None else where
    codes = (
        grids["grid_code"].to_numpy()
        if "grid_code" in grids
        else np.full(len(grids), None, dtype=object)
    )
    total = np.zeros(len(grids))
    parts = []
    for item in items.itertuples():
        if item.layer in ("households", "population"):
            count = (
                pd.to_numeric(grids[item.layer], errors="coerce").fillna(0).to_numpy(float)
                if item.layer in grids
                else np.zeros(len(grids))
            )
        elif item.layer == "grids":
            count = np.full(len(grids), 1.0 if per_grid else 0.0)
        else:
            count = _counts(
                len(grids),
                layers.get(item.layer),
                where.get(item.layer),
                FILTERED.get(item.layer),
                selector_values(item.layer, item.selector),
            )
        hours = count * (item.per_year * item.minutes / 60.0 / 12.0)
        total += hours
        parts.append(
            pd.DataFrame(
                {
                    "grid_code": codes,
                    "item_code": item.code,
                    "item_name": item.name,
                    "department": item.department,
                    "count": count,
                    "hours": hours,
                }
            )
        )
    columns = ["grid_code", "item_code", "item_name", "department", "count", "hours"]
    contributions = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    # summed by position: pieces of one grid share its code, and are costed apart
    return pd.DataFrame({"grid_code": codes, "hours": total}), contributions[columns]


def hour_flags(
    hours: pd.Series, band: tuple[float, float] | None = None, band_sd: float = 1.5
) -> tuple[pd.Series, tuple[float, float]]:
    """(low / in_band / high per grid, the band used): `band` in hours a month as set by
    the district, else mean ± band_sd · sd of these grids' hours."""
    if band is None:
        mean = float(hours.mean()) if len(hours) else 0.0
        sd = float(hours.std(ddof=0)) if len(hours) else 0.0
        band = (mean - band_sd * sd, mean + band_sd * sd)
    low, high = float(band[0]), float(band[1])
    flags = np.where(hours < low, "low", np.where(hours > high, "high", "in_band"))
    return pd.Series(flags, index=hours.index), (low, high)
