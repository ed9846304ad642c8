"""Early-warning reports end to end: PostGIS → alerts or Knox table → the JSON the CLI
and the hotspots page show.

`run_alerts` compares the latest complete week or month (or the one holding a chosen
day) with each cell's own history and names every alert's place and the key sites
near it; `run_near_repeat` reads one category's incidents over a date range and
returns the Knox table with a plain-language reading.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import h3
import numpy as np
import pandas as pd
from sqlalchemy import Engine

from geo.crs import from_wgs84
from geo.errors import InputError
from geo.hotspots import store as hotspots_store
from geo.views.counts import categories, incident_span
from geo.vocab.store import list_terms
from geo.warning import store
from geo.warning.alerts import detect
from geo.warning.knox import near_repeat, reading
from geo.warning.periods import PERIODS, window

#: place columns each alert carries
PLACE_COLUMNS = (
    "district_code",
    "district",
    "town_code",
    "town",
    "community_code",
    "community",
    "grid_code",
    "grid",
)
#: most incidents a near-repeat run takes (pairs grow with density; narrow the filters beyond)
NEAR_REPEAT_MAX = 200_000


@dataclass(frozen=True)
class AlertParams:
    """What the analyst (or a scheduled job) asked for."""

    period: str = "week"
    day: dt.date | None = None
    categories: tuple[str, ...] = ()
    res: int = 8
    k: int = 1
    alpha: float = 0.05
    min_count: int = 3
    district: str | None = None
    radius_m: float = 300.0
    top: int | None = None


def _span(engine: Engine) -> tuple[dt.date, dt.date]:
    span = incident_span(engine)
    if span is None:
        raise InputError("no incidents are loaded: load incidents first", field="incidents")
    return span


def _named(engine: Engine, alerts: pd.DataFrame, res: int, radius_m: float) -> list[dict]:
    if alerts.empty:
        return []
    cells = alerts["cell"].to_numpy(dtype=np.int64)
    where = hotspots_store.places(engine, cells)
    sites = hotspots_store.key_sites_near(engine, cells, radius_m)
    out = []
    for row in alerts.itertuples(index=False):
        place = where.loc[row.cell]
        near = sites[sites["cell"] == row.cell]
        out.append(
            {
                "cell": h3.int_to_str(int(row.cell)),
                "cell_id": int(row.cell),
                "res": res,
                "kind": row.kind,
                "count": int(row.count),
                "expected": round(float(row.expected), 3),
                "p": float(row.p),
                "p_surge": float(row.p_surge),
                "gi_z": None if pd.isna(row.gi_z) else round(float(row.gi_z), 3),
                "lon": float(place["lon"]),
                "lat": float(place["lat"]),
                **{c: (None if pd.isna(place[c]) else place[c]) for c in PLACE_COLUMNS},
                "key_sites": [
                    {"name": s.name, "kind": s.kind, "distance_m": round(float(s.distance_m), 1)}
                    for s in near.itertuples()
                ],
            }
        )
    return out


def run_alerts(engine: Engine, params: AlertParams) -> dict:
    """Alerts for the period, most unusual first, with their places and nearby key sites."""
    if params.period not in PERIODS:
        raise InputError(
            f"period must be one of {', '.join(PERIODS)}, got {params.period!r}", field="period"
        )
    first, last = _span(engine)
    win = window(params.period, last, first, params.day)
    if not win.history:
        raise InputError(
            f"no {params.period} before {win.start} has data to compare with: "
            f"incidents start on {first}",
            field="date",
        )
    counts = store.period_counts(
        engine, params.res, win.first, win.end, params.period, params.categories or None
    )
    area = hotspots_store.study_area(engine, params.res, params.district)
    if params.district:
        counts = counts[counts["cell"].isin(area)]
    alerts = detect(
        counts, win, area=area, k=params.k, alpha=params.alpha, min_count=params.min_count
    )
    if params.top is not None:
        alerts = alerts.head(params.top)
    this = counts[counts["period"] == win.start]
    return {
        "period": params.period,
        "from": win.start,
        "to": win.last_day,
        "history_from": win.first,
        "history_periods": len(win.history),
        "res": params.res,
        "categories": list(params.categories),
        "district": params.district,
        "incidents": int(this["count"].sum()),
        "cells_with_incidents": int(len(this)),
        "method": "negative-binomial surge (empirical-Bayes rate, pooled overdispersion) and Gi* "
        f"(k={params.k}), Benjamini–Hochberg FDR at {params.alpha:g}, at least "
        f"{params.min_count} incidents",
        "alerts": _named(engine, alerts, params.res, params.radius_m),
    }


def category_choices(engine: Engine) -> list[tuple[str, str]]:
    """(value, label) of the categories a near-repeat run offers: each stored top level
    (大类), followed by its 细类 from the vocabulary by code, labelled "大类 · 细类" —
    near-repeat is read per 细类 (burglary, theft), which the counts do not hold."""
    terms = list_terms(engine, "incident_category")
    names = dict(zip(terms["code"], terms["name"], strict=True))
    parent = terms["parent"].map(names)
    out = []
    for top in categories(engine):
        out.append((top, top))
        fine = terms[parent == top]
        out += [(c, f"{top} · {n}") for c, n in zip(fine["code"], fine["name"], strict=True)]
    return out


@dataclass(frozen=True)
class NearRepeatParams:
    """A Near Repeat Calculator run: incidents of `categories` with local days in [start, end]."""

    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = ()
    distance_m: float = 200.0
    distance_bands: int = 5
    days: float = 7.0
    time_bands: int = 4
    permutations: int = 99
    seed: int = 0
    metric_crs: str = "EPSG:4549"


def run_near_repeat(engine: Engine, params: NearRepeatParams) -> dict:
    """Knox table of the chosen incidents with its reading in Chinese and English."""
    first, last = _span(engine)
    start, end = params.start or max(first, last - dt.timedelta(days=364)), params.end or last
    if start > end:
        raise InputError(f"the start {start} is after the end {end}", field="from")
    pts = store.points(engine, start, end, params.categories or None)
    if len(pts) < 2:
        raise InputError(
            f"fewer than two incidents match between {start} and {end}: widen the "
            "dates or the categories",
            field="category",
        )
    if len(pts) > NEAR_REPEAT_MAX:
        raise InputError(
            f"{len(pts):,} incidents match; the near-repeat test takes at most "
            f"{NEAR_REPEAT_MAX:,}: choose a category or a shorter date range",
            field="category",
        )
    x, y = from_wgs84(pts["lon"].to_numpy(), pts["lat"].to_numpy(), params.metric_crs)
    days = (
        (pts["occurred_at"] - pts["occurred_at"].min()).dt.total_seconds() / 86_400.0
    ).to_numpy()
    result = near_repeat(
        np.column_stack([x, y]),
        days,
        np.arange(params.distance_bands + 1) * params.distance_m,
        np.arange(params.time_bands + 1) * params.days,
        permutations=params.permutations,
        seed=params.seed,
    )
    bands = [
        result.band(i, j) for i in range(params.distance_bands) for j in range(params.time_bands)
    ]
    return {
        "from": start,
        "to": end,
        "categories": list(params.categories),
        "incidents": result.n,
        "permutations": result.permutations,
        "distance_edges_m": result.distance_edges.tolist(),
        "time_edges_days": result.time_edges.tolist(),
        "observed": result.observed.tolist(),
        "expected": np.round(result.expected, 3).tolist(),
        "ratio": [
            [None if np.isnan(v) else round(float(v), 3) for v in row] for row in result.ratio
        ],
        "p": result.p.tolist(),
        "bands": bands,
        "strongest": None if result.strongest() is None else result.band(*result.strongest()),
        "reading": {"zh": reading(result, "zh"), "en": reading(result, "en")},
    }
