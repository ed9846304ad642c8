"""Topology check of a grid version against the admin units it divides.

Finds what a grid agency rejects a filing for: gaps (parts of a community or town
covered by no grid), overlaps between grids, invalid geometries, duplicate grid codes
and grids reaching outside the community/town they belong to. Areas are measured in
the city's metric CRS; parts smaller than the tolerance (digitising slivers) are ignored.
Spatial work goes through an STRtree and vectorised shapely calls, never a Python
loop over all pairs.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.grids.geometry import SLIVER_M2, WGS84, polygonal, repaired, to_metric

PROBLEMS = ("gap", "overlap", "invalid", "duplicate_code", "crosses_parent")
COLUMNS = ["problem", "grid_codes", "unit_code", "area_m2", "detail"]


def check(
    grids: gpd.GeoDataFrame,
    boundary: gpd.GeoDataFrame,
    tolerance_m2: float = SLIVER_M2,
    whole_towns: bool = False,
) -> gpd.GeoDataFrame:
    """Problems of `grids` (with `grid_code`, `community_code`, optional `town_code`)
    against `boundary` (admin units with `code` and `level`).

    Gaps are sought in the communities that have grids; with `whole_towns` also in
    every community of a town that has grids (a community without any grid is then
    one gap).

    Returns one row per problem: `problem` (one of PROBLEMS), `grid_codes` (list),
    `unit_code` (the community/town concerned, or None), `area_m2`, `detail`, geometry
    in WGS-84.
    """
    g = to_metric(grids).reset_index(drop=True)
    b = to_metric(boundary).reset_index(drop=True)
    codes = g["grid_code"].astype(str).to_numpy()
    # validity is judged on the geometries as given: projecting a valid polygon whose
    # ring touches itself can pinch it by 1e-9 m, which is noise, not a problem
    given = grids.geometry.to_numpy()
    geoms = repaired(g.geometry.to_numpy())
    rows = [
        *_invalid(codes, given, grids.crs or WGS84, geoms, g.crs),
        *_duplicates(g, codes, geoms),
        *_overlaps(codes, geoms, tolerance_m2),
        *_crossings(g, b, codes, geoms, tolerance_m2),
        *_gaps(g, b, geoms, tolerance_m2, whole_towns),
    ]
    frame = pd.DataFrame([r[:-1] for r in rows], columns=COLUMNS)
    out = gpd.GeoDataFrame(frame, geometry=[r[-1] for r in rows], crs=g.crs)
    return out.to_crs(WGS84)


def _invalid(codes, given, given_crs, geoms, metric_crs):
    bad = np.flatnonzero(~shapely.is_valid(given))
    reasons = shapely.is_valid_reason(given[bad])
    areas = shapely.area(geoms[bad])
    shapes = gpd.GeoSeries(given[bad], crs=given_crs).to_crs(metric_crs).to_numpy()
    for i, reason, area, shape in zip(bad, reasons, areas, shapes, strict=True):
        yield "invalid", [codes[i]], None, float(area), str(reason), shape


def _duplicates(g, codes, geoms):
    counts = pd.Series(codes).value_counts()
    for code, n in counts[counts > 1].items():
        idx = np.flatnonzero(codes == code)
        union = shapely.union_all(geoms[idx])
        unit = _first(g, "community_code", idx)
        yield (
            "duplicate_code",
            [code],
            unit,
            float(union.area),
            f"grid code used by {n} grids",
            union,
        )


def _overlaps(codes, geoms, tol):
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    # interiors meet (not just a shared edge): DE-9IM interior/interior non-empty
    inner = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    left, right = left[inner], right[inner]
    parts = polygonal(shapely.intersection(geoms[left], geoms[right]))
    areas = shapely.area(parts)
    for i, j, part, area in zip(left, right, parts, areas, strict=True):
        if area >= tol:
            yield (
                "overlap",
                [codes[i], codes[j]],
                None,
                float(area),
                f"{codes[i]} and {codes[j]} overlap",
                part,
            )


def _parent_geoms(g, b) -> tuple[np.ndarray, np.ndarray]:
    """Per grid: the code and geometry of its community (else town), None if unknown."""
    by_code = dict(zip(b["code"].astype(str), b.geometry, strict=True))
    parent_codes = np.array([None] * len(g), dtype=object)
    for column in ("town_code", "community_code"):  # community wins when both given
        if column in g:
            known = g[column].notna().to_numpy()
            parent_codes[known] = g.loc[known, column].astype(str).to_numpy()
    parents = np.array([by_code.get(c) for c in parent_codes], dtype=object)
    return parent_codes, parents


def _crossings(g, b, codes, geoms, tol):
    parent_codes, parents = _parent_geoms(g, b)
    known = np.array([p is not None for p in parents])
    for i in np.flatnonzero(~known):
        yield (
            "crosses_parent",
            [codes[i]],
            parent_codes[i],
            float(geoms[i].area),
            f"parent unit {parent_codes[i]} not in the boundary layer",
            geoms[i],
        )
    idx = np.flatnonzero(known)
    outside = polygonal(shapely.difference(geoms[idx], repaired(parents[idx])))
    for i, part in zip(idx, outside, strict=True):
        pieces = [p for p in shapely.get_parts(part) if p.area >= tol]
        if pieces:
            piece = shapely.MultiPolygon(pieces)
            yield (
                "crosses_parent",
                [codes[i]],
                parent_codes[i],
                float(piece.area),
                f"{piece.area:.1f} m² outside {parent_codes[i]}",
                piece,
            )


def _units_in_scope(g, b, whole_towns: bool) -> gpd.GeoDataFrame:
    """Communities (or towns when the layer has none) that should be covered by grids.

    Those named by a grid; with `whole_towns`, every unit whose town (community
    code[:9]) or district (town code[:6]) has grids.
    """
    level = b["level"].astype(str)
    if (level == "community").any():
        units, column, prefix = b[level == "community"], "community_code", 9
    else:
        units, column, prefix = b[level == "town"], "town_code", 6
    codes = units["code"].astype(str)
    if not whole_towns:
        named = set(g[column].dropna().astype(str)) if column in g else set()
        return units[codes.isin(named)]
    gridded = set()
    for name in ("community_code", "town_code"):
        if name in g:
            gridded |= {str(c)[:prefix] for c in g[name].dropna()}
    return units[codes.str[:prefix].isin(gridded)]


def _gaps(g, b, geoms, tol, whole_towns):
    units = _units_in_scope(g, b, whole_towns)
    tree = shapely.STRtree(geoms)
    for code, unit in zip(
        units["code"].astype(str), repaired(units.geometry.to_numpy()), strict=True
    ):
        near = tree.query(unit, predicate="intersects")
        # clip before the union: a union of whole grids whose edges nearly coincide can
        # come out wrong (GEOS robustness) and show a gap that is not there
        covered = (
            shapely.union_all(polygonal(shapely.intersection(geoms[near], unit)))
            if len(near)
            else shapely.Polygon()
        )
        left = polygonal([unit.difference(covered)])[0]
        for piece in shapely.get_parts(left):
            if piece.area >= tol:
                yield (
                    "gap",
                    [],
                    code,
                    float(piece.area),
                    f"{piece.area:.1f} m² of {code} covered by no grid",
                    piece,
                )


def _first(g, column, idx):
    if column not in g:
        return None
    value = g[column].iloc[idx[0]]
    return None if pd.isna(value) else str(value)
