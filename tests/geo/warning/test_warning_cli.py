"""civicgrid alerts and near-repeat against the real PostGIS test database: a planted surge
is the top alert with its place and key site; a planted near-repeat pattern is read out."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from tests.database import empty
from tests.geo.hotspots.city import BOX, CLUSTER, load_batch, run_json, seed_places

FIRST = pd.Timestamp("2026-01-05", tz="Asia/Shanghai")  # a Monday
WEEKS = 27  # 26 weeks of history and the week of 2026-07-06, complete on Sunday 07-12
SURGE = 9


def _background(rng, n=700) -> pd.DataFrame:
    seconds = rng.integers(0, WEEKS * 7 * 86400, n)
    return pd.DataFrame(
        {
            "lon": rng.uniform(BOX[0], BOX[2], n),
            "lat": rng.uniform(BOX[1], BOX[3], n),
            "occurred_at": (FIRST + pd.to_timedelta(seconds, unit="s")).tz_convert("UTC"),
            "category": rng.choice(["theft", "fight"], n),
        }
    )


def _surge(rng) -> pd.DataFrame:
    seconds = rng.integers(0, 7 * 86400, SURGE)
    return pd.DataFrame(
        {
            "lon": rng.normal(CLUSTER[0], 0.0003, SURGE),
            "lat": rng.normal(CLUSTER[1], 0.0003, SURGE),
            "occurred_at": (
                pd.Timestamp("2026-07-06", tz="Asia/Shanghai") + pd.to_timedelta(seconds, unit="s")
            ).tz_convert("UTC"),
            "category": "theft",
        }
    )


def _near_repeats(rng, n=500) -> pd.DataFrame:
    """Burglaries, a third of them repeating one within 150 m and 5 days."""
    base = _background(rng, n).assign(category="burglary")
    seeds = base.sample(n // 3, random_state=1)
    angle = rng.uniform(0, 2 * np.pi, len(seeds))
    step = rng.uniform(0, 150, len(seeds)) / 111_000
    repeats = pd.DataFrame(
        {
            "lon": seeds["lon"].to_numpy() + step * np.cos(angle) / np.cos(np.radians(31.3)),
            "lat": seeds["lat"].to_numpy() + step * np.sin(angle),
            "occurred_at": (
                seeds["occurred_at"] + pd.to_timedelta(rng.uniform(0, 5, len(seeds)), unit="D")
            )
            .dt.floor("s")
            .to_numpy(),
            "category": "burglary",
        }
    )
    return pd.concat([base, repeats], ignore_index=True)


@pytest.fixture(scope="module")
def city(engine):
    empty(engine)
    seed_places(engine)
    rng = np.random.default_rng(11)
    load_batch(
        engine,
        pd.concat([_background(rng), _surge(rng), _near_repeats(rng)], ignore_index=True),
        "warning.csv",
    )
    return engine


def test_the_planted_surge_is_the_top_alert_with_its_place_and_key_site(city, cli):
    out = run_json(cli, "alerts", "--period", "week", "--res", "8")
    assert (out["from"], out["to"], out["history_periods"]) == ("2026-07-06", "2026-07-12", 26)
    top = out["alerts"][0]
    assert top["cell"] == h3.latlng_to_cell(CLUSTER[1], CLUSTER[0], 8)
    assert top["res"] == 8 and top["kind"] in ("new_hot_spot", "surge")
    assert top["count"] >= SURGE and top["expected"] < 2 and top["p"] < 0.001
    assert (top["district"], top["town"], top["grid_code"]) == ("姑苏区", "平江街道", "G-001")
    assert "平江实验学校" in [s["name"] for s in top["key_sites"]]
    # filtered to a category the surge does not have, the cell is quiet
    fights = run_json(cli, "alerts", "--period", "week", "--res", "8", "--category", "fight")
    assert top["cell"] not in [a["cell"] for a in fights["alerts"]]
    # the week before the surge raises no alert there
    before = run_json(cli, "alerts", "--period", "week", "--res", "8", "--date", "2026-06-30")
    assert before["from"] == "2026-06-29" and top["cell"] not in [
        a["cell"] for a in before["alerts"]
    ]


def test_near_repeat_finds_the_planted_band_and_reads_it(city, cli):
    out = run_json(
        cli,
        "near-repeat",
        "--category",
        "burglary",
        "--from",
        "2026-01-01",
        "--to",
        "2026-07-31",
        "--distance",
        "200",
        "--distance-bands",
        "4",
        "--days",
        "7",
        "--time-bands",
        "3",
        "--permutations",
        "99",
    )
    assert out["incidents"] == 500 + 500 // 3
    assert out["strongest"]["distance_to"] == 200 and out["strongest"]["days_to"] == 7
    assert out["p"][0][0] == pytest.approx(0.01) and out["ratio"][0][0] > 2
    assert out["reading"]["en"].startswith("within 200 m and 7 days,")
    assert out["reading"]["zh"].startswith("200 米、7 天内")
    # fights, placed at random, show no such pattern (thefts would: the planted surge is one)
    fights = run_json(cli, "near-repeat", "--category", "fight", "--permutations", "99")
    assert fights["p"][0][0] > 0.05 and fights["ratio"][0][0] < 1.5


def test_bad_arguments_and_no_history_are_one_line(city, cli):
    bad = cli("alerts", "--period", "day")
    assert bad.returncode == 2 and "--period" in bad.stderr
    early = cli("alerts", "--date", "2026-01-06", "--json")
    assert early.returncode == 1 and early.stderr.count("\n") == 1 and "compare" in early.stderr
