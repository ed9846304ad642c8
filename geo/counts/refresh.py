"""Incident counts per H3 cell × period × category at several resolutions, in PostGIS.

Incidents store their res-10 cell only and PostGIS has no H3 extension here. Into an
empty table (the first aggregate, or a rebuild) of up to IN_MEMORY_MAX incidents the
counts are made in NumPy and pandas (`geo.counts.cube`, shared with the archive
engines) from the incidents read as Arrow, and COPYed in with the indexes rebuilt
after. Otherwise — batches added to stored counts, or more incidents — they are
counted inside PostgreSQL: the parents of the distinct res-10 cells
(`geo.hexes.parents`, vectorised) go into a temporary mapping table, and one GROUP BY
adds them. Days, ISO weeks (starting Monday) and months are cut in the city's local
time (Asia/Shanghai).

Incremental refresh: only incident batches not yet in `aggregate_state` are counted and
added (ON CONFLICT … count + EXCLUDED.count). Re-loading a changed file upserts
changed rows into the new batch, which takes them out of the batch they were counted
with; so before adding, every stored (res, period) total is checked against the
number of incidents in the batches already aggregated, and any difference (rows moved,
changed or deleted) triggers a full rebuild. `full=True` always rebuilds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection, Engine, text

from geo.config import settings
from geo.counts.cube import cell_counts
from geo.counts.periods import PERIODS, TIMEZONE, check
from geo.db.arrow import read_arrow
from geo.db.copy import Column, bulk_insert, copy_rows
from geo.hexes import parents

LOCK_KEY = 4_240_001  # advisory lock: one aggregate at a time
#: most incidents counted in memory into an empty table (1M took 2.2 GB at its peak);
#: more go the SQL way, whose sort spills to disk
IN_MEMORY_MAX = 2_000_000


@dataclass
class AggregateResult:
    """What a refresh did: mode is full, incremental or up_to_date."""

    mode: str
    reason: str
    batch_ids: list[int] = field(default_factory=list)
    incidents: int = 0
    rows: int = 0
    resolutions: list[int] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)



def _stored_combos(conn: Connection) -> set[tuple[int, str]]:
    rows = conn.execute(text("SELECT DISTINCT res, period FROM incident_counts"))
    return {(int(r), p) for r, p in rows}


def _needs_rebuild(conn: Connection, combos: set[tuple[int, str]],
                   requested: set[tuple[int, str]]) -> str | None:
    """Why the stored counts cannot simply be added to, or None when they can."""
    if requested - combos and combos:
        return "new resolutions or periods requested"
    aggregated = conn.execute(text(
        "SELECT count(*) FROM incidents i JOIN aggregate_state s USING (batch_id)")).scalar_one()
    totals = conn.execute(text(
        "SELECT res, period, sum(count) FROM incident_counts GROUP BY res, period")).all()
    if any(int(total) != aggregated for _, _, total in totals):
        return "incidents of aggregated batches changed (re-loaded or deleted)"
    if not totals and aggregated:
        return "aggregated batches have no stored counts"
    return None


def _push_cell_map(conn: Connection, batch_ids: list[int], resolutions: list[int]) -> None:
    """Temp table cell_map(cell, res, parent) for the distinct cells of the batches."""
    cells = np.array(conn.execute(
        text("SELECT DISTINCT h3 FROM incidents WHERE batch_id = ANY(:b)"), {"b": batch_ids}
    ).scalars().all(), dtype=np.int64)
    conn.execute(text("CREATE TEMP TABLE cell_map (cell int8, res int2, parent int8) ON COMMIT DROP"))
    columns = [Column("cell", "int8", np.tile(cells, len(resolutions))),
               Column("res", "int2", np.repeat(resolutions, len(cells))),
               Column("parent", "int8", np.concatenate(
                   [parents(cells.view(np.uint64), r).view(np.int64) for r in resolutions]))]
    copy_rows(conn.connection.driver_connection, "cell_map", columns, np.arange(len(cells) * len(resolutions)))
    conn.execute(text("CREATE INDEX ON cell_map (cell)"))
    conn.execute(text("ANALYZE cell_map"))


def _count_into_empty(conn: Connection, batch_ids: list[int], resolutions: list[int],
                      periods: list[str]) -> int:
    """Count the batches' incidents in NumPy and pandas (`geo.counts.cube`, as the
    archive engines do) and COPY the counts into the empty incident_counts, its indexes
    rebuilt afterwards (`geo.db.copy.bulk_insert`); returns the rows written.

    A million incidents give 8.3 M count rows at res 7–10: as one GROUP BY and INSERT in
    PostgreSQL that took 64 s (a 12 M-row sort on disk, then two indexes kept up row by
    row), here a few seconds of counting and a bulk COPY.
    """
    rows = read_arrow(conn.engine, "SELECT h3, occurred_at, category FROM incidents "
                      "WHERE batch_id = ANY(CAST(:b AS bigint[]))",
                      {"b": "{" + ",".join(str(int(b)) for b in batch_ids) + "}"})
    counts = cell_counts(rows["h3"].to_numpy(), rows["occurred_at"].cast(pa.int64()).to_numpy(),
                         rows["category"].to_numpy(zero_copy_only=False), resolutions, periods)
    columns = [
        Column("res", "int2", counts["res"].to_numpy()),
        Column("cell", "int8", counts["cell"].to_numpy()),
        Column("period", "text", np.array(PERIODS, dtype=object)[counts["period"].to_numpy()]),
        Column("period_start", "date", counts["period_start"].to_numpy()),
        Column("category", "text", counts["category"].to_numpy()),
        Column("count", "int4", counts["count"].to_numpy()),
    ]
    bulk_insert(conn.connection.driver_connection, "incident_counts", columns, np.arange(len(counts)))
    return len(counts)


def _count(conn: Connection, batch_ids: list[int], periods: list[str]) -> int:
    """Add the batches' incidents to incident_counts in SQL; returns the rows written.

    Rows go in primary-key order (sequential index inserts).
    """
    conn.execute(text("SET LOCAL work_mem = '64MB'"))
    result = conn.execute(text(f"""
        INSERT INTO incident_counts AS ic (res, cell, period, period_start, category, count)
        SELECT m.res, m.parent, p.period, p.start, i.category, count(*)
        FROM incidents i
        JOIN cell_map m ON m.cell = i.h3
        CROSS JOIN LATERAL (VALUES
            ('day',   date_trunc('day',   i.occurred_at AT TIME ZONE '{TIMEZONE}')::date),
            ('week',  date_trunc('week',  i.occurred_at AT TIME ZONE '{TIMEZONE}')::date),
            ('month', date_trunc('month', i.occurred_at AT TIME ZONE '{TIMEZONE}')::date)
        ) AS p(period, start)
        WHERE i.batch_id = ANY(:b) AND p.period = ANY(:periods)
        GROUP BY m.res, m.parent, p.period, p.start, i.category
        ORDER BY m.res, m.parent, p.period, p.start, i.category
        ON CONFLICT (res, cell, period, period_start, category)
        DO UPDATE SET count = ic.count + EXCLUDED.count
    """), {"b": batch_ids, "periods": periods})
    return int(result.rowcount)


def refresh_counts(engine: Engine, resolutions: Iterable[int] | None = None,
                   periods: Iterable[str] = PERIODS, full: bool = False) -> AggregateResult:
    """Bring incident_counts up to date with the incidents table (one transaction)."""
    res, per = check(resolutions or settings().agg_resolutions, periods, settings().h3_res)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        stored = _stored_combos(conn)
        requested = {(r, p) for r in res for p in per}
        reason = "--full requested" if full else _needs_rebuild(conn, stored, requested)
        if reason:
            # TRUNCATE, not DELETE: millions of rows go at once (readers wait for the commit)
            conn.execute(text("TRUNCATE incident_counts"))
            conn.execute(text("DELETE FROM aggregate_state"))
        # incremental keeps every stored (res, period) current, not only those asked for
        target = requested if reason or not stored else stored
        res = sorted({r for r, _ in target})
        per = [p for p in PERIODS if any(q == p for _, q in target)]
        batch_ids = conn.execute(text("""
            SELECT DISTINCT batch_id FROM incidents
            WHERE batch_id NOT IN (SELECT batch_id FROM aggregate_state) ORDER BY 1
        """)).scalars().all()
        if not batch_ids:
            return AggregateResult("up_to_date" if not reason else "full",
                                   reason or "no new incident batches", [], 0, 0, res, per)
        incidents = conn.execute(text("SELECT count(*) FROM incidents WHERE batch_id = ANY(:b)"),
                                 {"b": batch_ids}).scalar_one()
        if (reason or not stored) and incidents <= IN_MEMORY_MAX:  # incident_counts is empty
            rows = _count_into_empty(conn, batch_ids, res, per)
        else:
            _push_cell_map(conn, batch_ids, res)
            rows = _count(conn, batch_ids, per)
        conn.execute(text("INSERT INTO aggregate_state (batch_id) SELECT unnest(CAST(:b AS bigint[]))"),
                     {"b": batch_ids})
        mode = "full" if reason else "incremental"
        return AggregateResult(mode, reason or "new incident batches", list(batch_ids),
                               int(incidents), rows, res, per)
