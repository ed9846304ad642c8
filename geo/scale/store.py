"""Publish archive counts into `incident_counts`: staged by COPY (from any process), swapped in one transaction.

Stage tables are UNLOGGED and named per job, so Dask workers on other machines can
COPY their partitions concurrently; `publish` then replaces incident_counts with the
stage under the aggregate lock, exactly as a full rebuild of `geo.hotspots.aggregate`
does (counts truncated, aggregate_state emptied: the archive, not load batches, is the
source, and a later PostGIS-side `civicgrid aggregate` rebuilds from the incidents table).
"""

from __future__ import annotations

import io

import pandas as pd
import psycopg
from sqlalchemy import Engine, text

from geo.hotspots.aggregate import LOCK_KEY, PERIODS

COPY_ROWS = 1_000_000


def create_stage(engine: Engine) -> str:
    """A new empty stage table; returns its name. The owner's function makes it (the
    application role has no DDL, migration 0006)."""
    with engine.begin() as conn:
        return conn.execute(text("SELECT civicgrid_counts_stage()")).scalar_one()


def drop_stage(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("SELECT civicgrid_counts_stage_drop(:name)"), {"name": name})


def copy_frame(dsn: str, stage: str, frame: pd.DataFrame) -> int:
    """COPY counts (geo.scale.counts frame) into the stage table; returns the rows copied."""
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        for first in range(0, len(frame), COPY_ROWS):
            buf = io.StringIO()
            frame.iloc[first:first + COPY_ROWS].to_csv(buf, index=False, header=False)
            with cur.copy(f"COPY {stage} (res, cell, period, period_start, category, count) "
                          "FROM STDIN (FORMAT csv)") as cp:
                cp.write(buf.getvalue())
    return len(frame)


def publish(engine: Engine, stage: str) -> tuple[int, int]:
    """Replace incident_counts by the stage's rows (one transaction); drop the stage.

    Returns (rows, incidents) where incidents is the total of one (res, period) pair.
    """
    names = "ARRAY[" + ", ".join(f"'{p}'" for p in PERIODS) + "]"
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        conn.execute(text("TRUNCATE incident_counts"))
        conn.execute(text("DELETE FROM aggregate_state"))
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
        rows = conn.execute(text(f"""
            INSERT INTO incident_counts (res, cell, period, period_start, category, count)
            SELECT res, cell, ({names})[period + 1], DATE '1970-01-01' + period_start, category, count
            FROM {stage} ORDER BY res, cell, 3, 4, category""")).rowcount
        incidents = conn.execute(text(f"""
            SELECT coalesce(sum(count), 0) FROM {stage}
            WHERE (res, period) = (SELECT res, period FROM {stage} LIMIT 1)""")).scalar_one()
        conn.execute(text("SELECT civicgrid_counts_stage_drop(:name)"), {"name": stage})
    return int(rows), int(incidents)
