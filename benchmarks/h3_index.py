"""H3 indexing speed: `geo.hexes.cells` against a plain Python loop over `h3.latlng_to_cell`.

Random points in the Suzhou bounding box at resolution 10 (the resolution stored on each
incident). Peers, measured in the same run:
- the named peer: a plain loop over `h3.latlng_to_cell` (h3-py's default API), on a
  slice of the points, scaled;
- the same loop over h3-py's integer API (no string round trip: the fastest plain loop);
- h3ronpy's `coordinates_to_cells` on all points (the vectorised library underneath).
Results are compared with the loop on its slice and with h3ronpy on all points, so
the speed is never bought with a wrong answer. Rates are given by wall clock and by
CPU time (all threads of the process): on a shared, busy machine the CPU figures are
the steadier comparison, while the wall clock shows what the two-thread stage gains
when a second core is free. The load average is printed.

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


def best_rate(fn, points: int, repeats: int) -> tuple[float, float, object]:
    """Points per second by wall clock and by CPU time (fastest of `repeats` runs each),
    and the last result."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return points / min(walls), points / min(cpus), result


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

    ours, ours_cpu, got = best_rate(
        lambda: hexes.cells(lon, lat, args.res), args.points, args.repeats
    )
    ronpy, ronpy_cpu, direct = best_rate(
        lambda: np.asarray(h3v.coordinates_to_cells(lat, lon, args.res)), args.points, args.repeats
    )
    m = min(args.loop_points, args.points)
    pairs = list(zip(lat[:m].tolist(), lon[:m].tolist(), strict=True))
    loop_str, loop_str_cpu, loop = best_rate(
        lambda: [h3.latlng_to_cell(y, x, args.res) for y, x in pairs], m, 1
    )
    loop_int, loop_int_cpu, loop_ints = best_rate(
        lambda: [h3int.latlng_to_cell(y, x, args.res) for y, x in pairs], m, 1
    )

    if not np.array_equal(got, direct):
        raise SystemExit("geo.hexes.cells disagrees with h3ronpy")
    if not np.array_equal(got[:m], np.array(loop_ints, dtype=np.uint64)):
        raise SystemExit("geo.hexes.cells disagrees with h3.latlng_to_cell")
    if [h3.str_to_int(c) for c in loop[:1000]] != loop_ints[:1000]:
        raise SystemExit("h3-py's two APIs disagree")

    rows = [
        ("geo.hexes.cells", args.points, ours, ours_cpu),
        ("h3ronpy coordinates_to_cells", args.points, ronpy, ronpy_cpu),
        ("loop h3.latlng_to_cell (peer)", m, loop_str, loop_str_cpu),
        ("loop h3 int API", m, loop_int, loop_int_cpu),
    ]
    print(f"{'':32s} {'points':>11s}  {'M/s wall':>9s}  {'M/s CPU':>8s}")
    for name, n, wall, cpu in rows:
        print(f"{name:32s} {n:>11,}  {wall / 1e6:9.2f}  {cpu / 1e6:8.2f}")
    ratios = {
        "vs_loop": (ours / loop_str, ours_cpu / loop_str_cpu),
        "vs_int_loop": (ours / loop_int, ours_cpu / loop_int_cpu),
        "vs_h3ronpy": (ours / ronpy, ours_cpu / ronpy_cpu),
    }
    for name, (wall, cpu) in ratios.items():
        print(f"ratio {name:12s} {wall:5.2f}x wall  {cpu:5.2f}x CPU")
    print(f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}")
    print(
        json.dumps(
            {
                "points": args.points,
                "loop_points": m,
                "res": args.res,
                "per_s_wall": {n: round(w) for n, _, w, _ in rows},
                "per_s_cpu": {n: round(c) for n, _, _, c in rows},
                "ratio_wall": {k: round(v[0], 2) for k, v in ratios.items()},
                "ratio_cpu": {k: round(v[1], 2) for k, v in ratios.items()},
                "loadavg": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            }
        )
    )


if __name__ == "__main__":
    main()
