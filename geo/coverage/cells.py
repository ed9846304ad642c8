"""The study area as H3 cells: which cells, their centres, and how fine candidates must be.

A cell belongs to the study area when its centre lies inside the city (else its
districts, else its towns); its district and town are the units holding that centre.
"""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np

from geo.coverage.facilities import unit_codes
from geo.hexes import centroids, polyfill

WGS84 = "EPSG:4326"


def _top_units(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The study area's outline units: the city, else its districts, else its towns."""
    return next(
        (
            units[units["level"] == lv]
            for lv in ("city", "district", "town")
            if (units["level"] == lv).any()
        ),
        units.iloc[0:0],
    )


def area_cells(units: gpd.GeoDataFrame, res: int) -> np.ndarray:
    """Sorted H3 cells (uint64) whose centre lies in the study area."""
    found = [polyfill(geom, res) for geom in _top_units(units).geometry]
    return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.uint64)


def centres(ids: np.ndarray) -> gpd.GeoSeries:
    """Centre points (WGS-84) of H3 cells."""
    return gpd.GeoSeries(gpd.points_from_xy(*centroids(ids)), crs=WGS84)


def study_cells(units: gpd.GeoDataFrame, res: int) -> gpd.GeoDataFrame:
    """H3 cells (centre inside) of the study area: the city, else its districts, else towns.

    One row per cell: `cell` (int), `district`, `town` (codes of the units holding the
    centre) and the centre point (WGS-84).
    """
    ids = area_cells(units, res)
    points = centres(ids)
    frame = gpd.GeoDataFrame({"cell": ids.astype(np.int64)}, geometry=points, crs=WGS84)
    codes = unit_codes(points, units)
    frame["district"], frame["town"] = codes["district"].to_numpy(), codes["town"].to_numpy()
    return frame


def candidate_res(res: int, radius: float) -> int:
    """Finest needed resolution for candidate sites: cell edge (= the farthest any point
    lies from its cell centre) at most 0.6 × radius, never coarser than `res`."""
    fine = next(
        (r for r in range(res, 16) if h3.average_hexagon_edge_length(r, "m") <= 0.6 * radius), 15
    )
    return max(res, fine)
