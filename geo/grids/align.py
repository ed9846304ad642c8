"""How a grid version lines up with a department's units (派出所辖区, 警务区 …).

Pure: grids and units as GeoDataFrames (WGS-84) in, frames out; areas in m² in the
city's metric CRS. For each grid, the units it overlaps and the share of its area in
each; a grid is *split* when two or more units each hold more than the sliver tolerance
of it (both a share and an area: digitising noise along a shared border is no split).
The version's score is the share of all grid area that lies in each grid's main unit
(1.0: every grid lies wholly inside one unit).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.grids.geometry import polygonal, repaired, to_metric

#: an overlap below this share of the grid's area (or below MIN_AREA_M2) is a sliver
MIN_SHARE = 0.02
MIN_AREA_M2 = 100.0


@dataclass
class Alignment:
    """Overlaps (grid × unit), one row per grid, and the version's score."""

    overlaps: pd.DataFrame  # grid_code, unit_code, unit_name, area_m2, share, counted
    grids: pd.DataFrame  # grid_code, area_m2, units, main_unit, main_share, outside_share, split
    score: float  # area in the main unit / all grid area (NaN without grid area)

    def summary(self) -> dict[str, object]:
        split = self.grids[self.grids["split"]]
        return {
            "grids": len(self.grids),
            "split_grids": len(split),
            "outside_grids": int((self.grids["main_unit"].isna()).sum()),
            "score": None if np.isnan(self.score) else round(float(self.score), 4),
        }


def align(
    grids: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    min_share: float = MIN_SHARE,
    min_area_m2: float = MIN_AREA_M2,
) -> Alignment:
    """Overlap of each grid (`grid_code`) with each unit (`code`, `name`)."""
    g = to_metric(grids[["grid_code", "geometry"]]).reset_index(drop=True)
    u = to_metric(units[["code", "name", "geometry"]]).reset_index(drop=True)
    g_geoms = repaired(g.geometry.to_numpy())
    u_geoms = repaired(u.geometry.to_numpy())
    grid_area = shapely.area(g_geoms)
    tree = shapely.STRtree(u_geoms)
    gi, ui = tree.query(g_geoms, predicate="intersects")
    pieces = polygonal(shapely.intersection(g_geoms[gi], u_geoms[ui]))
    area = shapely.area(pieces)
    keep = area > 0
    gi, ui, area = gi[keep], ui[keep], area[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(grid_area[gi] > 0, area / grid_area[gi], np.nan)
    overlaps = pd.DataFrame(
        {
            "grid_code": g["grid_code"].to_numpy()[gi],
            "unit_code": u["code"].to_numpy()[ui],
            "unit_name": u["name"].to_numpy()[ui],
            "area_m2": area,
            "share": share,
            "counted": (share >= min_share) & (area >= min_area_m2),
        }
    ).sort_values(["grid_code", "area_m2"], ascending=[True, False], kind="stable")
    overlaps = overlaps.reset_index(drop=True)

    per_grid = pd.DataFrame({"grid_code": g["grid_code"].to_numpy(), "area_m2": grid_area})
    main = overlaps.drop_duplicates("grid_code")[["grid_code", "unit_code", "area_m2"]]
    main = main.rename(columns={"unit_code": "main_unit", "area_m2": "main_area_m2"})
    counted = overlaps[overlaps["counted"]].groupby("grid_code")["unit_code"].agg(list)
    inside = overlaps.groupby("grid_code")["area_m2"].sum()
    per_grid = per_grid.merge(main, on="grid_code", how="left")
    per_grid["units"] = (
        per_grid["grid_code"].map(counted).map(lambda v: v if isinstance(v, list) else [])
    )
    per_grid["main_area_m2"] = per_grid["main_area_m2"].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_grid["main_share"] = per_grid["main_area_m2"] / per_grid["area_m2"]
        covered = per_grid["grid_code"].map(inside).fillna(0.0) / per_grid["area_m2"]
    per_grid["outside_share"] = (1.0 - covered).clip(lower=0.0)
    per_grid["split"] = per_grid["units"].map(len) >= 2
    total = float(grid_area.sum())
    score = float(per_grid["main_area_m2"].sum()) / total if total > 0 else float("nan")
    columns = ["grid_code", "area_m2", "units", "main_unit", "main_share", "outside_share", "split"]
    return Alignment(overlaps, per_grid[columns], score)
