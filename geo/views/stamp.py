"""A cheap fingerprint of the loaded data, so cached results refresh after a load."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

from sqlalchemy import Engine, func, select

from geo.basemap import store as basemaps
from geo.db.engine import get_engine
from geo.db.tables import (
    aggregate_state,
    grid_versions,
    load_batches,
    service_item_lists,
    vocab_terms,
)

T = TypeVar("T")


def data_stamp(engine: Engine) -> str:
    """Changes whenever a load batch is added or finished, a grid version is added,
    activated, filed or retired, a vocabulary import lands or the incident aggregate is
    refreshed, a service-item list is imported — or a base map is added or removed
    (geo.basemap: map styles carry it)."""
    with engine.connect() as conn:
        n, hi, done = conn.execute(
            select(
                func.count(load_batches.c.id),
                func.max(load_batches.c.id),
                func.max(load_batches.c.finished_at),
            )
        ).one()
        versions = conn.execute(
            select(
                func.count(grid_versions.c.id),
                func.max(grid_versions.c.id),
                func.max(grid_versions.c.activated_at),
                func.max(grid_versions.c.filed_at),
                func.max(grid_versions.c.retired_at),
            )
        ).one()
        vocab = conn.execute(select(func.count(), func.max(vocab_terms.c.imported_at))).one()
        counted = conn.execute(
            select(func.count(), func.max(aggregate_state.c.aggregated_at))
        ).one()
        items = conn.execute(select(func.max(service_item_lists.c.revision))).scalar()
    return (
        f"{n}:{hi}:{done}:{tuple(versions)}:{tuple(counted)}:{tuple(vocab)}:{items}"
        f":{basemaps.stamp(engine.url.database)}"
    )


def kept(maxsize: int) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Cache `fn(engine, *args)` per database, data stamp and arguments, so a result is
    reused until the data change. The engine is keyed by its URL (engines do not hash
    by database); each call pays one `data_stamp` query. A caller asking for a result
    another thread is computing waits for it rather than computing it again (the
    server's warm-up and the first visitor ask for the same slow views).
    `.cache_clear()` empties it, `.cache_info()` counts hits and misses."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        @lru_cache(maxsize=maxsize)
        def cached(url: str, stamp: str, *args):
            return fn(get_engine(url), *args)

        computing: dict[tuple, threading.Lock] = {}
        guard = threading.Lock()

        @wraps(fn)
        def call(engine: Engine, *args):
            key = (engine.url.render_as_string(hide_password=False), data_stamp(engine), *args)
            with guard:
                lock = computing.setdefault(key, threading.Lock())
            try:
                with lock:
                    return cached(*key)
            finally:
                with guard:
                    if computing.get(key) is lock and not lock.locked():
                        del computing[key]

        call.cache_clear = cached.cache_clear
        call.cache_info = cached.cache_info
        return call

    return decorate
