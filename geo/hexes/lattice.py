"""Exact H3 indexing of many points, by bucketing them on H3's own hexagon lattice first.

H3 finds a point's cell in two steps: (1) take the nearest icosahedron face and project
the point gnomonically onto that face's plane, where the cells of one resolution are the
hexagons (Voronoi cells) of a regular lattice; (2) turn (face, lattice point) into the
64-bit index, which is the costly part. So the cell depends only on (face, lattice
point). Here step 1 runs in NumPy on whole arrays, points are grouped by (face, lattice
point), and h3ronpy indexes ONE point per group; every point of the group gets its cell.

Exactness: our projection differs from H3's by rounding only (~1e-9 lattice units at
res 15). A point whose face is not clear by FACE_MARGIN, or that lies within about
EDGE_MARGIN lattice units of a hexagon edge, is indexed by h3ronpy directly, so the
result equals h3ronpy's on every point (and `h3.latlng_to_cell` off exact boundaries).

The lattice geometry is derived at first use from H3 itself: icosahedron vertices are
the 12 pentagon centres, face centres the normalised means of their triangles, and each
face's lattice orientation comes from the vertex directions of the hexagon at the face
centre (res 0 for even, res 1 for odd resolutions, whose lattice is rotated).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import NamedTuple

import h3
import h3ronpy.vector as h3v
import numpy as np

#: H3's unit length of res 0 on the gnomonic plane, and the per-resolution scale
RES0_U_GNOMONIC = 0.38196601125010500003
SQRT7 = 2.6457513110645905905016157536392604257102
#: a point must be this much (in dot product) nearer its face centre than any other
FACE_MARGIN = 1e-12
#: gap in squared lattice distance between the nearest and next lattice point
EDGE_MARGIN = 1e-6
#: points processed per NumPy pass (keeps temporaries in cache)
CHUNK = 1 << 16
#: threads for the NumPy part (the machine's cores, at most 2)
WORKERS = min(2, os.cpu_count() or 1)
#: lat/lon box size (degrees) of the table telling the face without a full search
FACE_BOX = 0.5


def _unit(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def _axis_mod60(centre: np.ndarray, north: np.ndarray, east: np.ndarray, cell: str) -> float:
    """Lattice axis azimuth (radians, mod 60°) of the hexagon `cell` centred at `centre`.

    A hexagon's vertices lie at 30° + k·60° from the lattice axes, so the axis is the
    vertex azimuth plus 30°, averaged on the 60° circle.
    """
    verts = _unit(*np.array(h3.cell_to_boundary(cell)).T)
    az = np.arctan2(verts @ east, verts @ north) + np.pi / 6
    return float(np.angle(np.exp(6j * az).mean()) / 6)


@lru_cache(maxsize=1)
def _faces() -> dict[str, np.ndarray]:
    """Face centres, tangent bases and lattice axes of H3's icosahedron."""
    vertices = np.array([_unit(*h3.cell_to_latlng(p)) for p in h3.get_pentagons(0)])
    near = (vertices @ vertices.T) > 0.3  # icosahedron edges: cos 63.4° ≈ 0.447
    triangles = [
        (a, b, c)
        for a in range(12)
        for b in range(a + 1, 12)
        for c in range(b + 1, 12)
        if near[a, b] and near[a, c] and near[b, c]
    ]
    centre = vertices[np.array(triangles)].sum(axis=1)
    centre /= np.linalg.norm(centre, axis=1, keepdims=True)
    east = np.stack([-centre[:, 1], centre[:, 0], np.zeros(len(centre))], axis=1)
    east /= np.linalg.norm(east, axis=1, keepdims=True)
    north = np.cross(centre, east)
    base = h3.get_res0_cells()
    base_xyz = np.array([_unit(*h3.cell_to_latlng(c)) for c in base])
    axes = np.empty((2, len(centre)))
    for f, c in enumerate(centre):
        best = int(np.argmax(base_xyz @ c))
        if 1.0 - base_xyz[best] @ c > 1e-12:
            raise RuntimeError("H3 face centre is not a base cell centre")
        for parity in (0, 1):
            cell = h3.cell_to_center_child(base[best], parity)
            axes[parity, f] = _axis_mod60(c, north[f], east[f], cell)
    box_face, box_candidates = _face_table(centre)
    return {"centre": centre, "north": north, "east": east, "axes": axes,
            "box_face": box_face, "box_candidates": box_candidates}


def _face_table(centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per FACE_BOX lat/lon box: the faces a point of the box may be nearest to.

    Returns (face, candidates): `face` is the one sure face of the box or -1, and
    `candidates` a bit mask of every face within reach. A point of a box lies within
    `radius` (half the box diagonal, an upper bound on the sphere) of the box centre, so
    a face more than 2·radius farther from the centre than the nearest one can be neither
    the point's face nor a close second.
    """
    lat = np.arange(-90.0, 90.0, FACE_BOX) + FACE_BOX / 2
    lon = np.arange(-180.0, 180.0, FACE_BOX) + FACE_BOX / 2
    glat, glon = np.meshgrid(lat, lon, indexing="ij")
    mid = _unit(glat.ravel(), glon.ravel())
    radius = np.radians(FACE_BOX) / np.sqrt(2.0)
    dots = mid @ centre.T
    nearest = dots.argmax(axis=1)
    nearest_angle = np.arccos(np.clip(dots[np.arange(len(dots)), nearest], -1, 1))
    reach = dots >= np.cos(nearest_angle + 2 * radius + 1e-9)[:, None]
    candidates = (reach * (1 << np.arange(len(centre)))).sum(axis=1).astype(np.int64)
    face = np.where(reach.sum(axis=1) == 1, nearest, -1).astype(np.int8)
    return face, candidates


class LatticeKeys(NamedTuple):
    """Where each point falls on H3's lattice (see `lattice_keys`)."""

    face: np.ndarray  #: int8 icosahedron face (our numbering)
    i: np.ndarray  #: int32 lattice coordinates on that face
    j: np.ndarray
    clear: np.ndarray  #: bool: far enough from face and hexagon edges to trust
    extent: np.ndarray  #: (20, 5) int64 per face: points, i min, i max, j min, j max


def lattice_keys(lon: np.ndarray, lat: np.ndarray, res: int) -> LatticeKeys:
    """Face and lattice point at `res` of each point (valid flat float64 arrays).

    `clear` is False where the point is too near a face or hexagon edge to be sure of
    agreeing with H3 (those points must be indexed directly). Chunks run on WORKERS
    threads (NumPy releases the GIL).
    """
    faces = _faces()
    scale = SQRT7**res / RES0_U_GNOMONIC
    axis = faces["axes"][res % 2]
    cos_a, sin_a = np.cos(axis)[:, None], np.sin(axis)[:, None]
    bx = scale * (cos_a * faces["north"] + sin_a * faces["east"])
    by = scale * (sin_a * faces["north"] - cos_a * faces["east"])
    n = lon.size
    face = np.empty(n, dtype=np.int8)
    ii = np.empty(n, dtype=np.int32)
    jj = np.empty(n, dtype=np.int32)
    clear = np.empty(n, dtype=bool)
    rows, cols = int(round(180 / FACE_BOX)), int(round(360 / FACE_BOX))
    extents: list[tuple[int, int, int, int, int, int]] = []

    def chunk(s: slice) -> None:
        v = _unit_vectors(lon[s], lat[s])
        box = np.minimum(((lat[s] + 90.0) * (1 / FACE_BOX)).astype(np.intp), rows - 1)
        box *= cols
        box += np.minimum(((lon[s] + 180.0) * (1 / FACE_BOX)).astype(np.intp), cols - 1)
        f = faces["box_face"][box].astype(np.intp)
        ok = np.ones(f.size, dtype=bool)
        unsure = np.flatnonzero(f < 0)
        if unsure.size:
            reach = np.bitwise_or.reduce(faces["box_candidates"][box[unsure]])
            f[unsure], ok[unsure] = _nearest_face(v, unsure, faces["centre"], reach)
        x, y = _project(v, f, faces["centre"], bx, by)
        face[s] = f
        i, j = ii[s], jj[s]
        clear[s] = _nearest_lattice_point(x, y, i, j) & ok
        extents.extend(_extents(f, i, j, len(faces["centre"])))

    _run_chunks(chunk, n, CHUNK)
    extent = np.zeros((20, 5), dtype=np.int64)
    extent[:, 1::2] = np.iinfo(np.int64).max
    extent[:, 2::2] = np.iinfo(np.int64).min
    for k, count, i_min, i_max, j_min, j_max in extents:
        e = extent[k]
        e[:] = e[0] + count, min(e[1], i_min), max(e[2], i_max), min(e[3], j_min), max(e[4], j_max)
    return LatticeKeys(face, ii, jj, clear, extent)


def _extents(f: np.ndarray, i: np.ndarray, j: np.ndarray, n_faces: int) -> list[tuple]:
    """(face, points, i min, i max, j min, j max) for each face present in a chunk.

    Two faces (a chunk on a face edge) are done without splitting the chunk: shifted by
    ±face·2^32 (coordinates are 32-bit), the overall min and max each fall on one face.
    """
    counts = np.bincount(f, minlength=n_faces)
    present = np.flatnonzero(counts)
    if present.size == 1:
        return [(present[0], i.size, i.min(), i.max(), j.min(), j.max())]
    if present.size == 2:
        low, high = present
        shift = f.astype(np.int64) << 32
        lows, highs = [], []
        for c in (i, j):
            up, down = c + shift, c - shift
            lows += [up.min() - (low << 32), down.max() + (low << 32)]
            highs += [down.min() + (high << 32), up.max() - (high << 32)]
        return [(low, counts[low], *lows), (high, counts[high], *highs)]
    return [
        (k, counts[k], i[f == k].min(), i[f == k].max(), j[f == k].min(), j[f == k].max())
        for k in present
    ]


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points as unit vectors (x, y, z), with sines and cosines from the tangent of the
    half angle (NumPy's tan is vectorised and several times faster than sin and cos)."""
    t = np.tan(lat * (np.pi / 360.0))
    t2 = t * t
    inv = 1.0 / (1.0 + t2)
    cos_lat, sin_lat = (1.0 - t2) * inv, 2.0 * t * inv
    t = np.tan(lon * (np.pi / 360.0))
    t2 = t * t
    inv = cos_lat / (1.0 + t2)
    return (1.0 - t2) * inv, 2.0 * t * inv, sin_lat


def _nearest_face(v, rows: np.ndarray, centre: np.ndarray, reach: int) -> tuple[np.ndarray, np.ndarray]:
    """Nearest face among the faces in bit mask `reach` for the points `rows` of `v`,
    and whether it is nearer than the runner-up by FACE_MARGIN (as a dot product)."""
    x, y, z = v if rows.size == v[0].size else (v[0][rows], v[1][rows], v[2][rows])
    options = [f for f in range(len(centre)) if reach >> f & 1]
    if len(options) == 2:  # the usual case near an edge: one dot with the difference
        a, b = options
        d = centre[a] - centre[b]
        gap = x * d[0] + y * d[1] + z * d[2]
        return np.where(gap > 0, a, b), np.abs(gap) > FACE_MARGIN
    best = np.full(rows.size, -np.inf)
    second = np.full(rows.size, -np.inf)
    face = np.zeros(rows.size, dtype=np.intp)
    for f in options:
        c = centre[f]
        dot = x * c[0] + y * c[1] + z * c[2]
        second = np.maximum(second, np.minimum(best, dot))
        face = np.where(dot > best, f, face)
        best = np.maximum(best, dot)
    return face, best - second > FACE_MARGIN


def _project(v, f, centre, bx, by) -> tuple[np.ndarray, np.ndarray]:
    """Gnomonic lattice coordinates of unit vectors `v` on faces `f`.

    Computed face by face over the whole chunk and picked with `where` (a chunk holds
    one or a few faces; that is cheaper than gathering per-point coefficients).
    """
    x = y = None
    for k in np.flatnonzero(np.bincount(f, minlength=len(centre))):
        c, a, b = centre[k], bx[k], by[k]
        w = 1.0 / (v[0] * c[0] + v[1] * c[1] + v[2] * c[2])
        xk = (v[0] * a[0] + v[1] * a[1] + v[2] * a[2]) * w
        yk = (v[0] * b[0] + v[1] * b[1] + v[2] * b[2]) * w
        if x is None:
            x, y = xk, yk
        else:
            mine = f == k
            x, y = np.where(mine, xk, x), np.where(mine, yk, y)
    return x, y


_SQRT3_2 = np.sqrt(3.0) / 2.0


def _nearest_lattice_point(x: np.ndarray, y: np.ndarray, i_out: np.ndarray, j_out: np.ndarray) -> np.ndarray:
    """Write the lattice point (i, j) nearest each (x, y); return whether it is clear.

    Lattice point (i, j) sits at (i - j/2, j·√3/2), as in H3's hex2d plane; the nearest
    one is a corner of the lattice rhombus holding the point: (0,0), (1,0), (0,1) or
    (1,1) from its lower corner, found with a small sorting network. Clear means the
    next-nearest corner is farther by more than EDGE_MARGIN (in squared distance).
    """
    jf = y / _SQRT3_2
    i0 = np.floor(x + 0.5 * jf)
    j0 = np.floor(jf)
    dx = x - (i0 - 0.5 * j0)
    dy = y - j0 * _SQRT3_2
    dy1 = (dy - _SQRT3_2) ** 2
    dy0 = dy * dy
    d00, d10 = dx * dx + dy0, (dx - 1.0) ** 2 + dy0
    d01, d11 = (dx + 0.5) ** 2 + dy1, (dx - 0.5) ** 2 + dy1
    low_a, high_a = np.minimum(d00, d10), np.maximum(d00, d10)
    low_b, high_b = np.minimum(d01, d11), np.maximum(d01, d11)
    second = np.minimum(np.maximum(low_a, low_b), np.minimum(high_a, high_b))
    in_b = low_b < low_a
    np.add(i0, np.where(in_b, d11 < d01, d10 < d00), out=i_out, casting="unsafe")
    np.add(j0, in_b, out=j_out, casting="unsafe")
    return second - np.minimum(low_a, low_b) > EDGE_MARGIN


def cells(lon: np.ndarray, lat: np.ndarray, res: int) -> np.ndarray:
    """H3 cells of valid points (flat float64 arrays), equal to h3ronpy's point for point.

    Each (face, lattice point) gets a slot in one table (a bounding box of lattice points
    per face); one point of each occupied slot is indexed by h3ronpy and its cell is read
    back for every point of the slot. Points not clear of edges, and the points of a face
    too sparse for a table to pay, take a spare last slot and are indexed directly.
    """
    face, i, j, clear, extent = lattice_keys(lon, lat, res)
    tables, total = _face_tables(extent)
    small = max(total + 1, lon.size) < 2**31  # 32-bit slots and point numbers halve the traffic
    index_type = np.int32 if small else np.int64
    slot = np.empty(lon.size, dtype=index_type)
    _run_chunks(lambda s: _slots(face[s], i[s], j[s], clear[s], tables, total, slot[s]), lon.size)
    first = np.full(total + 1, -1, dtype=index_type)
    first[slot] = np.arange(lon.size, dtype=index_type)
    used = np.flatnonzero(first[:total] >= 0)
    reps = first[used]
    table = np.zeros(total + 1, dtype=np.uint64)
    table[used] = np.asarray(h3v.coordinates_to_cells(lat[reps], lon[reps], res))
    out = np.empty(lon.size, dtype=np.uint64)
    _run_chunks(lambda s: np.take(table, slot[s], out=out[s]), lon.size)
    direct = np.flatnonzero(slot == total)
    if direct.size:
        out[direct] = np.asarray(h3v.coordinates_to_cells(lat[direct], lon[direct], res))
    return out


def _face_tables(extent: np.ndarray) -> tuple[np.ndarray, int]:
    """Per face: (offset, i0, j0, width) of its slot table, width 0 for faces left to
    direct indexing (absent, or with more lattice points in their box than twice
    their points); and the total number of slots."""
    tables = np.zeros((4, 20), dtype=np.int64)
    total = 0
    for f in np.flatnonzero(extent[:, 0]):
        count, i0, i1, j0, j1 = (int(v) for v in extent[f])
        width = j1 - j0 + 1
        size = (i1 - i0 + 1) * width
        if size <= 2 * count:
            tables[:, f] = total, i0, j0, width
            total += size
    return tables, total


def _slots(face, i, j, clear, tables, total, out) -> None:
    """Slot of each point of a chunk: offset + (i - i0)·width + (j - j0), or `total`
    (computed face by face over the chunk, as a chunk holds one face or two)."""
    at = None
    present = np.flatnonzero(np.bincount(face, minlength=tables.shape[1]))
    for f in present:
        offset, i0, j0, width = (int(v) for v in tables[:, f])
        if width == 0:
            mine = np.full(i.size, total, dtype=np.int64)
        else:
            mine = i.astype(np.int64)
            mine -= i0
            mine *= width
            mine += j
            mine += offset - j0
        at = mine if at is None else np.where(face == f, mine, at)
    at[~clear] = total
    out[:] = at


def _run_chunks(work, n: int, size: int = 4 * CHUNK) -> None:
    """Call work(slice) over chunks of n items, on WORKERS threads when that can help."""
    parts = [slice(a, min(a + size, n)) for a in range(0, n, size)]
    if WORKERS > 1 and len(parts) > 2:
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(work, parts))
    else:
        for part in parts:
            work(part)
