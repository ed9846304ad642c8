"""A project-local PostgreSQL + PostGIS cluster under `.civicgrid/pg/`.

A fresh machine with Debian's `postgresql-15 postgresql-15-postgis-3` needs nothing
else: `civicgrid db up` initialises the cluster, starts it on its own port (TCP on
127.0.0.1, socket in its own folder), creates the database and the extension.
PostgreSQL refuses to run as root, so as root every server command runs as the
`postgres` system user.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from geo.config import default_port, state_dir
from geo.errors import DatabaseError, database_said

PG_VERSIONS = ("15", "16", "17", "14", "13")
INSTALL_HINT = (
    "install PostgreSQL and PostGIS (Debian: apt-get install postgresql-15 "
    "postgresql-15-postgis-3) or set CIVICGRID_DATABASE_URL to an existing PostGIS"
)


@dataclass(frozen=True)
class Cluster:
    """Where the local cluster lives and how to run its binaries."""

    bindir: Path
    root: Path
    port: int

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    @property
    def sockdir(self) -> Path:
        """Socket folder; moved under /tmp when the project path is too long for a socket."""
        local = self.root / "sock"
        if len(str(local / f".s.PGSQL.{self.port}")) < 100:
            return local
        tag = hashlib.sha256(str(self.root).encode()).hexdigest()[:10]
        return Path("/tmp") / f"civicgrid-{tag}"


def find_bindir() -> Path:
    """The PostgreSQL server binaries that have PostGIS installed beside them."""
    for version in PG_VERSIONS:
        bindir = Path(f"/usr/lib/postgresql/{version}/bin")
        control = Path(f"/usr/share/postgresql/{version}/extension/postgis.control")
        if (bindir / "initdb").exists() and control.exists():
            return bindir
    raise DatabaseError(f"no PostgreSQL server with PostGIS found: {INSTALL_HINT}")


def local_cluster() -> Cluster:
    return Cluster(bindir=find_bindir(), root=state_dir() / "pg", port=default_port())


def _as_root() -> bool:
    return os.geteuid() == 0


def _run(cluster: Cluster, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a server binary, as `postgres` when we are root."""
    cmd = [str(cluster.bindir / args[0]), *args[1:]]
    if _as_root():
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise DatabaseError(f"{args[0]} failed: {detail[-1] if detail else proc.returncode}")
    return proc


def _make_traversable(path: Path) -> None:
    """Let `postgres` reach the cluster: every parent folder needs the x bit for others."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(parent, mode | stat.S_IXOTH)


def _own(cluster: Cluster, *paths: Path) -> None:
    if not _as_root():
        return
    for p in paths:
        shutil.chown(p, "postgres", "postgres")


def is_running(cluster: Cluster) -> bool:
    if not (cluster.datadir / "PG_VERSION").exists():
        return False
    return _run(cluster, "pg_ctl", "-D", str(cluster.datadir), "status", check=False).returncode == 0


def init(cluster: Cluster) -> bool:
    """Create the cluster's data folder if absent; True when it was created now."""
    if (cluster.datadir / "PG_VERSION").exists():
        return False
    cluster.root.mkdir(parents=True, exist_ok=True)
    if _as_root():
        _make_traversable(cluster.root)
    _own(cluster, cluster.root)
    _run(
        cluster, "initdb", "-D", str(cluster.datadir), "-U", "postgres", "--auth=trust",
        "--locale=C.UTF-8", "-E", "UTF8",
    )
    conf = cluster.datadir / "postgresql.conf"
    with conf.open("a") as fh:
        fh.write(
            "\n# civicgrid: local analysis cluster\n"
            "shared_buffers = 512MB\nwork_mem = 64MB\nmaintenance_work_mem = 512MB\n"
            "max_wal_size = 4GB\nsynchronous_commit = off\nmax_connections = 200\n"
        )
    return True


def start(cluster: Cluster) -> None:
    """Start the server (no-op when already running)."""
    if is_running(cluster):
        return
    cluster.sockdir.mkdir(parents=True, exist_ok=True)
    _own(cluster, cluster.sockdir)
    opts = f"-p {cluster.port} -k {cluster.sockdir} -c listen_addresses=127.0.0.1"
    _run(
        cluster, "pg_ctl", "-D", str(cluster.datadir), "-l", str(cluster.logfile),
        "-o", opts, "-w", "-t", "60", "start",
    )


def stop(cluster: Cluster) -> bool:
    """Stop the server; False when it was not running."""
    if not is_running(cluster):
        return False
    _run(cluster, "pg_ctl", "-D", str(cluster.datadir), "-m", "fast", "-w", "stop")
    return True


def wait_ready(url: str, timeout: float = 30.0) -> None:
    """Wait until the server accepts connections on `url`'s maintenance database."""
    import psycopg

    from geo.db.engine import libpq_dsn

    deadline = time.monotonic() + timeout
    dsn = libpq_dsn(url).replace(f"dbname={_dbname(url)}", "dbname=postgres")
    while True:
        try:
            psycopg.connect(dsn, connect_timeout=3).close()
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise DatabaseError(f"database not reachable: {database_said(exc)}") from exc
            time.sleep(0.2)


def _dbname(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database or "postgres"


def ensure_database(url: str) -> bool:
    """Create the database named in `url` and its PostGIS extension; True if created."""
    import psycopg
    from psycopg import sql

    from geo.db.engine import libpq_dsn

    name = _dbname(url)
    admin = libpq_dsn(url).replace(f"dbname={name}", "dbname=postgres")
    created = False
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
            created = True
    with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot create extension postgis in {name}: {exc}; {INSTALL_HINT}") from exc
    return created


def drop_database(url: str) -> None:
    """Drop the database named in `url` (tests use it to start clean)."""
    import psycopg
    from psycopg import sql

    from geo.db.engine import libpq_dsn

    name = _dbname(url)
    admin = libpq_dsn(url).replace(f"dbname={name}", "dbname=postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
