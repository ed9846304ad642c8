"""`db up`/`db migrate` on a database without PostGIS: the extension is created where the
role may, else one line says what to run — never 'type "geometry" does not exist'."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from geo.db import migrate
from geo.errors import DatabaseError


def _drop_postgis(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP EXTENSION IF EXISTS postgis CASCADE"))


def test_migrate_adds_postgis_when_the_role_may(scratch):
    url, engine = scratch
    _drop_postgis(engine)
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")).scalar() == 1


def test_a_role_that_may_not_is_told_in_one_line_what_to_run(scratch):
    url, engine = scratch
    _drop_postgis(engine)
    role = "civicgrid_no_postgis"
    with engine.begin() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER"))
        conn.execute(text(f"GRANT ALL ON SCHEMA public TO {role}"))
    as_role = make_url(url).set(username=role).render_as_string(hide_password=False)
    try:
        with pytest.raises(DatabaseError) as info:
            migrate.upgrade(as_role)
        line = str(info.value)
        assert "\n" not in line and "CREATE EXTENSION postgis;" in line
        assert make_url(url).database in line
        assert migrate.current(url) is None  # nothing was migrated
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"REVOKE ALL ON SCHEMA public FROM {role}"))
        engine.dispose()
        with engine.begin() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
