"""Every page on the real small sample city: `civicgrid sample` files loaded by their
manifest's `civicgrid load` commands into a database of their own, aggregated and
analysed by the real modules, served and opened in headless Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner
from werkzeug.serving import make_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PAGES = (
    ("/", "ov-map", True),
    ("/hotspots", "hs-map", True),
    ("/grids", "gr-map", False),
    ("/coverage", "cv-map", True),
)


def _db_env(url: str) -> dict[str, str]:
    """Environment that points the CLI at `url` (as the session's test database is)."""
    if os.environ.get("CIVICGRID_DATABASE_URL"):
        return {"CIVICGRID_DATABASE_URL": url}
    return {"CIVICGRID_DB_NAME": make_url(url).database}


@pytest.fixture(scope="module")
def sample_engine(db_url, tmp_path_factory):
    """A database of its own holding the loaded, aggregated and analysed small sample."""
    from geo.cli import app
    from geo.counts.refresh import refresh_counts
    from geo.db import cluster, migrate
    from geo.db.engine import get_engine
    from geo.hotspots.run import HotspotParams, run_hotspots

    base = make_url(db_url)
    url = base.set(database=f"{base.database}_sample").render_as_string(hide_password=False)
    cluster.drop_database(url)
    cluster.ensure_database(url)
    migrate.upgrade(url)
    env = _db_env(url)
    folder = tmp_path_factory.mktemp("sample") / "small"
    done = subprocess.run(
        [sys.executable, "-m", "geo", "sample", "--out", str(folder), "--scale", "small"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        runner = CliRunner()
        for entry in manifest["files"]:
            args = [str(folder / a) if a == entry["path"] else a for a in entry["load"][1:]]
            result = runner.invoke(app, [*args, "--json"])
            assert result.exit_code == 0, (args, result.output, result.exception)
    engine = get_engine(url)
    refresh_counts(engine)
    run_hotspots(engine, HotspotParams(res=8, emerging=True, period="month", k=1))
    return engine


@pytest.fixture(scope="module")
def app_base(sample_engine):
    """The dashboard on the sample database, on a free loopback port."""
    from dashboards.app import create_app

    srv = make_server("127.0.0.1", 0, create_app(sample_engine).server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=10)


@pytest.mark.parametrize(("path", "graph", "traces"), PAGES)
def test_page_draws_its_map_on_the_sample_city(
    page, app_base, probe, artifacts, path, graph, traces
):
    page.goto(app_base + path)
    drawn = probe.wait(graph, traces=traces, timeout=60000)
    assert drawn["tiles"] > 0
    assert page.locator("#db-error").count() == 0 and page.locator("#alert").is_hidden()
    name = path.strip("/") or "overview"
    page.screenshot(path=str(artifacts / f"sample-{name}.png"), full_page=True)
