"""The database a benchmark measures in: its own, on the configured server, migrated."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def migrated(name: str) -> str:
    """URL of database `name` (created if absent, migrated to head); the rest of the
    process, and the civicgrid commands it starts, use it (CIVICGRID_DB_NAME)."""
    os.environ["CIVICGRID_DB_NAME"] = name
    from geo.db import cluster, migrate
    from geo.db.engine import database_url, owner_url

    url = database_url()
    cluster.ensure_database(url)
    migrate.upgrade(owner_url())
    return url


def serve(name: str) -> tuple[str, subprocess.Popen]:
    """`civicgrid serve` on database `name`, on a free loopback port, in its own process,
    as users run it (gunicorn, a worker process per core with its threads, no sign-in):
    (base URL, process). The browser driver then shares no interpreter with the server,
    and the server's threads live from request to request as in production."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo", "serve", "--port", str(port), "--no-login"],
        cwd=ROOT,
        env={**os.environ, "CIVICGRID_DB_NAME": name},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=5).close()
            return base, proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                sys.exit("the dashboard did not start")
            time.sleep(0.5)


def owner() -> str:
    """URL of the same database as the owner role: for resetting tables between runs and
    for peers that create tables of their own (the application role may do neither)."""
    from geo.db.engine import owner_url

    return owner_url()


def size_mb(conn, table: str) -> float:
    """Size of `table` with its indexes and TOAST, in MiB."""
    from sqlalchemy import text

    size = conn.execute(text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": table})
    return float(size.scalar()) / 2**20


def incidents_mb(conn) -> float:
    """Size of all of `incidents`' month partitions with their indexes, in MiB."""
    from sqlalchemy import text

    size = conn.execute(
        text(
            "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
            "WHERE inhparent = 'incidents'::regclass"
        )
    )
    return float(size.scalar()) / 2**20
