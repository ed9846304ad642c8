"""`civicgrid aggregate` (incident counts per H3 cell × period × category) and `civicgrid hotspots`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, err_console, report
from geo.db.engine import get_engine


def _split(values: list[str] | None) -> list[str]:
    """Values of a repeatable option, each possibly comma-separated."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _ints(values: list[str] | None, name: str) -> list[int] | None:
    items = _split(values)
    try:
        return [int(v) for v in items] or None
    except ValueError:
        raise typer.BadParameter(f"expected whole numbers, got {items}", param_hint=name) from None


@app.command("aggregate")
def aggregate(
    res: list[str] = typer.Option(
        None,
        "--res",
        help="H3 resolutions whose month counts are kept, e.g. --res 7,8,9 (default 7–9; "
        "days, weeks and res 10 are counted from the incidents when read)",
    ),
    period: list[str] = typer.Option(
        None, "--period", help="day, week, month (checked; months are what is stored)"
    ),
    full: bool = typer.Option(
        False, "--full", help="rebuild every count instead of adding new batches"
    ),
    engine: str = typer.Option(
        "postgis", "--engine", help="postgis (incidents table) | local | dask (a --archive)"
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        help="Dask scheduler address, e.g. tcp://host:8786 (default: a local cluster)",
    ),
    archive: Path = typer.Option(
        None, "--archive", file_okay=False, help="partitioned parquet incident archive (month=…/…)"
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """汇总警情 / keep month counts of incidents per H3 cell × category (incremental by load batch)."""
    # imported here: the statistics stack (scipy.stats…) would slow every other command's start
    from geo.counts.periods import PERIODS
    from geo.counts.refresh import refresh_counts

    periods = _split(period) or list(PERIODS)
    if (engine == "postgis") != (archive is None) or engine not in ("postgis", "local", "dask"):
        raise typer.BadParameter(
            "--archive goes with --engine local or dask", param_hint="--engine/--archive"
        )
    if engine != "postgis":
        from geo.counts.archive.run import aggregate_archive

        report(
            aggregate_archive(
                get_engine(), archive, engine, scheduler, _ints(res, "--res"), periods
            ),
            as_json,
        )
        return
    result = refresh_counts(get_engine(), _ints(res, "--res"), periods, full=full).as_dict()
    report(result, as_json)


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date YYYY-MM-DD, got {value!r}", param_hint=name
        ) from None


def _human(out: dict) -> None:
    console.print(
        f"[bold]run {out['run_id']}[/bold] ({out['kind']}): k={out['k']} ({out['k_chosen_by']}), "
        f"{out['n_cells']} cells, {out['n_hot']} hot, {out['n_cold']} cold, "
        f"{out['incidents']} incidents"
    )
    table = Table("cell", "count", "z", "bin/category", "district", "town", "grid", "key sites")
    table.columns[0].no_wrap = True
    for row in out["top"]:
        names = [s["name"] for s in row["key_sites"]]
        sites = "、".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
        label = row.get("category") or str(row["bin"])
        table.add_row(
            row["cell"],
            f"{row['value']:.0f}",
            f"{row['gi_z']:.2f}",
            label,
            row["district"] or "",
            row["town"] or "",
            row["grid_code"] or "",
            sites,
        )
    console.print(table)


@app.command("hotspots")
def hotspots(
    res: int = typer.Option(9, "--res", min=0, max=10, help="H3 resolution of the analysis"),
    date_from: str = typer.Option(None, "--from", help="first day, YYYY-MM-DD"),
    date_to: str = typer.Option(None, "--to", help="last day (inclusive), YYYY-MM-DD"),
    category: list[str] = typer.Option(
        None,
        "--category",
        help="incident categories, either level: 大类 or 细类 by code, name or alias (repeat or comma-separate)",
    ),
    k: int = typer.Option(None, "--k", min=0, help="k-ring size of the neighbourhood (default 1)"),
    auto: bool = typer.Option(
        False, "--auto", help="choose k by incremental spatial autocorrelation"
    ),
    is_emerging: bool = typer.Option(False, "--emerging", help="emerging (space-time) hot spots"),
    period: str = typer.Option(
        "month", "--period", help="time step of --emerging: day, week or month"
    ),
    district: str = typer.Option(
        None, "--district", help="admin unit code limiting the study area"
    ),
    top: int = typer.Option(10, "--top", min=0, help="how many hot spots to list"),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """热点分析 / Gi* hot spots (FDR) or emerging hot spots of incident counts; stores the run."""
    if k is not None and auto:
        raise typer.BadParameter("give either --k or --auto, not both", param_hint="--k/--auto")
    from geo.counts.periods import PERIODS
    from geo.hotspots.run import HotspotParams, run_hotspots

    if period not in PERIODS:
        raise typer.BadParameter(f"must be one of {', '.join(PERIODS)}", param_hint="--period")
    start, end = _date(date_from, "--from"), _date(date_to, "--to")
    if start and end and start > end:
        raise typer.BadParameter("--from is after --to", param_hint="--from/--to")
    params = HotspotParams(
        res=res,
        start=start,
        end=end,
        categories=tuple(_split(category)),
        k=k,
        auto=auto,
        emerging=is_emerging,
        period=period,
        district=district,
        top=top,
    )
    out = run_hotspots(get_engine(), params)
    if out["study_area"] == "incident cells" and not as_json:
        err_console.print("no city boundary loaded: the study area is the cells with incidents")
    report(out, as_json, _human)
