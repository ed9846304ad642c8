"""`kept` caches a view per database, data stamp and arguments, refreshes it when the
data change, and computes it once when two threads ask for it at the same time."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import insert

from geo.db.tables import load_batches
from geo.views.stamp import data_stamp, kept


def _counting(delay: float = 0.0):
    calls: list[tuple] = []

    @kept(4)
    def view(engine, x):
        calls.append((x,))
        time.sleep(delay)
        return {"x": x}

    return view, calls


def test_kept_until_the_data_change(engine, clean_db):
    view, calls = _counting()
    first = view(engine, 1)
    assert view(engine, 1) is first and view(engine, 2) is not first
    assert calls == [(1,), (2,)]

    stamp = data_stamp(engine)
    with engine.begin() as c:
        c.execute(
            insert(load_batches).values(
                kind="incidents",
                file_name="a.csv",
                file_sha256="a" * 64,
                file_size=1,
                finished_at=dt.datetime.now(dt.UTC),
            )
        )
    assert data_stamp(engine) != stamp
    assert view(engine, 1) is not first and view(engine, 1) == first
    assert calls == [(1,), (2,), (1,)]


def test_a_second_caller_waits_for_the_first_instead_of_computing_again(engine, clean_db):
    view, calls = _counting(delay=0.5)
    got: list[dict] = []
    threads = [threading.Thread(target=lambda: got.append(view(engine, 7))) for _ in range(3)]
    for th in threads:
        th.start()
        time.sleep(0.05)  # the later ones arrive while the first is computing
    for th in threads:
        th.join()
    assert calls == [(7,)]
    assert len(got) == 3 and got[0] is got[1] is got[2]
    assert view.cache_info().hits == 2 and view.cache_info().misses == 1
