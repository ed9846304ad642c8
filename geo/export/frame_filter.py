"""An export's filters applied to a frame already read (hotspot cells, analysis results)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import InputError
from geo.export.catalogue import Filters


def filter_frame(
    frame: gpd.GeoDataFrame,
    name: str,
    f: Filters,
    category_column: str | None,
    district: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """The rows of `frame` (layer `name`) that pass `f`, as `geo.export.sql_filter` does
    for tables; `district` is the area `f.where["district"]` names (read by the store)."""
    keep = np.ones(len(frame), dtype=bool)
    for key, value in f.where.items():
        if key == "district":
            points = shapely.point_on_surface(frame.geometry.values)
            keep &= shapely.intersects(district, points)
        elif key in frame.columns and key != frame.geometry.name:
            keep &= (frame[key].astype(str) == str(value)).fillna(False).to_numpy(bool)
        else:
            raise InputError(f"layer {name} cannot be filtered by {key!r}", field=key)
    if f.date_from or f.date_to:
        raise InputError(f"layer {name} has no date to filter by --from/--to", field="from")
    if f.category:
        if category_column is None or category_column not in frame.columns:
            raise InputError(f"layer {name} has no category", field="category")
        keep &= frame[category_column].isin(list(f.category)).to_numpy(bool)
    return frame[keep].reset_index(drop=True)
