"""Facility coverage speed: `geo.coverage` against geopandas' own spatial joins and
against its former algorithms, same points.

Two measurements on random points over a 40 km × 40 km square of the city (EPSG:4549):

1. covered within 150 m of any of the cameras: `geo.coverage.facilities.covered`
   (a KD-tree over the cameras) against `geopandas.sjoin_nearest(max_distance=150)`
   and against the former GEOS STRtree nearest query;
2. the town of each point among detailed town polygons: `geo.zones.assign`
   (points decided bin by bin, the point test only on town edges) against
   `geopandas.sjoin` (predicate "within") and against the former point test of every
   point (`geo.zones.assign_points`).

Answers are compared (the former algorithms' exactly), so speed is never bought with a
wrong result.

    .venv/bin/python benchmarks/coverage_facilities.py [--points 1000000] [--cameras 3000]
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import shapely

from geo.coverage.facilities import covered
from geo.zones import assign, assign_points

CRS = "EPSG:4549"
X0, Y0, SIDE = 480_000.0, 3_440_000.0, 40_000.0


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--cameras", type=int, default=3000)
    parser.add_argument("--towns", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(1)

    xy = rng.uniform(0, SIDE, (args.points, 2)) + (X0, Y0)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)
    cams_xy = rng.uniform(0, SIDE, (args.cameras, 2)) + (X0, Y0)
    cameras = gpd.GeoDataFrame(geometry=gpd.points_from_xy(cams_xy[:, 0], cams_xy[:, 1]), crs=CRS)

    ours, t_ours = _timed(lambda: covered(points.geometry, cameras.geometry, 150.0))
    joined, t_peer = _timed(
        lambda: gpd.sjoin_nearest(points, cameras, max_distance=150.0, how="inner")
    )
    peer = np.zeros(len(points), dtype=bool)
    peer[joined.index.unique()] = True
    assert (ours == peer).all(), "covered flags differ from sjoin_nearest"
    (found, _), t_former = _timed(
        lambda: shapely.STRtree(np.asarray(cameras.geometry.values)).query_nearest(
            np.asarray(points.geometry.values), max_distance=150.0
        )
    )
    former = np.zeros(len(points), dtype=bool)
    former[found] = True
    assert (ours == former).all(), "covered flags differ from the STRtree search"
    print(
        f"covered: {args.points:,} points × {args.cameras:,} cameras (150 m), "
        f"{ours.mean():.1%} covered"
    )
    print(f"  geo.coverage.facilities.covered   {t_ours:7.2f} s")
    print(f"  geopandas.sjoin_nearest           {t_peer:7.2f} s   ratio {t_peer / t_ours:.1f}×")
    print(f"  former STRtree.query_nearest      {t_former:7.2f} s   ratio {t_former / t_ours:.1f}×")

    # towns: detailed polygons (~1,600 vertices each, like surveyed boundaries) tiling the square as a Voronoi diagram
    seeds = shapely.points(rng.uniform(0, SIDE, (args.towns, 2)) + (X0, Y0))
    cells = shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)
    )
    towns = shapely.intersection(
        np.asarray(shapely.get_parts(cells)), shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)
    )
    towns = shapely.segmentize(towns, max_segment_length=SIDE / 4000)
    zones = gpd.GeoDataFrame({"code": np.arange(len(towns))}, geometry=towns, crs=CRS)
    vertices = int(shapely.get_num_coordinates(towns).mean())

    where, t_ours = _timed(lambda: assign(points.geometry, zones.geometry))
    joined, t_peer = _timed(lambda: gpd.sjoin(points, zones, predicate="within", how="left"))
    peer = joined[~joined.index.duplicated()]["index_right"].fillna(-1).astype(int).to_numpy()
    inside = (where >= 0) & (peer >= 0)
    assert (where[inside] == peer[inside]).mean() > 0.9999, "zones differ from sjoin"
    former, t_former = _timed(
        lambda: assign_points(np.asarray(points.geometry.values), np.asarray(zones.geometry.values))
    )
    assert np.array_equal(where, former), "zones differ from the point test of every point"
    print(f"towns: {args.points:,} points in {len(zones)} polygons (~{vertices:,} vertices each)")
    print(f"  geo.zones.assign                  {t_ours:7.2f} s")
    print(f"  geopandas.sjoin(within)           {t_peer:7.2f} s   ratio {t_peer / t_ours:.1f}×")
    print(f"  former assign_points              {t_former:7.2f} s   ratio {t_former / t_ours:.1f}×")


if __name__ == "__main__":
    main()
