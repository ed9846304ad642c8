"""Mapbox vector tiles of the large polygon layers, cut by PostGIS (`ST_AsMVT`).

The dashboard draws boundaries and grids from these tiles instead of shipping
megabytes of GeoJSON. Layer names are whitelisted, every value is a bound
parameter; a layer's optional `band` filter lets a map colour one class per
layer (Plotly map layers have one colour each). The `<level>_names` layers hold one
point per unit with its name, for the maps' label (symbol) layers. The `units` layer
holds a grid-editor draft's building blocks with their grid (code and name), the
workload band of that grid (`unknown`: no grid), their households, population and hours
a month (for the hover text) and their point on surface (`lon`, `lat`, for box and lasso
selection in the browser); `rev` only names the draft's revision, so a new revision is
a new URL and cache entry. Below `units_zoom` of the draft's H3 resolution a unit is
under four pixels wide: the layer then holds the draft's grids (no unit id), each in the
band of its workload (its units' hours plus the hours every grid carries), and its
unassigned units, so a city's first map is not 100,000 specks.
The `places` tile holds, in one response, the district and town boundaries and the
name points of every level from the zoom its names show (PLACE_LAYERS): the layers of
the maps' own base style, one source and one request per tile instead of five.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h3
from sqlalchemy import Engine, text

from geo.config import settings
from geo.errors import InputError

ADMIN_LEVELS = ("district", "town", "community")
BANDS = ("under", "in", "over", "unknown")
#: one label point per unit (its point on surface, so in exactly one tile: no repeats)
LABEL_LAYERS = tuple(f"{level}_names" for level in ADMIN_LEVELS)
#: the layers of a `places` tile and the tile zoom from which each is in it (names of
#: towns and communities show only from map zoom 9.5 and 12.5: dashboards.maps)
PLACE_LAYERS = {
    "district": 0,
    "town": 0,
    "district_names": 0,
    "town_names": 9,
    "community_names": 12,
}
LAYERS = (*ADMIN_LEVELS, "grids", "units", *LABEL_LAYERS, "places")
#: layers of one grid version, named by ?version=
VERSION_LAYERS = ("grids", "units")
MAX_ZOOM = 20
EXTENT = 4096
# Web-Mercator width of the world, metres
WORLD_M = 40075016.68557849

_ADMIN_SQL = text(
    """
    WITH b AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env),
    f AS (
      SELECT ST_AsMVTGeom(
               ST_SimplifyPreserveTopology(ST_Transform(u.geom, 3857), :tol),
               b.env, :extent, 64, true) AS geom,
             u.code, u.name, u.parent_code
      FROM admin_units u, b
      WHERE u.level = :level AND u.geom && ST_Transform(b.env, 4326)
    )
    SELECT ST_AsMVT(f.*, :layer, :extent, 'geom') FROM f WHERE f.geom IS NOT NULL
    """
)

_LABEL_SQL = text(
    """
    WITH b AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env),
    p AS (
      SELECT ST_Transform(ST_PointOnSurface(u.geom), 3857) AS pt, u.code, u.name
      FROM admin_units u, b
      WHERE u.level = :level AND u.geom && ST_Transform(b.env, 4326)
    ),
    f AS (
      SELECT ST_AsMVTGeom(p.pt, b.env, :extent, 0, false) AS geom, p.code, p.name
      FROM p, b WHERE ST_Intersects(p.pt, b.env)
    )
    SELECT ST_AsMVT(f.*, :layer, :extent, 'geom') FROM f WHERE f.geom IS NOT NULL
    """
)

_GRIDS_SQL = text(
    """
    WITH b AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env),
    g AS (
      SELECT g.geom, g.grid_code, g.name, g.town_code, g.households,
             CASE WHEN g.households IS NULL THEN 'unknown'
                  WHEN g.households < :lo THEN 'under'
                  WHEN g.households > :hi THEN 'over'
                  ELSE 'in' END AS band
      FROM grids g JOIN grid_versions v ON v.id = g.version_id
      WHERE v.name = :version
    ),
    f AS (
      SELECT ST_AsMVTGeom(
               ST_SimplifyPreserveTopology(ST_Transform(g.geom, 3857), :tol),
               b.env, :extent, 64, true) AS geom,
             g.grid_code, g.name, g.town_code, g.households, g.band
      FROM g, b
      WHERE g.geom && ST_Transform(b.env, 4326)
        AND (CAST(:band AS text) IS NULL OR g.band = :band)
    )
    SELECT ST_AsMVT(f.*, :layer, :extent, 'geom') FROM f WHERE f.geom IS NOT NULL
    """
)

_UNITS_SQL = text(
    """
    WITH e AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env),
    b AS (SELECT env, ST_Transform(env, 4326) AS box FROM e),
    v AS (
      SELECT id, (params #>> '{editor,workload_band,0}')::float8 AS lo,
             (params #>> '{editor,workload_band,1}')::float8 AS hi,
             coalesce((params #>> '{editor,grid_hours}')::float8, 0) AS grid_hours
      FROM grid_versions WHERE name = :version
    ),
    t AS (
      SELECT u.unit_id, u.grid_code, u.households, u.population, u.workload, u.geom,
             ST_PointOnSurface(u.geom) AS pt
      FROM grid_units u, v, b
      WHERE u.version_id = v.id AND u.geom && b.box
    ),
    g AS (
      SELECT u.grid_code, sum(u.workload) + min(v.grid_hours) AS workload FROM grid_units u, v
      WHERE u.version_id = v.id AND u.grid_code IN (SELECT grid_code FROM t)
      GROUP BY u.grid_code
    ),
    f AS (
      SELECT ST_AsMVTGeom(ST_Transform(t.geom, 3857), b.env, :extent, 64, true) AS geom,
             t.unit_id, t.grid_code, gr.name AS grid_name, t.households, t.population,
             round(t.workload::numeric, 1)::float8 AS hours,
             round(ST_X(t.pt)::numeric, 6)::float8 AS lon,
             round(ST_Y(t.pt)::numeric, 6)::float8 AS lat,
             CASE WHEN g.workload IS NULL THEN 'unknown' WHEN g.workload < v.lo THEN 'under'
                  WHEN g.workload > v.hi THEN 'over' ELSE 'in' END AS band
      FROM t LEFT JOIN g ON g.grid_code = t.grid_code
             CROSS JOIN v CROSS JOIN b
             LEFT JOIN grids gr ON gr.version_id = v.id AND gr.grid_code = t.grid_code
    )
    SELECT ST_AsMVT(f.*, :layer, :extent, 'geom') FROM f
    WHERE f.geom IS NOT NULL AND (CAST(:band AS text) IS NULL OR f.band = :band)
    """
)

_RES_SQL = text("SELECT params #>> '{editor,res}' FROM grid_versions WHERE name = :version")

_UNIT_GRIDS_SQL = text(
    """
    WITH e AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env),
    b AS (SELECT env, ST_Transform(env, 4326) AS box FROM e),
    v AS (
      SELECT id, (params #>> '{editor,workload_band,0}')::float8 AS lo,
             (params #>> '{editor,workload_band,1}')::float8 AS hi,
             coalesce((params #>> '{editor,grid_hours}')::float8, 0) AS grid_hours
      FROM grid_versions WHERE name = :version
    ),
    g AS (
      SELECT u.grid_code, sum(u.workload) + min(v.grid_hours) AS workload FROM grid_units u, v
      WHERE u.version_id = v.id AND u.grid_code IS NOT NULL GROUP BY u.grid_code
    ),
    p AS (
      SELECT gr.geom, gr.grid_code,
             CASE WHEN g.workload < v.lo THEN 'under' WHEN g.workload > v.hi THEN 'over'
                  ELSE 'in' END AS band
      FROM grids gr JOIN g ON g.grid_code = gr.grid_code, v, b
      WHERE gr.version_id = v.id AND gr.geom && b.box
      UNION ALL
      SELECT u.geom, NULL, 'unknown' FROM grid_units u, v, b
      WHERE u.version_id = v.id AND u.grid_code IS NULL AND u.geom && b.box
    ),
    f AS (
      SELECT ST_AsMVTGeom(ST_SimplifyPreserveTopology(ST_Transform(p.geom, 3857), :tol),
                          b.env, :extent, 64, true) AS geom, p.grid_code, p.band
      FROM p, b WHERE CAST(:band AS text) IS NULL OR p.band = :band
    )
    SELECT ST_AsMVT(f.*, :layer, :extent, 'geom') FROM f WHERE f.geom IS NOT NULL
    """
)


@dataclass(frozen=True)
class TileRequest:
    """One tile of one layer: `layer` in LAYERS; grids and units need a `version` name;
    `revision` (digits) tells one revision of a draft's tiles from the next."""

    layer: str
    z: int
    x: int
    y: int
    version: str | None = None
    band: str | None = None
    revision: str | None = None

    def validate(self) -> TileRequest:
        """Raise InputError for an unknown layer, an impossible tile or a bad filter."""
        if self.layer not in LAYERS:
            raise InputError(f"unknown tile layer {self.layer!r}; use one of {', '.join(LAYERS)}")
        if not 0 <= self.z <= MAX_ZOOM or not (0 <= self.x < 2**self.z and 0 <= self.y < 2**self.z):
            raise InputError(f"no tile {self.z}/{self.x}/{self.y}")
        if self.layer in VERSION_LAYERS and not self.version:
            raise InputError(f"the {self.layer} layer needs ?version=NAME")
        if self.revision is not None and not (self.revision.isdigit() and len(self.revision) < 10):
            raise InputError(f"bad revision {self.revision!r}; use a whole number")
        if self.band is not None and self.band not in BANDS:
            raise InputError(f"unknown band {self.band!r}; use one of {', '.join(BANDS)}")
        return self


def simplify_tolerance(z: int) -> float:
    """Half a tile pixel in metres: finer detail cannot show at this zoom."""
    return WORLD_M / (2**z) / EXTENT / 2


def units_zoom(res: int) -> int:
    """The first tile zoom at which an H3 res-`res` unit (about two edges across) is four
    pixels of a 512-px tile wide or more: 13 for res 11, 12 for res 10. (At two pixels a
    z12 tile of a city's res-11 units is ~40,000 units, 2.8 MB per band.)"""
    edge = h3.average_hexagon_edge_length(res, "m")
    return max(0, math.ceil(math.log2(2 * WORLD_M / (512 * edge))))


def tile(engine: Engine, req: TileRequest) -> bytes:
    """The MVT bytes of one tile (empty bytes when nothing falls in it)."""
    req.validate()
    if req.layer == "places":  # MVT layers side by side make one tile
        return b"".join(
            tile(engine, TileRequest(layer, req.z, req.x, req.y))
            for layer, zoom in PLACE_LAYERS.items()
            if req.z >= zoom
        )
    params = {
        "z": req.z,
        "x": req.x,
        "y": req.y,
        "tol": simplify_tolerance(req.z),
        "extent": EXTENT,
        "layer": req.layer,
    }
    if req.layer == "grids":
        lo, hi = settings().households_band
        sql = _GRIDS_SQL
        params |= {"version": req.version, "band": req.band, "lo": lo, "hi": hi}
    elif req.layer == "units":
        sql = _UNITS_SQL
        params |= {"version": req.version, "band": req.band}
    elif req.layer in LABEL_LAYERS:
        sql = _LABEL_SQL
        params["level"] = req.layer.removesuffix("_names")
    else:
        sql = _ADMIN_SQL
        params["level"] = req.layer
    with engine.connect() as conn:
        if req.layer == "units":
            res = conn.execute(_RES_SQL, {"version": req.version}).scalar()
            if res is not None and req.z < units_zoom(int(res)):
                sql = _UNIT_GRIDS_SQL
        data = conn.execute(sql, params).scalar()
    return bytes(data or b"")
