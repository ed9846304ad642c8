"""Facility coverage: the share of demand within each facility kind's service radius.

Distance is the straight line in the city's metric CRS (geo.config.Settings.metric_crs,
EPSG:4549), not the street network: a point is covered when some facility of the kind
is at most `radius` metres away. Demand layers are incidents, rental housing, hazard
sources and the centres of the study area's H3 cells; shares are given for the whole
city and per district and town (by the unit holding the point).

All functions are pure: GeoDataFrames/GeoSeries in, arrays/DataFrames out.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.config import Settings
from geo.crs import metric
from geo.zones import codes_of

LEVELS = ("district", "town")
SHARE_COLUMNS = ["kind", "radius_m", "layer", "level", "code", "name", "total", "covered", "share"]


def in_metric(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """`geoms` in the metric CRS, projected only when not already there."""
    crs = Settings.metric_crs
    return geoms if geoms.crs is not None and geoms.crs == crs else metric(geoms)


def _xy(geoms: gpd.GeoSeries) -> np.ndarray:
    """(n, 2) coordinates of points; NaN rows for missing or empty ones."""
    values = np.asarray(geoms.values)
    xy = np.full((len(values), 2), np.nan)
    ok = ~(shapely.is_missing(values) | shapely.is_empty(values))
    xy[ok] = shapely.get_coordinates(values[ok])
    return xy


def nearest_distance(
    points: gpd.GeoSeries, sites: gpd.GeoSeries, max_distance: float | None = None
) -> np.ndarray:
    """Straight-line distance in metres (metric CRS) from each point to its nearest site.

    `inf` where no site exists, or none within `max_distance` when given (inclusive).
    Uses a KD-tree over the sites' coordinates (scipy's cKDTree, ~10× GEOS' STRtree
    nearest search on the city's million incidents); the distance of the pair it finds
    is then computed as GEOS computes a point-to-point distance, sqrt(dx² + dy²).
    """
    out = np.full(len(points), np.inf)
    if len(points) == 0 or len(sites) == 0:
        return out
    pts, at = _xy(in_metric(points)), _xy(in_metric(sites))
    at = at[np.isfinite(at).all(axis=1)]
    found = np.isfinite(pts).all(axis=1)
    if not len(at) or not found.any():
        return out
    # a hair wider than asked, so that a site at exactly `max_distance` is not lost to
    # the tree's own rounding; the exact test against max_distance follows
    bound = np.inf if max_distance is None else max_distance * (1 + 1e-9) + 1e-9
    _, idx = cKDTree(at).query(pts[found], k=1, distance_upper_bound=bound)
    rows = np.flatnonzero(found)[idx < len(at)]
    d = pts[rows] - at[idx[idx < len(at)]]
    dist = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
    if max_distance is not None:
        rows, dist = rows[dist <= max_distance], dist[dist <= max_distance]
    out[rows] = dist
    return out


def covered(points: gpd.GeoSeries, sites: gpd.GeoSeries, radius: float) -> np.ndarray:
    """True where some site lies within `radius` metres (straight line, inclusive)."""
    return nearest_distance(points, sites, max_distance=radius) <= radius


def unit_codes(points: gpd.GeoSeries, units: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """District and town code of each point from admin-unit polygons (`level`, `code`)."""
    out = pd.DataFrame(index=range(len(points)))
    for level in LEVELS:
        zones = units[units["level"] == level] if units is not None and len(units) else None
        out[level] = (
            codes_of(points, zones, "code")
            if zones is not None and len(zones)
            else np.full(len(points), None, dtype=object)
        )
    return out


def _unit_index(units_of: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per level: (the unit codes, sorted; the position of each known point's code among
    them; which points have a code) — found once per layer, used by every kind."""
    out = {}
    for level in LEVELS:
        codes = units_of[level]
        known = codes.notna().to_numpy()
        if known.any():
            found, where = np.unique(codes[known].to_numpy(), return_inverse=True)
            out[level] = (found, where, known)
    return out


def _shares(
    mask: np.ndarray, index: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> pd.DataFrame:
    """Total/covered/share for the city and per district and town."""
    rows = [{"level": "city", "code": None, "total": len(mask), "covered": int(mask.sum())}]
    for level in LEVELS:
        if level not in index:
            continue
        codes, where, known = index[level]
        total = np.bincount(where, minlength=len(codes))
        hit = np.bincount(where, weights=mask[known], minlength=len(codes))
        rows += [
            {"level": level, "code": code, "total": int(n), "covered": int(c)}
            for code, n, c in zip(codes, total, hit, strict=True)
        ]
    table = pd.DataFrame(rows)
    table["share"] = table["covered"] / table["total"].where(table["total"] > 0)
    return table


def coverage_shares(
    demand: Mapping[str, gpd.GeoDataFrame | gpd.GeoSeries],
    facilities: gpd.GeoDataFrame,
    radii: Mapping[str, float],
    units: gpd.GeoDataFrame | None = None,
    kinds: list[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Covered shares of each demand layer by each facility kind.

    demand: layer name → points (e.g. incidents, rentals, hazards, cells: the H3 cell
    centres); facilities: points with `kind`; radii: metres per kind; units: admin-unit
    polygons with `level`, `code` (and `name`) for the per-district/town rows.

    Returns (table with SHARE_COLUMNS, masks): masks[f"{kind}/{layer}"] is the covered
    flag of each demand point, in the order given, so callers can list what is not covered.
    """
    kinds = list(kinds) if kinds is not None else sorted(radii)
    names = (
        dict(zip(units["code"], units["name"], strict=False))
        if units is not None and "name" in units
        else {}
    )
    layers = {}
    for layer, points in demand.items():
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        layers[layer] = (in_metric(geoms), _unit_index(unit_codes(geoms, units)))

    tables, masks = [], {}
    for kind in kinds:
        radius = float(radii[kind])
        sites = facilities.geometry[(facilities["kind"] == kind).to_numpy()]
        for layer, (geoms, index) in layers.items():
            mask = covered(geoms, sites, radius)
            masks[f"{kind}/{layer}"] = mask
            table = _shares(mask, index)
            table.insert(0, "layer", layer)
            table.insert(0, "radius_m", radius)
            table.insert(0, "kind", kind)
            tables.append(table)
    if not tables:
        return pd.DataFrame(columns=SHARE_COLUMNS), masks
    result = pd.concat(tables, ignore_index=True)
    result["name"] = result["code"].map(names)
    return result[SHARE_COLUMNS], masks
