"""Shared fixtures: a real PostGIS database for the session, clean tables per test.

The tests run against the project-local cluster (started if needed) in a database of
their own, `<name>_test` (`<name>_test_gw0`, `_gw1`… per worker under `pytest -n N`,
which `make test` uses), so demo data is never touched; with CIVICGRID_DATABASE_URL
set they use that server instead. CLI subprocesses inherit the test database's name.

Who connects: the fixtures (`db_url`, `engine`, `clean_db`) as the owner role, which
migrates, empties tables and writes fixtures; the code under test, when it is given no
URL (every CLI subprocess, the dashboard, `get_engine()`), as the application role, as
in production. The local cluster must have been set up by `civicgrid db up` (roles and
passwords); a cluster the tests make themselves they set up alike. Tests that need a
cluster with other settings make one of their own (`private_cluster`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from geo.db import cluster, migrate, roles
from geo.db.engine import database_url, get_engine, owner_url
from tests.database import empty

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a `slow` test run first, the rest after, each file's tests in their
    order: with `pytest -n N --dist loadfile` the long files start at once instead of
    ending the run alone on one worker."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)  # stable: order kept within each group


@pytest.fixture(scope="session")
def db_url() -> str:
    """URL of a freshly migrated test database on a running PostGIS, as the owner role."""
    if not os.environ.get("CIVICGRID_DATABASE_URL"):
        c = cluster.local_cluster()
        made = cluster.init(c)
        cluster.start(c)
        if made:  # ours: set up as `civicgrid db up` would
            cluster.secure(c)
        elif roles.passwords() is None:
            pytest.exit("the local cluster has no civicgrid roles yet: run `civicgrid db up`", 1)
    name = os.environ.get("CIVICGRID_TEST_DB") or f"{make_url(database_url()).database}_test"
    if worker := os.environ.get("PYTEST_XDIST_WORKER"):  # `pytest -n N`: a database per worker
        name = f"{name}_{worker}"
    url = make_url(owner_url()).set(database=name).render_as_string(hide_password=False)
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
def app_url(db_url) -> str:
    """The test database as the application role (what code given no URL connects as)."""
    return database_url()


@pytest.fixture(scope="session")
def engine(db_url):
    return get_engine(db_url)


@pytest.fixture
def clean_db(engine):
    """Empty every civicgrid table before the test (the schema stays); the vocabularies
    go back to the defaults migration 0004 seeded."""
    return empty(engine)


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def private_cluster() -> Iterator[cluster.Cluster]:
    """A PostgreSQL + PostGIS cluster of its own in a new folder on a free port, set up as
    `civicgrid db up` sets one up (authentication, roles, passwords in that folder), with
    CIVICGRID_HOME and CIVICGRID_PG_PORT pointing at it meanwhile; stopped and removed
    afterwards. Tests that change a cluster's settings use one, never the shared cluster.
    The folder is not under pytest's own, which each pytest run closes to other users
    (the server runs as `postgres` when we are root)."""
    home = Path(tempfile.mkdtemp(prefix="civicgrid-test-"))
    home.chmod(0o711)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIVICGRID_HOME", str(home))
        mp.setenv("CIVICGRID_PG_PORT", str(free_port()))
        mp.delenv("CIVICGRID_DATABASE_URL", raising=False)
        c = cluster.local_cluster()
        try:
            cluster.init(c)
            cluster.start(c)
            cluster.secure(c)
            yield c
        finally:
            cluster.stop(c)
            shutil.rmtree(home, ignore_errors=True)


def run_cli(
    *args: str, check: bool = False, env: dict | None = None
) -> subprocess.CompletedProcess:
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
