"""What can be exported: the table layers with their filterable columns, and the
shapes of an export's filters and rows.

Layers: the tables (boundaries, grids, incidents, hazards, rentals, facilities,
key-sites), hotspot runs (`hotspots`: H3 cells as hexagons) and stored analysis results
(`analysis`, or a result kind such as `coverage-grids`, `grid-check`, `grid-diff`).
Reading them is `geo.export.store`'s job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
from sqlalchemy import Table

from geo.db import tables as t


@dataclass(frozen=True)
class TableLayer:
    """A table exported as it is stored."""

    table: Table
    title: str
    date_column: str | None = None  # --from/--to
    category_column: str | None = None  # --category
    version: str | None = None  # what --version selects: 'grid_version' | 'level'


TABLE_LAYERS: dict[str, TableLayer] = {
    "boundaries": TableLayer(
        t.admin_units, "行政区划 / boundaries", category_column="level", version="level"
    ),
    "grids": TableLayer(t.grids, "网格 / grids", category_column="kind", version="grid_version"),
    "incidents": TableLayer(t.incidents, "警情 / incidents", "occurred_at", "category"),
    "hazards": TableLayer(t.hazards, "危险源 / hazard sources", "last_inspected_at", "category"),
    "rentals": TableLayer(t.rentals, "出租房屋 / rental housing", "last_inspected_at"),
    "facilities": TableLayer(t.facilities, "设施 / facilities", category_column="kind"),
    "key-sites": TableLayer(t.key_sites, "重点场所 / key sites", category_column="kind"),
}
LEVELS = ("city", "district", "town", "community")
HOTSPOTS = "hotspots"
ANALYSIS = "analysis"


@dataclass
class LayerData:
    """What an export needs to know about the rows it writes."""

    layer: str
    title: str
    gdf: gpd.GeoDataFrame
    version: str | None = None
    filters: dict = field(default_factory=dict)
    personal_removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Filters:
    """Row filters of an export; `where` keys must be columns of the layer (or `district`)."""

    where: Mapping[str, str] = field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        out: dict = dict(self.where)
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        if self.category:
            out["category"] = list(self.category)
        return out
