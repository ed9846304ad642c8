"""Hot spot data in PostGIS: counts in, runs and per-cell results out, place context.

The CLI and the dashboard both call these; nothing here computes statistics.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, text

from geo import hexes
from geo.counts import levels
from geo.db.copy import Column, constant, copy_rows
from geo.errors import InputError
from geo.jsonable import dumps


def boundary(engine: Engine, district: str | None = None) -> shapely.Geometry | None:
    """The city outline (or the admin unit with code `district`), None when none is loaded.

    Without a city row the union of the districts is the city.
    """
    with engine.connect() as conn:
        if district:
            wkb = conn.execute(
                text("SELECT ST_AsBinary(geom) FROM admin_units WHERE code = :c"), {"c": district}
            ).scalar()
            if wkb is None:
                raise InputError(
                    f"no admin unit with code {district!r} is loaded", field="district"
                )
        else:
            wkb = conn.execute(
                text("""
                SELECT ST_AsBinary(coalesce(
                    (SELECT geom FROM admin_units WHERE level = 'city' LIMIT 1),
                    (SELECT ST_Multi(ST_Union(geom)) FROM admin_units WHERE level = 'district')))
            """)
            ).scalar()
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def study_area(engine: Engine, res: int, district: str | None = None) -> np.ndarray | None:
    """Cells (int64) whose centre lies in the city or district; None without boundaries."""
    geom = boundary(engine, district)
    if geom is None:
        return None
    return hexes.polyfill(geom, res).astype(np.int64)


def load_counts(
    engine: Engine,
    res: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    categories: Sequence[str] | None = None,
    district: str | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Incident counts per cell (and per period start when `by` is day/week/month) from
    `geo.counts`, `end` inclusive. `categories` may name either level (geo.counts.levels:
    大类 are read from the counts, a 细类 from the incidents themselves). With
    `district`, only cells whose centre lies inside it. Columns: cell, [period,] count."""
    frame = levels.counts(engine, res, start, end, categories or None, by=by)
    if district:
        frame = frame[frame["cell"].isin(study_area(engine, res, district))].reset_index(drop=True)
    return frame


CELL_COLUMNS = ("value", "gi_z", "p", "p_fdr", "bin", "category", "trend_z", "trend_p")
CELL_TYPES = {c: "float8" for c in CELL_COLUMNS} | {"bin": "int2", "category": "text"}


def save_run(
    engine: Engine,
    kind: str,
    params: dict,
    batch_ids: Iterable[int],
    summary: dict,
    cells: pd.DataFrame,
) -> int:
    """Store a run and its per-cell results (index = cell) with each cell's hexagon (the
    GIS layer gis.hotspot_cells draws it); returns the run id."""
    ids = cells.index.to_numpy(dtype=np.int64)
    frame = cells.reindex(columns=list(CELL_COLUMNS))
    frame["category"] = frame["category"].astype(object).where(frame["category"].notna(), None)
    hexagons = shapely.set_srid(hexes.boundaries(ids.astype(np.uint64)), 4326)
    columns = [
        Column("cell", "int8", ids),
        *(Column(c, CELL_TYPES[c], frame[c]) for c in CELL_COLUMNS),
        Column("geom", "geometry", shapely.to_wkb(hexagons, include_srid=True)),
    ]
    with engine.begin() as conn:
        run_id = conn.execute(
            text("""
            INSERT INTO hotspot_runs (kind, params, batch_ids, summary)
            VALUES (:kind, CAST(:params AS jsonb), CAST(:batches AS jsonb), CAST(:summary AS jsonb))
            RETURNING id
        """),
            {
                "kind": kind,
                "params": dumps(params),
                "batches": json.dumps([int(b) for b in batch_ids]),
                "summary": dumps(summary),
            },
        ).scalar_one()
        # binary COPY (geo.db.copy): the former unnest of Python lists spent ~10 s of a
        # city run turning 10⁵ cells × 10 columns into parameters
        copy_rows(
            conn.connection.driver_connection,
            "hotspot_cells",
            [constant("run_id", "int8", run_id, len(ids)), *columns],
            np.arange(len(ids)),
        )
    return int(run_id)


def latest_run(engine: Engine, kind: str | None = None) -> dict | None:
    """The newest run (id, kind, params, batch_ids, summary, created_at), optionally of a kind."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                text("""
            SELECT id, kind, params, batch_ids, summary, created_at FROM hotspot_runs
            WHERE CAST(:kind AS text) IS NULL OR kind = :kind ORDER BY id DESC LIMIT 1
        """),
                {"kind": kind},
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def run_cells(engine: Engine, run_id: int) -> pd.DataFrame:
    """Per-cell results of a run, indexed by cell."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"""
            SELECT cell, {", ".join(CELL_COLUMNS)} FROM hotspot_cells WHERE run_id = :r ORDER BY cell
        """),
            {"r": run_id},
        ).all()
    return pd.DataFrame(rows, columns=["cell", *CELL_COLUMNS]).set_index("cell")


def _cell_points_sql() -> str:
    return """
        WITH c AS (
            SELECT cell, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS pt
            FROM unnest(CAST(:cells AS int8[]), CAST(:lon AS float8[]), CAST(:lat AS float8[]))
                 AS t(cell, lon, lat))
    """


def places(engine: Engine, cells: Sequence[int]) -> pd.DataFrame:
    """District, town, community and (in-force version) grid holding each cell's centre,
    indexed by cell."""
    arr = np.asarray(cells, dtype=np.int64)
    lon, lat = hexes.centroids(arr.astype(np.uint64))
    query = text(
        _cell_points_sql()
        + """
        SELECT c.cell, d.code, d.name, t.code, t.name, m.code, m.name, g.grid_code, g.name
        FROM c
        LEFT JOIN LATERAL (SELECT code, name FROM admin_units
                           WHERE level = 'district' AND ST_Intersects(geom, c.pt) LIMIT 1) d ON true
        LEFT JOIN LATERAL (SELECT code, name FROM admin_units
                           WHERE level = 'town' AND ST_Intersects(geom, c.pt) LIMIT 1) t ON true
        LEFT JOIN LATERAL (SELECT code, name FROM admin_units
                           WHERE level = 'community' AND ST_Intersects(geom, c.pt) LIMIT 1) m ON true
        LEFT JOIN LATERAL (SELECT g.grid_code, g.name FROM grids g
                           JOIN grid_versions_in_force v ON v.id = g.version_id
                           WHERE ST_Intersects(g.geom, c.pt) LIMIT 1) g ON true
    """
    )
    with engine.connect() as conn:
        rows = conn.execute(
            query, {"cells": arr.tolist(), "lon": lon.tolist(), "lat": lat.tolist()}
        ).all()
    columns = [
        "cell",
        "district_code",
        "district",
        "town_code",
        "town",
        "community_code",
        "community",
        "grid_code",
        "grid",
    ]
    frame = pd.DataFrame(rows, columns=columns).set_index("cell")
    frame["lon"], frame["lat"] = lon, lat
    return frame.reindex(arr)


def key_sites_near(engine: Engine, cells: Sequence[int], radius_m: float = 300.0) -> pd.DataFrame:
    """Key sites (schools, stations, hospitals…) inside or within `radius_m` of each cell.

    Columns: cell, name, kind, distance_m (0 inside the hexagon), nearest first.
    """
    arr = np.asarray(cells, dtype=np.int64)
    hexagons = [shapely.to_wkb(g) for g in hexes.boundaries(arr.astype(np.uint64))]
    degrees = radius_m / 50_000.0  # more than radius_m up to ~60° latitude: index prefilter
    query = text("""
        WITH c AS (SELECT cell, ST_GeomFromWKB(wkb, 4326) AS hex
                   FROM unnest(CAST(:cells AS int8[]), CAST(:wkb AS bytea[])) AS t(cell, wkb))
        SELECT c.cell, k.name, k.kind,
               ST_Distance(k.geom::geography, c.hex::geography) AS distance_m
        FROM c JOIN key_sites k
          ON k.geom && ST_Expand(c.hex, :deg)
         AND ST_DWithin(k.geom::geography, c.hex::geography, :radius)
        ORDER BY c.cell, distance_m, k.name
    """)
    with engine.connect() as conn:
        rows = conn.execute(
            query, {"cells": arr.tolist(), "wkb": hexagons, "deg": degrees, "radius": radius_m}
        ).all()
    return pd.DataFrame(rows, columns=["cell", "name", "kind", "distance_m"])
