"""Month partitions of `incidents`: which months rows fall in, names, bounds, creation.

Incidents are range-partitioned on occurred_at, one partition per calendar month in
China Standard Time (UTC+8, no daylight saving), named `incidents_YYYY_MM`, plus
`incidents_default` for rows of months that have no partition yet (rows written by
hand, not by the loader). Loaders create the months they are about to write with
`ensure` before they write: creating a partition locks the parent table, so it runs
in its own short transaction, never inside a long load. `bounds` is the Python twin of
the month bounds the owner's partition functions (migration 0006) use.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg

from geo import localtime
from geo.localtime import local_months

PARENT = "incidents"
DEFAULT = "incidents_default"


def months_of(utc_us: np.ndarray) -> list[dt.date]:
    """The first days of the local (UTC+8) months that µs-since-1970 UTC times fall in."""
    return [m.astype(dt.date) for m in np.unique(local_months(utc_us)).astype("datetime64[D]")]


def name(month: dt.date) -> str:
    return f"{PARENT}_{month:%Y_%m}"


def bounds(month: dt.date) -> tuple[str, str]:
    """[from, to) of a month as timestamptz literals at UTC+8."""
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    zone = f"{localtime.OFFSET_HOURS:+03d}"  # ISO 8601 in a timestamptz literal: east positive
    return f"{month:%Y-%m-%d} 00:00:00{zone}", f"{following:%Y-%m-%d} 00:00:00{zone}"


def existing(conn: psycopg.Connection) -> set[str]:
    """Names of the partitions `incidents` has now."""
    return {
        r[0]
        for r in conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            (PARENT,),
        ).fetchall()
    }


def months(conn: psycopg.Connection) -> list[str]:
    """The months that have a partition now, as YYYY-MM, in order."""
    return sorted(n[len(PARENT) + 1 :].replace("_", "-") for n in existing(conn) if n != DEFAULT)


def ensure(dsn: str, months: list[dt.date]) -> list[str]:
    """Create the partitions of `months` that do not exist yet, in one short transaction
    of its own; returns the names created. The creation is the owner's function
    `civicgrid_incident_month` (migration 0006: the application role has no DDL), which
    serialises itself by an advisory lock and moves the month's rows out of the default
    partition."""
    with psycopg.connect(dsn) as conn:
        if not conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))",
            (PARENT,),
        ).fetchone()[0]:
            return []
        have = existing(conn)
        created = [
            conn.execute("SELECT civicgrid_incident_month(%s)", (m,)).fetchone()[0]
            for m in months
            if name(m) not in have
        ]
        return [n for n in created if n]
