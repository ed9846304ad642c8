"""Failed sign-ins counted in moving windows in the real database, against a count made
here from the same times."""

from __future__ import annotations

import random

from geo.auth import failures


def test_moving_window_counts_match_a_direct_count(clean_db):
    rng = random.Random(3)
    limit, span = 5, 60.0
    kept: list[float] = []
    now = 1_000_000.0
    for _ in range(200):
        now += rng.uniform(0, 25)
        recent = [t for t in kept if t >= now - span]
        assert failures.window(clean_db, "k", span, now) == (
            (min(recent) if recent else now),
            len(recent),
        )
        accepted = failures.add(clean_db, "k", limit, span, now)
        assert accepted == (len(recent) + 1 <= limit)
        if accepted:
            kept.append(now)
    assert failures.window(clean_db, "other", span, now) == (now, 0)
    failures.forget(clean_db, "k")
    assert failures.window(clean_db, "k", span, now)[1] == 0


def test_old_failures_are_deleted_as_new_ones_come(clean_db):
    assert failures.add(clean_db, "a", 3, 60, 0.0)
    assert failures.add(clean_db, "b", 3, 60, failures.KEEP_SECONDS + 1.0)
    assert (
        failures.window(clean_db, "a", failures.KEEP_SECONDS * 10, failures.KEEP_SECONDS + 1.0)[1]
        == 0
    )
