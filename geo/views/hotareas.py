"""The areas that hold a map's hotspots, by name: for labels on the maps and the brief."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from geo.hotspots.store import places

LEVELS = ("district", "town", "community", "grid")


def top_areas(
    engine: Engine, cells: Sequence[int], weights: Sequence[float], level: str = "town", n: int = 5
) -> pd.DataFrame:
    """The `n` units of `level` with the largest sum of `weights` over the cells whose
    centre they hold: `name, weight, cells, lon, lat` (lon/lat: the weighted centre of
    those cells, where a label sits on the hot cluster), largest first."""
    if level not in LEVELS:
        raise ValueError(f"level {level!r} not in {LEVELS}")
    cells = np.asarray(cells, dtype=np.int64)
    if not len(cells):
        return pd.DataFrame(columns=["name", "weight", "cells", "lon", "lat"])
    f = places(engine, cells).reset_index()
    f["w"] = np.asarray(weights, dtype=float)
    f = f[f[level].notna() & (f["w"] > 0)]
    f["wlon"], f["wlat"] = f["lon"] * f["w"], f["lat"] * f["w"]
    g = f.groupby(level).agg(
        weight=("w", "sum"), cells=("cell", "size"), wlon=("wlon", "sum"), wlat=("wlat", "sum")
    )
    g["lon"], g["lat"] = g["wlon"] / g["weight"], g["wlat"] / g["weight"]
    g = g.sort_values(["weight", "cells"], ascending=False).head(n)
    return g.rename_axis("name").reset_index()[["name", "weight", "cells", "lon", "lat"]]
