"""Which cells need an analyst's attention this period, most unusual first.

Three kinds of alert, each a test already defined elsewhere, applied to this period
against the cell's own past:

- `new_hot_spot` — a significant Gi* hot spot this period (95 % after FDR, Gi_Bin ≥ 2)
  that was not a hot spot in the previous period (Gi_Bin ≤ 0);
- `intensified` — a hot spot in both periods whose count is also a surge;
- `surge` — a count beyond what the cell's history makes plausible
  (`geo.warning.surge`, FDR-corrected), outside a hot spot.

Cells with fewer than `min_count` incidents this period raise no alert: one or two
incidents in a quiet cell are noise, whatever the test says, and would crowd out the
few cells that matter. Alerts are ranked by their p-value (the Gi* FDR p for new hot
spots, the surge FDR p otherwise), then by count over expected.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from geo.hotspots.gi_star import gi_star
from geo.warning.periods import Window, shift
from geo.warning.surge import surge

KINDS = ("new_hot_spot", "intensified", "surge")
#: Gi_Bin from which a cell counts as a hot spot this period (95 % confidence after FDR)
HOT_BIN = 2


def _period_counts(counts: pd.DataFrame, start) -> pd.Series:
    rows = counts[counts["period"] == start]
    return rows.groupby("cell")["count"].sum()


def detect(
    counts: pd.DataFrame,
    window: Window,
    area: Iterable[int] | None = None,
    k: int = 1,
    alpha: float = 0.05,
    min_count: int = 3,
) -> pd.DataFrame:
    """Alerts for `window`'s period from `counts` (`cell, period, count`, period = start date).

    `area`: study-area cells for Gi* (absent cells count 0). Returns one row per alert,
    most unusual first: cell, kind, count, expected, p, p_surge, gi_z, bin, previous_bin.
    """
    if not window.history:
        raise ValueError("no earlier period with data to compare with")
    now = _period_counts(counts, window.start)
    before = _period_counts(counts, shift(window.start, window.period, -1))
    past = counts[counts["period"].isin(window.history)]
    history = past.pivot_table(
        index="cell", columns="period", values="count", aggfunc="sum", fill_value=0
    ).reindex(columns=list(window.history), fill_value=0)
    tested = surge(history, now)
    cells = tested.index
    gi_now = gi_star(now, k=k, area=area).reindex(cells)
    gi_before = gi_star(before, k=k, area=area).reindex(cells) if len(before) else None
    bin_now = gi_now["bin"].fillna(0).astype(int)
    bin_before = (
        gi_before["bin"].fillna(0).astype(int)
        if gi_before is not None
        else pd.Series(0, index=cells)
    )
    hot = bin_now >= HOT_BIN
    surging = tested["p_fdr"] < alpha
    kind = pd.Series(
        np.select(
            [hot & (bin_before <= 0), hot & (bin_before > 0) & surging, ~hot & surging],
            list(KINDS),
            default="",
        ),
        index=cells,
    )
    p = np.where(kind == "new_hot_spot", gi_now["p_fdr"], tested["p_fdr"])
    out = pd.DataFrame(
        {
            "kind": kind,
            "count": tested["count"],
            "expected": tested["expected"],
            "p": p,
            "p_surge": tested["p_fdr"],
            "gi_z": gi_now["gi_z"],
            "bin": bin_now,
            "previous_bin": bin_before,
        },
        index=cells,
    )
    out = out[(out["kind"] != "") & (out["count"] >= min_count)]
    out["ratio"] = out["count"] / out["expected"].clip(lower=1e-9)
    out = out.sort_values(["p", "ratio"], ascending=[True, False])
    return out.rename_axis("cell").reset_index()
