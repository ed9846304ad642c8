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
    """Empty every civicgrid table before the test (the schema stays)."""
    names = ", ".join(t.name for t in metadata.sorted_tables if t.name != "audit_log")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return engine


def clear_view_caches() -> int:
    """Empty every cache of the views imported so far (geo.views.*: `kept` results,
    lru_caches of cells and place names); how many were cleared."""
    cleared = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("geo.views.") or module is None:
            continue
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
                cleared += 1
    return cleared


@pytest.fixture(scope="module", autouse=True)
def fresh_view_caches():
    """Each test module starts with empty view caches: a result cached by the previous
    module's data is never served to the next (caches are keyed by a data stamp, and
    two modules' data can share one after a TRUNCATE … RESTART IDENTITY)."""
    clear_view_caches()
    yield
    clear_view_caches()


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
