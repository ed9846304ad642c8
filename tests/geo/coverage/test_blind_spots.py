"""Blind spots: uncovered cells only, ranked by incidents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.coverage.blind_spots import blind_spots


def test_ranked_uncovered_cells():
    cells = pd.DataFrame({"cell": [11, 12, 13, 14, 15], "town": ["A", "A", "B", "B", "B"]})
    covered = np.array([False, True, False, False, False])
    incidents = pd.Series({12: 50, 13: 7, 14: 7, 15: 9, 99: 3})
    table = blind_spots(cells, covered, incidents, top=3)
    assert table["cell"].tolist() == [15, 13, 14]
    assert table["incidents"].tolist() == [9, 7, 7]
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["town"].tolist() == ["B", "B", "B"]


def test_all_uncovered_and_zero_counts():
    cells = pd.DataFrame({"cell": [3, 1, 2]})
    table = blind_spots(cells, np.zeros(3, dtype=bool), pd.Series(dtype=int), top=None)
    assert table["cell"].tolist() == [1, 2, 3]
    assert table["incidents"].tolist() == [0, 0, 0]
