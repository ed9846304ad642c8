"""Migrations after 0002: each one up and down on a database of its own."""

from __future__ import annotations

from sqlalchemy import text

from geo.db import migrate


def _indexes(engine) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'incidents'")
            ).scalars()
        )


def test_0003_drops_the_h3_index_and_its_downgrade_restores_it(scratch):
    url, engine = scratch
    migrate.upgrade(url, "0002")
    assert "ix_incidents_h3" in _indexes(engine)
    migrate.upgrade(url, "0003")
    after = _indexes(engine)
    assert (
        "ix_incidents_h3" not in after and {"ix_incidents_geom", "ix_incidents_category"} <= after
    )
    migrate.downgrade(url, "0002")
    assert "ix_incidents_h3" in _indexes(engine)


def _tables(engine) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
        )


def test_0013_adds_jurisdictions_items_and_consultations_and_its_downgrade_drops_them(scratch):
    url, engine = scratch
    new = {"jurisdictions", "service_item_lists", "service_items", "consultations"}
    migrate.upgrade(url, "0013")
    assert new <= _tables(engine)
    migrate.downgrade(url, "0013-1")
    assert not new & _tables(engine) and "grids" in _tables(engine)
