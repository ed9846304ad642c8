"""The analyst notebooks run end to end on the small sample city, so they never rot.

Each jupytext script in notebooks/ is turned into a notebook and executed by nbclient
in a `python3` kernel (the kernelspec's `python` is this interpreter, the .venv) with
the test database and a scratch output folder in its environment. The executed
notebooks are kept in test-artifacts/notebooks/ for a person to read. Each test then
checks what the notebook wrote against the database, computed independently.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import geopandas as gpd
import h3
import jupytext
import nbformat
import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from esda.moran import Moran
from jupyter_client import KernelManager
from libpysal.weights import W
from nbclient import NotebookClient
from scipy.stats import false_discovery_control
from sqlalchemy import text
from typer.testing import CliRunner

from geo.cli import app
from geo.config import settings
from geo.coverage import store as cov
from geo.grids import versions
from geo.grids.check import PROBLEMS
from geo.hexes import centroids
from geo.hotspots import store as hot_store
from geo.hotspots.emerging import CATEGORIES
from tests.conftest import ROOT, run_cli
from tests.database import empty

NOTEBOOKS = ROOT / "notebooks"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def city(engine, tmp_path_factory) -> Path:
    """The small sample city: written by `civicgrid sample`, loaded by its manifest's commands.

    The loads run the real `civicgrid load` command in-process (typer's runner): nine
    fresh interpreters would cost about a minute on a shared machine and test nothing more.
    """
    empty(engine)
    folder = tmp_path_factory.mktemp("sample") / "small"
    done = run_cli("sample", "--out", str(folder), "--scale", "small", "--json")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    runner = CliRunner()
    for entry in manifest["files"]:
        args = [str(folder / a) if a == entry["path"] else a for a in entry["load"][1:]]
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == 0, (args, result.output, result.exception)
        report = json.loads(result.stdout)
        assert report["read"] == report["loaded"] + report["rejected"] + report["duplicates"], (
            report
        )
    return folder


@pytest.fixture
def run_notebook(city, tmp_path, artifacts, monkeypatch):
    """Execute notebooks/NAME.py against the test database; returns its output folder."""
    monkeypatch.setenv("CIVICGRID_SAMPLE", str(city))
    monkeypatch.setenv("CIVICGRID_NB_OUT", str(tmp_path))
    monkeypatch.setenv("CIVICGRID_HOME", os.environ.get("CIVICGRID_HOME", str(ROOT)))

    def run(name: str) -> Path:
        nb = jupytext.read(NOTEBOOKS / f"{name}.py")
        client = NotebookClient(
            nb,
            timeout=600,
            startup_timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": str(ROOT)}},
        )
        try:
            client.execute()
        finally:
            (artifacts / "notebooks").mkdir(exist_ok=True)
            nbformat.write(nb, artifacts / "notebooks" / f"{name}.ipynb")
        return tmp_path / name

    return run


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def _is_png(path: Path, min_bytes: int = 20_000) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size >= min_bytes


def test_kernel_is_this_python():
    """The `python3` kernel the notebooks run in is started with this (the .venv's) interpreter."""
    command = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert Path(command[0]).resolve() == Path(sys.executable).resolve(), command


def _ring_w(area: np.ndarray, k: int) -> W:
    """Binary k-ring neighbours of the study cells (self left out), with h3 one at a time."""
    index = {int(c): i for i, c in enumerate(area)}
    return W(
        {
            i: [
                index[h3.str_to_int(x)]
                for x in h3.grid_disk(h3.int_to_str(int(c)), k)
                if h3.str_to_int(x) in index and h3.str_to_int(x) != int(c)
            ]
            for i, c in enumerate(area)
        },
        silence_warnings=True,
    )


def test_hotspot_study(run_notebook, engine):
    out = run_notebook("hotspot_study")
    summary = _summary(out)

    # re-running the sample's loads inside the notebook changed nothing
    assert summary["loads"] and set(summary["loads"].values()) == {"already_loaded"}
    # Gi* at the automatic scale, on the study area at res 9, worked out independently:
    # counts from the incidents table (parents by h3 itself), k as the first peak of esda's
    # Moran z over k = 1…7, Gi* z by esda, Benjamini–Hochberg by scipy
    area = hot_store.study_area(engine, 9)
    with engine.connect() as c:
        stored = c.execute(text("SELECT h3 FROM incidents")).scalars().all()
    totals = pd.Series(
        [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(x)), 9)) for x in stored]
    ).value_counts()
    y = totals.reindex(area.astype(np.int64), fill_value=0).to_numpy(dtype=float)
    z = [Moran(y, _ring_w(area, k), transformation="B", permutations=0).z_rand for k in range(1, 8)]
    peaks = [i for i in range(1, 6) if z[i] > z[i - 1] and z[i] > z[i + 1]]
    k = (peaks[0] if peaks else int(np.argmax(z))) + 1
    assert summary["k"] == k
    ref = G_Local(y, _ring_w(area, k), transform="B", star=True, permutations=0)
    p_fdr = false_discovery_control(2 * ref.p_norm, method="bh")
    hot = (ref.Zs > 0) & (p_fdr < 0.10)
    gi = pd.DataFrame({"gi_z": ref.Zs, "hot": hot}, index=area.astype(np.int64))
    assert summary["hot_cells"] == int(hot.sum()) > 0
    assert summary["study_cells"] == len(area) == sum(summary["patterns"].values())
    assert set(summary["patterns"]) <= set(CATEGORIES)
    assert summary["patterns"].get("persistent_hot_spot", 0) > 0  # the sample's clusters last

    report = pd.read_csv(out / "hotspot_report.csv", encoding="utf-8-sig")
    assert len(report) == 10
    assert (report["Gi_Bin"] > 0).all()
    assert report["Gi* z"].is_monotonic_decreasing
    assert report["街道 / town"].notna().all()
    # the report's cells hold far more incidents than an average study cell
    assert report["警情数 / incidents"].mean() > 3 * totals.sum() / len(area)
    assert (
        summary["top_cells"]
        == gi[gi["hot"]].sort_values("gi_z", ascending=False).index[:10].tolist()
    )

    sites = pd.read_csv(out / "key_sites_near_hotspots.csv", encoding="utf-8-sig")
    assert len(sites) == summary["key_sites_near"] > 0
    assert (sites["距离（米）/ distance m"] <= 300).all()
    assert sites["重点场所 / site"].is_unique
    assert _is_png(out / "hotspot_map.png", 100_000)


def test_grid_redesign(run_notebook, engine):
    out = run_notebook("grid_redesign")
    summary = _summary(out)

    # the walkthrough leaves the version in force alone and keeps its proposal as a draft
    assert versions.in_force(engine).name == summary["active"] == "2025"
    draft = versions.get(engine, summary["draft"])
    assert draft.status == "draft" and draft.parent == "2025"
    assert draft.grids == summary["grids_after"] > 0
    # the proposal brings grids back into their bands
    assert summary["flagged_after"] < summary["flagged_before"]
    assert set(summary["changes"]) - {"unchanged"}, "the draft changes nothing"
    assert set(summary["problems"]) <= set(PROBLEMS)

    filing = Path(summary["filing"])
    manifest = json.loads((filing / "manifest.json").read_text(encoding="utf-8"))
    assert {f["name"].split("/")[0] for f in manifest["files"]} >= {"shp_utf8", "shp_gbk"}
    for entry in manifest["files"]:
        assert hashlib.sha256((filing / entry["name"]).read_bytes()).hexdigest() == entry["sha256"]
    changes = pd.read_csv(filing / "changes.csv", encoding="utf-8-sig")
    assert changes["change"].value_counts().to_dict() == summary["changes"]
    assert (filing / "summary.html").stat().st_size > 10_000
    assert _is_png(out / "workload.png") and _is_png(out / "changes.png")


def test_coverage_review(run_notebook, engine):
    out = run_notebook("coverage_review")
    summary = _summary(out)

    shares = [v for row in summary["city_shares"].values() for v in row.values()]
    assert len(shares) == 16 and all(0 <= v <= 1 for v in shares)

    # every police blind spot is farther than the service radius from every station
    metric = settings().metric_crs
    radius = settings().service_radius_m["police_station"]
    stations = cov.read_facilities(engine, ["police_station"]).to_crs(metric)
    blind = pd.read_csv(out / "police_blind_spots.csv", encoding="utf-8-sig")
    assert len(blind) == summary["blind_cells"]["police_station"] > 0
    centres = gpd.GeoSeries(gpd.points_from_xy(blind["lon"], blind["lat"]), crs=4326).to_crs(metric)
    nearest = np.array([stations.distance(p).min() for p in centres])
    assert (nearest > radius).all()

    # the suggested sites raise the share of incidents within reach, measured here directly
    new = summary["new_sites"]
    assert new["n"] == len(new["cells"]) == int(os.environ.get("CIVICGRID_NB_NEW_SITES", "3"))
    sites = pd.read_csv(out / "new_police_stations.csv", encoding="utf-8-sig")
    assert len(sites) == new["n"] and (sites["新覆盖警情 / incidents gained"] > 0).all()
    points = gpd.GeoSeries(
        gpd.points_from_xy(*centroids(np.array(new["cells"], dtype=np.uint64))), crs=4326
    )
    reach = pd.concat([stations.geometry, points.to_crs(metric)], ignore_index=True)
    incidents = cov.read_incidents(engine).to_crs(metric)
    near = gpd.sjoin_nearest(
        incidents[["geometry"]], gpd.GeoDataFrame(geometry=reach), max_distance=radius, how="inner"
    )
    within = near.index.unique().size / len(incidents)
    assert within == pytest.approx(new["share_after"], abs=1e-4)
    assert new["share_after"] > new["share_before"]
    # the gain reported is the incidents newly within reach, counted here directly
    before = (
        gpd.sjoin_nearest(
            incidents[["geometry"]], stations[["geometry"]], max_distance=radius, how="inner"
        )
        .index.unique()
        .size
    )
    assert new["covered"] == near.index.unique().size - before
    assert 0 <= new["optimality_gap"] < 1
    assert _is_png(out / "shares.png") and _is_png(out / "new_sites_map.png")
