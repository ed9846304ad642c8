"""The local cluster and the migrations, driven through the CLI as a user would."""

from __future__ import annotations

import json

from sqlalchemy import inspect, text

from geo.db import migrate


def test_db_up_is_idempotent_and_status_reports_revision(cli):
    first = cli("db", "up", "--json")
    assert first.returncode == 0, first.stderr
    second = json.loads(cli("db", "up", "--json").stdout)
    assert second["database_created"] is False
    assert second["revision"] == migrate.head()
    status = json.loads(cli("db", "status", "--json").stdout)
    assert status["reachable"] is True
    assert status["revision"] == status["head"] == migrate.head()
    assert status["up_to_date"] is True


def test_schema_has_every_layer_with_spatial_indexes(engine):
    insp = inspect(engine)
    tables = set(insp.get_table_names())
    for name in ("admin_units", "grid_versions", "grids", "hazards", "rentals", "incidents",
                 "facilities", "key_sites", "load_batches", "load_rejects"):
        assert name in tables
    with engine.connect() as conn:
        gist = conn.execute(text(
            "SELECT tablename FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'"
        )).scalars().all()
        brin = conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE indexdef ILIKE '%USING brin%'"
        )).scalars().all()
        srid = conn.execute(text(
            "SELECT srid FROM geometry_columns WHERE f_table_name = 'incidents'"
        )).scalar_one()
    assert {"admin_units", "grids", "incidents", "hazards", "rentals", "facilities", "key_sites"} <= set(gist)
    assert "ix_incidents_occurred_brin" in brin
    assert srid == 4326


def test_migrate_down_and_up_again(db_url, engine):
    migrate.downgrade(db_url, "base")
    assert "incidents" not in inspect(engine).get_table_names()
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == migrate.head()
    assert "incidents" in inspect(engine).get_table_names()


def test_audit_log_cannot_be_edited(engine):
    import pytest
    from sqlalchemy.exc import DBAPIError

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (action) VALUES ('test')"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def test_db_down_then_up_restarts_local_cluster(cli, db_url):
    import os

    import pytest

    if os.environ.get("CIVICGRID_DATABASE_URL"):
        pytest.skip("an external server is not ours to stop")
    down = cli("db", "down", "--json")
    assert down.returncode == 0, down.stderr
    assert json.loads(down.stdout)["stopped"] is True
    status = json.loads(cli("db", "status", "--json").stdout)
    assert status["reachable"] is False
    up = json.loads(cli("db", "up", "--json").stdout)
    assert up["started"] is True
    assert json.loads(cli("db", "status", "--json").stdout)["reachable"] is True
