"""civicgrid hotspots against the real PostGIS test database: a planted cluster is found."""

from __future__ import annotations

import h3
import pandas as pd
import pytest
from sqlalchemy import text

from geo import hexes
from geo.counts.refresh import refresh_counts
from geo.db.tables import metadata
from geo.errors import InputError
from geo.hotspots import store
from geo.hotspots.run import HotspotParams, run_hotspots
from tests.geo.hotspots.city import CLUSTER, incidents, load_batch, run_json, seed_places


@pytest.fixture(scope="module")
def city(engine):
    """One synthetic city for the module (the tests only add runs to it)."""
    names = ", ".join(t.name for t in metadata.sorted_tables if t.name != "audit_log")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    seed_places(engine)
    load_batch(engine, incidents(600, 150, seed=4), "city.csv")
    refresh_counts(engine, [9], ["day"])
    return engine


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
    params = HotspotParams(auto=True, district="320508", categories=("theft", "fight"),
                           start=pd.Timestamp("2026-02-01").date(), end=pd.Timestamp("2026-05-31").date())
    out = run_hotspots(city, params)
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
    with pytest.raises(InputError, match="cover 2026-01-01 to 2026-06-"):
        run_hotspots(city, HotspotParams(categories=("no-such-category",)))
    # res 8 has no kept months here: it is counted from the incidents, all 750 of them
    assert run_hotspots(city, HotspotParams(res=8, k=1))["incidents"] == 750
