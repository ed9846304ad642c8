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
"""

from __future__ import annotations

import datetime as dt
import queue
import re
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np
import psycopg
from psycopg import sql

from geo.db import partitions
from geo.db.copy import Column, _ready, copy_ready, index_definitions

WORKERS = 2  # this machine's cores; the server builds one month per connection at a time
_INDEX = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON ONLY \S+ ")


def stage_name(table: str, batch_id: int, month: dt.date) -> str:
    return f"{table}__b{batch_id}_{month:%Y_%m}"


def drop_leftovers(conn: psycopg.Connection, table: str) -> list[str]:
    """Drop month tables of earlier loads that never got attached (a killed load's)."""
    names = [r[0] for r in conn.execute(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND NOT relispartition "
        "AND relname LIKE %s", (table.replace("_", r"\_") + r"\_\_b%",)).fetchall()]
    for name in names:
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
    return names


def _definitions(conn: psycopg.Connection, table: str) -> tuple[str, list[str], list[str]]:
    """(column list for CREATE TABLE, CREATE INDEX templates with {} for the table, key
    constraint definitions) of `table`: its columns with their types, collations, NOT
    NULL and defaults, its partitioned indexes and its primary and unique keys."""
    columns = ", ".join(d for (d,) in conn.execute(
        "SELECT format('%%I %%s%%s%%s%%s', a.attname, format_type(a.atttypid, a.atttypmod), "
        "CASE WHEN a.attcollation <> t.typcollation THEN ' COLLATE ' || quote_ident(c.collname) "
        "ELSE '' END, CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, "
        "coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')) "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_collation c ON c.oid = a.attcollation "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum", (table,)).fetchall())
    indexes = [_INDEX.sub(lambda m: f"CREATE {m.group(1) or ''}INDEX ON {{}} ", d)
               for _, d in index_definitions(conn, table)]
    keys = [d for (d,) in conn.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype IN ('p', 'u') ORDER BY contype", (table,)).fetchall()]
    return columns, indexes, keys


def _month_groups(times: np.ndarray, idx: np.ndarray) -> list[tuple[dt.date, np.ndarray]]:
    """Rows `idx` (in time order) split by local month."""
    local = partitions.local_months(times[idx])
    cuts = np.flatnonzero(local[1:] != local[:-1]) + 1
    return [(local[part[0]].astype("datetime64[D]").astype(dt.date), idx[part])
            for part in np.split(np.arange(len(idx)), cuts) if len(part)]


def _share(groups: list, workers: int) -> list[list]:
    """Months dealt to workers, largest first to the least loaded (rows balance)."""
    shares: list[list] = [[] for _ in range(workers)]
    load = [0] * workers
    for group in sorted(groups, key=lambda g: -len(g[1])):
        w = load.index(min(load))
        shares[w].append(group)
        load[w] += len(group[1])
    return shares


def _build(dsn: str, table: str, names: Sequence[str], ready: list, share: list,
           batch_id: int, definitions: tuple[str, list[str], list[str]], column: str,
           on_rows: Callable[[int], None] | None, seconds: list[float],
           built: Callable[[dt.date], None], failed: list[BaseException]) -> None:
    """One worker: for each of its months, a table with `table`'s columns filled, indexed,
    keyed, with its bounds checked, committed, and handed to `built`; it stops early once
    anything in the load has `failed`."""
    columns, indexes, keys = definitions
    with psycopg.connect(dsn) as w:
        for month, part in share:
            if failed:
                return
            stage = stage_name(table, batch_id, month)
            name = sql.Identifier(stage)
            lo, hi = partitions.bounds(month)
            w.execute(sql.SQL("CREATE TABLE {} ({})").format(name, sql.SQL(columns)))
            # FREEZE (the table is this transaction's own): rows are written frozen and
            # all-visible, so the first reads after the load neither set hint bits nor
            # rewrite the pages, and index-only scans need no heap visits
            copy_ready(w, stage, names, ready, part, on_rows, freeze=True)
            start = time.perf_counter()
            for template in indexes:
                w.execute(template.format(name.as_string(w)))
            for key in keys:
                w.execute(sql.SQL("ALTER TABLE {} ADD ").format(name) + sql.SQL(key))
            w.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT bounds CHECK ({} >= {} AND {} < {})").format(
                name, sql.Identifier(column), sql.Literal(lo), sql.Identifier(column), sql.Literal(hi)))
            seconds.append(time.perf_counter() - start)
            w.commit()
            built(month)


def _attach(conn: psycopg.Connection, table: str, batch_id: int, month: dt.date, have: set[str]) -> None:
    """Month table `month` of this load in place of the month's (empty) partition."""
    stage, final = stage_name(table, batch_id, month), partitions.name(month)
    if final in have:  # made empty by partitions.ensure: the built one takes its place
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(final)))
    lo, hi = partitions.bounds(month)
    conn.execute(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})").format(
        sql.Identifier(table), sql.Identifier(stage), sql.Literal(lo), sql.Literal(hi)))
    conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT bounds").format(sql.Identifier(stage)))
    conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(
        sql.Identifier(stage), sql.Identifier(final)))
    for (index,) in conn.execute("SELECT c.relname FROM pg_index x JOIN pg_class c ON "
                                 "c.oid = x.indexrelid WHERE x.indrelid = %s::regclass",
                                 (final,)).fetchall():
        if index.startswith(stage):  # named as the partitions PostgreSQL makes itself
            conn.execute(sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                sql.Identifier(index), sql.Identifier(final + index[len(stage):])))


def _ids(conn: psycopg.Connection, table: str, idx: np.ndarray, n: int) -> list[Column]:
    """An `id` column for rows `idx` (of `n`) drawn from `table`'s id sequence in one call,
    when it has one: the server then evaluates no nextval() per row. Safe because the
    loader holds the table's write lock, and only inserts into the table draw from it."""
    seq = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    if seq is None or not len(idx):
        return []
    last = conn.execute("SELECT setval(%s, nextval(%s) + %s - 1)", (seq, seq, len(idx))).fetchone()[0]
    ids = np.zeros(n, dtype=np.int64)
    ids[idx] = np.arange(last - len(idx) + 1, last + 1, dtype=np.int64)
    return [Column("id", "int8", ids)]


def exchange_insert(conn: psycopg.Connection, dsn: str, table: str, columns: Sequence[Column],
                    idx: np.ndarray, times: np.ndarray, column: str, batch_id: int,
                    on_rows: Callable[[int], None] | None = None) -> float:
    """Rows `idx` (in time order; `times` µs UTC of every row, partition column `column`)
    into the empty partitioned `table`, month by month, WORKERS months at a time, each
    attached in `conn`'s transaction once built. Returns the seconds the workers spent
    indexing."""
    groups = _month_groups(times, idx)
    columns = [*columns, *_ids(conn, table, idx, len(times))]
    ready = [_ready(c) for c in columns]
    names = [c.name for c in columns]
    definitions = _definitions(conn, table)
    seconds: list[float] = []
    errors: list[BaseException] = []
    built: queue.Queue[dt.date | None] = queue.Queue()

    def run(share: list) -> None:
        try:
            _build(dsn, table, names, ready, share, batch_id, definitions, column, on_rows,
                   seconds, built.put, errors)
        except BaseException as exc:  # re-raised below, in the loading thread
            errors.append(exc)
        finally:
            built.put(None)  # this worker is done

    threads = [threading.Thread(target=run, args=(share,)) for share in _share(groups, WORKERS) if share]
    for t in threads:
        t.start()
    have = partitions.existing(conn)
    try:
        running = len(threads)
        while running:
            month = built.get()
            if month is None:
                running -= 1
            elif not errors:
                _attach(conn, table, batch_id, month, have)
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
                    clean.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                        sql.Identifier(stage_name(table, batch_id, month))))
    if errors:
        raise errors[0]
    return sum(seconds) / max(len(threads), 1)
