"""Fixtures of the ETL tests (file builders live in builders.py)."""

from __future__ import annotations

import pytest

from tests.etl.builders import boundaries, write_shp


@pytest.fixture
def city(clean_db, db_url, tmp_path):
    """The toy district, towns and communities loaded (as the sample's GBK shapefiles)."""
    from etl.load import load

    for level in ("district", "town", "community"):
        path = write_shp(boundaries(level), tmp_path / f"{level}.shp")
        result = load("boundaries", path, url=db_url)
        assert result["loaded"] == len(boundaries(level))
    return clean_db
