"""Run and inspect Alembic migrations without an alembic.ini on disk, as the owner role
(`geo.db.engine.owner_url`) unless given another URL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from geo.db.engine import owner_url
from geo.errors import DatabaseError, database_said

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or owner_url()).replace("%", "%%"))
    return cfg


def ensure_postgis(url: str | None = None) -> None:
    """Create the PostGIS extension when the database lacks it and the role may; else
    DatabaseError saying in one line what to run (the schema needs its geometry type)."""
    engine = create_engine(url or owner_url())
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first():
                return
            name = conn.execute(text("SELECT current_database()")).scalar()
            try:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
                conn.commit()
            except DBAPIError as exc:
                raise DatabaseError(
                    f"database {name!r} has no PostGIS and this role may not add it: run "
                    f"`CREATE EXTENSION postgis;` in {name!r} as its owner or a superuser "
                    f"(the server needs the postgis package): {database_said(exc)}"
                ) from exc
    finally:
        engine.dispose()


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema to `revision`, adding PostGIS first when it is missing."""
    ensure_postgis(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def head() -> str:
    return ScriptDirectory.from_config(alembic_config("postgresql://x/x")).get_current_head()


def current(url: str | None = None) -> str | None:
    engine = create_engine(url or owner_url())
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
