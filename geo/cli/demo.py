"""`civicgrid demo`: the main job end to end — sample city → PostGIS → analyses → dashboard."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import typer

from geo.cli import app
from geo.cli.output import console, err_console
from geo.config import project_home
from geo.errors import CivicgridError

# (kind, file inside the sample folder, extra load options), in load order:
# boundaries first so that points can be checked against the city.
LOADS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("boundaries", "boundaries/districts.shp", ()),
    ("boundaries", "boundaries/towns.shp", ()),
    ("boundaries", "boundaries/communities.shp", ()),
    ("grids", "grids/grids_2025.shp", ("--grid-version", "2025")),
    ("incidents", "incidents/incidents.csv", ("--crs", "gcj02")),
    ("rentals", "rentals/rentals.xlsx", ("--crs", "bd09")),
    ("hazards", "hazards/hazards.geojson", ()),
    ("facilities", "facilities/facilities.csv", ("--crs", "wgs84")),
    ("key-sites", "key_sites/key_sites.csv", ("--crs", "gcj02")),
    ("jurisdictions", "jurisdictions/police_areas.shp", ()),
)

#: run first, after the loads: what every later analysis reads (the counts; the
#: service-item list the workloads are computed from)
FIRST: tuple[tuple[str, ...], ...] = (("aggregate",), ("items", "import"))
#: then two chains side by side, one per core of the reference machine: each step reads
#: the loads, FIRST and the earlier steps of its own chain only
CHAINS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (
        ("hotspots", "--auto"),
        ("hotspots", "--emerging", "--period", "month"),
        ("alerts", "--period", "week"),
        ("coverage", "grids", "--version", "2025"),
        ("coverage", "facilities"),
        ("coverage", "inspections", "--as-of", "2025-12-31"),  # the sample city's data end
        ("coverage", "workload", "--version", "2025"),
    ),
    (
        ("grids", "check", "2025"),
        ("grids", "align", "2025", "--department", "police"),
        ("items", "workload", "2025"),
        ("grids", "propose", "--from", "2025", "--name", "2026-draft"),
        ("grids", "diff", "2025", "2026-draft"),
        ("grids", "consult", "2026-draft", "--out", "{out}/consultation"),  # {out}: the sample
    ),
)
ANALYSES: tuple[tuple[str, ...], ...] = FIRST + CHAINS[0] + CHAINS[1]


@dataclass
class Step:
    args: tuple[str, ...]
    ok: bool
    seconds: float
    summary: dict | None
    message: str = ""


def _has_command(*path: str) -> bool:
    """True when `civicgrid PATH…` exists in this build (a command not written yet is skipped)."""
    import typer.main

    group = typer.main.get_command(app)
    for name in path:
        if not hasattr(group, "commands"):
            return True  # a plain command: the rest are its arguments
        if name not in group.commands:
            return False
        group = group.commands[name]
    return True


def demo_admin() -> tuple[str, str]:
    """The demo's admin account: created once, its password kept (0600) under .civicgrid/."""
    import os
    import secrets

    from geo.auth import add_user, list_users
    from geo.config import state_dir
    from geo.db.engine import get_engine

    path = state_dir() / "demo-admin-password"
    password = os.environ.get("CIVICGRID_DEMO_PASSWORD")
    if not password and path.exists():
        password = path.read_text().strip()
    if not password:
        password = secrets.token_urlsafe(12)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(password)
    engine = get_engine()
    if not any(u.username == "admin" for u in list_users(engine)):
        add_user(engine, "admin", password, "admin")
    return "admin", password


def _left_by_earlier_demo(args: tuple[str, ...]) -> bool:
    """Whether step `args` made what is there already: the proposal's draft version
    exists (proposing it again is refused, and its grids are what the diff compares)."""
    if args[:2] != ("grids", "propose"):
        return False
    from geo.db.engine import get_engine
    from geo.grids.versions import list_versions

    name = args[args.index("--name") + 1]
    return any(v.name == name for v in list_versions(get_engine()))


def _run(*args: str) -> Step:
    """Run `civicgrid ARGS --json` in this process: one interpreter for every step, where
    a process per step paid Python's start and civicgrid's imports 26 times (≈ 2 s of
    CPU each, a third of the city demo's wall time under load). A step's output is
    captured as the command line prints it; its failure, whatever it is, becomes that
    step's one-line message, and the next step runs."""
    import contextlib
    import io

    import click
    import typer.main
    from psycopg import Error as DriverError
    from sqlalchemy.exc import SQLAlchemyError

    from geo.errors import database_said

    command = typer.main.get_command(app)
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    code, message = 0, ""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result = command.main([*args, "--json"], prog_name="civicgrid", standalone_mode=False)
            code = result if isinstance(result, int) else 0
        except CivicgridError as exc:
            code, message = exc.exit_code, str(exc)
        except (SQLAlchemyError, DriverError) as exc:
            code, message = 1, f"database error: {database_said(exc)}"
        except click.ClickException as exc:
            code, message = exc.exit_code, exc.format_message()
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # noqa: BLE001 — one step's failure is reported, the demo goes on
            code, message = 1, f"{type(exc).__name__}: {exc}"
    seconds = time.monotonic() - start
    summary = None
    if out.getvalue().strip():
        try:
            summary = json.loads(out.getvalue().strip().splitlines()[-1])
        except json.JSONDecodeError:
            summary = None
    if code and not message:
        lines = err.getvalue().strip().splitlines()
        message = lines[-1] if lines else f"exit status {code}"
    return Step(args, code == 0, seconds, summary, message)


def _show(step: Step) -> None:
    name = " ".join(a for a in step.args if not a.startswith("/"))
    if step.ok:
        brief = ""
        if step.summary and "read" in step.summary:
            s = step.summary
            brief = f"read {s['read']} = loaded {s['loaded']} + rejected {s['rejected']} + duplicates {s['duplicates']}"
        console.print(f"[green]✔[/green] {name}  ({step.seconds:.1f} s)  {brief}")
    else:
        console.print(f"[red]✘[/red] {name}: {step.message}")


def _chain(steps: tuple[tuple[str, ...], ...], out: str) -> int:
    """Run `steps` in order in this process, each shown as it ends; how many failed."""
    failed = 0
    for args in steps:
        if not _has_command(*args):
            err_console.print(f"[yellow]–[/yellow] {' '.join(args)}: not there yet")
            continue
        if _left_by_earlier_demo(args):
            console.print(f"[green]✔[/green] {' '.join(args)}  (there from an earlier demo)")
            continue
        step = _run(*(a.replace("{out}", out) for a in args))
        _show(step)
        failed += not step.ok
    return failed


def _side_by_side(chains: tuple[tuple[tuple[str, ...], ...], ...], out: str) -> int:
    """Run the first chain in a second process (spawned: nothing of this process's
    database connections is shared) while this one runs the others; how many steps
    failed. Most steps keep one core busy, and the consultation sheets mostly wait for
    Chromium, so the two chains take about as long as the longer one alone."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        side = pool.submit(_chain, chains[0], out)
        failed = sum(_chain(chain, out) for chain in chains[1:])
        try:
            failed += side.result()
        except BrokenProcessPool as exc:
            err_console.print(f"[red]✘[/red] {' '.join(chains[0][0])} …: {exc}")
            failed += len(chains[0])
    return failed


@app.command("demo")
def demo(
    scale: str = typer.Option("city", help="sample scale: small | city"),
    seed: int = typer.Option(42, help="random seed of the sample city"),
    out: Path = typer.Option(None, help="folder for the sample files (default demo-data/<scale>)"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="start the dashboard at the end"),
    port: int = typer.Option(8050, help="dashboard port"),
) -> None:
    """演示：样例城市 → PostGIS → 分析 → 仪表盘 / the whole job on the sample city."""
    if scale not in ("small", "city"):
        raise typer.BadParameter("scale must be small or city")
    from geo.cli.db import bring_up

    out = out or project_home() / "demo-data" / scale
    info = bring_up()
    console.print(f"[green]✔[/green] database {info['url']} at revision {info['revision']}")

    if not (out / "manifest.json").exists():
        if not _has_command("sample"):
            raise CivicgridError("the sample generator is not there yet")
        step = _run("sample", "--out", str(out), "--seed", str(seed), "--scale", scale)
        _show(step)
        if not step.ok:
            raise CivicgridError(f"sample generation failed: {step.message}")
    else:
        console.print(f"[green]✔[/green] sample city already in {out}")

    failed = 0
    if _has_command("load"):
        for kind, rel, extra in LOADS:
            step = _run("load", kind, str(out / rel), *extra)
            _show(step)
            failed += not step.ok
    else:
        err_console.print("[yellow]–[/yellow] load: not there yet")

    failed += _chain(FIRST, str(out))
    failed += _side_by_side(CHAINS, str(out))

    if failed:
        err_console.print(
            f"[yellow]{failed} step(s) failed; the dashboard shows what is loaded[/yellow]"
        )
    user, password = demo_admin()
    console.print(
        f"登录 / sign in: user [bold]{user}[/bold], password [bold]{password}[/bold] "
        f"(kept in .civicgrid/demo-admin-password; more users: civicgrid users add NAME --role ROLE)"
    )
    if serve:
        console.print(f"dashboard: http://127.0.0.1:{port}  (Ctrl-C to stop)")
        subprocess.run([sys.executable, "-m", "geo", "serve", "--port", str(port)], check=False)
