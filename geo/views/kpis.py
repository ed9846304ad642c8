"""The leaders' overview figures, read from PostGIS.

- incidents in the latest 30 days against the 30 days before,
- share of those incidents in hot cells (Gi* bins 1–3, res 8, k = 1, on this period),
- grids of the version in force (view grids_in_force) whose households fall outside the band,
- coverage: share of households (grids weighted by households) within each facility
  kind's service radius of such a facility.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine, text

from geo.config import settings
from geo.counts.periods import windows
from geo.counts.store import incidents_between
from geo.views.counts import incident_span
from geo.views.hexlayer import HexLayer, hex_layer
from geo.views.stamp import kept

HOT_RES = 8
COVERAGE_KINDS = ("police_station", "shelter", "mediation_room")

_BAND_SQL = text(
    """
    SELECT count(*) FILTER (WHERE g.households < :lo OR g.households > :hi), count(*)
    FROM grids_in_force g
    """
)
# grids are weighted by households (1 when unknown); the bounding-box test lets the
# GiST index on facilities do the search before the exact metric distance
_COVER_SQL = text(
    """
    WITH g AS (
      SELECT ST_PointOnSurface(g.geom) AS p, coalesce(g.households, 1) AS w
      FROM grids_in_force g
    )
    SELECT coalesce(sum(w) FILTER (WHERE EXISTS (
             SELECT 1 FROM facilities f
             WHERE f.kind = :kind AND f.geom && ST_Expand(g.p, :deg)
               AND ST_DWithin(ST_Transform(f.geom, :srid), ST_Transform(g.p, :srid), :r))), 0),
           coalesce(sum(w), 0)
    FROM g
    """
)


@dataclass
class Kpis:
    """Figures of the overview page; None where the data are not loaded yet."""

    period_start: dt.date | None = None
    period_end: dt.date | None = None
    incidents: int | None = None
    incidents_prev: int | None = None
    hot_share: float | None = None
    grids_out_of_band: int | None = None
    grids_total: int | None = None
    coverage: dict[str, float | None] = field(default_factory=dict)

    @property
    def change(self) -> float | None:
        """Relative change of incidents against the previous period."""
        if not self.incidents_prev or self.incidents is None:
            return None
        return self.incidents / self.incidents_prev - 1

    def as_dict(self) -> dict:
        return {**asdict(self), "change": self.change}


def _ratio(num, den) -> float | None:
    return float(num) / float(den) if den else None


def hot_incidents(layer: HexLayer) -> int:
    """Incidents of the layer that lie in hot cells (Gi* bin > 0)."""
    f = layer.frame
    return int(f.loc[f["bin"] > 0, "count"].sum()) if "bin" in f else 0


def period_layer(engine: Engine, days: int = 30, res: int = HOT_RES) -> HexLayer | None:
    """Gi* (k = 1) of the latest `days` days of incidents, the overview map's layer."""
    span = incident_span(engine)
    if not span:
        return None
    (a, b), _ = windows(span[1], days)
    return hex_layer(engine, res, a, b, k=1)


def overview_kpis(engine: Engine, days: int = 30, layer: HexLayer | None = None) -> Kpis:
    """Read the overview figures (a handful of indexed queries); `layer` is the period's
    Gi* layer when the caller already has it."""
    k = Kpis()
    span = incident_span(engine)
    s = settings()
    with engine.connect() as conn:
        if span:
            this, prev = windows(span[1], days)
            k.period_start, k.period_end = this
            k.incidents = incidents_between(engine, *this)
            k.incidents_prev = incidents_between(engine, *prev)
            layer = layer or period_layer(engine, days)
            k.hot_share = _ratio(hot_incidents(layer), k.incidents) if layer else None
        lo, hi = s.households_band
        k.grids_out_of_band, k.grids_total = conn.execute(_BAND_SQL, {"lo": lo, "hi": hi}).one()
    k.coverage = dict(coverage_shares(engine))
    return k


def coverage_shares(engine: Engine) -> tuple[tuple[str, float | None], ...]:
    """(kind, share of households within the kind's service radius) of the grids in force;
    cached until the data change (a load or a new grid version)."""
    return _coverage(engine)


@kept(4)
def _coverage(engine: Engine) -> tuple[tuple[str, float | None], ...]:
    s = settings()
    srid = int(s.metric_crs.split(":")[1])
    out = []
    with engine.connect() as conn:
        for kind in COVERAGE_KINDS:
            r = s.service_radius_m[kind]
            covered, total = conn.execute(
                _COVER_SQL, {"kind": kind, "r": r, "deg": r / 80000.0, "srid": srid}
            ).one()
            out.append((kind, _ratio(covered, total)))
    return tuple(out)
