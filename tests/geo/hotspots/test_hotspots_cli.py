"""civicgrid hotspots against the real PostGIS test database: a planted cluster is found."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
from esda.moran import Moran
from libpysal.weights import W
from sqlalchemy import text

from geo import hexes
from geo.counts.refresh import refresh_counts
from geo.errors import InputError
from geo.hotspots import store
from geo.hotspots.run import HotspotParams, run_hotspots
from tests.database import empty
from tests.geo.hotspots.city import BOX, CLUSTER, incidents, load_batch, run_json, seed_places

GUSU = (120.55, 31.25, 120.63, 31.35)  # district 320508 in seed_places


def _area(box: tuple[float, float, float, float]) -> list[int]:
    """Res-9 cells with their centre in `box`, by the h3 library itself."""
    x0, y0, x1, y1 = box
    shape = h3.LatLngPoly([(y0, x0), (y0, x1), (y1, x1), (y1, x0)])
    return sorted(h3.str_to_int(c) for c in h3.h3shape_to_cells(shape, 9))


def _inside(frame: pd.DataFrame, box) -> pd.DataFrame:
    """The incidents of `frame` whose point lies in `box`."""
    x0, y0, x1, y1 = box
    return frame[frame["lon"].between(x0, x1) & frame["lat"].between(y0, y1)]


def _in_area(frame: pd.DataFrame, box) -> pd.Series:
    """The res-9 cell of each incident of `frame` in the study area `box`: the parent of its
    stored res-10 cell, as counts roll up (H3 nests only approximately: a point's res-9
    cell is not always its res-10 cell's parent)."""
    cells = pd.Series(
        [
            h3.str_to_int(h3.cell_to_parent(h3.latlng_to_cell(lat, lon, 10), 9))
            for lon, lat in zip(frame["lon"], frame["lat"], strict=True)
        ]
    )
    return cells[cells.isin(set(_area(box)))]


def _ring_w(area: list[int], k: int) -> W:
    index = {c: i for i, c in enumerate(area)}
    return W(
        {
            i: [
                index[h3.str_to_int(x)]
                for x in h3.grid_disk(h3.int_to_str(c), k)
                if h3.str_to_int(x) in index and h3.str_to_int(x) != c
            ]
            for i, c in enumerate(area)
        },
        silence_warnings=True,
    )


@pytest.fixture(scope="module")
def city(engine):
    """One synthetic city for the module (the tests only add runs to it)."""
    empty(engine)
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
    # all 750 planted incidents lie in the city; those analysed are the ones whose res-9
    # cell (by h3 itself) has its centre in the city, the rest are reported as outside
    planted = incidents(600, 150, seed=4)
    analysed = len(_in_area(planted, BOX))
    assert out["n_hot"] >= 1 and (out["incidents"], out["incidents_outside_area"]) == (
        analysed,
        len(_inside(planted, BOX)) - analysed,
    ) == (739, 11)
    top = out["top"][0]
    assert top["cell"] == cluster_cell and top["bin"] == 3 and top["p_fdr"] < 0.01
    assert (top["district"], top["town"], top["grid_code"]) == ("姑苏区", "平江街道", "G-001")
    assert [s["name"] for s in top["key_sites"]] == ["平江实验学校"]
    assert all(s["kind"] != "hospital" for row in out["top"] for s in row["key_sites"])
    run = store.latest_run(city)
    assert (
        run["id"] == out["run_id"]
        and run["kind"] == "gi_star"
        and run["batch_ids"] == out["batch_ids"]
    )
    cells = store.run_cells(city, out["run_id"])
    assert len(cells) == out["n_cells"] and int((cells["bin"] > 0).sum()) == out["n_hot"]
    assert cells.loc[h3.str_to_int(cluster_cell), "bin"] == 3
    assert cells["value"].sum() == len(_in_area(planted, BOX))


def test_hotspots_filters_auto_district_and_emerging(city, cli):
    params = HotspotParams(
        auto=True,
        district="320508",
        categories=("theft", "fight"),
        start=pd.Timestamp("2026-02-01").date(),
        end=pd.Timestamp("2026-05-31").date(),
    )
    out = run_hotspots(city, params)
    # the chosen k: the first peak of Moran's I z (esda, randomisation) over k = 1…7 on the
    # district's counts worked out here from the planted incidents with h3 and pandas
    planted = incidents(600, 150, seed=4)
    local = planted["occurred_at"].dt.tz_convert("Asia/Shanghai").dt.date
    chosen = planted[
        planted["category"].isin(["theft", "fight"])
        & (local >= pd.Timestamp("2026-02-01").date())
        & (local <= pd.Timestamp("2026-05-31").date())
    ]
    area = _area(GUSU)
    y = _in_area(chosen, GUSU).value_counts().reindex(area, fill_value=0).to_numpy(dtype=float)
    z = [Moran(y, _ring_w(area, k), transformation="B", permutations=0).z_rand for k in range(1, 8)]
    peaks = [i for i in range(1, 6) if z[i] > z[i - 1] and z[i] > z[i + 1]]
    assert (
        out["k_chosen_by"].startswith("auto")
        and out["k"] == (peaks[0] if peaks else int(np.argmax(z))) + 1
    )
    # a district's incidents are those of its cells (centre inside), as h3 assigns them
    assert (out["incidents"], out["incidents_outside_area"]) == (int(y.sum()), 0) == (184, 0)
    assert len(out["k_table"]) == 7 and out["study_area"] == "320508"
    assert len(hexes.polyfill(store.boundary(city, "320508"), 9)) == out["n_cells"]
    counts = store.load_counts(
        city,
        9,
        pd.Timestamp("2026-02-01").date(),
        pd.Timestamp("2026-05-31").date(),
        ["theft", "fight"],
        "320508",
    )
    assert out["incidents"] == counts["count"].sum()
    emerging = run_json(cli, "hotspots", "--emerging", "--period", "month", "--k", "1")
    assert emerging["kind"] == "emerging" and emerging["periods"] == 6
    # the planted cluster is hot in each of the six months: ≥ 90 % of periods, including the last
    cluster_cell = h3.latlng_to_cell(CLUSTER[1], CLUSTER[0], 9)
    by_cell = {row["cell"]: row for row in emerging["top"]}
    assert emerging["top"] and cluster_cell in by_cell
    row = by_cell[cluster_cell]
    assert row["n_hot"] == 6 and row["n_cold"] == 0
    # spread evenly over the months: no significant trend in its z-scores, so persistent
    trend = (
        "persistent"
        if row["trend_p"] >= 0.05
        else ("intensifying" if row["trend_z"] > 0 else "diminishing")
    )
    assert row["category"] == f"{trend}_hot_spot" == "persistent_hot_spot"
    assert store.latest_run(city, "emerging")["id"] == emerging["run_id"]


def test_hotspots_bad_input(city, cli):
    assert cli("hotspots", "--k", "2", "--auto").returncode == 2
    out = cli("hotspots", "--district", "999999")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "999999" in out.stderr
    with pytest.raises(InputError, match="cover 2026-01-01 to 2026-06-"):
        run_hotspots(city, HotspotParams(categories=("no-such-category",)))
    # res 8 has no kept months here: it is counted from the incidents, all 750 of them,
    # split into those whose cell lies in the city's study area and those outside it
    out = run_hotspots(city, HotspotParams(res=8, k=1))
    with city.connect() as conn:
        cells10 = np.array(
            conn.execute(text("SELECT h3 FROM incidents")).scalars().all(), dtype=np.uint64
        )
    inside = np.isin(hexes.parents(cells10, 8).astype(np.int64), store.study_area(city, 8))
    assert (out["incidents"], out["incidents_outside_area"]) == (
        int(inside.sum()),
        int((~inside).sum()),
    )
    assert out["incidents"] + out["incidents_outside_area"] == 750
