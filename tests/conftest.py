"""Shared fixtures: a real PostGIS database for the session, clean tables per test.

The tests run against the project-local cluster (started if needed) in a database of
their own, `<name>_test`, so demo data is never touched; with CIVICGRID_DATABASE_URL
set they use that server instead. CLI subprocesses inherit the test database's URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from geo.db import cluster, migrate
from geo.db.engine import database_url, get_engine
from geo.db.tables import metadata

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def db_url() -> str:
    """URL of a freshly migrated test database on a running PostGIS."""
    if not os.environ.get("CIVICGRID_DATABASE_URL"):
        c = cluster.local_cluster()
        cluster.init(c)
        cluster.start(c)
    base = make_url(database_url())
    name = os.environ.get("CIVICGRID_TEST_DB") or f"{base.database}_test"
    url = base.set(database=name).render_as_string(hide_password=False)
    cluster.wait_ready(url)
    cluster.drop_database(url)
    cluster.ensure_database(url)
    migrate.upgrade(url)
    if os.environ.get("CIVICGRID_DATABASE_URL"):
        os.environ["CIVICGRID_DATABASE_URL"] = url
    else:
        os.environ["CIVICGRID_DB_NAME"] = make_url(url).database
    return url


@pytest.fixture(scope="session")
def engine(db_url):
    return get_engine(db_url)


@pytest.fixture
def clean_db(engine):
    """Empty every civicgrid table before the test (the schema stays); the vocabularies
    go back to the defaults migration 0004 seeded."""
    names = ", ".join(t.name for t in metadata.sorted_tables
                      if t.name not in ("audit_log", "vocab_terms"))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM vocab_terms WHERE parent IS NOT NULL AND source <> 'default'"))
        conn.execute(text("DELETE FROM vocab_terms WHERE source <> 'default'"))
    return engine


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and files a person may want to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def run_cli(*args: str, check: bool = False, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `civicgrid ARGS` in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        capture_output=True,
        text=True,
        check=check,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def cli(db_url):
    """The CLI runner, with the test database in the environment."""
    return run_cli
