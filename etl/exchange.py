"""Bulk load into an empty partitioned table by partition exchange, one connection per core.

In the load's own transaction the COPY and the index builds are server work on one
core. Into an empty month-partitioned table each month can instead be built as a table
of its own — COPY, the parent's indexes and keys, a CHECK of the month's bounds — by
`WORKERS` connections at once, each month committed as a stand-alone table that no
query reads, and attached in the load's transaction as soon as it is: PostgreSQL adopts
the built indexes (same definitions), skips the bounds scan (the CHECK proves it) and
checks the foreign key, while the workers build the next months. The month tables are
made from the parent's column list read once beforehand, never with LIKE: the load's
transaction holds locks on the parent (dropping an empty partition, attaching) that
LIKE would wait for. The rows still appear all at once, when the load commits. Month
tables of a load that failed are dropped by it, or, if it was killed, by the next load
of the table (`drop_leftovers`, called under the table lock, so no other load can be
building any).

The application role that loads has no DDL: creating, indexing, attaching and dropping
the month tables are the owner's SECURITY DEFINER functions `civicgrid_stage_*`
(migration 0006), which accept only stages of a partitioned table of civicgrid and
replace only an empty month. The COPY into a month table is the loader's own. The
parent's column list and index and key definitions are read once, on a connection of
their own, before the load's transaction attaches anything (`civicgrid_stage_prepare`:
reading them needs a lock on the parent that the attachments hold).
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np
import psycopg

from geo.db import partitions
from geo.db.copy import Column, _ready, copy_ready

WORKERS = 2  # this machine's cores; the server builds one month per connection at a time


def drop_leftovers(conn: psycopg.Connection, table: str) -> list[str]:
    """Drop month tables of earlier loads that never got attached (a killed load's)."""
    return [
        n
        for (n,) in conn.execute("SELECT civicgrid_stage_drop(%s, NULL, NULL)", (table,)).fetchall()
    ]


def _month_groups(times: np.ndarray, idx: np.ndarray) -> list[tuple[dt.date, np.ndarray]]:
    """Rows `idx` (in time order) split by local month."""
    local = partitions.local_months(times[idx])
    cuts = np.flatnonzero(local[1:] != local[:-1]) + 1
    return [
        (local[part[0]].astype("datetime64[D]").astype(dt.date), idx[part])
        for part in np.split(np.arange(len(idx)), cuts)
        if len(part)
    ]


def _share(groups: list, workers: int) -> list[list]:
    """Months dealt to workers, largest first to the least loaded (rows balance)."""
    shares: list[list] = [[] for _ in range(workers)]
    load = [0] * workers
    for group in sorted(groups, key=lambda g: -len(g[1])):
        w = load.index(min(load))
        shares[w].append(group)
        load[w] += len(group[1])
    return shares


def _finish(w: psycopg.Connection, table: str, batch_id: int, month: dt.date) -> None:
    """The parent's indexes and keys on a filled month table, and a CHECK of its bounds."""
    w.execute("SELECT civicgrid_stage_finish(%s, %s, %s)", (table, batch_id, month))


def _build(
    dsn: str,
    table: str,
    names: Sequence[str],
    ready: list,
    share: list,
    batch_id: int,
    on_rows: Callable[[int], None] | None,
    seconds: list[float],
    built: Callable[[dt.date], None],
    failed: list[BaseException],
) -> None:
    """One worker: for each of its months, a table with `table`'s columns filled, indexed,
    keyed, with its bounds checked, committed, and handed to `built`; it stops early once
    anything in the load has `failed`."""
    with psycopg.connect(dsn) as w:
        for month, part in share:
            if failed:
                return
            stage = w.execute(
                "SELECT civicgrid_stage_create(%s, %s, %s)", (table, batch_id, month)
            ).fetchone()[0]
            # FREEZE (the table is this transaction's own): rows are written frozen and
            # all-visible, so the first reads after the load neither set hint bits nor
            # rewrite the pages, and index-only scans need no heap visits
            copy_ready(w, stage, names, ready, part, on_rows, freeze=True)
            start = time.perf_counter()
            _finish(w, table, batch_id, month)
            seconds.append(time.perf_counter() - start)
            w.commit()
            built(month)


def _attach(conn: psycopg.Connection, table: str, batch_id: int, month: dt.date) -> None:
    """Month table `month` of this load in place of the month's (empty) partition, which
    `partitions.ensure` made before the load."""
    conn.execute("SELECT civicgrid_stage_attach(%s, %s, %s)", (table, batch_id, month))


def _ids(conn: psycopg.Connection, table: str, idx: np.ndarray, n: int) -> list[Column]:
    """An `id` column for rows `idx` (of `n`) drawn from `table`'s id sequence in one call,
    when it has one: the server then evaluates no nextval() per row. Safe because the
    loader holds the table's write lock, and only inserts into the table draw from it."""
    seq = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    if seq is None or not len(idx):
        return []
    last = conn.execute("SELECT setval(%s, nextval(%s) + %s - 1)", (seq, seq, len(idx))).fetchone()[
        0
    ]
    ids = np.zeros(n, dtype=np.int64)
    ids[idx] = np.arange(last - len(idx) + 1, last + 1, dtype=np.int64)
    return [Column("id", "int8", ids)]


def exchange_insert(
    conn: psycopg.Connection,
    dsn: str,
    table: str,
    columns: Sequence[Column],
    idx: np.ndarray,
    times: np.ndarray,
    batch_id: int,
    on_rows: Callable[[int], None] | None = None,
) -> float:
    """Rows `idx` (in time order; `times` µs UTC of every row, the partition column)
    into the empty partitioned `table`, month by month, WORKERS months at a time, each
    attached in `conn`'s transaction once built. Returns the seconds the workers spent
    indexing."""
    groups = _month_groups(times, idx)
    columns = [*columns, *_ids(conn, table, idx, len(times))]
    ready = [_ready(c) for c in columns]
    names = [c.name for c in columns]
    seconds: list[float] = []
    errors: list[BaseException] = []
    built: queue.Queue[dt.date | None] = queue.Queue()
    with psycopg.connect(dsn, autocommit=True) as plan:  # before this transaction attaches anything
        plan.execute("SELECT civicgrid_stage_prepare(%s)", (table,))

    def run(share: list) -> None:
        try:
            _build(dsn, table, names, ready, share, batch_id, on_rows, seconds, built.put, errors)
        except BaseException as exc:  # re-raised below, in the loading thread
            errors.append(exc)
        finally:
            built.put(None)  # this worker is done

    threads = [
        threading.Thread(target=run, args=(share,)) for share in _share(groups, WORKERS) if share
    ]
    for t in threads:
        t.start()
    try:
        running = len(threads)
        while running:
            month = built.get()
            if month is None:
                running -= 1
            elif not errors:
                _attach(conn, table, batch_id, month)
    except BaseException:
        errors.append(RuntimeError("attaching failed"))  # stops the workers' months being attached
        raise
    finally:
        for t in threads:
            t.join()
        if errors:
            # the attachments go with the load's transaction; then the month tables the
            # workers committed go too (while attached they were locked by it)
            conn.rollback()
            with psycopg.connect(dsn, autocommit=True) as clean:
                for month, _ in groups:
                    clean.execute(
                        "SELECT civicgrid_stage_drop(%s, %s, %s)", (table, batch_id, month)
                    )
    if errors:
        raise errors[0]
    return sum(seconds) / max(len(threads), 1)
