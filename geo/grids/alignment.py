"""`grids align` on PostGIS: a grid version against a department's units, stored as an
analysis result ('grid-align') so the Grids page and the filing can show it."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from sqlalchemy import Engine

from geo.departments import canonical, label
from geo.errors import InputError
from geo.grids import store, versions
from geo.grids.align import MIN_AREA_M2, MIN_SHARE, align


def align_version(
    engine: Engine,
    version: str,
    department: str,
    *,
    min_share: float = MIN_SHARE,
    min_area_m2: float = MIN_AREA_M2,
    save: bool = True,
) -> dict[str, Any]:
    """Per grid of `version`: the units of `department` it overlaps with their shares,
    the split grids and the version's score; with `save` (the CLI) the run is stored and
    its split grids kept as features, without it (a page looking) nothing is written."""
    v = versions.get(engine, version)
    dept = canonical(department)
    units = store.read_jurisdictions(engine, dept)
    if units.empty:
        loaded = store.departments(engine)
        raise InputError(
            f"no units of department {department!r} are loaded "
            f"(loaded: {', '.join(loaded) or 'none'}; "
            "load them with `civicgrid load jurisdictions FILE`)",
            field="department",
        )
    grids = store.read_grids(engine, v.name)
    result = align(grids, units, min_share=min_share, min_area_m2=min_area_m2)
    overlaps = result.overlaps
    per_grid = result.grids.merge(
        grids[["grid_code", "name", "community_code", "town_code"]], on="grid_code", how="left"
    )
    items = []
    for row in per_grid.itertuples():
        mine = overlaps[overlaps["grid_code"] == row.grid_code]
        items.append(
            {
                "grid_code": row.grid_code,
                "name": row.name,
                "town_code": row.town_code,
                "community_code": row.community_code,
                "area_m2": round(float(row.area_m2), 1),
                "main_unit": row.main_unit,
                "main_share": round(float(row.main_share), 4),
                "outside_share": round(float(row.outside_share), 4),
                "split": bool(row.split),
                "units": [
                    {
                        "code": o.unit_code,
                        "name": o.unit_name,
                        "area_m2": round(float(o.area_m2), 1),
                        "share": round(float(o.share), 4),
                        "counted": bool(o.counted),
                    }
                    for o in mine.itertuples()
                ],
            }
        )
    summary = {
        "version": v.name,
        "department": dept,
        "department_label": label(dept),
        "units": int(len(units)),
        **result.summary(),
        "min_share": min_share,
        "min_area_m2": min_area_m2,
    }
    split = per_grid[per_grid["split"]]
    features = gpd.GeoDataFrame(
        {
            "grid_code": split["grid_code"].to_numpy(),
            "units": [";".join(u) for u in split["units"]],
            "main_share": split["main_share"].to_numpy(),
        },
        geometry=grids.set_index("grid_code").geometry.reindex(split["grid_code"]).to_numpy(),
        crs=grids.crs,
    )
    params = {
        "version": v.name,
        "department": dept,
        "min_share": min_share,
        "min_area_m2": min_area_m2,
    }
    result_id = store.save_result(engine, "grid-align", params, summary, features) if save else None
    return {
        **summary,
        "result_id": result_id,
        "split": [i["grid_code"] for i in items if i["split"]],
        "items": items,
    }
