"""Blind spots: study-area H3 cells that no facility covers, worst first.

A cell is uncovered when its centre is farther (straight line, metric CRS) than the
service radius from every facility of the kinds considered. Ranking by the incidents in
the cell puts the places where an uncovered area actually matters on top.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def blind_spots(
    cells: pd.DataFrame, covered: np.ndarray, incidents: pd.Series, top: int | None = 100
) -> pd.DataFrame:
    """Uncovered cells ranked by incident count (ties: lower cell index first).

    cells: one row per study-area cell with `cell` (int H3 index) and any unit columns
    (district, town) to carry along; covered: bool per row of `cells`; incidents: count
    per cell (Series indexed by cell; cells absent count 0). Returns `rank` (1 = most
    incidents), the cell columns and `incidents`, at most `top` rows (all when None).
    """
    covered = np.asarray(covered, dtype=bool)
    if len(covered) != len(cells):
        raise ValueError("covered must have one flag per cell")
    out = cells.loc[~covered].reset_index(drop=True).copy()
    counts = incidents.groupby(level=0).sum() if len(incidents) else incidents
    out["incidents"] = out["cell"].map(counts).fillna(0).astype(np.int64)
    out = out.sort_values(["incidents", "cell"], ascending=[False, True], kind="stable")
    if top is not None:
        out = out.head(top)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)
