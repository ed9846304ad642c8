"""The analyst's hexagon layer: counts per H3 cell under the page's filters, with Gi*.

`hex_layer()` reads the aggregate at the asked resolution, keeps the cells whose
centre lies in the chosen district/town, and — when more cells remain than a map
can carry (`max_cells`) — steps to coarser resolutions, summing counts. Gi* is then
computed on exactly the cells shown (absent cells are not in the study area).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from geo.db.engine import get_engine
from geo.hexes import centroids, parents
from geo.hotspots import gi_star
from geo.hotspots.gi_star import gi_star_z, z_table
from geo.hotspots.store import study_area
from geo.hotspots.weights import kring_weights
from geo.views.counts import cell_counts
from geo.views.places import inside
from geo.views.stamp import data_stamp

MAX_CELLS = 5000
#: largest study area (cells) Gi* is given; beyond it only cells with incidents count
MAX_STUDY = 400_000
MIN_RES = 5


def to_parents(counts: pd.Series, res: int) -> pd.Series:
    """Counts summed into their parent cells at `res`."""
    out = counts.groupby(
        parents(counts.index.to_numpy().astype(np.uint64), res).astype(np.int64)
    ).sum()
    out.index.name = "cell"
    return out


def coarsen(counts: pd.Series, res: int, max_cells: int) -> tuple[pd.Series, int]:
    """Sum counts into parents until at most `max_cells` remain; returns (counts, res)."""
    while len(counts) > max_cells and res > MIN_RES:
        res -= 1
        counts = to_parents(counts, res)
    return counts, res


@dataclass
class HexLayer:
    """Cells shown on the map: `frame` has `cell, count` (+ `gi_z, p_fdr, bin` with Gi*)."""

    frame: pd.DataFrame
    res: int
    asked_res: int

    @property
    def coarsened(self) -> bool:
        return self.res != self.asked_res


def study_cells(engine: Engine, res: int, area: str | None) -> np.ndarray | None:
    """Cells of the city (or unit `area`) at `res` — Gi*'s study area, zeros included;
    None without boundaries or when it would exceed MAX_STUDY cells."""
    return _study(engine.url.render_as_string(hide_password=False), data_stamp(engine), res, area)


@lru_cache(maxsize=16)
def _study_weights(url: str, stamp: str, res: int, area: str | None, k: int):
    """(sorted study cells, binary k-ring weights with self) — fixed for a study area,
    so built once per data stamp (a boundary reload changes the area): building them is
    most of a Gi* run on a city."""
    cells = _study(url, stamp, res, area)
    if cells is None:
        return None
    cells = np.unique(cells.astype(np.int64))
    return cells, kring_weights(cells.astype(np.uint64), k, self_weight=True)


def gi_layer(engine: Engine, counts: pd.Series, res: int, area: str | None, k: int) -> pd.DataFrame:
    """Gi* of `counts` on the study area of `area` at `res` — `geo.hotspots.gi_star`
    with the study area's weights cached; without a study area, on the counted cells."""
    cached = _study_weights(
        engine.url.render_as_string(hide_password=False), data_stamp(engine), res, area, k
    )
    if cached is None:
        return gi_star(counts.astype(float), k=k)
    cells, w = cached
    # as gi_star's study_values: the study cells, absent ones 0, counts outside left out
    # (cells are already unique and sorted, counts unique per cell)
    y = counts.reindex(cells, fill_value=0).to_numpy(dtype=np.float64)
    return z_table(cells, y, gi_star_z(y, w))


@lru_cache(maxsize=32)
def _study(url: str, stamp: str, res: int, area: str | None) -> np.ndarray | None:
    cells = study_area(get_engine(url), res, area)
    return cells if cells is not None and len(cells) <= MAX_STUDY else None


def hex_layer(
    engine: Engine,
    res: int,
    start: dt.date,
    end: dt.date,
    categories: Sequence[str] | None = None,
    area: str | None = None,
    k: int | None = None,
    max_cells: int = MAX_CELLS,
) -> HexLayer:
    """Counts (and Gi* with neighbourhood `k` when given) of the filtered incidents.

    Counts alone are coarsened until at most `max_cells` cells have incidents. Gi*
    keeps the asked resolution as long as at most `max_cells` cells are significant
    (only those are drawn); its frame covers the study area (cells without incidents
    count 0, so cold spots can show) and `count` is the analysed value.
    """
    counts = cell_counts(engine, res, start, end, categories)
    if area and len(counts):
        lon, lat = centroids(counts.index.to_numpy().astype(np.uint64))
        counts = counts[inside(engine, area, lon, lat)]
    if k is None:
        counts, used = coarsen(counts, res, max_cells)
        return HexLayer(frame=counts.rename("count").reset_index(), res=used, asked_res=res)
    used = res
    while True:
        if len(counts) < 3:
            frame = counts.rename("count").reset_index().assign(gi_z=0.0, p_fdr=1.0, bin=0)
            return HexLayer(frame=frame, res=used, asked_res=res)
        gi = gi_layer(engine, counts, used, area, k)
        if int((gi["bin"] != 0).sum()) <= max_cells or used <= MIN_RES:
            break
        used -= 1
        counts = to_parents(counts, used)
    frame = gi.reset_index().rename(columns={"value": "count"})
    frame["count"] = frame["count"].round().astype(np.int64)
    frame["bin"] = frame["bin"].astype(int)
    return HexLayer(frame=frame, res=used, asked_res=res)
