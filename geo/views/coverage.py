"""Coverage for the dashboard: the coverage module's inputs read once per data state.

The incidents per cell that rank blind spots are the counts' (`geo.counts`); the
incident points are read for the shares covered (distance to each incident) and the
grids' workload. Reading them is the slow part, so the inputs are cached per database
and per state of the load batches (a new load refreshes them).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine

from geo.config import settings
from geo.coverage import analysis, store
from geo.coverage import facilities as core
from geo.views.stamp import kept


def inputs(engine: Engine, res: int = 8):
    """`geo.coverage.analysis.CoverageInputs` for all facility kinds at H3 `res` (cached)."""
    return _inputs(engine, res)


@kept(4)
def _inputs(engine: Engine, res: int):
    return store.read_inputs(engine, None, res)


def summary(engine: Engine, kind: str, res: int = 8) -> dict:
    """For facility `kind`: its count and radius, the shares of incidents, rentals and
    hazards covered, and the shares of study cells covered by none (gaps) or by two or
    more facilities (overlaps)."""
    return _summary(engine, kind, res)


@kept(16)
def _summary(engine: Engine, kind: str, res: int) -> dict:
    from scipy.spatial import cKDTree

    data = _inputs(engine, res)
    r = settings().service_radius_m[kind]
    sites = data.sites(kind)
    out = {"kind": kind, "radius_m": r, "facilities": int(len(sites))}
    for layer in ("incidents", "rentals", "hazards"):
        pts = getattr(data, layer)
        out[layer] = float(core.covered(pts.geometry, sites, r).mean()) if len(pts) else None
    if len(data.study):
        xy = np.column_stack(_xy(core.in_metric(data.study.geometry)))
        if len(sites):
            n = cKDTree(np.column_stack(_xy(core.in_metric(sites)))).query_ball_point(
                xy, r, return_length=True
            )
        else:
            n = np.zeros(len(xy), dtype=int)
        out["gaps"], out["overlaps"] = float((n == 0).mean()), float((n >= 2).mean())
    return out


def _xy(geoms):
    return geoms.x.to_numpy(), geoms.y.to_numpy()


def service_areas(engine: Engine, kind: str, limit: int = 3000):
    """Circles of the service radius around facilities of `kind` (WGS-84 GeoDataFrame
    with `name`), at most `limit` of them."""
    return _areas(engine, kind, limit)


@kept(16)
def _areas(engine: Engine, kind: str, limit: int):
    data = _inputs(engine, 8)
    fac = data.facilities[(data.facilities["kind"] == kind).to_numpy()].head(limit)
    r = settings().service_radius_m[kind]
    circles = core.in_metric(fac.geometry).buffer(r, quad_segs=8).to_crs("EPSG:4326")
    out = fac[["name", "kind"]].copy()
    return out.set_geometry(circles.to_numpy(), crs="EPSG:4326")


def blind_spots(engine: Engine, kind: str, top: int = 300, res: int = 8):
    """Study cells with incidents that no facility of `kind` covers, most incidents first."""
    return _blind(engine, kind, top, res)


@kept(16)
def _blind(engine: Engine, kind: str, top: int, res: int):
    found = analysis.uncovered(_inputs(engine, res), [kind], store.radii(), top)
    return found[found["incidents"] > 0].reset_index(drop=True)


def overdue(engine: Engine, days: int = 180, limit: int = 500):
    """Rentals and hazards not inspected within `days`, most urgent first (no personal data)."""
    return _overdue(engine, days, limit)


@kept(8)
def _overdue(engine: Engine, days: int, limit: int):
    table = store.overdue(engine, days).head(limit)
    keep = [
        "layer",
        "name",
        "address",
        "category",
        "risk_level",
        "days_since",
        "days_overdue",
        "never_inspected",
        "grid_code",
        "town_code",
        "lon",
        "lat",
    ]
    return table.reindex(columns=keep)
