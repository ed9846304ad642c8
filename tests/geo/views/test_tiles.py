"""geo.views.tiles `units`: a grid-editor draft's units as a vector tile — every unit of
the tile with its grid and grid name, the workload band of that grid, its households,
population and hours (the hover text) and its point on surface, exactly
as geo.grids.edit computes them, before and after an edit; one band per request when
asked; a revision that is not a number refused."""

from __future__ import annotations

import math

import mapbox_vector_tile
import numpy as np
import pytest

from geo.errors import InputError
from geo.grids import drafts, edit, versions
from geo.grids.geometry import to_metric
from geo.views.tiles import WORLD_M, TileRequest, tile, units_zoom
from tests.geo.grids.build import insert_units, insert_version
from tests.geo.grids.test_edit import A, city, units_at

DRAFT = "2027-edit"
#: the zoom the unit tiles are read at (≥ units_zoom(10) = 12: units, not grids)
UNITS_ZOOM = 13


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def covering(draft: edit.Draft, z: int) -> list[tuple[int, int, int]]:
    """Every tile of zoom z over the draft's units."""
    w, s, e, n = draft.units.total_bounds
    (x0, y0), (x1, y1) = tile_of(w, n, z), tile_of(e, s, z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def features(engine, draft: edit.Draft, z: int, band: str | None = None) -> list[dict]:
    """The properties of the units layer's features over the draft at zoom z."""
    out = []
    for tz, x, y in covering(draft, z):
        req = TileRequest("units", tz, x, y, version=DRAFT, band=band, revision="0")
        data = tile(engine, req)
        feats = mapbox_vector_tile.decode(data)["units"]["features"] if data else []
        # an MVT leaves out null properties: an unassigned unit has no grid_code
        out += [{"grid_code": None, **f["properties"]} for f in feats]
    return out


def decoded(engine, draft: edit.Draft, band: str | None = None) -> dict[int, dict]:
    """Unit id → properties, from the tiles at UNITS_ZOOM (a unit cut by a tile edge is
    in both tiles, with the same properties)."""
    out: dict[int, dict] = {}
    for props in features(engine, draft, UNITS_ZOOM, band):
        assert out.setdefault(props["unit_id"], props) == props
    return out


def specks(draft: edit.Draft, z: int = UNITS_ZOOM) -> set[int]:
    """Units narrower than one tile unit at zoom z (~1 m at z13 here): ST_AsMVTGeom snaps
    them to nothing, so no tile holds them (nobody could click them either)."""
    unit_m = WORLD_M / 2**z / 4096 * math.cos(math.radians(draft.units.total_bounds[1]))
    rects = to_metric(draft.units).geometry.minimum_rotated_rectangle()
    width = [
        np.linalg.norm(np.diff(np.asarray(r.exterior.coords)[:3], axis=0), axis=1).min()
        for r in rects
    ]
    return {u for u, w in enumerate(width) if w < unit_m}


def expected(draft: edit.Draft) -> dict[int, dict]:
    bands = edit.balance(draft).set_index("grid_code")["band"]
    pts = draft.units.geometry.representative_point()
    gone = specks(draft)
    return {
        u: {
            "unit_id": u,
            "grid_code": draft.grid_of(u),
            "band": "unknown" if draft.grid_of(u) is None else bands[draft.grid_of(u)],
            "households": int(draft.units["households"].iat[u]),
            "population": int(draft.units["population"].iat[u]),
            "hours": round(float(draft.units["workload"].iat[u]), 1),
            "lon": round(float(pts.x.iat[u]), 6),
            "lat": round(float(pts.y.iat[u]), 6),
        }
        for u in range(len(draft.units))
        if u not in gone
    }


def named(draft: edit.Draft, want: dict[int, dict]) -> dict[int, dict]:
    """`want` with each unit's grid name (an MVT leaves out the null of a unit without one)."""
    for u, w in want.items():
        if draft.grid_of(u) is not None:
            w["grid_name"] = draft.grids[draft.grid_of(u)]["name"]
    return want


@pytest.fixture
def draft(clean_db):
    grids, communities = city()
    communities["level"] = "community"
    insert_units(clean_db, communities)
    insert_version(clean_db, "2026", grids, activate=True)
    return drafts.start(clean_db, DRAFT, res=10)


def test_a_unit_tile_holds_each_unit_with_its_grid_band_and_centre(clean_db, draft):
    got = decoded(clean_db, draft)
    want = named(draft, expected(draft))
    assert len(got) == len(draft.units) - len(specks(draft)) > 20 and len(specks(draft)) == 1
    for u, props in got.items():
        lon, lat = props.pop("lon"), props.pop("lat")
        assert (lon, lat) == pytest.approx((want[u]["lon"], want[u]["lat"]), abs=1e-6)
        # hours to 0.1, rounded by PostgreSQL (half away from zero) or Python (half even)
        assert props.pop("hours") == pytest.approx(want[u]["hours"], abs=0.1)
        assert props == {k: v for k, v in want[u].items() if k not in ("lon", "lat", "hours")}
    assert {p["band"] for p in got.values()} == {"under", "in", "unknown"}


def test_after_an_edit_the_tile_shows_the_new_grids_and_bands(clean_db, draft):
    g1, g2 = f"{A}001", f"{A}002"
    moved = units_at(draft, 0, 500)
    after = drafts.save(clean_db, DRAFT, "move", 0, unit_ids=moved, to=g2)
    got = decoded(clean_db, after)
    want = expected(after)
    assert {u: p["grid_code"] for u, p in got.items()} == {
        u: w["grid_code"] for u, w in want.items()
    }
    assert {u: p["band"] for u, p in got.items()} == {u: w["band"] for u, w in want.items()}
    names = named(after, want)
    assert {u: p.get("grid_name") for u, p in got.items()} == {
        u: w.get("grid_name") for u, w in names.items()
    }
    assert all(got[u]["grid_code"] == g2 for u in moved) and g1 not in after.grids


def test_one_band_per_request(clean_db, draft):
    every = decoded(clean_db, draft)
    parts = {b: decoded(clean_db, draft, band=b) for b in ("under", "in", "over", "unknown")}
    assert sorted(np.concatenate([list(p) for p in parts.values()]).tolist()) == sorted(every)
    for b, part in parts.items():
        assert all(p["band"] == b for p in part.values())


def test_below_the_units_zoom_the_layer_holds_the_grids_in_their_band(clean_db, draft):
    bands = edit.balance(draft).set_index("grid_code")["band"].to_dict()
    res = versions.get(clean_db, DRAFT).params["editor"]["res"]
    assert UNITS_ZOOM >= units_zoom(res) == 12
    feats = features(clean_db, draft, units_zoom(res) - 1)
    grids = {f["grid_code"]: f["band"] for f in feats if f["grid_code"] is not None}
    assert grids == bands and "unit_id" not in feats[0]
    free = [f for f in feats if f["grid_code"] is None]
    assert free and {f["band"] for f in free} == {"unknown"}
    unassigned = {u for u in range(len(draft.units)) if draft.grid_of(u) is None}
    assert len(free) == len(unassigned - specks(draft, units_zoom(res) - 1))


@pytest.mark.parametrize("rev", ["-1", "x", "1.5", "12345678901"])
def test_a_revision_must_be_a_whole_number(rev):
    with pytest.raises(InputError, match="bad revision"):
        TileRequest("units", 10, 1, 1, version=DRAFT, revision=rev).validate()


def test_units_need_a_version():
    with pytest.raises(InputError, match="units layer needs"):
        TileRequest("units", 10, 1, 1).validate()
