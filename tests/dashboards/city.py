"""A tiny constructed city for the dashboard tests, inserted straight into PostGIS.

Two districts of two towns each (one community per town), an active grid version of
8 × 6 grids and a draft with one grid split and two merged, incidents with a planted
cluster, facilities, key sites, hazards and rentals. The aggregate and an emerging
run are computed by the real modules.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from shapely import box, segmentize
from sqlalchemy import Engine, insert, text

from geo.db.tables import (
    admin_units,
    facilities,
    grid_versions,
    grids,
    hazards,
    incidents,
    key_sites,
    load_batches,
    rentals,
)
from geo.hexes import cells

W, S, E, N = 120.55, 31.25, 120.75, 31.40
MID_X, MID_Y = 120.65, 31.325
HOT = (120.60, 31.30)
LAST_DAY = dt.date(2026, 10, 31)
CATEGORIES = ("盗窃", "纠纷", "交通事故", "诈骗")


def _mp(g) -> str:
    # shared edges get the same vertices, so grids and towns also match once projected
    g = segmentize(g, 0.0025)
    return f"SRID=4326;MULTIPOLYGON((({', '.join(f'{x} {y}' for x, y in g.exterior.coords)})))"


def _pt(x: float, y: float) -> str:
    return f"SRID=4326;POINT({x} {y})"


def build(engine: Engine, seed: int = 7, n_incidents: int = 4000) -> dict:
    """Insert the city; returns names the tests refer to."""
    rng = np.random.default_rng(seed)
    with engine.begin() as c:
        batch = {}
        for i, kind in enumerate(
            (
                "boundaries",
                "grids",
                "incidents",
                "facilities",
                "key-sites",
                "hazards",
                "rentals",
                "grids-draft",
            )
        ):
            batch[kind] = c.execute(
                insert(load_batches)
                .values(
                    kind=kind,
                    file_name=f"{kind}.geojson",
                    file_sha256=f"{i:064d}",
                    file_size=1,
                    finished_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                )
                .returning(load_batches.c.id)
            ).scalar()
        units = []
        districts = {
            "320508": ("姑苏区", box(W, S, MID_X, N)),
            "320576": ("苏州工业园区", box(MID_X, S, E, N)),
        }
        for code, (name, g) in districts.items():
            units.append(
                dict(level="district", code=code, name=name, parent_code="320500", geom=_mp(g))
            )
            x0, y0, x1, y1 = g.bounds
            for j, (ya, yb) in enumerate(((y0, MID_Y), (MID_Y, y1))):
                tcode = f"{code}{j + 1:03d}"
                tg = box(x0, ya, x1, yb)
                units.append(
                    dict(
                        level="town",
                        code=tcode,
                        name=f"{name}{'南北'[j]}街道",
                        parent_code=code,
                        geom=_mp(tg),
                    )
                )
                units.append(
                    dict(
                        level="community",
                        code=f"{tcode}001",
                        name=f"{name}{'南北'[j]}社区",
                        parent_code=tcode,
                        geom=_mp(tg),
                    )
                )
        c.execute(insert(admin_units), [{**u, "batch_id": batch["boundaries"]} for u in units])

        v1 = c.execute(
            insert(grid_versions)
            .values(name="2026-active", status="active")
            .returning(grid_versions.c.id)
        ).scalar()
        v2 = c.execute(
            insert(grid_versions)
            .values(name="2026-draft", status="draft", parent_id=v1)
            .returning(grid_versions.c.id)
        ).scalar()
        xs, ys = np.linspace(W, E, 9), np.linspace(S, N, 7)
        rows1, rows2 = [], []
        for i in range(8):
            for j in range(6):
                g = box(xs[i], ys[j], xs[i + 1], ys[j + 1])
                cx, cy = g.centroid.x, g.centroid.y
                district = "320508" if cx < MID_X else "320576"
                town = f"{district}{1 if cy < MID_Y else 2:03d}"
                hh = int(rng.integers(150, 700))
                row = dict(
                    grid_code=f"G{i}{j}",
                    name=f"网格{i}{j}",
                    community_code=f"{town}001",
                    town_code=town,
                    district_code=district,
                    households=hh,
                    population=hh * 3,
                    geom=_mp(g),
                )
                rows1.append({**row, "version_id": v1, "batch_id": batch["grids"]})
                if (i, j) == (1, 1):  # split in two
                    xm = (xs[i] + xs[i + 1]) / 2
                    for k, part in enumerate(
                        (box(xs[i], ys[j], xm, ys[j + 1]), box(xm, ys[j], xs[i + 1], ys[j + 1]))
                    ):
                        rows2.append(
                            {
                                **row,
                                "grid_code": f"G11{'ab'[k]}",
                                "households": hh // 2,
                                "geom": _mp(part),
                                "version_id": v2,
                                "batch_id": batch["grids-draft"],
                            }
                        )
                elif (i, j) == (5, 2):  # merged with (5, 3)
                    merged = box(xs[i], ys[j], xs[i + 1], ys[j + 2])
                    rows2.append(
                        {
                            **row,
                            "grid_code": "G52m",
                            "geom": _mp(merged),
                            "version_id": v2,
                            "batch_id": batch["grids-draft"],
                        }
                    )
                elif (i, j) == (5, 3):
                    continue
                else:
                    rows2.append({**row, "version_id": v2, "batch_id": batch["grids-draft"]})
        # a gap in the draft: drop one grid entirely
        rows2 = [r for r in rows2 if r["grid_code"] != "G70"]
        c.execute(insert(grids), rows1 + rows2)

        n_hot = n_incidents // 4
        lon = np.r_[
            rng.normal(HOT[0], 0.004, n_hot), rng.uniform(W + 0.002, E - 0.002, n_incidents - n_hot)
        ]
        lat = np.r_[
            rng.normal(HOT[1], 0.004, n_hot), rng.uniform(S + 0.002, N - 0.002, n_incidents - n_hot)
        ]
        days = rng.integers(0, 150, n_incidents)
        # the hot cluster grows towards the end (an intensifying hot spot)
        days[:n_hot] = 149 - (rng.beta(1, 3, n_hot) * 150).astype(int)
        when = [
            dt.datetime.combine(LAST_DAY - dt.timedelta(days=int(149 - d)), dt.time(10), dt.UTC)
            for d in days
        ]
        h = cells(lon, lat, 10).astype(np.int64)
        cats = rng.choice(CATEGORIES, n_incidents)
        c.execute(
            insert(incidents),
            [
                dict(
                    source_key=f"I{i}",
                    occurred_at=when[i],
                    category=str(cats[i]),
                    h3=int(h[i]),
                    geom=_pt(lon[i], lat[i]),
                    batch_id=batch["incidents"],
                )
                for i in range(n_incidents)
            ],
        )

        fac = [
            ("城北派出所", "police_station", 120.60, 31.36),
            ("园区派出所", "police_station", 120.71, 31.29),
            ("避难场所一", "shelter", 120.62, 31.31),
            ("调解室一", "mediation_room", 120.70, 31.37),
            *[(f"探头{i}", "camera", 120.56 + 0.02 * i, 31.33) for i in range(8)],
        ]
        c.execute(
            insert(facilities),
            [
                dict(
                    source_key=f"F{i}", name=n, kind=k, geom=_pt(x, y), batch_id=batch["facilities"]
                )
                for i, (n, k, x, y) in enumerate(fac)
            ],
        )
        ks = [
            ("实验小学", "school", HOT[0] + 0.002, HOT[1] + 0.001),
            ("人民医院", "hospital", HOT[0] - 0.003, HOT[1]),
            ("火车站", "station", 120.72, 31.38),
        ]
        c.execute(
            insert(key_sites),
            [
                dict(
                    source_key=f"K{i}", name=n, kind=k, geom=_pt(x, y), batch_id=batch["key-sites"]
                )
                for i, (n, k, x, y) in enumerate(ks)
            ],
        )
        c.execute(
            insert(hazards),
            [
                dict(
                    source_key=f"H{i}",
                    name=f"加油站{i}",
                    category="加油站",
                    risk_level=int(rng.integers(1, 5)),
                    last_inspected_at=(LAST_DAY - dt.timedelta(days=int(rng.integers(0, 400))))
                    if i % 5
                    else None,
                    geom=_pt(rng.uniform(W, E), rng.uniform(S, N)),
                    batch_id=batch["hazards"],
                )
                for i in range(20)
            ],
        )
        c.execute(
            insert(rentals),
            [
                dict(
                    source_key=f"R{i}",
                    address=f"幸福路{i}号",
                    rooms=3,
                    tenants=2,
                    landlord="张三",
                    landlord_phone="13800000000",
                    last_inspected_at=LAST_DAY - dt.timedelta(days=int(rng.integers(0, 400))),
                    geom=_pt(rng.uniform(W, E), rng.uniform(S, N)),
                    batch_id=batch["rentals"],
                )
                for i in range(30)
            ],
        )
        c.execute(text("ANALYZE"))

    from geo.counts.refresh import refresh_counts
    from geo.hotspots.run import HotspotParams, run_hotspots

    refresh_counts(engine)
    run_hotspots(engine, HotspotParams(res=8, k=1, emerging=True, period="month"))
    return {"hot": HOT, "active": "2026-active", "draft": "2026-draft", "last_day": LAST_DAY}
