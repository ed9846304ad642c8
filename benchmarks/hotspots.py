"""Gi* on 100,000 H3 cells: civicgrid's gi_star against PySAL esda G_Local, in one run.

Both sides get the same binary k-ring neighbours (cell itself included) and the same
synthetic clustered counts on a res-10 polyfill around Suzhou. Timed on each side:
weights construction (civicgrid: CSR matrix from geo.hexes.neighbours;
esda: the libpysal W built from the same neighbour pairs) and the statistic (civicgrid:
z, p, BH FDR and bins; esda: G_Local(transform="B", star=True, permutations=0)).

    .venv/bin/python benchmarks/hotspots.py [--cells 100000] [--k 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import shapely
from esda.getisord import G_Local
from libpysal.weights import W

from geo import hexes
from geo.hexes import neighbours
from geo.hotspots.gi_star import gi_star_z, z_table
from geo.hotspots.weights import kring_weights

SUZHOU = (120.62, 31.30)


def study_cells(n: int) -> np.ndarray:
    """About n res-10 cells: the polyfill of a square around Suzhou's centre."""
    half = 0.1  # degrees, then rescaled once to the wanted count
    for _ in range(2):
        box = shapely.box(SUZHOU[0] - half, SUZHOU[1] - half, SUZHOU[0] + half, SUZHOU[1] + half)
        cells = hexes.polyfill(box, 10)
        half *= np.sqrt(n / len(cells))
    return cells


def clustered_counts(cells: np.ndarray, seed: int = 0) -> np.ndarray:
    """Poisson background plus 40 Gaussian incident clusters."""
    rng = np.random.default_rng(seed)
    lon, lat = hexes.centroids(cells)
    rate = np.full(len(cells), 0.3)
    for i in rng.choice(len(cells), 40, replace=False):
        d2 = (lon - lon[i]) ** 2 + (lat - lat[i]) ** 2
        rate += rng.uniform(2, 8) * np.exp(-d2 / (2 * rng.uniform(0.001, 0.004) ** 2))
    return rng.poisson(rate).astype(np.float64)


def best_of(repeat: int, fn):
    """(best wall seconds, best CPU seconds of the process, result): CPU time is the steadier
    figure on a shared machine."""
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu), result


def libpysal_w(cells: np.ndarray, k: int) -> W:
    """The same neighbour lists as a libpysal W (self pairs left out: esda adds them for Gi*)."""
    rows, cols = neighbours(cells, k, sort=False)
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    starts = np.searchsorted(rows, np.arange(len(cells) + 1))
    lists = {i: cols[starts[i] : starts[i + 1]].tolist() for i in range(len(cells))}
    return W(lists, silence_warnings=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    cells = study_cells(args.cells)
    y = clustered_counts(cells)
    print(f"{len(cells):,} res-10 cells around Suzhou, k={args.k}, {int(y.sum()):,} incidents")

    w_ours = best_of(args.repeat, lambda: kring_weights(cells, args.k))
    w = w_ours[2]
    gi_ours = best_of(args.repeat, lambda: z_table(cells.astype(np.int64), y, gi_star_z(y, w)))
    w_esda = best_of(args.repeat, lambda: libpysal_w(cells, args.k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gi_esda = best_of(
            args.repeat, lambda: G_Local(y, w_esda[2], transform="B", star=True, permutations=0)
        )

    ours, ref = gi_ours[2], gi_esda[2]
    diff = float(np.max(np.abs(ours["gi_z"].to_numpy() - ref.Zs)))
    for label, i in (("wall", 0), ("CPU", 1)):
        a = [w_ours[i], gi_ours[i], w_ours[i] + gi_ours[i]]
        b = [w_esda[i], gi_esda[i], w_esda[i] + gi_esda[i]]
        table = pd.DataFrame(
            {"civicgrid s": a, "esda s": b},
            index=["weights", "Gi* (z, p, FDR, bins | G_Local)", "total"],
        )
        table["esda / civicgrid"] = table["esda s"] / table["civicgrid s"]
        print(f"-- {label} time, best of {args.repeat}")
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"max |z difference|: {diff:.2e}   hot cells (bin>0): {int((ours['bin'] > 0).sum()):,}")


if __name__ == "__main__":
    main()
