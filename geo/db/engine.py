"""The SQLAlchemy engine for the configured PostGIS database."""

from __future__ import annotations

import os
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url

from geo.config import default_port
from geo.db import roles

LOCAL_DB = "civicgrid"


def local_url(dbname: str | None = None, role: str = roles.APP) -> str:
    """URL of the project-local cluster started by `civicgrid db up`, as `role` (the
    application role unless told) with its password from the project home.

    The database name is $CIVICGRID_DB_NAME when set (the tests use their own).
    """
    name = dbname or os.environ.get("CIVICGRID_DB_NAME") or LOCAL_DB
    secret = (roles.passwords() or {}).get(role)
    return URL.create(
        "postgresql+psycopg",
        username=role,
        password=secret,
        host="127.0.0.1",
        port=default_port(),
        database=name,
    ).render_as_string(hide_password=False)


def owner_url() -> str:
    """The URL migrations run with: $CIVICGRID_DATABASE_URL when set (give the owner's
    there to migrate an existing server), else the local cluster as the owner role."""
    if os.environ.get("CIVICGRID_DATABASE_URL"):
        return database_url()
    return local_url(role=roles.OWNER)


def database_url() -> str:
    """$CIVICGRID_DATABASE_URL when set, else the project-local cluster.

    A plain ``postgresql://`` URL is given the psycopg 3 driver.
    """
    url = os.environ.get("CIVICGRID_DATABASE_URL") or local_url()
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def libpq_dsn(url: str | None = None) -> str:
    """The same database as a libpq connection string (for psycopg and ogr2ogr)."""
    u = make_url(url or database_url())
    parts = {
        "host": u.host or "127.0.0.1",
        "port": u.port or 5432,
        "dbname": u.database,
        "user": u.username,
        "password": u.password,
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v is not None)


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def get_engine(url: str | None = None) -> Engine:
    """A pooled engine (one per URL) with pre-ping, so a restarted server is reconnected."""
    return _engine(url or database_url())
