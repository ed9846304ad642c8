"""A cheap fingerprint of the loaded data, so cached results refresh after a load."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from geo.db.tables import aggregate_state, grid_versions, load_batches


def data_stamp(engine: Engine) -> str:
    """Changes whenever a load batch is added or finished, a grid version changes or the
    incident aggregate is refreshed."""
    with engine.connect() as conn:
        n, hi, done = conn.execute(select(func.count(load_batches.c.id), func.max(load_batches.c.id),
                                          func.max(load_batches.c.finished_at))).one()
        versions = conn.execute(select(func.count(grid_versions.c.id), func.max(grid_versions.c.id),
                                       func.max(grid_versions.c.activated_at))).one()
        counted = conn.execute(select(func.count(), func.max(aggregate_state.c.aggregated_at))).one()
    return f"{n}:{hi}:{done}:{tuple(versions)}:{tuple(counted)}"
