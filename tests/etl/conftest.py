"""Fixtures of the ETL tests (file builders live in builders.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.database import empty
from tests.etl.builders import boundaries, write_shp

LEVELS = ("district", "town", "community")
#: tables a test may fill besides the boundaries (emptied before each test using `city`)
LAYERS = (
    "incidents, hazards, rentals, facilities, key_sites, grids, grid_versions, aggregate_state, "
    "jurisdictions"
)


def _reset(engine, db_url, folder) -> None:
    from etl.load import load

    empty(engine)
    for level in LEVELS:
        path = write_shp(boundaries(level), folder / f"{level}.shp")
        assert load("boundaries", path, url=db_url)["loaded"] == len(boundaries(level))


@pytest.fixture
def city(engine, db_url, tmp_path_factory):
    """The toy district, towns and communities loaded (as the sample's GBK shapefiles),
    every other layer empty. The boundaries are loaded again only when a test changed
    them (any boundary batch beyond the three), which keeps the tests fast."""
    with engine.begin() as conn:
        batches = conn.execute(
            text("SELECT count(*) FROM load_batches WHERE kind = 'boundaries'")
        ).scalar()
        units = conn.execute(text("SELECT count(*) FROM admin_units")).scalar()
        if (batches, units) == (3, 7):
            conn.execute(text(f"TRUNCATE {LAYERS} CASCADE"))
            conn.execute(text("DELETE FROM load_batches WHERE kind <> 'boundaries'"))
    if (batches, units) != (3, 7):
        _reset(engine, db_url, tmp_path_factory.mktemp("city"))
    return engine
