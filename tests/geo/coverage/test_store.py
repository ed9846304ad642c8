"""The database-level API the dashboard calls, in process, on the constructed city."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from sqlalchemy import text

from geo.counts.refresh import refresh_counts
from geo.coverage import blind_spots as blind_spots_core
from geo.coverage import store
from geo.coverage.facilities import covered
from geo.errors import InputError
from geo.hexes import centroids, parents, polyfill


def test_facility_coverage_counts_cells_and_default_radii(city):
    result = store.facility_coverage(city.engine)
    shares = result["shares"]
    city_rows = shares[shares["level"] == "city"].set_index(["kind", "layer"])
    # the police station at (1500, 900) reaches all but the incident at (3000, 500) (1552 m)
    assert city_rows.loc[("police_station", "incidents"), "covered"] == 10
    assert city_rows.loc[("shelter", "incidents"), "covered"] == 0
    assert result["facilities"].set_index("kind")["facilities"].to_dict() == {
        "police_station": 1,
        "shelter": 0,
        "mediation_room": 0,
        "camera": 1,
    }

    # study cells: H3 res-9 centres inside D1; covered when within 150 m of the camera
    ids = polyfill(city.wgs(box(0, 0, 2000, 1000)), 9)
    x, y = city.offset(*centroids(ids))
    within = int((np.hypot(x - 500, y - 500) <= 150).sum())
    cam = city_rows.loc[("camera", "cells")]
    assert (cam["total"], cam["covered"]) == (len(ids), within)


def test_blind_spots_and_new_sites(city):
    spots = store.blind_spots(city.engine, res=9, top=5, kinds=["camera"])
    assert spots["rank"].tolist() == list(range(1, len(spots) + 1))
    assert spots["incidents"].iloc[0] == 5 and spots["town"].iloc[0] == "T2"
    assert spots.geometry.geom_type.eq("Polygon").all()

    # with a 1000 m radius the station at (1500, 900) leaves the incidents in the west of
    # T1 and the one at (3000, 500) uncovered: one new site cannot reach both groups
    # uncovered: (500, 600), (550, 500), (400, 420) — 1031–1200 m from the station — and
    # (3000, 500); the best site reaches the three western ones (2450 m from the fourth)
    sites = store.new_sites(city.engine, "police_station", 1, radius=1000)
    assert sites.attrs["guarantee"] == 1 and len(sites) == 1
    assert (sites.attrs["covered"], sites.attrs["uncovered_before"]) == (3, 4)
    assert sites.attrs["covered"] == sites["gain"].sum() == sites.attrs["upper_bound"]
    assert (sites.attrs["optimal"], sites.attrs["optimality_gap"]) == (True, 0.0)
    x, y = city.offset(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    for px, py in ((500, 600), (550, 500), (400, 420)):
        assert np.hypot(x[0] - px, y[0] - py) <= 1000


def test_inspections_and_overdue(city):
    shares = store.inspection_coverage(city.engine, days=60, as_of=city.as_of)
    assert shares.query("level == 'grid' and layer == 'rentals'")["code"].tolist() == [
        "G1",
        "G2",
        "G3",
    ]
    late = store.overdue(city.engine, days=60, as_of=city.as_of)
    assert late["source_key"].tolist() == ["H1", "R2", "R1"]
    assert "landlord_phone" not in late.columns
    assert late.loc[0, "town_code"] == "T2"
    # without a grid version in force: towns and the city still come out
    with city.engine.begin() as c:
        c.exec_driver_sql("UPDATE grid_versions SET status = 'retired'")
    shares = store.inspection_coverage(city.engine, days=60, as_of=dt.date(2026, 6, 30))
    assert set(shares["level"]) == {"city", "town"}


def test_bad_inputs_name_the_field(city):
    with pytest.raises(InputError, match="tower"):
        store.facility_coverage(city.engine, kinds=["tower"])
    with pytest.raises(InputError, match="nope"):
        store.read_grids(city.engine, "nope")


def test_saved_results_read_back(city):
    assert store.latest_result(city.engine, "workload") is None
    spots = store.blind_spots(city.engine, top=3, kinds=["camera"])
    first = store.save(city.engine, "coverage-facilities", {"top": 3}, {"n": 1}, spots)
    second = store.save(city.engine, "coverage-facilities", {"top": 3}, {"n": 2}, spots.head(2))
    back = store.latest_result(city.engine, "coverage-facilities")
    assert back.attrs["result_id"] == second > first and back.attrs["summary"] == {"n": 2}
    assert back["cell"].tolist() == spots["cell"].head(2).tolist()
    assert back.geometry.geom_equals_exact(spots.geometry.head(2), tolerance=1e-9).all()


def test_empty_database(clean_db):
    result = store.facility_coverage(clean_db)
    city_rows = result["shares"].query("level == 'city'")
    assert (city_rows["total"] == 0).all() and city_rows["share"].isna().all()
    assert store.blind_spots(clean_db).empty
    assert store.new_sites(clean_db, "camera", 2).empty
    assert store.overdue(clean_db).empty
    assert set(store.inspection_coverage(clean_db)["total"]) == {0}
    with pytest.raises(InputError, match="in force"):
        store.read_grids(clean_db)


def test_data_as_of_is_the_latest_local_date_of_incidents_or_inspections(clean_db):
    from sqlalchemy import insert

    from geo.db import tables as t

    assert store.data_as_of(clean_db) is None
    late = dt.datetime(2026, 6, 30, 17, 0, tzinfo=dt.UTC)  # already July 1st in UTC+8
    with clean_db.begin() as c:
        c.execute(
            insert(t.incidents),
            [
                {
                    "source_key": "A",
                    "occurred_at": late,
                    "category": "盗窃",
                    "h3": 0,
                    "geom": "SRID=4326;POINT(120.6 31.3)",
                }
            ],
        )
    assert store.data_as_of(clean_db) == dt.date(2026, 7, 1)
    with clean_db.begin() as c:
        c.execute(
            insert(t.rentals),
            [
                {
                    "source_key": "R",
                    "address": "路1号",
                    "geom": "SRID=4326;POINT(120.6 31.3)",
                    "last_inspected_at": dt.date(2026, 7, 3),
                }
            ],
        )
    assert store.data_as_of(clean_db) == dt.date(2026, 7, 3)
    # a window "as of" a date ends with that local day
    assert store.end_of_day(dt.date(2026, 7, 1)) == pd.Timestamp("2026-07-01 16:00", tz="UTC")


def _counts_from_points(engine, res: int) -> dict[int, int]:
    """The former weights, the oracle: each incident's stored res-10 cell taken to `res`."""
    with engine.connect() as conn:
        stored = np.array(
            conn.execute(text("SELECT h3 FROM incidents")).scalars().all(), dtype=np.int64
        )
    ids = stored if res == 10 else parents(stored.view(np.uint64), res).view(np.int64)
    return {int(k): int(v) for k, v in pd.Series(ids).value_counts().items()}


@pytest.mark.parametrize("kept", [False, True])
@pytest.mark.parametrize("res", [8, 9, 10])
def test_blind_spots_are_weighted_by_the_counts_as_the_points_weighed_them(city, res, kept):
    """Blind spots read the incidents per cell from geo.counts (kept months, or the
    incidents when none are kept) without the points; the numbers equal the former
    weights computed from every point's stored cell."""
    engine = city.engine
    if kept:  # the incidents as one loaded batch, counted into incident_counts
        with engine.begin() as conn:
            batch = conn.execute(
                text(
                    "INSERT INTO load_batches (kind, file_name, file_sha256, file_size) "
                    "VALUES ('incidents', 'i.csv', 'x', 1) RETURNING id"
                )
            ).scalar_one()
            conn.execute(text("UPDATE incidents SET batch_id = :b"), {"b": batch})
        refresh_counts(engine, full=True)
    with engine.connect() as conn:
        held = conn.execute(
            text("SELECT count(*) FROM incident_counts WHERE res = :r"), {"r": res}
        ).scalar()
    assert (held > 0) == (kept and res < 10)
    oracle = _counts_from_points(engine, res)
    data = store.read_inputs(engine, ["camera"], res, points=False)
    assert data.incidents is None and data.counts.to_dict() == oracle
    spots = store.blind_spots(engine, res=res, top=None, kinds=["camera"])
    want = blind_spots_core.blind_spots(
        pd.DataFrame(data.study.drop(columns="geometry")),
        covered(data.study.geometry, data.sites("camera"), 150.0),
        pd.Series(oracle, dtype=np.int64),
        None,
    )
    assert spots["cell"].tolist() == want["cell"].tolist()
    assert spots["incidents"].tolist() == want["incidents"].tolist()
    assert spots["incidents"].sum() == sum(n for c, n in oracle.items() if c in set(want["cell"]))
    if kept and res < 10:  # the kept months are what is read: a changed count shows
        top = int(want["cell"].iloc[0])
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE incident_counts SET count = count + 100 WHERE res = :r AND cell = :c"),
                {"r": res, "c": top},
            )
        again = store.blind_spots(engine, res=res, top=1, kinds=["camera"])
        assert again["incidents"].iloc[0] == want["incidents"].iloc[0] + 100
