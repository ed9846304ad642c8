"""Migrations after 0002: each one up and down on a database of its own."""

from __future__ import annotations

from sqlalchemy import make_url, text

from geo.db import cluster, migrate
from geo.db.engine import get_engine


def _indexes(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'incidents'")).scalars())


def test_0003_drops_the_h3_index_and_its_downgrade_restores_it(db_url):
    url = make_url(db_url).set(database=f"{make_url(db_url).database}_m3").render_as_string(
        hide_password=False)
    cluster.drop_database(url)
    cluster.ensure_database(url)
    engine = get_engine(url)
    try:
        migrate.upgrade(url, "0002")
        assert "ix_incidents_h3" in _indexes(engine)
        migrate.upgrade(url, "0003")
        after = _indexes(engine)
        assert "ix_incidents_h3" not in after and {"ix_incidents_geom", "ix_incidents_category"} <= after
        migrate.downgrade(url, "0002")
        assert "ix_incidents_h3" in _indexes(engine)
    finally:
        engine.dispose()
        cluster.drop_database(url)
