"""geo.grids.blocks and geo.grids.units, fast paths against the straightforward ones they
replace: the cell land no grid covers (all cells at once, not cell by cell) and the units'
adjacency (H3 neighbours for whole hexagons, identical edges, then exact boundary tests)
give exactly what the cell-by-cell union and measuring every touching pair give, on a
city whose grid lines cut cells at slants, leave community land without a grid and
reach outside the communities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.grids import blocks, units
from geo.grids.geometry import polygonal, to_metric
from tests.geo.grids.build import box, frame, poly
from tests.geo.grids.test_edit import ITEMS

A, B = "320508001001", "320508001002"


def slanted_city():
    communities = frame(
        [
            dict(code=A, parent_code="320508001", name="东社区", geometry=box(0, 0, 1500, 1000)),
            dict(code=B, parent_code="320508001", name="西社区", geometry=box(1500, 0, 3000, 1000)),
        ]
    )
    shapes = [
        poly((0, 0), (700, 0), (450, 1000), (0, 1000)),
        poly((700, 0), (1500, 0), (1500, 1000), (450, 1000)),
        # crosses into B and reaches 200 m south of both communities
        poly((1500, -200), (2300, -200), (2100, 600), (1500, 600)),
        # B's north-east is left without a grid
        poly((1500, 600), (2100, 600), (1900, 1000), (1500, 1000)),
    ]
    rows = [
        dict(
            grid_code=f"{A}{i + 1:03d}",
            name=f"格{i + 1}",
            community_code=A if i < 2 else B,
            town_code="320508001",
            district_code="320508",
            kind="综合",
            households=200 + 40 * i,
            population=600 + i,
            geometry=g,
        )
        for i, g in enumerate(shapes)
    ]
    return frame(rows), communities


@pytest.fixture(scope="module")
def built():
    grids, communities = slanted_city()
    return grids, communities, blocks.build_units(grids, communities, ITEMS, res=10)


def reference_uncovered(cells, open_cells, ci, parts):
    """The cell-by-cell code the vectorised `_uncovered` replaced."""
    by_cell = pd.Series(np.arange(len(ci))).groupby(ci).apply(list).to_dict()
    rest = []
    for c in open_cells:
        taken = parts[by_cell.get(c, [])]
        rest.append(
            cells[c]
            if not len(taken)
            else polygonal([shapely.difference(cells[c], units.merge(taken))])[0]
        )
    return np.asarray(rest, dtype=object)


def reference_adjacency(frame_metric) -> list[set[int]]:
    """Every touching pair's common boundary measured (the code before H3 neighbours)."""
    geoms = frame_metric.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]))
    )
    out: list[set[int]] = [set() for _ in range(len(geoms))]
    for a, b in zip(left[shared > units.SNAP_M], right[shared > units.SNAP_M], strict=True):
        out[a].add(int(b))
        out[b].add(int(a))
    return out


def test_uncovered_cell_land_equals_the_cell_by_cell_union(built):
    grids, communities, _ = built
    cm = to_metric(communities)
    cells = pd.concat(
        [
            units.clipped_cells(w, m, 10).assign(community_code=code)
            for code, w, m in zip(
                communities["code"], communities.geometry, cm.geometry, strict=True
            )
        ],
        ignore_index=True,
    )
    cg, gg = cells.geometry.to_numpy(), to_metric(grids).geometry.to_numpy()
    ci, gi = shapely.STRtree(gg).query(cg, predicate="intersects")
    parts = polygonal(shapely.intersection(cg[ci], gg[gi]))
    covered = np.zeros(len(cg), dtype=bool)
    covered[ci[shapely.contains_properly(gg[gi], cg[ci])]] = True
    open_cells = np.flatnonzero(~covered)
    assert len(open_cells) > 50
    mine = blocks._uncovered(cg, open_cells, ci, parts)
    theirs = reference_uncovered(cg, open_cells, ci, parts)
    assert shapely.equals_exact(mine, theirs, tolerance=0).all()


def test_adjacency_equals_measuring_every_touching_pair(built):
    _, _, cut = built
    metric = to_metric(cut)
    whole = units.whole_cells(metric)
    # both kinds are there: whole hexagons and cells clipped by grid and community lines
    assert 0 < whole.sum() < len(cut) - 50
    assert units.adjacency(metric) == reference_adjacency(metric)
    # a unit read back from PostGIS is a one-part MultiPolygon: still recognised whole
    multi = metric.set_geometry(polygonal(metric.geometry.to_numpy()), crs=metric.crs)
    assert (units.whole_cells(multi) == whole).all()
    assert units.adjacency(multi) == reference_adjacency(metric)


def test_hexagons_are_the_cells_corners_snapped():
    cell = int(units.cells_covering(frame([dict(geometry=box(0, 0, 100, 100))]).geometry[0], 10)[0])
    (hexagon,) = units.hexagons(np.array([cell]))
    xy = shapely.get_coordinates(hexagon)
    assert len(xy) == 7 and np.allclose(xy, np.round(xy / units.SNAP_M) * units.SNAP_M, atol=1e-9)
