"""Bulk write: binary COPY into a temporary staging table, then one upsert by source key.

Values travel in PostgreSQL's binary COPY format (psycopg 3): geometries as EWKB bytes,
times as int8 microseconds and dates as int4 days (converted in SQL, so no per-row
Python datetime objects), attributes as JSON text cast to jsonb. The upsert runs in the
caller's transaction and reports how many rows were inserted, updated or left unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

CHUNK = 50_000


@dataclass
class Column:
    """One staged column: name, staging type and values (None = NULL)."""

    name: str
    type: str  # text | int2 | int4 | int8 | bytea
    values: list
    #: SQL turning the staged value into the target column's value ({} = the staged column)
    expr: str = "{}"


def nullable(values: np.ndarray | pd.Series, missing: np.ndarray | None = None) -> list:
    """Python list of values with None where `missing` (or where the value is NA)."""
    series = pd.Series(values)
    out = series.astype(object).where(series.notna(), None)
    if missing is not None:
        out = out.where(~np.asarray(missing, bool), None)
    return out.tolist()


def stage(conn: psycopg.Connection, name: str, columns: Sequence[Column],
          on_rows: Callable[[int], None] | None = None) -> int:
    """Create temp table `name` (dropped at commit) and binary-COPY the columns into it."""
    n = len(columns[0].values) if columns else 0
    defs = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.type)) for c in columns)
    with conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
            sql.Identifier(name), defs))
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(name), sql.SQL(", ").join(sql.Identifier(c.name) for c in columns))
        with cur.copy(copy_sql) as cp:
            cp.set_types([c.type for c in columns])
            lists = [c.values for c in columns]
            for start in range(0, n, CHUNK):
                for row in zip(*(v[start:start + CHUNK] for v in lists), strict=True):
                    cp.write_row(row)
                if on_rows:
                    on_rows(min(CHUNK, n - start))
    return n


def upsert(conn: psycopg.Connection, target: str, staged: str, columns: Sequence[Column],
           conflict: Sequence[str], constants: dict[str, object]) -> tuple[int, int]:
    """INSERT … SELECT from the staging table, updating rows whose source key exists.

    Rows equal to what is stored are left alone (not counted as updated). `constants`
    are literal values for every row (batch_id, version_id). Returns (inserted, updated).
    """
    names = [c.name for c in columns] + list(constants)
    exprs = [sql.SQL(c.expr.format(f'"{c.name}"')) for c in columns]
    exprs += [sql.Literal(v) for v in constants.values()]
    keys = [n for n in names if n not in conflict]
    compared = [n for n in keys if n != "batch_id"]
    query = sql.SQL("""
        WITH up AS (
            INSERT INTO {target} ({names})
            SELECT {exprs} FROM {staged}
            ON CONFLICT ({conflict}) DO UPDATE SET {sets}
            WHERE ({old}) IS DISTINCT FROM ({new})
            RETURNING (xmax = 0) AS inserted)
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
    """).format(
        target=sql.Identifier(target),
        names=sql.SQL(", ").join(map(sql.Identifier, names)),
        exprs=sql.SQL(", ").join(exprs),
        staged=sql.Identifier(staged),
        conflict=sql.SQL(", ").join(map(sql.Identifier, conflict)),
        sets=sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(n)) for n in keys),
        old=sql.SQL(", ").join(sql.SQL("{}.{}").format(sql.Identifier(target), sql.Identifier(n))
                               for n in compared),
        new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(n)) for n in compared),
    )
    with conn.cursor() as cur:
        cur.execute(query)
        inserted, updated = cur.fetchone()
    return int(inserted), int(updated)


# SQL expressions turning staged encodings into target types
TIMESTAMP = "'1970-01-01 00:00:00+00'::timestamptz + {} * interval '1 microsecond'"
DATE = "'1970-01-01'::date + {}"
GEOMETRY = "ST_GeomFromEWKB({})"
JSONB = "{}::jsonb"
