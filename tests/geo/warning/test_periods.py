"""The analysed week or month: the latest complete one, or the one holding a chosen day."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.warning.periods import window

D = dt.date


def test_latest_complete_week_skips_a_half_loaded_one():
    # 2025-06-18 is a Wednesday: its week is incomplete, so the week before is analysed
    w = window("week", last_data_day=D(2025, 6, 18), first_data_day=D(2024, 6, 1))
    assert (w.start, w.end) == (D(2025, 6, 9), D(2025, 6, 16))
    assert len(w.history) == 26 and w.history[-1] == D(2025, 6, 2)
    # history stops at the week holding the first data day
    assert window("week", D(2025, 6, 18), D(2025, 1, 1)).history[0] == D(2024, 12, 30)
    # a Sunday closes its week
    assert window("week", D(2025, 6, 15), D(2025, 1, 1)).start == D(2025, 6, 9)


def test_months_and_a_chosen_day_with_history_cut_at_the_first_data():
    w = window("month", last_data_day=D(2025, 6, 30), first_data_day=D(2025, 2, 10))
    assert (w.start, w.end) == (D(2025, 6, 1), D(2025, 7, 1))
    assert w.history == (D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1), D(2025, 5, 1))
    chosen = window("month", D(2025, 6, 30), D(2024, 1, 1), day=D(2025, 1, 20))
    assert (chosen.start, chosen.history[0], len(chosen.history)) == (
        D(2025, 1, 1),
        D(2024, 1, 1),
        12,
    )


def test_unknown_period_is_refused():
    with pytest.raises(ValueError, match="period"):
        window("day", D(2025, 1, 1), D(2024, 1, 1))
