"""`civicgrid db up | down | status | migrate`."""

from __future__ import annotations

import os

import psycopg
import typer

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, report
from geo.db import cluster, migrate, partitions
from geo.db.engine import database_url, libpq_dsn, owner_url
from geo.errors import DatabaseError

db_app = typer.Typer(help="数据库 / the PostGIS database", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _external() -> bool:
    return bool(os.environ.get("CIVICGRID_DATABASE_URL"))


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url()).render_as_string(hide_password=True)


def bring_up() -> dict:
    """Start the local cluster (unless a URL is configured) with its authentication and
    roles, create the database, migrate as the owner."""
    created_cluster = started = False
    if not _external():
        c = cluster.local_cluster()
        created_cluster = cluster.init(c)
        started = not cluster.is_running(c)
        cluster.start(c)
        cluster.secure(c)
    url = owner_url()
    cluster.wait_ready(url)
    created_db = cluster.ensure_database(url)
    before = migrate.current(url)
    migrate.upgrade(url)
    return {
        "url": _safe_url(),
        "local": not _external(),
        "cluster_created": created_cluster,
        "started": started,
        "database_created": created_db,
        "migrated_from": before,
        "revision": migrate.current(url),
    }


@db_app.command("up")
def up(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """启动本地 PostGIS 并迁移 / start the project-local PostGIS, create the database, migrate."""
    report(bring_up(), as_json)


@db_app.command("down")
def down(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """停止本地 PostGIS / stop the project-local cluster."""
    if _external():
        raise DatabaseError("CIVICGRID_DATABASE_URL is set: that server is not ours to stop")
    stopped = cluster.stop(cluster.local_cluster())
    report({"stopped": stopped}, as_json)


@db_app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """数据库位置与迁移版本 / where the database is and which migration it is at."""
    info: dict = {"url": _safe_url(), "local": not _external(), "head": migrate.head()}
    if not _external():
        c = cluster.local_cluster()
        info.update(datadir=str(c.datadir), port=c.port, running=cluster.is_running(c))
    try:
        cluster.wait_ready(database_url(), timeout=2)
        info["reachable"] = True
        info["revision"] = migrate.current()
        info["incident_months"] = _months()
        info.update(_privileges())
    except Exception:  # status reports, it does not fail
        info["reachable"] = False
        info["revision"] = None
    info["up_to_date"] = info["revision"] == info["head"]
    if info.get("superuser") or info.get("may_alter_audit_log"):
        typer.echo(
            "警告 / warning: the connection in use may alter the audit log; "
            "connect as the application role (see README, Security)",
            err=True,
        )
    report(info, as_json)


def _months() -> dict | None:
    """How many month partitions incidents has, first and last (None before 0002)."""
    with psycopg.connect(libpq_dsn(database_url())) as conn:
        if conn.execute("SELECT to_regclass(%s) IS NULL", (partitions.DEFAULT,)).fetchone()[0]:
            return None
        names = partitions.months(conn)
    return {
        "count": len(names),
        "first": names[0] if names else None,
        "last": names[-1] if names else None,
    }


def _privileges() -> dict:
    """Who the connection in use is and what it may do to the audit trail: a superuser,
    or the owner of `audit_log` (who may switch its triggers off), may alter it."""
    with psycopg.connect(libpq_dsn(database_url())) as conn:
        user, superuser = conn.execute(
            "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        may = conn.execute(
            "SELECT to_regclass('audit_log') IS NOT NULL AND (%s OR pg_has_role("
            "(SELECT relowner FROM pg_class WHERE oid = 'audit_log'::regclass), 'USAGE') "
            "OR has_table_privilege('audit_log', 'UPDATE, DELETE, TRUNCATE'))",
            (superuser,),
        ).fetchone()[0]
    return {"role": user, "superuser": superuser, "may_alter_audit_log": may}


@db_app.command("migrate")
def migrate_cmd(
    revision: str = typer.Argument("head", help="target revision"),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """运行 Alembic 迁移 / run the Alembic migrations up to REVISION."""
    url = owner_url()
    cluster.wait_ready(url)
    before = migrate.current(url)
    migrate.upgrade(url, revision)
    report({"migrated_from": before, "revision": migrate.current(url)}, as_json)
