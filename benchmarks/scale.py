"""Archive aggregation at province scale: the Dask engine on a LocalCluster against the
single-process engine (the named peer), on the same partitioned parquet archive, one run.

For each size (default 10M and 50M incidents) the archive is generated if absent (the
first chunks of a bigger archive are reused as hard links: chunk i depends only on the
seed and i). Each engine computes the full cell × period × category counts (res 7–10,
day/week/month unless --res/--period say otherwise):
  single — geo.counts.archive.local.stream in this process (result pieces held here);
  dask   — geo.counts.archive.dask_engine.counts on LocalCluster(n_workers=--workers, 1 thread,
           processes), result persisted on the workers.
Reported: wall seconds, points/s, points/s per core (single = 1 core, dask = workers),
CPU seconds (this process; Dask: workers' CPU), peak memory (psutil RSS sampled every
0.2 s; Dask: distributed.diagnostics.MemorySampler, sum over workers), output rows.
With --publish, both engines also write into incident_counts of the database
civicgrid_bench_scale (end-to-end `civicgrid aggregate --engine …`).

    .venv/bin/python benchmarks/scale.py [--sizes 10000000,50000000] [--root DIR]
        [--workers 2] [--res 7,8,9,10] [--period day,week,month] [--publish]
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path

import bench_db
import psutil
from distributed import Client, LocalCluster, wait
from distributed.diagnostics import MemorySampler

from etl.archive import write
from etl.archive.writer import CHUNK_ROWS, MANIFEST
from geo.counts.archive import dask_engine, local
from geo.counts.periods import PERIODS

ROOT = Path(__file__).resolve().parents[1] / ".civicgrid" / "bench-scale"
BENCH_DB = "civicgrid_bench_scale"


class PeakRSS:
    """Peak resident memory of this process, sampled in a thread."""

    def __init__(self, interval: float = 0.2):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._proc = psutil.Process()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def archive_for(size: int, root: Path) -> Path:
    """The archive of `size` incidents under root, made (or linked from a bigger one) if absent."""
    path = root / f"archive-{size}"
    if (path / MANIFEST).exists():
        return path
    chunks = size // CHUNK_ROWS
    for bigger in sorted(root.glob("archive-*")):
        info = json.loads((bigger / MANIFEST).read_text()) if (bigger / MANIFEST).exists() else {}
        if size % CHUNK_ROWS == 0 and info.get("chunk_rows") == CHUNK_ROWS and info["rows"] >= size:
            for f in bigger.glob("month=*/part-*.parquet"):
                if int(f.stem.split("-")[1]) < chunks:
                    (path / f.parent.name).mkdir(parents=True, exist_ok=True)
                    os.link(f, path / f.parent.name / f.name)
            (path / MANIFEST).write_text(
                json.dumps({**info, "rows": size, "chunks": chunks, "linked_from": str(bigger)})
            )
            return path
    write(path, rows=size, jobs=os.cpu_count() or 1)
    return path


def run_single(path: Path, res, periods) -> dict:
    cpu = time.process_time()
    with PeakRSS() as mem:
        t = time.perf_counter()
        pieces: list = []
        local.stream(path, res, periods, pieces.append)
        seconds = time.perf_counter() - t
    total = sum(int(p["count"].sum()) for p in pieces)
    return {
        "seconds": seconds,
        "cpu_s": time.process_time() - cpu,
        "peak_gb": mem.peak / 1e9,
        "rows": sum(len(p) for p in pieces),
        "points": total // (len(res) * len(periods)),
    }


def _worker_cpu() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def run_dask(path: Path, res, periods, client: Client) -> dict:
    before = sum(client.run(_worker_cpu).values())
    sampler = MemorySampler()
    with PeakRSS() as mem, sampler.sample("dask", client=client, measure="process", interval=0.2):
        t = time.perf_counter()
        counts = dask_engine.counts(path, res, periods).persist()
        wait(counts)
        seconds = time.perf_counter() - t
        rows = int(counts.map_partitions(len).sum().compute())
        points = int(counts["count"].sum().compute()) // (len(res) * len(periods))
    cpu = sum(client.run(_worker_cpu).values()) - before
    peak_workers = float(sampler.to_pandas()["dask"].max())
    del counts
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "peak_gb": peak_workers / 1e9,
        "client_peak_gb": mem.peak / 1e9,
        "rows": rows,
        "points": points,
    }


def publish(path: Path, how: str, scheduler: str | None, res, periods) -> float:
    from geo.counts.archive.run import aggregate_archive
    from geo.db.engine import get_engine

    url = bench_db.migrated(BENCH_DB)
    t = time.perf_counter()
    aggregate_archive(get_engine(url), path, how, scheduler, res, periods)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000000,50000000")
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--res", default="7,8,9,10")
    ap.add_argument("--period", default=",".join(PERIODS))
    ap.add_argument("--publish", action="store_true")
    args = ap.parse_args()
    res = [int(r) for r in args.res.split(",")]
    periods = [p for p in args.period.split(",") if p]
    args.root.mkdir(parents=True, exist_ok=True)
    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        for size in (int(s) for s in args.sizes.split(",")):
            path = archive_for(size, args.root)
            load = os.getloadavg()[0]
            single = run_single(path, res, periods)
            dsk = run_dask(path, res, periods, client)
            assert single["rows"] == dsk["rows"] and single["points"] == dsk["points"] == size
            line = {
                "size": size,
                "workers": args.workers,
                "res": res,
                "periods": periods,
                "load_avg_before": round(load, 1),
                "load_avg_after": round(os.getloadavg()[0], 1),
            }
            for name, r in (("single", single), ("dask", dsk)):
                cores = 1 if name == "single" else args.workers
                line[name] = {k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()}
                line[name]["points_per_s"] = round(size / r["seconds"])
                line[name]["points_per_s_per_core"] = round(size / r["seconds"] / cores)
            line["dask_speedup_vs_single"] = round(single["seconds"] / dsk["seconds"], 2)
            if args.publish:
                line["publish_s"] = {
                    "single": round(publish(path, "local", None, res, periods), 1),
                    "dask": round(
                        publish(path, "dask", cluster.scheduler_address, res, periods), 1
                    ),
                }
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
