"""What the meeting brief shows, as one data class (no I/O: `store.gather` fills it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo.views.kpis import Kpis


@dataclass
class BriefData:
    """Everything on the page; `top` maps a level (district, town, community, grid) to
    `name, incidents` rows, most first; `gaps` a facility kind to its coverage share and
    the uncovered cells with most incidents (`district, town` names, `incidents`)."""

    period: str
    start: dt.date
    end: dt.date
    prev_start: dt.date
    prev_end: dt.date
    kpis: Kpis
    hot: pd.DataFrame
    units: gpd.GeoDataFrame
    top: dict[str, pd.DataFrame] = field(default_factory=dict)
    out_of_band: pd.DataFrame | None = None
    band: tuple[int, int] = (0, 0)
    gaps: dict[str, tuple[float | None, pd.DataFrame]] = field(default_factory=dict)
    last_incident: dt.date | None = None
    batches: pd.DataFrame | None = None
    hot_areas: pd.DataFrame | None = None
