"""A project-local PostgreSQL + PostGIS cluster under `.civicgrid/pg/`.

A fresh machine with Debian's `postgresql-15 postgresql-15-postgis-3` needs nothing
else: `civicgrid db up` initialises the cluster, starts it on its own port (TCP on
127.0.0.1, socket in its own folder), creates the roles (`geo.db.roles`), the database
and the extension. PostgreSQL refuses to run as root, so as root every server command
runs as the `postgres` system user.

Authentication: scram-sha-256 passwords over TCP and on the socket, except that the
superuser `postgres` signs in on the socket only, by peer, as the system user running
the server (and root, who may become it anyway). Nothing is trusted without a check.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from geo.config import default_port, state_dir
from geo.db import roles
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
    return (
        _run(cluster, "pg_ctl", "-D", str(cluster.datadir), "status", check=False).returncode == 0
    )


def init(cluster: Cluster) -> bool:
    """Create the cluster's data folder if absent; True when it was created now."""
    if (cluster.datadir / "PG_VERSION").exists():
        return False
    cluster.root.mkdir(parents=True, exist_ok=True)
    if _as_root():
        _make_traversable(cluster.root)
    _own(cluster, cluster.root)
    _run(
        cluster,
        "initdb",
        "-D",
        str(cluster.datadir),
        "-U",
        "postgres",
        "--auth=trust",
        "--locale=C.UTF-8",
        "-E",
        "UTF8",
    )
    conf = cluster.datadir / "postgresql.conf"
    with conf.open("a") as fh:
        fh.write(
            "\n# civicgrid: local analysis cluster\n"
            "shared_buffers = 512MB\nwork_mem = 64MB\nmaintenance_work_mem = 512MB\n"
            "max_wal_size = 4GB\nsynchronous_commit = off\nmax_connections = 200\n"
        )
    write_auth(cluster)
    return True


def _server_user() -> str:
    """The system user the server runs as."""
    return "postgres" if _as_root() else pwd.getpwuid(os.getuid()).pw_name


def write_auth(cluster: Cluster) -> bool:
    """pg_hba.conf and pg_ident.conf as the module says; True when they changed (a running
    server must then reload them)."""
    hba = (
        "# civicgrid: postgres by peer on the socket only; every other role by scram password\n"
        "local   all   postgres                  peer map=civicgrid\n"
        "local   all   all                       scram-sha-256\n"
        "host    all   postgres   0.0.0.0/0      reject\n"
        "host    all   postgres   ::/0           reject\n"
        "host    all   all        127.0.0.1/32   scram-sha-256\n"
        "host    all   all        ::1/128        scram-sha-256\n"
    )
    users = dict.fromkeys([_server_user(), "postgres", "root"])
    ident = "# civicgrid: system users allowed to sign in as postgres on the socket\n" + "".join(
        f"civicgrid   {u}   postgres\n" for u in users
    )
    changed = False
    for name, text in (("pg_hba.conf", hba), ("pg_ident.conf", ident)):
        path = cluster.datadir / name
        if path.read_text() != text:
            path.write_text(text)
            changed = True
    conf = cluster.datadir / "postgresql.conf"
    if "password_encryption = 'scram-sha-256'" not in conf.read_text():
        with conf.open("a") as fh:
            fh.write("password_encryption = 'scram-sha-256'\n")
        changed = True
    return changed


def secure(cluster: Cluster) -> None:
    """Authentication as the module says, on a running cluster, and the two roles with
    the passwords kept under the project home (created, or reset to those)."""
    if write_auth(cluster):
        _run(cluster, "pg_ctl", "-D", str(cluster.datadir), "reload")
        time.sleep(0.5)  # the postmaster rereads the files asynchronously
    import psycopg
    from psycopg import sql

    secrets = roles.ensure_passwords()
    with psycopg.connect(admin_dsn(cluster), autocommit=True) as conn:
        for role in roles.ROLES:
            verifier = conn.pgconn.encrypt_password(
                secrets[role].encode(), role.encode(), b"scram-sha-256"
            ).decode()
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            conn.execute(
                sql.SQL(
                    "{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                    "NOREPLICATION NOBYPASSRLS PASSWORD {}"
                ).format(
                    sql.SQL("ALTER" if exists else "CREATE"),
                    sql.Identifier(role),
                    sql.Literal(verifier),
                )
            )
        # the owner watches the application's sessions (pg_stat_activity: queries, waits)
        conn.execute(sql.SQL("GRANT pg_read_all_stats TO {}").format(sql.Identifier(roles.OWNER)))


def admin_dsn(cluster: Cluster, dbname: str = "postgres") -> str:
    """libpq string of the local cluster's superuser, over its socket (peer)."""
    return f"host={cluster.sockdir} port={cluster.port} user=postgres dbname={dbname}"


def start(cluster: Cluster) -> None:
    """Start the server (no-op when already running)."""
    if is_running(cluster):
        return
    cluster.sockdir.mkdir(parents=True, exist_ok=True)
    _own(cluster, cluster.sockdir)
    opts = f"-p {cluster.port} -k {cluster.sockdir} -c listen_addresses=127.0.0.1"
    _run(
        cluster,
        "pg_ctl",
        "-D",
        str(cluster.datadir),
        "-l",
        str(cluster.logfile),
        "-o",
        opts,
        "-w",
        "-t",
        "60",
        "start",
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


def _admin(url: str, dbname: str) -> str:
    """Who creates and drops databases: the local cluster's superuser on its socket, or
    on an existing server ($CIVICGRID_DATABASE_URL) the URL's own role."""
    from geo.db.engine import libpq_dsn

    if os.environ.get("CIVICGRID_DATABASE_URL"):
        return libpq_dsn(url).replace(f"dbname={_dbname(url)}", f"dbname={dbname}")
    return admin_dsn(local_cluster(), dbname)


# objects of the public schema that neither belong to an extension nor go with a table
_NOT_OWNERS = """
    SELECT format('ALTER %%s %%s OWNER TO %%I', CASE c.relkind WHEN 'S' THEN 'SEQUENCE'
           WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
           c.oid::regclass, %(owner)s::text)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND c.relowner <> to_regrole(%(owner)s::text)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
    UNION ALL
    SELECT format('ALTER ROUTINE %%s OWNER TO %%I', p.oid::regprocedure, %(owner)s::text)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.proowner <> to_regrole(%(owner)s::text)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype = 'e')
"""


def ensure_database(url: str) -> bool:
    """Create the database named in `url` and its PostGIS extension; True if created.

    On the local cluster the database and everything of civicgrid in it belong to the
    owner role (a database made before the roles existed is handed over)."""
    import psycopg
    from psycopg import sql

    name = _dbname(url)
    local = not os.environ.get("CIVICGRID_DATABASE_URL")
    created = False
    with psycopg.connect(_admin(url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                    sql.Identifier(name)
                )
            )
            created = True
        if local:
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(name), sql.Identifier(roles.OWNER)
                )
            )
    with psycopg.connect(_admin(url, name), autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            raise DatabaseError(
                f"cannot create extension postgis in {name}: {exc}; {INSTALL_HINT}"
            ) from exc
        if local:
            for (statement,) in conn.execute(_NOT_OWNERS, {"owner": roles.OWNER}).fetchall():
                conn.execute(statement)
    return created


def drop_database(url: str) -> None:
    """Drop the database named in `url` (tests use it to start clean)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(_admin(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_dbname(url)))
        )
