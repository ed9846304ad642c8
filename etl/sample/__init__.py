"""The sample city: a deterministic demo of Suzhou as the files users really receive.

`generate(out, seed, scale)` writes shapefiles (districts, towns, communities, grids;
CGCS2000, GBK), incidents CSV (GCJ-02, UTF-8 BOM), rentals XLSX (BD-09), hazards GeoJSON
(WGS-84), facilities CSV (WGS-84, GBK), key sites CSV (GCJ-02), police-station areas
(shapefile, CGCS2000, GBK), `manifest.json` and a
README listing the deliberately bad rows. The file contract is in team/SAMPLE_SPEC.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from etl.sample import boundaries, incidents, jurisdictions, point_files, points, readme, writers
from etl.sample.bad_rows import BadRow
from etl.sample.polygons import build_city
from etl.sample.scale import SCALES

#: one random stream per layer, so changing one layer never shifts another
STREAMS = ("city", "incidents", "rentals", "hazards", "facilities", "key_sites", "faults")


def _rngs(seed: int) -> dict[str, np.random.Generator]:
    return {name: np.random.default_rng([seed, i]) for i, name in enumerate(STREAMS)}


def _entry(
    path: str, kind: str, fmt: str, crs: str, encoding: str, rows: int, load: list[str]
) -> dict[str, Any]:
    return {
        "path": path,
        "kind": kind,
        "format": fmt,
        "crs": crs,
        "encoding": encoding,
        "rows": int(rows),
        "load": ["civicgrid", "load", kind, path, *load],
    }


def generate(out: Path | str, seed: int = 42, scale: str = "small") -> dict[str, Any]:
    """Write the sample city at `scale` ('small' | 'city') into `out`; return the manifest."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sc = SCALES[scale]
    rng = _rngs(seed)
    city = build_city(sc, rng["city"])
    bad: list[BadRow] = []
    files: list[dict[str, Any]] = []
    faults = rng["faults"]

    for name, build in (
        ("districts", boundaries.districts),
        ("towns", boundaries.towns),
        ("communities", boundaries.communities),
    ):
        gdf, b = build(city, faults)
        path = f"boundaries/{name}.shp"
        writers.shapefile(gdf, out / path)
        files.append(_entry(path, "boundaries", "shapefile", "EPSG:4490", "GBK", len(gdf), []))
        bad += b
    gdf, b = boundaries.grids(city, faults)
    writers.shapefile(gdf, out / "grids/grids_2025.shp")
    files.append(
        _entry(
            "grids/grids_2025.shp",
            "grids",
            "shapefile",
            "EPSG:4490",
            "GBK",
            len(gdf),
            ["--grid-version", "2025"],
        )
    )
    bad += b

    # as many rows more as faults will spoil, so that sc.incidents of them load
    drawn = sc.incidents + len(point_files.incident_edits())
    table, b = point_files.incidents(incidents.generate(city, drawn, rng["incidents"]), faults)
    writers.csv_table(table, out / "incidents/incidents.csv")
    files.append(
        _entry(
            "incidents/incidents.csv",
            "incidents",
            "csv",
            "gcj02",
            "utf-8-sig",
            table.num_rows,
            ["--crs", "gcj02"],
        )
    )
    bad += b

    df, b = point_files.rentals(points.rentals(city, sc.rentals, rng["rentals"]), faults)
    writers.xlsx(df, out / "rentals/rentals.xlsx", "出租房屋")
    files.append(
        _entry("rentals/rentals.xlsx", "rentals", "xlsx", "bd09", "-", len(df), ["--crs", "bd09"])
    )
    bad += b

    df, b = point_files.hazards(points.hazards(city, sc.hazards, rng["hazards"]), faults)
    writers.geojson_points(df, out / "hazards/hazards.geojson")
    files.append(
        _entry("hazards/hazards.geojson", "hazards", "geojson", "wgs84", "utf-8", len(df), [])
    )
    bad += b

    df, b = point_files.facilities(
        points.facilities(city, sc.shelters, sc.cameras, sc.mediation_share, rng["facilities"]),
        faults,
    )
    writers.csv_frame(df, out / "facilities/facilities.csv", "gbk")
    files.append(
        _entry(
            "facilities/facilities.csv",
            "facilities",
            "csv",
            "wgs84",
            "gbk",
            len(df),
            ["--crs", "wgs84", "--encoding", "gbk"],
        )
    )
    bad += b

    df, b = point_files.key_sites(points.key_sites(city, sc.key_sites, rng["key_sites"]), faults)
    writers.csv_frame(df, out / "key_sites/key_sites.csv", "utf-8")
    files.append(
        _entry(
            "key_sites/key_sites.csv",
            "key-sites",
            "csv",
            "gcj02",
            "utf-8",
            len(df),
            ["--crs", "gcj02"],
        )
    )
    bad += b

    gdf, b = jurisdictions.police_areas(city, faults)
    writers.shapefile(gdf, out / "jurisdictions/police_areas.shp")
    files.append(
        _entry(
            "jurisdictions/police_areas.shp",
            "jurisdictions",
            "shapefile",
            "EPSG:4490",
            "GBK",
            len(gdf),
            [],
        )
    )
    bad += b

    manifest = {
        "generator": "civicgrid sample",
        "seed": int(seed),
        "scale": scale,
        "city": {
            "districts": len(city.districts),
            "towns": len(city.towns),
            "communities": len(city.communities),
            "grids": len(city.grids),
        },
        "files": files,
        "bad_rows": [r.to_dict() for r in bad],
    }
    writers.text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", out / "manifest.json")
    writers.text(readme.render(manifest), out / "README.md")
    return manifest
