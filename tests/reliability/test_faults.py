"""Faults: a load killed midway, two loads of one file at once, the database restarting
under an open dashboard. Real processes, a real SIGKILL, a real PostgreSQL restart (on a
throwaway cluster of this test's own, never the shared one)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from sqlalchemy import text

from tests.conftest import ROOT, private_cluster
from tests.reliability.corpus import csv_bytes, incidents

COPYING = """SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
             AND query ILIKE 'COPY %' AND pid <> pg_backend_pid()"""
LOCK_WAITERS = """SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                  AND wait_event_type = 'Lock' AND wait_event = 'advisory'"""


def start_load(path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "geo",
            "load",
            "incidents",
            str(path),
            "--crs",
            "wgs84",
            "--json",
            *args,
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def poll(engine, sql: str, timeout: float, until=lambda n: n > 0, stop=lambda: False) -> bool:
    """Run `sql` every 20 ms until its count satisfies `until` (False on timeout or `stop`)."""
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline and not stop():
            if until(conn.execute(text(sql)).scalar_one()):
                return True
            conn.rollback()
            time.sleep(0.02)
    return False


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("load_batches", "load_rejects", "incidents")
        )


def indexes(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'incidents'")
            ).scalars()
        )


def test_sigkill_midway_leaves_no_partial_batch(clean_db, tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(csv_bytes(incidents(300_000, seed=11)))
    before_indexes = indexes(clean_db)

    proc = start_load(big)
    try:
        copying = poll(clean_db, COPYING, timeout=240, stop=lambda: proc.poll() is not None)
        assert copying, f"the load ended before its COPY was seen: {proc.communicate()}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # the server aborts the dead client's transaction as soon as it notices the closed socket
    assert poll(clean_db, COPYING, timeout=60, until=lambda n: n == 0)
    assert counts(clean_db) == (0, 0, 0)
    assert indexes(clean_db) == before_indexes  # the bulk path's index drop was rolled back

    again = start_load(big)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    report = json.loads(out)
    assert report["status"] == "loaded" and report["read"] == 300_000
    assert counts(clean_db) == (1, report["rejected"] + report["duplicates"], report["loaded"])
    assert report["loaded"] == 300_000


def test_two_loads_of_one_file_end_in_one_batch(clean_db, tmp_path):
    """Both loads are started while the test holds the load's own advisory lock, so they
    are certain to overlap (on a quiet machine one would otherwise finish before the other
    starts); once released, one loads and the other finds its batch."""
    import psycopg

    from etl.batch import file_sha256, lock
    from geo.db.engine import libpq_dsn

    path = tmp_path / "same.csv"
    path.write_bytes(csv_bytes(incidents(60_000, seed=12)))
    sha, _ = file_sha256(path)
    with psycopg.connect(libpq_dsn(clean_db.url.render_as_string(hide_password=False))) as holder:
        lock(holder, "incidents", sha, None)
        procs = [start_load(path), start_load(path)]
        both_waiting = poll(
            clean_db,
            LOCK_WAITERS,
            timeout=180,
            until=lambda n: n >= 2,
            stop=lambda: any(p.poll() is not None for p in procs),
        )
        holder.rollback()  # releases the transaction-level lock
    results = [p.communicate(timeout=600) for p in procs]
    assert both_waiting, f"the loads never waited on the lock: {results}"
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    reports = [json.loads(out) for out, _ in results]
    assert sorted(r["status"] for r in reports) == ["already_loaded", "loaded"]
    assert reports[0]["batch_id"] == reports[1]["batch_id"]
    assert counts(clean_db) == (1, 0, 60_000)


# --- the database restarting under the dashboard ------------------------------------------


@pytest.fixture
def own_cluster():
    """A throwaway PostgreSQL + PostGIS cluster on a free port, migrated; stopped afterwards.
    (URL, as the application role.)"""
    from geo.db import cluster, migrate, roles
    from geo.db.engine import local_url

    with private_cluster() as c:
        url = local_url("civicgrid_restart") + "?connect_timeout=3"
        cluster.wait_ready(url)
        cluster.ensure_database(url)
        migrate.upgrade(local_url("civicgrid_restart", role=roles.OWNER))
        yield c, url


def route_payload(app, path: str) -> dict:
    """The POST the browser sends when it opens `path` (the shell's page router)."""
    key = next(k for k in app.callback_map if "page.children" in k)
    return {
        "output": key,
        "outputs": [{"id": "page", "property": "children"}, {"id": "alert", "property": "hidden"}],
        "inputs": [
            {"id": "url", "property": "pathname", "value": path},
            {"id": "lang", "property": "data", "value": "zh"},
        ],
        "changedPropIds": ["url.pathname"],
        "state": [{"id": "present", "property": "data", "value": False}],
    }


def kpi_payload(app) -> dict:
    key = next(k for k in app.callback_map if k.startswith("ov-kpis"))
    return {
        "output": key,
        "outputs": {"id": "ov-kpis", "property": "children"},
        "inputs": [
            {"id": "ov-days", "property": "value", "value": 30},
            {"id": "lang", "property": "data", "value": "zh"},
        ],
        "changedPropIds": ["ov-days.value"],
        "state": [],
    }


def test_database_restart_under_open_dashboard(own_cluster):
    from werkzeug.serving import make_server

    from dashboards.app import create_app
    from geo.db import cluster
    from geo.db.engine import get_engine

    c, url = own_cluster
    app = create_app(get_engine(url))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"

    def post(payload: dict) -> tuple[int, str]:
        """(status, body with non-ASCII text readable) of one Dash callback request."""
        r = requests.post(f"{base}/_dash-update-component", json=payload, timeout=60)
        body = json.dumps(r.json(), ensure_ascii=False) if r.content else ""
        return r.status_code, body

    try:
        assert requests.get(base + "/", timeout=60).status_code == 200
        status, body = post(route_payload(app, "/hotspots"))
        assert status == 200 and "db-error" not in body and "hs-map" in body
        assert post(kpi_payload(app))[0] == 200

        cluster.stop(c)
        page = requests.get(base + "/hotspots", timeout=60)  # the shell needs no database
        assert page.status_code == 200
        status, down = post(route_payload(app, "/hotspots"))
        assert status == 200, down[:500]
        assert "db-error" in down and "数据库暂时不可用" in down
        status, kpis = post(kpi_payload(app))  # a callback that queries: the one-line banner
        assert status == 200, kpis[:500]
        assert "数据库暂时不可用" in kpis
        for body in (page.text, down, kpis):
            assert "Traceback" not in body

        cluster.start(c)
        status, back = post(route_payload(app, "/hotspots"))  # same app and engine: no restart
        assert status == 200 and "db-error" not in back and "hs-map" in back
        status, kpis = post(kpi_payload(app))
        assert status == 200 and "数据库暂时不可用" not in kpis
    finally:
        server.shutdown()
        thread.join(timeout=10)
