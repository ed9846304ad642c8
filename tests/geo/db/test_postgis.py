"""`db up`/`db migrate` on a database without PostGIS: the extension is created where the
role may, else one line says what to run — never 'type "geometry" does not exist'."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from geo.db import cluster, migrate
from geo.errors import DatabaseError


def _superuser(url: str):
    """An engine on `url`'s database as the local cluster's superuser (peer, on its socket):
    only a superuser may add or drop PostGIS, which is not a trusted extension."""
    local = cluster.local_cluster()
    admin = make_url(url).set(
        username="postgres",
        password=None,
        host=None,
        query={"host": str(local.sockdir), "port": str(local.port)},
    )
    return create_engine(admin.render_as_string(hide_password=False))


def _drop_postgis(url: str) -> None:
    engine = _superuser(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP EXTENSION IF EXISTS postgis CASCADE"))
    finally:
        engine.dispose()


def test_migrate_adds_postgis_when_the_role_may(scratch):
    url, engine = scratch
    _drop_postgis(url)
    admin = _superuser(url)
    try:  # a role that may: the superuser adds the extension, then the owner migrates
        migrate.ensure_postgis(admin.url.render_as_string(hide_password=False))
    finally:
        admin.dispose()
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")
            ).scalar()
            == 1
        )


def test_a_role_that_may_not_is_told_in_one_line_what_to_run(scratch):
    url, engine = scratch
    _drop_postgis(url)
    role = "civicgrid_no_postgis"
    admin = _superuser(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER PASSWORD 'no-postgis-pw'"))
        conn.execute(text(f"GRANT ALL ON SCHEMA public TO {role}"))
    as_role = (
        make_url(url)
        .set(username=role, password="no-postgis-pw")
        .render_as_string(hide_password=False)
    )
    try:
        with pytest.raises(DatabaseError) as info:
            migrate.upgrade(as_role)
        line = str(info.value)
        assert "\n" not in line and "CREATE EXTENSION postgis;" in line
        assert make_url(url).database in line
        assert migrate.current(url) is None  # nothing was migrated
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"REVOKE ALL ON SCHEMA public FROM {role}"))
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()
