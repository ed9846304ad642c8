"""`civicgrid load KIND PATH`: one file into PostGIS, with a report and nothing lost."""

from __future__ import annotations

import time
from enum import Enum, StrEnum
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, err_console, report
from geo.errors import InputError

KINDS = (
    "boundaries",
    "grids",
    "hazards",
    "rentals",
    "incidents",
    "facilities",
    "key-sites",
    "jurisdictions",
)
Kind = Enum("Kind", {k.replace("-", "_"): k for k in KINDS}, type=str)
KIND_HELP = "图层 / layer: " + " ".join(KINDS)
LONG_FILE = 50_000  # rows from which a progress bar is shown


class Personal(StrEnum):
    hash = "hash"
    drop = "drop"
    keep = "keep"


PHASES = {
    "read": "读取 / reading",
    "validate": "校验 / validating",
    "copy": "写入 / copying",
    "upsert": "合并 / upserting",
}


def _progress_callback(bar: Progress):
    task = bar.add_task(PHASES["read"], total=None)

    def on(phase: str, n: int | None) -> None:
        if phase == "rows":
            bar.advance(task, n or 0)
        elif phase == "copy":
            bar.update(task, description=PHASES[phase], total=n, completed=0)
        else:
            bar.update(task, description=PHASES[phase])

    return on


@app.command("load")
def load_command(
    kind: Kind = typer.Argument(..., help=KIND_HELP),
    path: Path = typer.Argument(..., help="SHP (or .zip) / GPKG / GeoJSON / CSV / XLSX"),
    crs: str = typer.Option(
        None, "--crs", help="wgs84 | gcj02 | bd09 | cgcs2000 | EPSG:n (when the file has no .prj)"
    ),
    encoding: str = typer.Option(
        None, "--encoding", help="utf-8 | gbk (when the file has no .cpg; detected otherwise)"
    ),
    grid_version: str = typer.Option(
        None, "--grid-version", help="网格版本 / grid version name (grids only; created if new)"
    ),
    personal: Personal = typer.Option(
        None,
        "--personal",
        help="个人信息 / personal columns: hash "
        "(default), drop, keep (needs CIVICGRID_KEEP_PERSONAL_DATA=1)",
    ),
    header_row: int = typer.Option(
        None,
        "--header-row",
        min=1,
        help="表头所在行 / the row "
        "(1-based) holding the header of a CSV/XLSX (found below "
        "title rows when not given)",
    ),
    no_aggregate: bool = typer.Option(
        False,
        "--no-aggregate",
        help="incidents: leave the counts as they are (bulk loading; `civicgrid aggregate` after)",
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """加载文件到数据库 / load a file into PostGIS (validated; rejects kept with reasons).

    One transaction; the same file again changes nothing. The report and the rejects
    CSV are written to .civicgrid/reports/<database>/<batch_id>/. A load of incidents
    then brings the counts up to date with its batch (as `civicgrid aggregate` does),
    so pages show the new data at once; the report's `aggregate` says what it did.
    """
    from etl.load import load
    from etl.report import human

    if kind.value == "grids" and not grid_version:
        raise typer.BadParameter("grids need --grid-version NAME", param_hint="--grid-version")
    options = dict(
        crs=crs,
        encoding=encoding,
        grid_version=grid_version,
        personal_mode=personal.value if personal else None,
        header_row=header_row,
    )
    show_bar = not as_json and path.is_file() and path.stat().st_size > LONG_FILE * 60
    try:
        if show_bar:
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=err_console, transient=True) as bar:
                result = load(kind.value, path, progress=_progress_callback(bar), **options)
        else:
            result = load(kind.value, path, **options)
    except InputError as exc:  # an option that does not fit (--crs, --encoding): name the file
        if exc.file is not None:
            raise
        raise InputError(exc.reason, file=str(path), row=exc.row, field=exc.field) from exc
    if kind.value == "incidents" and not no_aggregate and result["status"] == "loaded":
        result["aggregate"] = _refresh_counts()
    report(result, as_json, human)


def _refresh_counts() -> dict:
    """The counts refreshed after a load of incidents: what was done, and its seconds."""
    from geo.counts.refresh import refresh_counts
    from geo.db.engine import get_engine

    started = time.perf_counter()
    done = refresh_counts(get_engine()).as_dict()
    return {**done, "seconds": round(time.perf_counter() - started, 3)}
