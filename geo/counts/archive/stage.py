"""Publish archive counts into `incident_counts`: staged by COPY (from any process), swapped in one transaction.

Stage tables are UNLOGGED and named per job, so Dask workers on other machines can
COPY their partitions concurrently; `publish` then replaces incident_counts with the
stage under the aggregate lock, exactly as a full rebuild of `geo.counts.refresh`
does (counts truncated, aggregate_state emptied: the archive, not load batches, is the
source, and a later PostGIS-side `civicgrid aggregate` rebuilds from the incidents table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import Engine, text

from geo.counts.periods import PERIODS
from geo.counts.refresh import LOCK_KEY, STORED_PERIOD
from geo.db.copy import Column, copy_rows
from geo.vocab import UNCLASSIFIED


def create_stage(engine: Engine) -> str:
    """A new empty stage table; returns its name. The owner's function makes it (the
    application role has no DDL, migration 0006)."""
    with engine.begin() as conn:
        return conn.execute(text("SELECT civicgrid_counts_stage()")).scalar_one()


def drop_stage(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("SELECT civicgrid_counts_stage_drop(:name)"), {"name": name})


def copy_frame(dsn: str, stage: str, frame: pd.DataFrame) -> int:
    """COPY counts (a geo.counts.cube frame) into the stage table; returns the rows copied."""
    columns = [
        Column("res", "int2", frame["res"].to_numpy()),
        Column("cell", "int8", frame["cell"].to_numpy()),
        Column("period", "int2", frame["period"].to_numpy()),
        Column("period_start", "int4", frame["period_start"].to_numpy()),
        Column("category", "text", frame["category"]),
        Column("count", "int8", frame["count"].to_numpy()),
    ]
    with psycopg.connect(dsn) as conn:
        copy_rows(conn, stage, columns, np.arange(len(frame)))
    return len(frame)


def publish(engine: Engine, stage: str) -> tuple[int, int]:
    """Replace incident_counts by the stage's rows (one transaction); drop the stage.

    Only month rows are kept (`geo.counts.refresh`: days and weeks are read from the
    incidents). An archive holds categories as written in its files: each is stored by
    its top level in the incident vocabulary (未分类 when unknown), as a load stores it,
    so the archive's counts equal those of the same rows loaded. Returns (rows,
    incidents) where incidents is the total of one resolution.
    """
    month = PERIODS.index(STORED_PERIOD)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        conn.execute(text("TRUNCATE incident_counts"))
        conn.execute(text("DELETE FROM aggregate_state"))
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
        rows = conn.execute(
            text(f"""
            INSERT INTO incident_counts (res, month, cell, category, count)
            SELECT s.res, DATE '1970-01-01' + s.period_start, s.cell,
                   coalesce(k.top_name, :unclassified), sum(s.count)
            FROM {stage} s
            LEFT JOIN vocab_keys k ON k.vocab = 'incident_category' AND k.key = lower(btrim(s.category))
            WHERE s.period = {month} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""),
            {"unclassified": UNCLASSIFIED},
        ).rowcount
        incidents = conn.execute(
            text(f"""
            SELECT coalesce(sum(count), 0) FROM {stage} WHERE period = {month}
              AND res = (SELECT res FROM {stage} WHERE period = {month} LIMIT 1)""")
        ).scalar_one()
        conn.execute(text("SELECT civicgrid_counts_stage_drop(:name)"), {"name": stage})
    return int(rows), int(incidents)
