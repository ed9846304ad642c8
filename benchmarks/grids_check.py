"""Grid check and diff speed at city scale: geo.grids against geopandas overlays, same grids.

A synthetic city of 150 communities (1 km² each) cut into 1,500 Voronoi grids, with a
few gaps and overlaps planted. Measured:

1. `geo.grids.check` (gaps, overlaps, invalid, duplicate codes, crossings) against the
   geopandas way of finding the two costly ones: `overlay(grids, grids, "intersection")`
   for overlaps and `overlay(communities, grids, "difference")` for gaps;
2. `geo.grids.diff` of the version against a copy with 10 % of grids split against the
   peer's core step, `overlay(old, new, "intersection")` with areas.

Overlap and gap areas of both are compared, so speed is never bought with a wrong result.

    .venv/bin/python benchmarks/grids_check.py [--communities 150] [--per 10]
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.grids import check, diff

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 3_460_000.0


def city(n_comm: int, per: int, seed: int = 1) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_comm)))
    comms, grids = [], []
    for k in range(n_comm):
        x, y = X0 + (k % side) * 1000, Y0 + (k // side) * 1000
        box = shapely.box(x, y, x + 1000, y + 1000)
        code = f"320508{k // 20 + 1:03d}{k % 20 + 1:03d}"
        comms.append({"code": code, "level": "community", "geometry": box})
        pts = shapely.multipoints(rng.uniform(0, 1000, (per, 2)) + [x, y])
        cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box))
        for i, cell in enumerate(cells):
            grids.append(
                {
                    "grid_code": f"{code}{i + 1:03d}",
                    "community_code": code,
                    "town_code": code[:9],
                    "households": int(rng.integers(250, 550)),
                    "geometry": cell.intersection(box),
                }
            )
    g = gpd.GeoDataFrame(grids, crs=CRS)
    # plant problems: every 50th grid grows 20 m (overlaps), every 70th shrinks 20 m (gaps)
    g.loc[::50, "geometry"] = (
        g.geometry[::50]
        .buffer(20)
        .intersection(gpd.GeoSeries([c["geometry"] for c in comms], crs=CRS).union_all())
    )
    g.loc[25::70, "geometry"] = g.geometry[25::70].buffer(-20)
    return g.to_crs("EPSG:4326"), gpd.GeoDataFrame(comms, crs=CRS).to_crs("EPSG:4326")


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def peer_check(grids: gpd.GeoDataFrame, comms: gpd.GeoDataFrame) -> tuple[float, float]:
    g, c = grids.to_crs(CRS), comms.to_crs(CRS)
    g = g.assign(gid=np.arange(len(g)))
    pairs = gpd.overlay(g, g, how="intersection", keep_geom_type=True)
    pairs = pairs[pairs["gid_1"] < pairs["gid_2"]]
    overlaps = pairs.area[pairs.area >= 1.0].sum()
    holes = gpd.overlay(c, g, how="difference", keep_geom_type=True).explode()
    gaps = holes.area[holes.area >= 1.0].sum()
    return overlaps, gaps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=150)
    parser.add_argument("--per", type=int, default=10)
    args = parser.parse_args()
    grids, comms = city(args.communities, args.per)
    print(f"{len(grids)} grids in {len(comms)} communities")

    problems, ours = _timed(lambda: check(grids, comms))
    (p_overlap, p_gap), peer = _timed(lambda: peer_check(grids, comms))
    area = problems.groupby("problem")["area_m2"].sum()
    print(f"check:  ours {ours:.2f} s, peer (2 overlays) {peer:.2f} s, ratio {peer / ours:.1f}x")
    print(
        f"  overlap m²: ours {area.get('overlap', 0):.0f} peer {p_overlap:.0f}; "
        f"gap m²: ours {area.get('gap', 0):.0f} peer {p_gap:.0f}"
    )
    assert np.isclose(area.get("overlap", 0), p_overlap, rtol=1e-3)
    assert np.isclose(area.get("gap", 0), p_gap, rtol=1e-3)

    new = grids.copy()
    rows = []
    for i in range(0, len(grids), 10):  # split every 10th grid in two
        geom = grids.geometry.iloc[i]
        cx = geom.centroid.x
        minx, miny, maxx, maxy = geom.bounds
        for j, part in enumerate(
            (shapely.box(minx, miny, cx, maxy), shapely.box(cx, miny, maxx, maxy))
        ):
            rows.append(
                {
                    **grids.iloc[i].drop("geometry").to_dict(),
                    "grid_code": grids["grid_code"].iloc[i][:-3] + f"{900 + j}",
                    "geometry": geom.intersection(part),
                }
            )
    new = pd.concat(
        [new.drop(index=range(0, len(grids), 10)), gpd.GeoDataFrame(rows, crs=grids.crs)]
    )
    changes, ours = _timed(lambda: diff(grids, new))
    _, peer = _timed(
        lambda: (
            gpd.overlay(
                grids.to_crs(CRS), new.to_crs(CRS), how="intersection", keep_geom_type=True
            ).area
        )
    )
    print(
        f"diff:   ours {ours:.2f} s (complete), peer overlay step alone {peer:.2f} s, "
        f"ratio {peer / ours:.1f}x; changes {changes['change'].value_counts().to_dict()}"
    )


if __name__ == "__main__":
    main()
