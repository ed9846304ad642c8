"""Alerts on constructed weekly counts over real H3 cells: the planted cells come first,
with the kind they were planted as; a stationary city raises none."""

from __future__ import annotations

import datetime as dt

import h3
import numpy as np
import pandas as pd

from geo.warning.alerts import detect
from geo.warning.periods import window

CENTRE = h3.latlng_to_cell(31.30, 120.62, 8)
AREA = np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 7)), dtype=np.int64)
LAST = dt.date(2025, 6, 29)  # a Sunday: the week 2025-06-23 is complete
WEEK = window("week", LAST, dt.date(2024, 1, 1))


def _counts(rng, rate=1.0) -> pd.DataFrame:
    periods = [*WEEK.history, WEEK.start]
    frame = pd.DataFrame(
        [(c, p, rng.poisson(rate)) for p in periods for c in AREA],
        columns=["cell", "period", "count"],
    )
    return frame[frame["count"] > 0].reset_index(drop=True)


def _plant(frame: pd.DataFrame, cells, period, count) -> pd.DataFrame:
    keep = ~(frame["cell"].isin(cells) & (frame["period"] == period))
    extra = pd.DataFrame({"cell": list(cells), "period": period, "count": count})
    return pd.concat([frame[keep], extra], ignore_index=True)


def test_a_planted_surge_in_a_quiet_cell_is_the_top_alert():
    rng = np.random.default_rng(1)
    frame = _counts(rng, rate=0.6)
    quiet = h3.str_to_int(h3.grid_ring(CENTRE, 4)[5])
    frame = _plant(frame[frame["cell"] != quiet], [quiet], WEEK.start, 12)
    alerts = detect(frame, WEEK, area=AREA)
    assert alerts.iloc[0]["cell"] == quiet
    assert alerts.iloc[0]["count"] == 12
    assert alerts.iloc[0]["expected"] < 1.0
    assert alerts.iloc[0]["p"] < 1e-4


def test_a_cluster_new_this_week_is_a_new_hot_spot_and_an_old_one_that_grew_intensified():
    rng = np.random.default_rng(2)
    frame = _counts(rng, rate=0.5)
    new_centre = h3.grid_ring(CENTRE, 5)[0]
    new = [h3.str_to_int(c) for c in h3.grid_disk(new_centre, 1)]
    frame = _plant(frame, new, WEEK.start, 6)
    old = [h3.str_to_int(c) for c in h3.grid_disk(h3.grid_ring(CENTRE, 5)[18], 1)]
    for p in WEEK.history:
        frame = _plant(frame, old, p, 4)
    frame = _plant(frame, old, WEEK.start, 16)
    alerts = detect(frame, WEEK, area=AREA).set_index("cell")
    # Gi* (k = 1) makes the cluster's centre, whose whole neighbourhood is raised, the hot
    # spot; its ring cells are each a surge against their own history
    assert list(alerts.index[alerts["kind"] == "new_hot_spot"]) == [h3.str_to_int(new_centre)]
    assert set(alerts.index[alerts["kind"] == "surge"]) == set(new) - {h3.str_to_int(new_centre)}
    assert set(alerts.index[alerts["kind"] == "intensified"]) == set(old)
    assert (alerts.loc[old, "previous_bin"] > 0).all()
    # an old hot spot at its usual level is not news
    steady = _plant(frame, old, WEEK.start, 4)
    assert not detect(steady, WEEK, area=AREA)["cell"].isin(old).any()


def test_a_stationary_city_raises_no_more_alerts_than_the_fdr_allows():
    runs_with_alerts = sum(
        bool(len(detect(_counts(np.random.default_rng(s)), WEEK, area=AREA))) for s in range(20)
    )
    assert runs_with_alerts <= 2


def test_small_noise_does_not_alert():
    frame = _counts(np.random.default_rng(4), rate=0.05)
    lone = int(AREA[10])
    frame = _plant(frame, [lone], WEEK.start, 2)  # improbable, but two incidents are noise
    assert lone not in set(detect(frame, WEEK, area=AREA)["cell"])
