"""`civicgrid serve` starts the dashboard on the given loopback port: gunicorn, one
worker process per core, unless `--dev` asks for Flask's development server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_answers_on_the_port(db_url):
    """The default: a production server with one worker per core, no development-server
    warning, the security headers on."""
    import psutil

    from geo.cli.serve import cores

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo", "serve", "--port", str(port), "--no-login"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    html, headers = resp.read().decode(), resp.headers
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "the dashboard did not answer within 60 s"
                time.sleep(0.5)
        assert "civicgrid" in html
        assert "https://" not in html and "http://" not in html.replace(
            f"http://127.0.0.1:{port}", ""
        )
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        workers = [c for c in psutil.Process(proc.pid).children() if c.is_running()]
        assert len(workers) == cores()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "development server" not in err.decode() and "gunicorn" in err.decode()


def test_serve_dev_runs_flasks_server(db_url):
    """`--dev`: Flask's own server in one process (it says it is for development)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo", "serve", "--port", str(port), "--no-login", "--dev"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_dash-layout", timeout=5
                ) as resp:
                    assert resp.status == 200
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "the dashboard did not answer within 60 s"
                time.sleep(0.5)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "development server" in err.decode() and "gunicorn" not in err.decode()


def test_serve_rejects_a_bad_port(cli):
    done = cli("serve", "--port", "0")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_serve_with_worker_processes_requires_login(db_url):
    """`--workers 2` runs two gunicorn worker processes; both behind the login."""
    import psutil

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/hotspots", timeout=5) as resp:
                    landed, html = resp.url, resp.read().decode()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "the dashboard did not answer within 60 s"
                time.sleep(0.5)
        assert landed.endswith("/login?next=/hotspots") and 'name="csrf"' in html
        workers = [c for c in psutil.Process(proc.pid).children() if c.is_running()]
        assert len(workers) == 2
    finally:
        proc.terminate()
        proc.wait(timeout=30)
