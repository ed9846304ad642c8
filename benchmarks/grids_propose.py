"""Grid proposal at city scale, and its region step against spopt's max-p regions.

1. `geo.grids.propose` on a synthetic city of 1,500 grids (150 communities of 1 km²,
   households drawn from 150–650 per grid so many communities are out of band):
   wall time and the share of grids in the 300–500 household band before and after.
2. On the same H3 units of the first redrawn communities, our region step
   (`geo.grids.regions.partition`) against `spopt.region.MaxPHeuristic` (households floor
   300, the textbook tool for "at least N per region"): time and share of regions in band.
   Max-p only knows a floor, so it has no reason to stay under 500.

    .venv/bin/python benchmarks/grids_propose.py [--communities 150] [--peer-communities 8]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import shapely

from benchmarks.grids_check import city
from geo.grids import regions, units
from geo.grids.geometry import to_metric
from geo.grids.propose import propose
from geo.items.catalogue import parse
from geo.items.store import default_list, read_file

BAND = (300, 500)


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def in_band(values) -> float:
    v = np.asarray(values, dtype=float)
    return float(((v >= BAND[0]) & (v <= BAND[1])).mean())


#: the default service-item list of data/ (the workload every grid command uses)
ITEMS = parse(read_file(default_list()), "service_items.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=150)
    parser.add_argument("--peer-communities", type=int, default=8)
    args = parser.parse_args()
    grids, comms = city(args.communities, 10)
    rng = np.random.default_rng(7)
    grids["households"] = rng.integers(150, 650, len(grids))
    grids["population"] = grids["households"] * 3
    grids["kind"] = "城镇"
    grids["geometry"] = grids.geometry.make_valid()
    print(f"{len(grids)} grids, in band before: {in_band(grids['households']):.0%}")

    result, took = _timed(lambda: propose(grids, comms, ITEMS, workload_band=(0, 1e9)))
    s = result.summary()
    print(
        f"propose: {took:.1f} s; communities {s['communities']}; grids {s['grids']}; "
        f"in band after: {in_band(result.grids['households']):.0%}; "
        f"unsatisfied {len(result.unsatisfied)}"
    )

    from libpysal.weights import W
    from spopt.region import MaxPHeuristic

    redrawn = [c["community_code"] for c in result.communities if c["status"] == "redrawn"]
    ours_t = peer_t = 0.0
    ours_regions, peer_regions = [], []
    metric = to_metric(comms.set_index("code"))
    for code in redrawn[: args.peer_communities]:
        mine = grids[grids["community_code"] == code]
        cells = units.apportion(
            units.clipped_cells(comms.set_index("code").geometry[code], metric.geometry[code], 10),
            to_metric(mine),
        )
        neighbours = units.adjacency(cells)
        hh = cells["households"].to_numpy()
        k, _ = regions.choose_k(hh.sum(), BAND)
        problem = regions.Problem(
            neighbours,
            hh,
            np.zeros(len(hh)),
            shapely.get_coordinates(cells.geometry.centroid.to_numpy()),
            cells["area_m2"].to_numpy(),
            BAND,
        )
        labels, t = _timed(lambda p=problem, k=k: regions.partition(p, k))
        ours_t += t
        ours_regions += np.bincount(labels, hh).tolist()
        w = W({i: sorted(n) for i, n in enumerate(neighbours)}, silence_warnings=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = MaxPHeuristic(cells.assign(hh=hh), w, ["hh"], "hh", BAND[0], top_n=2)
            _, t = _timed(model.solve)
        peer_t += t
        peer_labels = np.asarray(model.labels_)
        peer_regions += [hh[peer_labels == r].sum() for r in np.unique(peer_labels) if r > 0]
    n = min(len(redrawn), args.peer_communities)
    print(
        f"regions on {n} communities: ours {ours_t:.2f} s, {len(ours_regions)} regions, "
        f"{in_band(ours_regions):.0%} in band; spopt MaxPHeuristic {peer_t:.2f} s, "
        f"{len(peer_regions)} regions, {in_band(peer_regions):.0%} in band; "
        f"time ratio {peer_t / ours_t:.1f}x"
    )


if __name__ == "__main__":
    main()
