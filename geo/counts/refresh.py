"""Keeping `incident_counts` up to date with the incidents: month counts at coarse resolutions.

What is stored, and why (measured on the city sample, #23): the month counts per H3 cell
and category at the resolutions coarser than the incidents' own cell (res 7–9 by
default) — 1.3 M rows for a million incidents. Day and week counts, and any count at
the incidents' own resolution, are not stored: at those levels almost every
combination holds one incident, so such rows copied the raw data at a higher cost (the
former res 7–10 × day/week/month cube had 8.3 M rows, 2.4× the size of the incidents);
`geo.counts.store` counts them from the month-partitioned incidents by time range.

How: the incidents to count are read (their res-10 cell, time and category; a monthly
file's rows on the open connection, a rebuild's through Arrow), counted in NumPy
(`geo.counts.cube.month_counts`: one packed int64 key per row and resolution, counted
by sort — already the table's key order; past IN_MEMORY_MAX incidents one local month
at a time, as month counts of one month are final) and COPYed in binary
(`geo.db.copy`): into an empty table in bulk, its key built after; otherwise staged and
added (ON CONFLICT … count + EXCLUDED.count). Counting in SQL (one INSERT … SELECT with
GROUP BY per resolution, parents by bit arithmetic) was measured too: its hash
aggregates took longer than reading the rows out and counting them here.

Incremental refresh: only incident batches not yet in `aggregate_state` are counted and
added — `civicgrid aggregate`, and each `civicgrid load incidents` for its own batch.
Re-loading a changed file upserts changed rows into the new batch, which takes them out
of the batch they were counted with; so before adding, the stored total (of the
coarsest resolution: every write adds the same incidents at each) is checked against
the number of incidents in the batches already aggregated — one scan counting the
incidents per batch gives both these and the batches still to add — and any difference
(rows moved, changed or deleted) triggers a full rebuild. `full=True` always
rebuilds.

Reclassified incidents (a vocabulary import giving an unknown value its 大类) keep their
batch and their total: `move_reclassified` moves their counts from the old category to
the new one inside the import's transaction, so the counts equal a full rebuild at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine, text

from geo.config import settings
from geo.counts.cube import month_counts
from geo.counts.periods import PERIODS, check, local_midnight
from geo.db.arrow import read_arrow
from geo.db.copy import Column, bulk_insert, stage

LOCK_KEY = 4_240_001  # advisory lock: one aggregate at a time
#: the one period stored; days and weeks are counted from the incidents when read
STORED_PERIOD = "month"
#: most incidents read at once; more are read one local month at a time
IN_MEMORY_MAX = 2_000_000
#: most incidents read on the open connection; more are read through Arrow (ADBC)
SMALL_BATCH = 50_000
KEY = ("res", "month", "cell", "category")


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


def kept_resolutions(resolutions: Iterable[int] | None = None) -> list[int]:
    """The resolutions to store: those asked, by default the pages' resolutions coarser
    than the incidents' own cell (which is read from the incidents as fast)."""
    if resolutions:
        return sorted({int(r) for r in resolutions})
    s = settings()
    return sorted(r for r in s.agg_resolutions if r < s.h3_res)


def _stored_resolutions(conn: Connection) -> set[int]:
    rows = conn.execute(
        text(
            "SELECT r FROM generate_series(0, 15) AS r "
            "WHERE EXISTS (SELECT 1 FROM incident_counts WHERE res = r)"
        )
    )
    return {int(r) for (r,) in rows}


def _batches(conn: Connection) -> tuple[dict[int, int], dict[int, int]]:
    """Incidents per batch, (already aggregated, not yet): one scan of the incidents."""
    rows = conn.execute(
        text("""
        SELECT i.batch_id, i.n, s.batch_id IS NOT NULL
        FROM (SELECT batch_id, count(*) AS n FROM incidents WHERE batch_id IS NOT NULL
              GROUP BY batch_id) i
        LEFT JOIN aggregate_state s USING (batch_id)""")
    ).all()
    return (
        {int(b): int(n) for b, n, done in rows if done},
        {int(b): int(n) for b, n, done in rows if not done},
    )


def _needs_rebuild(
    conn: Connection, stored: set[int], requested: set[int], aggregated: int
) -> str | None:
    """Why the stored counts cannot simply be added to, or None when they can.

    Every write adds the same incidents at every stored resolution in one transaction,
    so the coarsest one's total (few rows, read by the key's prefix) stands for all."""
    if requested - stored and stored:
        return "new resolutions requested"
    if not stored:
        return "aggregated batches have no stored counts" if aggregated else None
    total = conn.execute(
        text("SELECT coalesce(sum(count), 0) FROM incident_counts WHERE res = :r"),
        {"r": min(stored)},
    ).scalar_one()
    if int(total) != aggregated:
        return "incidents of aggregated batches changed (re-loaded or deleted)"
    return None


def _where(batch_ids: list[int], month: dt.date | None) -> str:
    # literals, not parameters: ADBC then reads the rows as one COPY (see geo.counts.store)
    sql = f"batch_id = ANY('{{{','.join(str(int(b)) for b in batch_ids)}}}'::int8[])"
    if month is not None:
        after = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        sql += (
            f" AND occurred_at >= '{local_midnight(month)}'::timestamptz"
            f" AND occurred_at < '{local_midnight(after)}'::timestamptz"
        )
    return sql


def _read(
    engine: Engine, conn: Connection, batch_ids: list[int], month: dt.date | None, small: bool
) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """(res-10 cell, µs UTC, category) of the batches' incidents, of one local month when
    given: a small batch on the open connection (opening an ADBC connection costs more
    than reading a monthly file's rows), many through Arrow."""
    if small:
        rows = conn.execute(
            text(
                "SELECT h3, (extract(epoch FROM occurred_at) * 1000000)::int8, category FROM incidents "
                f"WHERE {_where(batch_ids, month)}"
            )
        ).all()
        cell, micros, category = zip(*rows, strict=True) if rows else ((), (), ())
        return (
            np.asarray(cell, dtype=np.int64),
            np.asarray(micros, dtype=np.int64),
            pa.array(category, type=pa.string()),
        )
    table = read_arrow(
        engine, f"SELECT h3, occurred_at, category FROM incidents WHERE {_where(batch_ids, month)}"
    )
    return (
        table["h3"].to_numpy(),
        table["occurred_at"].cast(pa.int64()).to_numpy(),
        table["category"].combine_chunks(),
    )


def _months(conn: Connection, batch_ids: list[int]) -> list[dt.date]:
    lo, hi = conn.execute(
        text("SELECT min(occurred_at), max(occurred_at) FROM incidents WHERE batch_id = ANY(:b)"),
        {"b": batch_ids},
    ).one()
    first = pd.Timestamp(lo).tz_convert("Etc/GMT-8").tz_localize(None).to_period("M")
    last = pd.Timestamp(hi).tz_convert("Etc/GMT-8").tz_localize(None).to_period("M")
    return [p.start_time.date() for p in pd.period_range(first, last, freq="M")]


def count_batches(
    engine: Engine, conn: Connection, batch_ids: list[int], resolutions: list[int], incidents: int
) -> pd.DataFrame:
    """Month counts of the batches' `incidents` incidents (`res, month, cell, category,
    count`, month as days since 1970-01-01; `geo.counts.cube.month_counts`): read in one
    go, or past IN_MEMORY_MAX one local month at a time (month counts of one month are
    final), each month's rows in the table's key order."""
    months = _months(conn, batch_ids) if incidents > IN_MEMORY_MAX else [None]
    frames = [
        month_counts(*_read(engine, conn, batch_ids, month, incidents <= SMALL_BATCH), resolutions)
        for month in months
    ]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _columns(frame: pd.DataFrame) -> list[Column]:
    category = frame["category"].array  # Categorical: its names taken by code in Arrow
    names = pa.array(np.asarray(category.categories, dtype=object), type=pa.string())
    return [
        Column("res", "int2", frame["res"].to_numpy()),
        Column("month", "date", frame["month"].to_numpy()),
        Column("cell", "int8", frame["cell"].to_numpy()),
        Column("category", "text", names.take(pa.array(category.codes))),
        Column("count", "int4", frame["count"].to_numpy()),
    ]


def _write(conn: Connection, frame: pd.DataFrame, empty: bool) -> None:
    """COPY the counts into the empty table (key rebuilt after), or stage and add them."""
    raw = conn.connection.driver_connection
    idx = np.arange(len(frame))
    if empty:
        bulk_insert(raw, "incident_counts", _columns(frame), idx)
        return
    stage(raw, "counts_staged", "incident_counts", _columns(frame), idx)
    conn.execute(
        text("""
        INSERT INTO incident_counts AS ic (res, month, cell, category, count)
        SELECT res, month, cell, category, count FROM counts_staged
        ON CONFLICT (res, month, cell, category) DO UPDATE SET count = ic.count + EXCLUDED.count
    """)
    )


def refresh_counts(
    engine: Engine,
    resolutions: Iterable[int] | None = None,
    periods: Iterable[str] = PERIODS,
    full: bool = False,
) -> AggregateResult:
    """Bring incident_counts up to date with the incidents table (one transaction).

    `periods` is checked (day, week, month) but only months are stored: days and weeks
    are counted from the incidents when read.
    """
    res, _ = check(kept_resolutions(resolutions), periods, settings().h3_res)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        stored = _stored_resolutions(conn)
        done, new = _batches(conn)
        reason = (
            "--full requested"
            if full
            else _needs_rebuild(conn, stored, set(res), sum(done.values()))
        )
        if reason:
            # TRUNCATE, not DELETE: every row goes at once (readers wait for the commit)
            conn.execute(text("TRUNCATE incident_counts"))
            conn.execute(text("DELETE FROM aggregate_state"))
            new = done | new
        # incremental keeps every stored resolution current, not only those asked for
        res = sorted(set(res) if reason or not stored else stored)
        batch_ids = sorted(new)
        per = [STORED_PERIOD]
        if not batch_ids:
            return AggregateResult(
                "up_to_date" if not reason else "full",
                reason or "no new incident batches",
                [],
                0,
                0,
                res,
                per,
            )
        incidents = sum(new.values())
        frame = count_batches(engine, conn, batch_ids, res, incidents)
        _write(conn, frame, empty=bool(reason) or not stored)
        conn.execute(
            text("INSERT INTO aggregate_state (batch_id) SELECT unnest(CAST(:b AS bigint[]))"),
            {"b": batch_ids},
        )
        mode = "full" if reason else "incremental"
        return AggregateResult(
            mode, reason or "new incident batches", batch_ids, int(incidents), len(frame), res, per
        )


def move_reclassified(conn: Connection, moved: pd.DataFrame) -> int:
    """Move the counts of reclassified incidents from their old 大类 to their new one, in
    the caller's transaction (the vocabulary import's; geo.vocab cannot import this
    package, so the import is handed this hook). `moved` holds one row per changed
    incident: batch_id, h3 (res 10), occurred_at (µs UTC), old and new category. Only
    batches already counted move (a batch counted later is read with its new category);
    the lock waits for a running aggregate, which then has either counted a batch or not.
    Returns the count rows written."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    counted = set(conn.execute(text("SELECT batch_id FROM aggregate_state")).scalars())
    moved = moved[moved["batch_id"].isin(counted) & (moved["old"] != moved["new"])]
    stored = sorted(_stored_resolutions(conn))
    if moved.empty or not stored:
        return 0
    cell = moved["h3"].to_numpy(dtype=np.int64)
    micros = moved["occurred_at"].to_numpy(dtype=np.int64)
    minus = month_counts(cell, micros, moved["old"].to_numpy(dtype=object), stored)
    plus = month_counts(cell, micros, moved["new"].to_numpy(dtype=object), stored)
    delta = pd.concat([minus.assign(count=-minus["count"]), plus], ignore_index=True)
    delta["category"] = delta["category"].astype(str)  # the two sides' categories differ
    delta = delta.groupby(list(KEY), sort=True)["count"].sum().reset_index()
    delta = delta[delta["count"] != 0].reset_index(drop=True)
    delta["category"] = pd.Categorical(delta["category"], categories=sorted(set(delta["category"])))
    if delta.empty:
        return 0
    _write(conn, delta, empty=False)
    conn.execute(
        text("""
        DELETE FROM incident_counts ic USING counts_staged s
        WHERE (ic.res, ic.month, ic.cell, ic.category) = (s.res, s.month, s.cell, s.category)
          AND ic.count = 0
    """)
    )
    # a new aggregated_at: the data stamp changes, so kept page views are made again
    conn.execute(
        text(
            "UPDATE aggregate_state SET aggregated_at = clock_timestamp() WHERE batch_id = ANY(:b)"
        ),
        {"b": sorted({int(b) for b in moved["batch_id"]})},
    )
    return len(delta)
