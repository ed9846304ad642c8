"""What the meeting brief shows, as one data class (no I/O: `store.gather` fills it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo.views.kpis import Kpis

GAP_COLUMNS = ["district", "town", "incidents"]


def stored_gaps(run: pd.DataFrame | None, kinds: Sequence[str], n: int) -> dict[str, pd.DataFrame]:
    """Per facility kind, the first `n` blind spots with incidents of a stored
    `coverage facilities` run (`run`: its blind-spot rows, ranked by incidents): `district,
    town` codes and `incidents`; no rows for a kind the run did not cover, or no run."""
    out = {}
    for kind in kinds:
        if run is None or not {"kind", "rank"} <= set(run.columns):
            out[kind] = pd.DataFrame(columns=GAP_COLUMNS)
            continue
        rows = run[run["kind"] == kind][["rank", *GAP_COLUMNS]]
        rows = rows.astype({"rank": int, "incidents": int})
        rows = rows[rows["incidents"] > 0].sort_values("rank")
        out[kind] = rows[GAP_COLUMNS].head(n).reset_index(drop=True)
    return out


@dataclass
class BriefData:
    """Everything on the page; `top` maps a level (district, town, community, grid) to
    `name, incidents` rows, most first; `gaps` a facility kind to its coverage share and
    the uncovered cells with most incidents (`district, town` names, `incidents`), read
    from the latest stored coverage run, which `gaps_run` describes (`id, created_at,
    res, kinds`; None when no run is stored: the page says how to make one)."""

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
    gaps_run: dict | None = None
    last_incident: dt.date | None = None
    batches: pd.DataFrame | None = None
    hot_areas: pd.DataFrame | None = None
    #: the registered base map's features over the city (geo.basemap.store.shapes), or None
    basemap: gpd.GeoDataFrame | None = None
