"""One hot spot run end to end: counts from PostGIS → Gi* or emerging → stored run → top cells.

The CLI (`civicgrid hotspots`) and the dashboard call `run_hotspots`; it returns the
report both show (run id, k and how it was chosen, counts of hot and cold cells, the
top hot spots with their district, town, grid and nearby key sites).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import h3
import numpy as np
import pandas as pd
from sqlalchemy import Engine

from geo.counts import store as counts_store
from geo.errors import InputError
from geo.hotspots import store
from geo.hotspots.emerging import PATTERNS, emerging
from geo.hotspots.gi_star import gi_star
from geo.hotspots.scale import choose_k

#: pandas period holding a date, and the frequency of period starts (weeks start Monday)
PERIOD_OF = {"day": "D", "week": "W-SUN", "month": "M"}
STARTS = {"day": "D", "week": "W-MON", "month": "MS"}
HOT_RANK = {f"{p}_hot_spot": i for i, p in enumerate(PATTERNS)}


@dataclass(frozen=True)
class HotspotParams:
    """What the analyst asked for."""

    res: int = 9
    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = ()
    k: int | None = None
    auto: bool = False
    emerging: bool = False
    period: str = "month"
    district: str | None = None
    top: int = 10
    radius_m: float = 300.0


def period_starts(first: dt.date, last: dt.date, period: str) -> list[dt.date]:
    """Every period start from the one holding `first` to the one holding `last`."""
    begin = pd.Timestamp(first).to_period(PERIOD_OF[period]).start_time
    return [d.date() for d in pd.date_range(begin, pd.Timestamp(last), freq=STARTS[period])]


def _choose_k(params: HotspotParams, totals: pd.Series, area) -> tuple[int, str, list | None]:
    if params.auto:
        k, table = choose_k(totals, area)
        records = table.astype(object).where(table.notna(), None).to_dict("records")  # JSON: no NaN
        return k, "auto (first peak of Moran's I z over k-rings)", records
    if params.k is not None:
        return params.k, "user", None
    return 1, "default", None


def _top(
    engine: Engine, cells: pd.DataFrame, order: pd.Series, n: int, radius_m: float
) -> list[dict]:
    top = cells.loc[order.sort_values(ascending=False).index[:n]]
    if top.empty:
        return []
    where = store.places(engine, top.index)
    sites = store.key_sites_near(engine, top.index, radius_m)
    out = []
    for cell, row in zip(top.index, top.to_dict("records"), strict=True):  # keeps int columns int
        place = where.loc[cell]
        near = sites[sites["cell"] == cell]
        out.append(
            {
                "cell": h3.int_to_str(int(cell)),
                "cell_id": int(cell),
                "lon": float(place["lon"]),
                "lat": float(place["lat"]),
                **{c: (None if pd.isna(v) else v) for c, v in row.items()},
                **{
                    c: (None if pd.isna(place[c]) else place[c])
                    for c in ("district_code", "district", "town_code", "town", "grid_code", "grid")
                },
                "key_sites": [
                    {"name": s.name, "kind": s.kind, "distance_m": round(float(s.distance_m), 1)}
                    for s in near.itertuples()
                ],
            }
        )
    return out


def run_hotspots(engine: Engine, params: HotspotParams) -> dict:
    """Analyse, store the run and return its report."""
    area = store.study_area(engine, params.res, params.district)
    by = params.period if params.emerging else None
    counts = store.load_counts(
        engine,
        params.res,
        params.start,
        params.end,
        params.categories or None,
        params.district,
        by=by,
    )
    if counts.empty:
        span = counts_store.counts_span(engine, params.res)
        if span is None:
            raise InputError(
                "no incidents to count: load incidents first (`civicgrid load incidents FILE`)",
                field="res",
            )
        raise InputError(
            f"no incidents match these filters (counts at res {params.res} cover "
            f"{span[0]} to {span[1]}): widen --from/--to, --category or --district"
        )
    totals = counts.groupby("cell")["count"].sum()
    k, chosen_by, k_table = _choose_k(params, totals, area)
    if params.emerging:
        periods = period_starts(
            params.start or counts["period"].min(),
            params.end or counts["period"].max(),
            params.period,
        )
        result = emerging(counts, k=k, area=area, periods=periods)
        result["value"] = totals.reindex(result.index, fill_value=0).astype(float)
        cells = result.rename(columns={"final_z": "gi_z", "final_bin": "bin"})
        hot = cells["category"].str.endswith("_hot_spot")
        cold = cells["category"].str.endswith("_cold_spot")
        rank = cells["category"].map(HOT_RANK)
        order = (-rank.where(hot)).astype(float) * 1e6 + cells["gi_z"].where(hot)
        extra = {"periods": len(periods), "categories": cells["category"].value_counts().to_dict()}
        kind = "emerging"
    else:
        cells = gi_star(totals, k=k, area=area)
        hot, cold = cells["bin"] > 0, cells["bin"] < 0
        order = cells["gi_z"].where(hot)
        extra = {}
        kind = "gi_star"
    # the incidents analysed: those of study-area cells (a cell belongs by its centre, so
    # an incident near the boundary can lie in a cell outside); the rest are reported
    analysed = (
        int(totals[totals.index.isin(np.asarray(area).astype(np.int64))].sum())
        if area is not None
        else int(totals.sum())
    )
    summary = {
        "k": k,
        "k_chosen_by": chosen_by,
        "n_cells": len(cells),
        "n_hot": int(hot.sum()),
        "n_cold": int(cold.sum()),
        "incidents": analysed,
        "incidents_outside_area": int(totals.sum()) - analysed,
        "study_area": params.district or ("city" if area is not None else "incident cells"),
        **extra,
    }
    batch_ids = counts_store.aggregated_batches(engine)
    stored_params = {**asdict(params), "k": k}
    run_id = store.save_run(engine, kind, stored_params, batch_ids, summary, cells)
    top = _top(engine, cells, order.dropna(), params.top, params.radius_m)
    return {
        "run_id": run_id,
        "kind": kind,
        **summary,
        "batch_ids": batch_ids,
        **({"k_table": k_table} if k_table else {}),
        "top": top,
    }
