"""Load test: 50 concurrent simulated users on the overview and hotspots pages.

`civicgrid serve` runs as a subprocess on loopback over the small sample city (its own
database `civicgrid_bench_loadtest`, filled by `civicgrid demo --scale small --no-serve`
when empty). The requests are the ones the pages really send: headless Chromium opens
each page once and every request it makes to the app is recorded — the page HTML,
`_dash-layout`, `_dash-dependencies`, each `/_dash-update-component` POST with its
exact JSON body, and the vector tiles of the first view (scripts and styles are left
out: a browser caches them). Each simulated user (a thread with its own HTTP session)
then replays one page's recording in order, waits a think time, and goes on with the
other page, until the time is up.

Printed: requests, errors (non-2xx, connection failures, and Dash callback answers
carrying the app's error banner), p50/p95/max latency overall and per request kind,
throughput, the machine's load average and the CPU the server and this client used
(cores busy on average: client and server share the machine's two cores). Target: p95 < 1 s, zero errors.
Peer in the same run: one user alone (no contention), so the ratio shows what
concurrency costs on this machine.

    .venv/bin/python benchmarks/load_test.py [--users 50] [--seconds 120] [--think 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "civicgrid_bench_loadtest"
SAMPLE = Path("/tmp/civicgrid-loadtest-small")
PAGES = (("/", "overview"), ("/hotspots", "hotspots"))
BANNER = ("数据库暂时不可用", "callback_error", "出错")  # the app's one-line error texts
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Request:
    """One recorded request: method, path (with query) and JSON body for POSTs."""

    kind: str
    method: str
    path: str
    body: bytes | None = None


def _env() -> dict[str, str]:
    return {**os.environ, "CIVICGRID_DB_NAME": BENCH_DB}


def prepare() -> None:
    """Fill the bench database with the small sample city unless it holds incidents."""
    os.environ["CIVICGRID_DB_NAME"] = BENCH_DB
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from geo.db.engine import get_engine

    try:
        with get_engine().connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM incidents")).scalar_one()
            runs = conn.execute(text("SELECT count(*) FROM hotspot_runs")).scalar_one()
        if n > 0 and runs > 0:
            return
    except SQLAlchemyError:
        pass
    print("preparing the small sample city (civicgrid demo --scale small) ...", file=sys.stderr)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo",
            "demo",
            "--scale",
            "small",
            "--no-serve",
            "--out",
            str(SAMPLE),
        ],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"civicgrid demo failed: {done.stderr.strip()[-500:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int) -> subprocess.Popen:
    """`civicgrid serve` on loopback; returns once it answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo", "serve", "--no-login", "--workers", "2", "--port", str(port)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=5).ok:
                return proc
        except requests.ConnectionError:
            time.sleep(0.3)
    proc.kill()
    sys.exit("civicgrid serve did not answer within 2 minutes")


def _kind(method: str, path: str, body: bytes | None) -> str:
    if method == "POST" and path.startswith("/_dash-update-component"):
        output = json.loads(body or b"{}").get("output", "?")
        return "callback " + output.strip(".").split(".")[0]
    if path.startswith("/_dash-"):
        return path.split("?")[0]
    if "tiles" in path or path.endswith((".pbf", ".mvt")):
        return "tile"
    return "page"


def record(base: str) -> dict[str, list[Request]]:
    """The requests each page makes when opened in Chromium (static files left out)."""
    from playwright.sync_api import sync_playwright

    recordings: dict[str, list[Request]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for path, name in PAGES:
            seen: list[Request] = []

            def on_request(req, seen=seen) -> None:
                url = urlsplit(req.url)
                if not req.url.startswith(base) or req.resource_type in (
                    "script",
                    "stylesheet",
                    "image",
                    "font",
                ):
                    return
                if url.path.startswith(("/_dash-component-suites", "/assets", "/_favicon")):
                    return
                full = url.path + (f"?{url.query}" if url.query else "")
                body = req.post_data_buffer if req.method == "POST" else None
                seen.append(Request(_kind(req.method, full, body), req.method, full, body))

            ctx = browser.new_context()
            page = ctx.new_page()
            page.on("request", on_request)
            page.goto(base + path, wait_until="networkidle", timeout=120_000)
            page.wait_for_timeout(1500)
            ctx.close()
            recordings[name] = seen
        browser.close()
    return recordings


def is_error(resp: requests.Response, req: Request) -> bool:
    if not 200 <= resp.status_code < 300:
        return True
    if req.method == "POST" and resp.content:
        text = json.dumps(resp.json(), ensure_ascii=False)
        return '"alert"' in text and any(b in text for b in BANNER)
    return False


def user(
    base: str,
    recordings: dict[str, list[Request]],
    stop_at: float,
    think: float,
    samples: list,
    errors: list,
    lock: threading.Lock,
    seed: int,
) -> None:
    """One simulated user: page after page, each page's requests in recorded order."""
    rng = random.Random(seed)
    names = list(recordings)
    session = requests.Session()
    turn = rng.randrange(len(names))
    time.sleep(rng.uniform(0, think))  # users do not all arrive in the same millisecond
    while time.monotonic() < stop_at:
        for req in recordings[names[turn % len(names)]]:
            t = time.perf_counter()
            try:
                headers = {"Content-Type": "application/json"} if req.body else None
                resp = session.request(
                    req.method, base + req.path, data=req.body, headers=headers, timeout=60
                )
                failed = is_error(resp, req)
                what = f"{resp.status_code} {req.kind}"
            except requests.RequestException as exc:
                failed, what = True, f"{type(exc).__name__} {req.kind}"
            elapsed = time.perf_counter() - t
            with lock:
                samples.append((req.kind, elapsed))
                if failed:
                    errors.append(what)
            if time.monotonic() >= stop_at:
                break
        turn += 1
        time.sleep(rng.uniform(0.5, 1.5) * think)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(
    base: str,
    recordings: dict[str, list[Request]],
    users: int,
    seconds: float,
    think: float,
    server_pid: int,
) -> dict:
    samples: list[tuple[str, float]] = []
    errors: list[str] = []
    lock = threading.Lock()
    load_before = os.getloadavg()
    cpu_server, cpu_client = cpu_seconds(server_pid), time.process_time()
    t0 = time.monotonic()
    stop_at = t0 + seconds
    threads = [
        threading.Thread(
            target=user,
            args=(base, recordings, stop_at, think, samples, errors, lock, i),
            daemon=True,
        )
        for i in range(users)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.monotonic() - t0
    cpu_server, cpu_client = cpu_seconds(server_pid) - cpu_server, time.process_time() - cpu_client
    return {
        "users": users,
        "seconds": round(wall, 1),
        "requests": len(samples),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:10],
        "rps": round(len(samples) / wall, 1),
        **stats([s for _, s in samples]),
        "by_kind": {
            k: stats([s for kk, s in samples if kk == k]) for k in sorted({k for k, _ in samples})
        },
        "server_cpu_per_wall": round(cpu_server / wall, 2),
        "client_cpu_per_wall": round(cpu_client / wall, 2),
        "load_avg_before": [round(x, 1) for x in load_before],
        "load_avg_after": [round(x, 1) for x in os.getloadavg()],
    }


def stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    q = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return {
        "n": len(values),
        "p50": round(q[49], 3),
        "p95": round(q[94], 3),
        "max": round(max(values), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between pages, s")
    parser.add_argument("--solo-seconds", type=float, default=20.0, help="the one-user peer run")
    args = parser.parse_args()

    prepare()
    port = free_port()
    server = serve(port)
    base = f"http://127.0.0.1:{port}"
    try:
        recordings = record(base)
        for name, reqs in recordings.items():
            print(
                f"{name}: {len(reqs)} requests per view: "
                + ", ".join(sorted({r.kind for r in reqs})),
                file=sys.stderr,
            )
        solo = run(base, recordings, 1, args.solo_seconds, args.think, server.pid)
        crowd = run(base, recordings, args.users, args.seconds, args.think, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    ratio = crowd["p95"] / solo["p95"] if solo.get("p95") else None
    print(
        json.dumps(
            {
                "crowd": crowd,
                "solo_peer": solo,
                "p95_ratio_crowd_over_solo": round(ratio, 1) if ratio else None,
                "target": "p95 < 1 s, 0 errors",
                "met": crowd.get("p95", 99) < 1.0 and crowd["errors"] == 0,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
