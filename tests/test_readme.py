"""The README's walkthrough, run exactly as written on the small sample city.

The first ```bash block under "## Using it" is extracted and run by bash (`set -e`:
the first failing command fails the test) in a scratch folder whose `.venv` is the
environment running the tests, against the test database. The results are then read
back: every boundary level loaded before the points, the draft activated and filed, its
shapefile free of sliver rings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
import shapely
from sqlalchemy import text

README = Path(__file__).resolve().parents[1] / "README.md"


def walkthrough() -> str:
    """The README's first bash block after '## Using it', as written."""
    section = README.read_text(encoding="utf-8").split("## Using it", 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def test_walkthrough_is_complete_and_in_order():
    lines = [line.split("#")[0].strip() for line in walkthrough().splitlines()]
    loads = [line.split()[2] for line in lines if line.startswith("civicgrid load ")]
    boundaries = [i for i, kind in enumerate(loads) if kind == "boundaries"]
    assert [
        Path(line.split()[3]).stem for line in lines if line.startswith("civicgrid load boundaries")
    ] == ["districts", "towns", "communities"]
    assert max(boundaries) < min(i for i, kind in enumerate(loads) if kind != "boundaries")
    activate = next(i for i, line in enumerate(lines) if "grids activate 2026-draft" in line)
    assert activate < next(i for i, line in enumerate(lines) if "grids file 2026-draft" in line)


@pytest.mark.slow
def test_readme_commands_run_as_written(clean_db, tmp_path):
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    script = "set -euo pipefail\n" + walkthrough()
    env = {**os.environ, "CIVICGRID_NEW_PASSWORD": "readme-walkthrough-pw"}
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=540
    )
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])

    with clean_db.connect() as c:
        levels = dict(
            c.execute(text("SELECT level, count(*) FROM admin_units GROUP BY level")).all()
        )
        statuses = dict(c.execute(text("SELECT name, status FROM grid_versions")).all())
        batches = c.execute(
            text(
                "SELECT kind, read, loaded, rejected, duplicates, warnings "
                "FROM load_batches ORDER BY id"
            )
        ).all()
        users = c.execute(text("SELECT username, role FROM users")).all()
    assert set(levels) == {"district", "town", "community"}
    assert statuses == {"2025": "retired", "2026-draft": "filed"}
    assert [b.kind for b in batches] == ["boundaries"] * 3 + [
        "grids",
        "incidents",
        "facilities",
        "jurisdictions",
    ]
    for b in batches:  # nothing lost
        assert b.read == b.loaded + b.rejected + b.duplicates, b
    assert ("wang", "analyst") in users

    manifest = json.loads((tmp_path / "filing" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == "2026-draft" and manifest["previous"] == "2025"
    assert set(manifest["accepted_problems"].values()) == {
        "样例城市预置的拓扑问题 / the sample's planted faults"
    }
    # the filed shapefile: one ring per part, no part or hole of sliver size (< 1 m²)
    filed = pyogrio.read_dataframe(tmp_path / "filing" / "shp_utf8" / "grids_2026-draft.shp")
    metric = filed.to_crs("EPSG:4549")
    for code, geom in zip(metric["GRID_CODE"], metric.geometry, strict=True):
        parts = shapely.get_parts(geom)
        assert len(parts) == 1 or shapely.area(parts).min() >= 1.0, code
        holes = [shapely.Polygon(r).area for p in parts for r in p.interiors]
        assert not holes or min(holes) >= 1.0, code
    assert (tmp_path / "grids.zip").stat().st_size > 0
