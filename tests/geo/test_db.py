"""The local cluster and the migrations, driven through the CLI as a user would.

The destructive tests never touch the shared state: migrating down to nothing runs on a
scratch database of its own, and stopping a cluster runs on a private cluster created
for the test (its own folder and port) — the session's database and cluster stay up
whatever happens halfway.
"""

from __future__ import annotations

import json
import os
import socket

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from geo.db import cluster, migrate


@pytest.fixture
def scratch_url(db_url):
    """A freshly created, migrated database beside the test database; dropped after."""
    url = make_url(db_url)
    scratch = url.set(database=f"{url.database}_scratch").render_as_string(hide_password=False)
    cluster.drop_database(scratch)
    cluster.ensure_database(scratch)
    migrate.upgrade(scratch)
    yield scratch
    cluster.drop_database(scratch)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_cluster(tmp_path, db_url):
    """Environment for a CLI whose local cluster is a private one: its own folder
    (CIVICGRID_HOME) and an unused port. The cluster is stopped after the test."""
    if os.environ.get("CIVICGRID_DATABASE_URL"):
        pytest.skip("an external server is not ours to stop")
    port = _free_port()
    assert port != make_url(db_url).port
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "CIVICGRID_HOME": str(home),
        "CIVICGRID_PG_PORT": str(port),
        "CIVICGRID_DB_NAME": "civicgrid_private",
    }
    mine = cluster.Cluster(bindir=cluster.find_bindir(), root=home / ".civicgrid" / "pg", port=port)
    yield env
    if (mine.datadir / "PG_VERSION").exists():
        cluster.stop(mine)


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
    for name in (
        "admin_units",
        "grid_versions",
        "grids",
        "hazards",
        "rentals",
        "incidents",
        "facilities",
        "key_sites",
        "load_batches",
        "load_rejects",
    ):
        assert name in tables
    with engine.connect() as conn:
        gist = (
            conn.execute(
                text("SELECT tablename FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'")
            )
            .scalars()
            .all()
        )
        brin = (
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE indexdef ILIKE '%USING brin%'")
            )
            .scalars()
            .all()
        )
        srid = conn.execute(
            text(
                "SELECT srid FROM geometry_columns WHERE f_table_schema = 'public' "
                "AND f_table_name = 'incidents'"
            )
        ).scalar_one()
    assert {
        "admin_units",
        "grids",
        "incidents",
        "hazards",
        "rentals",
        "facilities",
        "key_sites",
    } <= set(gist)
    assert "ix_incidents_occurred_brin" in brin
    assert srid == 4326


def test_migrate_down_and_up_again(scratch_url, engine):
    scratch = create_engine(scratch_url)
    try:
        migrate.downgrade(scratch_url, "base")
        assert "incidents" not in inspect(scratch).get_table_names()
        migrate.upgrade(scratch_url)
        assert migrate.current(scratch_url) == migrate.head()
        assert "incidents" in inspect(scratch).get_table_names()
    finally:
        scratch.dispose()
    assert "incidents" in inspect(engine).get_table_names()  # the session's database untouched


def test_audit_log_cannot_be_edited(engine):
    from sqlalchemy.exc import DBAPIError

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (action) VALUES ('test')"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def test_db_down_then_up_restarts_local_cluster(cli, private_cluster, engine):
    up = cli("db", "up", "--json", env=private_cluster)
    assert up.returncode == 0, up.stderr
    first = json.loads(up.stdout)
    assert first["cluster_created"] is True and first["started"] is True
    assert f":{private_cluster['CIVICGRID_PG_PORT']}/" in first["url"]
    down = cli("db", "down", "--json", env=private_cluster)
    assert down.returncode == 0, down.stderr
    assert json.loads(down.stdout)["stopped"] is True
    status = json.loads(cli("db", "status", "--json", env=private_cluster).stdout)
    assert status["reachable"] is False
    again = json.loads(cli("db", "up", "--json", env=private_cluster).stdout)
    assert again["started"] is True and again["cluster_created"] is False
    assert (
        json.loads(cli("db", "status", "--json", env=private_cluster).stdout)["reachable"] is True
    )
    with engine.connect() as conn:  # the shared cluster was never stopped
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
