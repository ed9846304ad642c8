"""H3 indexing speed: `geo.hexes.cells` against a plain Python loop over `h3.latlng_to_cell`.

Random points in the Suzhou bounding box at resolution 10 (the resolution stored on each
incident). Peers, measured in the same run:
- the named peer: a plain loop over `h3.latlng_to_cell` (h3-py's default API), on a
  slice of the points, scaled;
- the same loop over h3-py's integer API (no string round trip: the fastest plain loop);
- h3ronpy's `coordinates_to_cells` on all points (the vectorised library underneath).
Results are compared with the loop on its slice and with h3ronpy on all points, so
the speed is never bought with a wrong answer. The load average is printed: the
machine is shared, and a busy machine slows the two-thread NumPy stage most.

    .venv/bin/python benchmarks/h3_index.py [--points 10000000] [--loop-points 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import h3
import h3ronpy.vector as h3v
import numpy as np
from h3.api import basic_int as h3int

from geo import hexes

SUZHOU = (119.9, 30.75, 121.35, 32.05)  # lon/lat bbox


def best_rate(fn, points: int, repeats: int) -> tuple[float, np.ndarray]:
    """Points per second of the fastest of `repeats` runs, and the last result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return points / min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--loop-points", type=int, default=1_000_000)
    parser.add_argument("--res", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="best of N for the vectorised runs")
    args = parser.parse_args()

    rng = np.random.default_rng(2026)
    lon = rng.uniform(SUZHOU[0], SUZHOU[2], args.points)
    lat = rng.uniform(SUZHOU[1], SUZHOU[3], args.points)
    load_before = os.getloadavg()[0]

    ours, got = best_rate(lambda: hexes.cells(lon, lat, args.res), args.points, args.repeats)
    ronpy, direct = best_rate(
        lambda: np.asarray(h3v.coordinates_to_cells(lat, lon, args.res)), args.points, args.repeats
    )
    m = min(args.loop_points, args.points)
    pairs = list(zip(lat[:m].tolist(), lon[:m].tolist(), strict=True))
    loop_str, loop = best_rate(
        lambda: [h3.latlng_to_cell(y, x, args.res) for y, x in pairs], m, 1
    )
    loop_int, loop_ints = best_rate(
        lambda: [h3int.latlng_to_cell(y, x, args.res) for y, x in pairs], m, 1
    )

    if not np.array_equal(got, direct):
        raise SystemExit("geo.hexes.cells disagrees with h3ronpy")
    if not np.array_equal(got[:m], np.array(loop_ints, dtype=np.uint64)):
        raise SystemExit("geo.hexes.cells disagrees with h3.latlng_to_cell")
    if [h3.str_to_int(c) for c in loop[:1000]] != loop_ints[:1000]:
        raise SystemExit("h3-py's two APIs disagree")

    rows = [
        ("geo.hexes.cells", args.points, ours),
        ("h3ronpy coordinates_to_cells", args.points, ronpy),
        ("loop h3.latlng_to_cell (peer)", m, loop_str),
        ("loop h3 int API", m, loop_int),
    ]
    for name, n, rate in rows:
        print(f"{name:32s} {n:>11,} points  {rate / 1e6:6.2f} M points/s")
    print(f"ratio vs loop h3.latlng_to_cell: {ours / loop_str:.2f}x   "
          f"vs int loop: {ours / loop_int:.2f}x   vs h3ronpy: {ours / ronpy:.2f}x   "
          f"(load average {load_before:.1f} -> {os.getloadavg()[0]:.1f})")
    print(json.dumps({
        "points": args.points, "loop_points": m, "res": args.res,
        "cells_per_s": round(ours), "h3ronpy_per_s": round(ronpy),
        "loop_per_s": round(loop_str), "loop_int_per_s": round(loop_int),
        "ratio_vs_loop": round(ours / loop_str, 2), "ratio_vs_int_loop": round(ours / loop_int, 2),
        "ratio_vs_h3ronpy": round(ours / ronpy, 2),
        "loadavg": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }))


if __name__ == "__main__":
    main()
