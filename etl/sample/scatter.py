"""Uniform random points inside many polygons at once (vectorised, by triangulation).

Each polygon is cut into triangles once; a point picks its polygon (given), then a
triangle with probability ∝ area, then a uniform position in the triangle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely


@dataclass(frozen=True)
class Triangles:
    """Triangles of a list of polygons, grouped by polygon in order."""

    a: np.ndarray  # (t, 2) first vertices
    b: np.ndarray
    c: np.ndarray
    cum_area: np.ndarray  # running total of triangle areas
    start: np.ndarray  # per polygon: index of its first triangle
    end: np.ndarray  # per polygon: one past its last triangle


def triangulate(polygons: np.ndarray) -> Triangles:
    """Constrained Delaunay triangles of every polygon (MultiPolygons part by part)."""
    parts, owner = shapely.get_parts(np.asarray(polygons, dtype=object), return_index=True)
    tris, tri_part = shapely.get_parts(
        shapely.constrained_delaunay_triangles(parts), return_index=True
    )
    tri_owner = owner[tri_part]
    order = np.argsort(tri_owner, kind="stable")
    tris, tri_owner = tris[order], tri_owner[order]
    coords = shapely.get_coordinates(shapely.get_exterior_ring(tris)).reshape(len(tris), 4, 2)
    a, b, c = coords[:, 0], coords[:, 1], coords[:, 2]
    area = (
        np.abs(
            (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
        )
        / 2
    )
    n = len(polygons)
    start = np.searchsorted(tri_owner, np.arange(n), side="left")
    end = np.searchsorted(tri_owner, np.arange(n), side="right")
    return Triangles(a, b, c, np.cumsum(area), start, end)


def sample(
    tri: Triangles, which: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One uniform point inside polygon `which[i]` for every i: (lon, lat) arrays."""
    before = np.where(tri.start > 0, tri.cum_area[np.maximum(tri.start - 1, 0)], 0.0)
    total = tri.cum_area[np.maximum(tri.end - 1, 0)] - before
    target = before[which] + rng.random(len(which)) * total[which]
    t = np.searchsorted(tri.cum_area, target, side="right")
    t = np.clip(t, tri.start[which], tri.end[which] - 1)
    r1, r2 = rng.random(len(which)), rng.random(len(which))
    flip = r1 + r2 > 1
    r1[flip], r2[flip] = 1 - r1[flip], 1 - r2[flip]
    a, b, c = tri.a[t], tri.b[t], tri.c[t]
    xy = a + r1[:, None] * (b - a) + r2[:, None] * (c - a)
    return xy[:, 0], xy[:, 1]
