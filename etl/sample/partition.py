"""Tile a polygon into n cells: Voronoi cells of seeded points, clipped to the polygon.

The cells are computed in an isotropic plane (longitude scaled by cos φ) and clipped in
WGS-84 degrees, so neighbouring cells share their Voronoi vertices exactly and the cells
tile the region without gaps or overlaps (up to floating-point noise at the clip edge).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely

from etl.sample.plane import X_SCALE

Weight = Callable[[np.ndarray, np.ndarray], np.ndarray]


def points_inside(region: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` points uniformly inside `region` (rejection sampling in its bounding box), shape (n, 2)."""
    shapely.prepare(region)
    minx, miny, maxx, maxy = region.bounds
    ratio = max(region.area / ((maxx - minx) * (maxy - miny)), 0.01)
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        m = int((n - total) / ratio * 1.3) + 16
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        keep = shapely.contains_xy(region, x, y)
        found.append(np.column_stack([x[keep], y[keep]]))
        total += int(keep.sum())
    return np.concatenate(found)[:n]


def seeds(
    region: shapely.Geometry, n: int, rng: np.random.Generator, weight: Weight | None = None
) -> np.ndarray:
    """`n` distinct seed points in `region`, denser where `weight(x, y)` is larger."""
    if weight is None:
        return points_inside(region, n, rng)
    candidates = points_inside(region, 12 * n + 20, rng)
    w = weight(candidates[:, 0], candidates[:, 1])
    pick = rng.choice(len(candidates), size=n, replace=False, p=w / w.sum())
    return candidates[np.sort(pick)]


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a clip result (a clip can add stray lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def voronoi_cells(region: shapely.Geometry, points: np.ndarray) -> list[shapely.Geometry]:
    """The Voronoi cells of `points` clipped to `region`, in the order of `points`."""
    if len(points) == 1:
        return [region]
    scaled = points * np.array([X_SCALE, 1.0])
    minx, miny, maxx, maxy = region.bounds
    envelope = shapely.box(minx * X_SCALE - 1, miny - 1, maxx * X_SCALE + 1, maxy + 1)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(scaled), extend_to=envelope, ordered=True)
    )
    cells = shapely.transform(cells, lambda xy: xy / np.array([X_SCALE, 1.0]))
    return [_polygonal(g) for g in shapely.intersection(cells, region)]


def tile(
    region: shapely.Geometry, n: int, rng: np.random.Generator, weight: Weight | None = None
) -> tuple[list[shapely.Geometry], np.ndarray]:
    """`region` cut into `n` cells; returns the cells and their seed points."""
    pts = seeds(region, n, rng, weight)
    return voronoi_cells(region, pts), pts
