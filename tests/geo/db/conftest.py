"""A database of its own for a test that migrates up and down (the shared one stays at head)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from geo.db import cluster
from geo.db.engine import get_engine


@pytest.fixture
def scratch(db_url: str, request: pytest.FixtureRequest) -> Iterator[tuple[str, Engine]]:
    """(URL, engine) of an empty database named after the test's database and the test,
    dropped afterwards."""
    base = make_url(db_url)
    name = re.sub(r"\W", "_", request.node.name)[:20]
    url = base.set(database=f"{base.database}_{name}").render_as_string(hide_password=False)
    cluster.drop_database(url)
    cluster.ensure_database(url)
    engine = get_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()
        cluster.drop_database(url)
