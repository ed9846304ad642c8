"""civicgrid aggregate / hotspots against the real PostGIS test database."""

from __future__ import annotations

import json

import h3
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from geo import hexes
from geo.errors import InputError
from geo.hotspots import store
from geo.hotspots.aggregate import refresh_counts
from geo.hotspots.run import HotspotParams, run_hotspots

BOX = (120.55, 31.25, 120.70, 31.35)  # lon/lat of the synthetic city
CLUSTER = (120.62, 31.30)
CATEGORIES = ["theft", "fight", "fraud"]


def polygon(x0, y0, x1, y1) -> str:
    return f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def seed_places(engine) -> None:
    """City, two districts, a town, an active grid version and key sites near the cluster."""
    with engine.begin() as conn:
        bid = conn.execute(text("""INSERT INTO load_batches (kind, file_name, file_sha256, file_size)
                                   VALUES ('boundaries', 'b.geojson', 'b', 1) RETURNING id""")).scalar_one()
        units = [("city", "320500", "苏州市", None, BOX),
                 ("district", "320508", "姑苏区", "320500", (120.55, 31.25, 120.63, 31.35)),
                 ("district", "320506", "吴中区", "320500", (120.63, 31.25, 120.70, 31.35)),
                 ("town", "320508001", "平江街道", "320508", (120.55, 31.25, 120.63, 31.35))]
        for level, code, name, parent, box in units:
            conn.execute(text("""INSERT INTO admin_units (level, code, name, parent_code, geom, batch_id)
                                 VALUES (:l, :c, :n, :p, ST_GeomFromEWKT(:g), :b)"""),
                         {"l": level, "c": code, "n": name, "p": parent, "g": polygon(*box), "b": bid})
        vid = conn.execute(text("""INSERT INTO grid_versions (name, status) VALUES ('v1', 'active')
                                   RETURNING id""")).scalar_one()
        conn.execute(text("""INSERT INTO grids (version_id, grid_code, geom, batch_id)
                             VALUES (:v, 'G-001', ST_GeomFromEWKT(:g), :b)"""),
                     {"v": vid, "g": polygon(120.61, 31.29, 120.63, 31.31), "b": bid})
        sites = [("s1", "平江实验学校", "school", CLUSTER[0] + 0.0005, CLUSTER[1]),
                 ("s2", "far hospital", "hospital", 120.56, 31.26)]
        for key, name, kind, lon, lat in sites:
            conn.execute(text("""INSERT INTO key_sites (source_key, name, kind, geom, batch_id)
                                 VALUES (:k, :n, :t, ST_SetSRID(ST_MakePoint(:x, :y), 4326), :b)"""),
                         {"k": key, "n": name, "t": kind, "x": lon, "y": lat, "b": bid})


def incidents(n_background: int, n_cluster: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lon = np.r_[rng.uniform(BOX[0], BOX[2], n_background), rng.normal(CLUSTER[0], 0.0008, n_cluster)]
    lat = np.r_[rng.uniform(BOX[1], BOX[3], n_background), rng.normal(CLUSTER[1], 0.0008, n_cluster)]
    n = len(lon)
    seconds = rng.integers(0, 180 * 86400, n)
    at = pd.Timestamp("2026-01-01", tz="Asia/Shanghai") + pd.to_timedelta(seconds, unit="s")
    return pd.DataFrame({"lon": lon, "lat": lat, "occurred_at": at.tz_convert("UTC"),
                         "category": rng.choice(CATEGORIES, n)})


def load_batch(engine, frame: pd.DataFrame, name: str) -> int:
    """A load_batches row plus its incidents, as the loader would write them."""
    h3s = hexes.cells(frame["lon"].to_numpy(), frame["lat"].to_numpy(), 10).astype(np.int64)
    with engine.begin() as conn:
        bid = conn.execute(text("""INSERT INTO load_batches (kind, file_name, file_sha256, file_size, loaded)
                                   VALUES ('incidents', :f, :f, 1, :n) RETURNING id"""),
                           {"f": name, "n": len(frame)}).scalar_one()
        conn.execute(text("""
            INSERT INTO incidents (source_key, occurred_at, category, h3, geom, batch_id)
            VALUES (:key, :at, :cat, :h3, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :b)
        """), [{"key": f"{name}-{i}", "at": r.occurred_at.to_pydatetime(), "cat": r.category,
                "h3": int(c), "lon": r.lon, "lat": r.lat, "b": bid}
               for i, (r, c) in enumerate(zip(frame.itertuples(), h3s, strict=True))])
    return bid


def expected_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """The same aggregation in pandas: parents of the res-10 cells, local days/weeks/months."""
    cell10 = hexes.cells(frame["lon"].to_numpy(), frame["lat"].to_numpy(), 10)
    local = frame["occurred_at"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    starts = {"day": local.dt.normalize(),
              "week": (local - pd.to_timedelta(local.dt.weekday, unit="D")).dt.normalize(),
              "month": local.dt.to_period("M").dt.start_time}
    parts = []
    for res in (7, 8, 9, 10):
        for period, start in starts.items():
            parts.append(pd.DataFrame({"res": res, "cell": hexes.parents(cell10, res).astype(np.int64),
                                       "period": period, "period_start": start.dt.date,
                                       "category": frame["category"]}))
    out = pd.concat(parts).groupby(["res", "cell", "period", "period_start", "category"]).size()
    return out.rename("count").sort_index()


def stored_counts(engine) -> pd.Series:
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(text("SELECT * FROM incident_counts")).mappings().all())
    return rows.set_index(["res", "cell", "period", "period_start", "category"])["count"].sort_index()


def run_json(cli, *args):
    out = cli(*args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_aggregate_full_incremental_and_reloaded_rows(clean_db, cli):
    first = incidents(400, 60, seed=1)
    # 17:30 UTC on 31 Jan is 1 Feb in Suzhou: the local day and month must be used
    first.loc[0, "occurred_at"] = pd.Timestamp("2026-01-31 17:30", tz="UTC")
    b1 = load_batch(clean_db, first, "a.csv")
    out = run_json(cli, "aggregate")
    assert out["mode"] == "incremental" and out["batch_ids"] == [b1] and out["incidents"] == 460
    pd.testing.assert_series_equal(stored_counts(clean_db), expected_counts(first), check_dtype=False)

    assert refresh_counts(clean_db).mode == "up_to_date"

    second = incidents(200, 30, seed=2)
    b2 = load_batch(clean_db, second, "b.csv")
    out = run_json(cli, "aggregate")
    assert out["mode"] == "incremental" and out["batch_ids"] == [b2]
    both = pd.concat([first, second], ignore_index=True)
    pd.testing.assert_series_equal(stored_counts(clean_db), expected_counts(both), check_dtype=False)

    # a re-load upserts changed rows into a new batch: they leave the batch they were counted in
    with clean_db.begin() as conn:
        b3 = conn.execute(text("""INSERT INTO load_batches (kind, file_name, file_sha256, file_size)
                                  VALUES ('incidents', 'a2.csv', 'a2', 1) RETURNING id""")).scalar_one()
        conn.execute(text("""UPDATE incidents SET batch_id = :b3, category = 'fraud'
                             WHERE source_key IN ('a.csv-1', 'a.csv-2')"""), {"b3": b3})
    both.loc[[1, 2], "category"] = "fraud"
    out = run_json(cli, "aggregate")
    assert out["mode"] == "full" and "changed" in out["reason"]
    assert out["batch_ids"] == [b1, b2, b3]
    pd.testing.assert_series_equal(stored_counts(clean_db), expected_counts(both), check_dtype=False)


def test_aggregate_subset_then_full(clean_db, cli):
    frame = incidents(100, 0, seed=3)
    load_batch(clean_db, frame, "c.csv")
    out = run_json(cli, "aggregate", "--res", "8,9", "--period", "month")
    assert out["resolutions"] == [8, 9] and out["periods"] == ["month"]
    stored = stored_counts(clean_db)
    assert set(stored.index.get_level_values("res")) == {8, 9}
    want = expected_counts(frame)
    want = want[want.index.get_level_values("res").isin([8, 9])
                & (want.index.get_level_values("period") == "month")]
    pd.testing.assert_series_equal(stored, want, check_dtype=False)
    out = refresh_counts(clean_db, full=True)
    assert out.mode == "full" and out.resolutions == [7, 8, 9, 10]
    pd.testing.assert_series_equal(stored_counts(clean_db), expected_counts(frame), check_dtype=False)


def test_aggregate_bad_arguments(clean_db, cli):
    out = cli("aggregate", "--res", "11")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "res" in out.stderr
    with pytest.raises(InputError, match="period"):
        refresh_counts(clean_db, periods=["year"])


@pytest.fixture
def city(clean_db, cli):
    seed_places(clean_db)
    load_batch(clean_db, incidents(600, 150, seed=4), "city.csv")
    refresh_counts(clean_db, [9], ["day"])
    return clean_db


def test_hotspots_find_the_planted_cluster(city, cli):
    out = run_json(cli, "hotspots", "--res", "9", "--k", "1", "--top", "5")
    cluster_cell = h3.latlng_to_cell(CLUSTER[1], CLUSTER[0], 9)
    assert out["k"] == 1 and out["k_chosen_by"] == "user" and out["study_area"] == "city"
    area = hexes.polyfill(store.boundary(city), 9)
    assert out["n_cells"] == len(area)
    assert out["n_hot"] >= 1 and out["incidents"] <= 750
    top = out["top"][0]
    assert top["cell"] == cluster_cell and top["bin"] == 3 and top["p_fdr"] < 0.01
    assert (top["district"], top["town"], top["grid_code"]) == ("姑苏区", "平江街道", "G-001")
    assert [s["name"] for s in top["key_sites"]] == ["平江实验学校"]
    assert all(s["kind"] != "hospital" for row in out["top"] for s in row["key_sites"])
    run = store.latest_run(city)
    assert run["id"] == out["run_id"] and run["kind"] == "gi_star" and run["batch_ids"] == out["batch_ids"]
    cells = store.run_cells(city, out["run_id"])
    assert len(cells) == out["n_cells"] and int((cells["bin"] > 0).sum()) == out["n_hot"]
    assert cells.loc[h3.str_to_int(cluster_cell), "bin"] == 3


def test_hotspots_filters_auto_district_and_emerging(city, cli):
    out = run_json(cli, "hotspots", "--auto", "--district", "320508", "--category", "theft,fight",
                   "--from", "2026-02-01", "--to", "2026-05-31")
    assert out["k_chosen_by"].startswith("auto") and out["k"] in range(1, 8)
    assert len(out["k_table"]) == 7 and out["study_area"] == "320508"
    assert len(hexes.polyfill(store.boundary(city, "320508"), 9)) == out["n_cells"]
    counts = store.load_counts(city, 9, pd.Timestamp("2026-02-01").date(),
                               pd.Timestamp("2026-05-31").date(), ["theft", "fight"], "320508")
    assert out["incidents"] == counts["count"].sum()
    emerging = run_json(cli, "hotspots", "--emerging", "--period", "month", "--k", "1")
    assert emerging["kind"] == "emerging" and emerging["periods"] == 6
    assert sum(emerging["categories"].values()) == emerging["n_cells"]
    assert all(row["category"].endswith("_hot_spot") for row in emerging["top"])
    assert store.latest_run(city, "emerging")["id"] == emerging["run_id"]


def test_hotspots_bad_input(city, cli):
    assert cli("hotspots", "--k", "2", "--auto").returncode == 2
    out = cli("hotspots", "--district", "999999")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "999999" in out.stderr
    with pytest.raises(InputError, match="aggregate"):
        run_hotspots(city, HotspotParams(categories=("no-such-category",)))
