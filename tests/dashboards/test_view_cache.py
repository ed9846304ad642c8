"""The overview's KPIs, weekly series and map and the hotspots views are kept per data
stamp: asked again they are not rebuilt, and after a new load and aggregate they show
the new incidents at once. The server's warm-up builds exactly the views the first
visitor's pages ask for."""

from __future__ import annotations

import base64
import datetime as dt

import h3
import numpy as np
from sqlalchemy import insert

from dashboards import hotspots, overview
from dashboards.app import create_app, warm
from dashboards.i18n import DEFAULT
from geo.db.tables import incidents, load_batches
from geo.hexes import cells


def _add_incidents(engine, day: dt.date, n: int, lon: float, lat: float) -> None:
    """A new load batch of `n` incidents at one place on `day`, then the aggregate."""
    from geo.counts.refresh import refresh_counts

    h = int(cells(np.array([lon]), np.array([lat]), 10).astype(np.int64)[0])
    when = dt.datetime.combine(day, dt.time(10), dt.UTC)
    with engine.begin() as c:
        batch = c.execute(
            insert(load_batches)
            .values(
                kind="incidents",
                file_name="more.csv",
                file_sha256="f" * 64,
                file_size=1,
                finished_at=dt.datetime.now(dt.UTC),
            )
            .returning(load_batches.c.id)
        ).scalar()
        c.execute(
            insert(incidents),
            [
                dict(
                    source_key=f"NEW{i}",
                    occurred_at=when,
                    category="盗窃",
                    h3=h,
                    geom=f"SRID=4326;POINT({lon} {lat})",
                    batch_id=batch,
                )
                for i in range(n)
            ],
        )
    refresh_counts(engine)


def _hex_counts(fig: dict) -> dict[str, float]:
    """{H3 cell: count} drawn by the figure's hexagon trace."""
    tr = next(t for t in fig["data"] if t.get("type") == "choroplethmap")
    z = tr["z"]  # plotly sends numeric arrays as typed arrays: {dtype, bdata (base64)}
    values = (
        np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]) if isinstance(z, dict) else z
    )
    return dict(zip(tr["locations"], np.asarray(values, dtype=float).tolist(), strict=True))


def test_kept_views_are_reused_and_refreshed_by_a_new_load(engine, city):
    last = city["last_day"]
    start = last - dt.timedelta(days=29)
    kpis = overview.kpis(engine, 30)
    week = overview.weekly(engine)
    first_map = overview.map_figure(engine, 30, "zh")
    view = hotspots.layer_view(engine, "counts", start, last, None, None, 8, 1, "zh")
    assert overview.kpis(engine, 30) is kpis and overview.weekly(engine) is week
    assert overview.map_figure(engine, 30, "zh") is first_map
    assert hotspots.layer_view(engine, "counts", start, last, None, None, 8, 1, "zh")[0] is view[0]

    _add_incidents(engine, last, 25, 120.70, 31.37)

    fresh = overview.kpis(engine, 30)
    assert fresh.incidents == kpis.incidents + 25
    assert overview.weekly(engine) is not week
    assert overview.map_figure(engine, 30, "zh") is not first_map
    fig, _, _ = hotspots.layer_view(engine, "counts", start, last, None, None, 8, 1, "zh")
    before, after = _hex_counts(view[0]), _hex_counts(fig)
    cell = h3.latlng_to_cell(31.37, 120.70, 8)
    assert after[cell] == before.get(cell, 0) + 25
    assert sum(after.values()) == sum(before.values()) + 25


KEPT_PAGE_VIEWS = (overview.kpis, overview._map_figure, overview._trend_view, hotspots._kept_view)


def test_warm_builds_the_views_the_first_visitor_asks_for(engine, city):
    app = create_app(engine)
    base = "http://127.0.0.1:8123/"
    for view in KEPT_PAGE_VIEWS:
        view.cache_clear()
    warm(app, base)
    built = [view.cache_info() for view in KEPT_PAGE_VIEWS]
    assert all(info.currsize > 0 for info in built)

    with app.server.test_request_context("/", base_url=base):
        overview.layout(DEFAULT)
        hotspots.layout(DEFAULT)
    after = [view.cache_info() for view in KEPT_PAGE_VIEWS]
    assert [a.misses for a in after] == [b.misses for b in built]  # nothing rebuilt
    assert all(a.hits > b.hits for a, b in zip(after, built, strict=True))


def test_warm_opens_the_drafts_being_edited(engine, city):
    """Each server process keeps its own copy of a draft: warming opens the drafts with
    their whole balance, so no process reads a whole draft, nor works out every grid's
    balance, on the first edit it receives."""
    import dataclasses

    from geo.grids import drafts, edit, versions

    drafts.start(engine, "2027-warm")
    drafts._cache.clear()
    warm(create_app(engine), "http://127.0.0.1:8123/")
    draft_id = versions.get(engine, "2027-warm").id
    [kept] = [draft for key, draft in drafts._cache.items() if key[1] == draft_id]
    assert "table" in kept.cache
    assert kept.cache["table"].equals(edit.balance(dataclasses.replace(kept, cache={})))
