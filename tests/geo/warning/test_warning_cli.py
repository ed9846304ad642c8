"""civicgrid alerts and near-repeat against the real PostGIS test database: a planted surge
is the top alert with its place and key site; a planted near-repeat pattern is read out.
The incidents go through the loader, so their categories are stored as every load stores
them (大类 name, 细类 code, raw text) and either level is chosen by code, name or alias."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from etl.load import load
from tests.database import empty
from tests.geo.hotspots.city import BOX, CLUSTER, run_json, seed_places

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
            "category": rng.choice(["盗窃", "打架斗殴"], n),
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
            "category": "扒窃",  # an alias of the 细类 盗窃 (1001)
        }
    )


def _near_repeats(rng, n=500) -> pd.DataFrame:
    """Robberies (抢劫, 1003), a third of them repeating one within 150 m and 5 days, those
    written with the alias 抢夺."""
    base = _background(rng, n).assign(category="抢劫")
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
            "category": "抢夺",
        }
    )
    return pd.concat([base, repeats], ignore_index=True)


@pytest.fixture(scope="module")
def city(engine, db_url, tmp_path_factory):
    empty(engine)
    seed_places(engine)
    rng = np.random.default_rng(11)
    frame = pd.concat([_background(rng), _surge(rng), _near_repeats(rng)], ignore_index=True)
    # a repeat shifted past the city's edge would be refused by the loader
    frame = frame[frame["lon"].between(BOX[0], BOX[2]) & frame["lat"].between(BOX[1], BOX[3])]
    path = tmp_path_factory.mktemp("warning") / "jq.csv"
    local = frame["occurred_at"].dt.tz_convert("Asia/Shanghai")
    pd.DataFrame(
        {
            "警情编号": [f"JQ{i:06d}" for i in range(len(frame))],
            "报警时间": local.dt.strftime("%Y-%m-%d %H:%M:%S"),
            "警情类别": frame["category"],
            "经度": frame["lon"].round(7),
            "纬度": frame["lat"].round(7),
        }
    ).to_csv(path, index=False)
    result = load("incidents", path, crs="wgs84", url=db_url)
    assert (result["loaded"], result["rejected"]) == (len(frame), 0)
    return frame


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
    # read by a person: Chinese first, the kind named
    human = cli("alerts", "--period", "week", "--res", "8", env={"COLUMNS": "240"})
    assert human.returncode == 0, human.stderr
    assert "预警 alerts · week 2026-07-06 – 2026-07-12" in human.stdout
    row = next(line for line in human.stdout.splitlines() if top["cell"] in line)
    kind = "新增热点" if top["kind"] == "new_hot_spot" else "异常激增"
    assert kind in row and "平江实验学校" in row
    # the week before the surge raises no alert there
    before = run_json(cli, "alerts", "--period", "week", "--res", "8", "--date", "2026-06-30")
    assert before["from"] == "2026-06-29" and top["cell"] not in [
        a["cell"] for a in before["alerts"]
    ]


def _robberies(city: pd.DataFrame) -> int:
    return int(city["category"].isin(["抢劫", "抢夺"]).sum())


def test_near_repeat_finds_the_planted_band_and_reads_it(city, cli):
    out = run_json(
        cli,
        "near-repeat",
        "--category",
        "抢劫",
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
    assert out["incidents"] == _robberies(city) > 600
    assert out["strongest"]["distance_to"] == 200 and out["strongest"]["days_to"] == 7
    assert out["p"][0][0] == pytest.approx(0.01) and out["ratio"][0][0] > 2
    assert out["reading"]["en"].startswith("within 200 m and 7 days,")
    assert out["reading"]["zh"].startswith("200 米、7 天内")
    # fights, placed at random, show no such pattern (thefts would: the planted surge is one)
    fights = run_json(cli, "near-repeat", "--category", "打架斗殴", "--permutations", "99")
    assert fights["p"][0][0] > 0.05 and fights["ratio"][0][0] < 1.5


@pytest.mark.parametrize(
    "category",
    ["盗窃", "1001", "theft", "刑事"],
    ids=["fine-name", "fine-code", "fine-alias", "top-name"],
)
def test_alerts_choose_a_category_by_either_level_code_name_or_alias(city, cli, category):
    """The surge was loaded as 扒窃 (an alias of 盗窃): its 细类 by name, code or another
    alias, and its 大类, all find it first, with the same count."""
    out = run_json(cli, "alerts", "--period", "week", "--res", "8", "--category", category)
    assert out["categories"] == [category]
    top = out["alerts"][0]
    assert top["cell"] == h3.latlng_to_cell(CLUSTER[1], CLUSTER[0], 8)
    assert top["count"] >= SURGE


def test_near_repeat_chooses_a_category_by_code_name_or_alias(city, cli):
    """Robberies were loaded as 抢劫 and 抢夺: the 细类 by name, code (1003) or alias
    (robbery) reads the same incidents and the same table."""
    args = ("--from", "2026-01-01", "--to", "2026-07-31", "--permutations", "19")
    names = ("抢劫", "1003", "robbery")
    by = {c: run_json(cli, "near-repeat", "--category", c, *args) for c in names}
    assert {out["incidents"] for out in by.values()} == {_robberies(city)}
    assert by["1003"]["observed"] == by["抢劫"]["observed"] == by["robbery"]["observed"]
    assert by["robbery"]["p"] == by["抢劫"]["p"]
    # an alias spelled as loaded (抢夺) takes its whole 细类 too
    alias = run_json(cli, "near-repeat", "--category", "抢夺", *args)
    assert alias["incidents"] == _robberies(city)


def test_bad_arguments_and_no_history_are_one_line(city, cli):
    bad = cli("alerts", "--period", "day")
    assert bad.returncode == 2 and "--period" in bad.stderr
    early = cli("alerts", "--date", "2026-01-06", "--json")
    assert early.returncode == 1 and early.stderr.count("\n") == 1 and "compare" in early.stderr
