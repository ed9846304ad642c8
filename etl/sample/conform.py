"""Make polygon layers conform: every vertex lying on a boundary becomes a vertex of it.

Voronoi cells clipped to a parent meet its edges at new points that the parent (and the
cells on the other side of the edge) lack: a T-junction. In lon/lat the shapes still
tile exactly, but a straight edge projected to a metric CRS bends, so a T-junction opens
slivers of hundreds of m² along long edges. Snapping every polygon to all vertices within
a hair of its boundary removes the T-junctions, so tiling stays exact in any CRS.
"""

from __future__ import annotations

import numpy as np
import shapely

#: degrees; far below any real distance (≈ 0.1 mm), far above floating-point noise
HAIR = 1e-9


def conform(layers: list[np.ndarray]) -> list[np.ndarray]:
    """Every polygon of every layer with the vertices of all layers on its boundary added."""
    every = np.concatenate([np.asarray(layer, dtype=object) for layer in layers])
    xy = np.unique(shapely.get_coordinates(every), axis=0)
    points = shapely.points(xy)
    tree = shapely.STRtree(points)
    out = []
    for layer in layers:
        geoms = np.asarray(layer, dtype=object)
        pairs = tree.query(shapely.boundary(geoms), predicate="dwithin", distance=HAIR)
        order = np.argsort(pairs[0], kind="stable")
        owner, hit = pairs[0][order], pairs[1][order]
        starts = np.searchsorted(owner, np.arange(len(geoms) + 1))
        snapped = np.empty(len(geoms), dtype=object)
        for i, geom in enumerate(geoms):
            near = hit[starts[i] : starts[i + 1]]
            snapped[i] = (
                shapely.snap(geom, shapely.multipoints(points[near]), HAIR) if len(near) else geom
            )
        out.append(snapped)
    return out
