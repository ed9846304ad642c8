"""`civicgrid coverage grids | facilities | inspections | workload`.

Each command computes one analysis, stores it in PostGIS (analysis_results with its rows
in analysis_features, kinds coverage-grids / coverage-facilities / coverage-inspections /
workload), writes CSV files to --out, and prints a summary (one JSON object with --json).
Facility distances are straight lines in EPSG:4549, not street distances.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, report
from geo.config import state_dir

coverage_app = typer.Typer(
    help="覆盖分析 / coverage: grids, facilities, inspections, workload", no_args_is_help=True
)
app.add_typer(coverage_app, name="coverage")

VERSION_HELP = "网格版本 / grid version (default: the version in force)"
AS_OF_HELP = "统计日期 / reference date YYYY-MM-DD (default: the data's latest date)"
OUT_HELP = "CSV 输出目录 / folder for the CSV files (default .civicgrid/results/coverage)"


def _out(out: Path | None) -> Path:
    return out or state_dir() / "results" / "coverage"


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value}", param_hint="--as-of") from exc


def _report_date(engine, value: str | None) -> tuple[dt.date | None, str]:
    """The report's "as of" date and how it was chosen: given, or the data's latest date."""
    from geo.coverage import store

    given = _as_of(value)
    return (given, "--as-of") if given else (store.data_as_of(engine), store.AS_OF_RULE)


def _engine():
    from geo.db.engine import get_engine

    return get_engine()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts (NaN → None) for the JSON summary."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _table(title: str, frame: pd.DataFrame, limit: int = 30) -> Table:
    """A rich table of the first `limit` rows of `frame`."""
    table = Table(title=f"{title} ({len(frame)})" if len(frame) > limit else title)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    return table


def _human(title: str, tables: dict[str, pd.DataFrame]):
    def show(obj: dict[str, Any]) -> None:
        console.print(f"[bold]{title}[/bold]  result {obj['result_id']}")
        for key, value in obj.items():
            if isinstance(value, dict) and key != "weights":
                console.print(f"  {key}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
            elif not isinstance(value, list | dict):
                console.print(f"  {key}: {value}")
        for name, frame in tables.items():
            console.print(_table(name, frame))
        for path in obj.get("csv", []):
            console.print(f"  csv: {path}")

    return show


@coverage_app.command("grids")
def grids_cmd(
    version: str = typer.Option(None, "--version", help=VERSION_HELP),
    tolerance: float = typer.Option(
        1.0, "--tolerance-m2", min=0, help="忽略的碎片面积 / sliver tolerance in m²"
    ),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """网格覆盖检查 / gaps, overlaps, invalid shapes, duplicate codes, parent crossings."""
    from geo.coverage import store
    from geo.grids import check

    engine = _engine()
    grids = store.read_grids(engine, version)
    name = grids.attrs["version"]
    units = store.read_units(engine, ("district", "town", "community"))
    problems = check(grids, units, tolerance_m2=tolerance)
    by_kind = problems.groupby("problem")["area_m2"].agg(["size", "sum"])
    summary = {
        "version": name,
        "grids": len(grids),
        "problems": len(problems),
        "by_problem": {k: int(v) for k, v in by_kind["size"].items()},
        "area_m2": {k: float(v) for k, v in by_kind["sum"].items()},
    }
    params = {"version": name, "tolerance_m2": tolerance}
    result_id = store.save(engine, "coverage-grids", params, summary, problems)
    csv = store.write_csv(problems, _out(out), f"coverage-grids-{name}")
    obj = store.plain({"result_id": result_id, **summary, "csv": [str(csv)]})
    report(
        obj,
        as_json,
        _human(
            "网格覆盖 / grid coverage",
            {"problems": pd.DataFrame(problems.drop(columns="geometry"))},
        ),
    )


@coverage_app.command("facilities")
def facilities_cmd(
    kind: list[str] = typer.Option(
        None,
        "--kind",
        help="设施类型 / facility kind (repeatable): police_station shelter mediation_room camera",
    ),
    radius: float = typer.Option(
        None,
        "--radius",
        min=0,
        help="服务半径（米，直线）/ service radius in metres for all kinds (default: settings)",
    ),
    res: int = typer.Option(
        9, "--res", min=0, max=15, help="H3 resolution of the study-area cells"
    ),
    top: int = typer.Option(100, "--top", min=1, help="盲区数量 / blind spots listed per kind"),
    new_sites: int = typer.Option(
        0, "--new-sites", min=0, help="新增设施选址数 / new sites to suggest per kind (MCLP)"
    ),
    method: str = typer.Option("auto", "--method", help="MCLP solver: auto | exact | greedy"),
    time_budget: float = typer.Option(
        30.0, "--time-budget", min=1, help="选址求解时间预算（秒）/ seconds the MCLP solver may use"
    ),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """设施覆盖 / share of incidents, rentals, hazards and cells within each service radius (straight line)."""
    from geo.coverage import analysis, store

    if method not in ("auto", "exact", "greedy"):
        raise typer.BadParameter("auto, exact or greedy", param_hint="--method")
    kinds = analysis.check_kinds(kind or None)  # refused before any reading
    engine = _engine()
    radius_of = store.radii(radius)
    data = store.read_inputs(engine, kinds, res)
    result = analysis.shares(data, kinds, radius_of)
    shares, per_kind = result["shares"], result["facilities"]
    spots = pd.concat(
        [analysis.uncovered(data, [k], radius_of, top).assign(kind=k) for k in kinds],
        ignore_index=True,
    )
    sites = (
        [analysis.siting(data, k, new_sites, radius_of[k], method, time_budget) for k in kinds]
        if new_sites
        else []
    )

    city = shares[shares["level"] == "city"]
    summary = {
        "distance": "straight line in EPSG:4549 / 直线距离",
        "res": res,
        "study_cells": len(data.study),
        "facilities": _records(per_kind),
        "city": _records(city[["kind", "layer", "total", "covered", "share"]]),
        "blind_spots": {k: int((spots["kind"] == k).sum()) for k in per_kind["kind"]},
        "new_sites": [
            {"kind": k, "sites": len(s), **{a: s.attrs[a] for a in analysis.SITING_REPORT}}
            for k, s in zip(kinds, sites, strict=True)
        ]
        if sites
        else [],
    }
    features = pd.concat(
        [
            shares.assign(part="share"),
            spots.assign(part="blind_spot"),
            *[s.assign(part="new_site") for s in sites],
        ],
        ignore_index=True,
    )
    import geopandas as gpd

    features = gpd.GeoDataFrame(features, geometry="geometry", crs=store.WGS84)
    params = {
        "kinds": kinds,
        "radius": radius,
        "res": res,
        "top": top,
        "new_sites": new_sites,
        "method": method,
        "time_budget_s": time_budget,
    }
    result_id = store.save(engine, "coverage-facilities", params, summary, features)
    folder = _out(out)
    csv = [
        store.write_csv(shares, folder, "coverage-facilities-shares"),
        store.write_csv(spots, folder, "coverage-facilities-blind-spots"),
    ]
    if sites:
        csv.append(
            store.write_csv(
                pd.concat(sites, ignore_index=True), folder, "coverage-facilities-new-sites"
            )
        )
    obj = store.plain({"result_id": result_id, **summary, "csv": [str(p) for p in csv]})
    tables = {
        "city": city[["kind", "radius_m", "layer", "total", "covered", "share"]],
        "facilities": per_kind,
    }
    if sites:
        tables["new sites"] = pd.DataFrame(
            pd.concat(sites, ignore_index=True).drop(columns="geometry")
        )
    report(obj, as_json, _human("设施覆盖 / facility coverage (straight-line distance)", tables))


@coverage_app.command("inspections")
def inspections_cmd(
    days: int = typer.Option(
        180, "--days", min=1, help="检查周期（天）/ inspected within the last N days"
    ),
    version: str = typer.Option(None, "--version", help=VERSION_HELP),
    as_of: str = typer.Option(None, "--as-of", help=AS_OF_HELP),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """检查覆盖 / share of rentals and hazards inspected within N days, per grid and town; overdue list."""
    import geopandas as gpd

    from geo.coverage import store

    engine = _engine()
    day, rule = _report_date(engine, as_of)
    shares = store.inspection_coverage(engine, days, version, day)
    late = store.overdue(engine, days, version, day)
    city = shares[shares["level"] == "city"]
    summary = {
        "days": days,
        "as_of": day.isoformat() if day else None,
        "as_of_rule": rule,
        "city": _records(city[["layer", "total", "inspected", "share"]]),
        "overdue": {layer: int((late["layer"] == layer).sum()) for layer in ("rentals", "hazards")},
        "never_inspected": int(late["never_inspected"].sum()) if len(late) else 0,
    }
    points = gpd.points_from_xy(late["lon"], late["lat"], crs=store.WGS84) if len(late) else []
    features = gpd.GeoDataFrame(
        pd.concat([shares.assign(part="share"), late.assign(part="overdue")], ignore_index=True),
        geometry=[None] * len(shares) + list(points),
        crs=store.WGS84,
    )
    params = {"days": days, "version": version, "as_of": summary["as_of"]}
    result_id = store.save(engine, "coverage-inspections", params, summary, features)
    folder = _out(out)
    csv = [
        store.write_csv(shares, folder, "coverage-inspections-shares"),
        store.write_csv(late, folder, "coverage-inspections-overdue"),
    ]
    obj = store.plain({"result_id": result_id, **summary, "csv": [str(p) for p in csv]})
    report(
        obj,
        as_json,
        _human(
            "检查覆盖 / inspection coverage",
            {"city": city[["layer", "total", "inspected", "share"]]},
        ),
    )


@coverage_app.command("workload")
def workload_cmd(
    version: str = typer.Option(None, "--version", help=VERSION_HELP),
    as_of: str = typer.Option(
        None, "--as-of", help=AS_OF_HELP + "; ends the 12-month incident window"
    ),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """网格工作量（小时/月，按事项清单）/ hours a month per grid from the service-item list;
    flags outside the household or workload band."""
    from geo.coverage import store
    from geo.errors import InputError
    from geo.grids import versions, workflow

    engine = _engine()
    day, rule = _report_date(engine, as_of)
    if version is None:
        current = versions.in_force(engine)
        if current is None:
            raise InputError(
                "no grid version is in force; name one with --version", field="version"
            )
        version = current.name
    name = versions.get(engine, version).name
    inputs = workflow.read_inputs(engine, pd.Timestamp(store.end_of_day(day)) if day else None)
    table = workflow.grid_workload(engine, name, inputs)
    summary = {
        "version": name,
        "grids": len(table),
        "as_of": day.isoformat() if day else None,
        "as_of_rule": rule,
        "window_end": table.attrs["as_of"],
        "households_band": table.attrs["households_band"],
        "workload_band": table.attrs["workload_band"],
        "households_flag": {k: int(v) for k, v in table["households_flag"].value_counts().items()},
        "workload_flag": {k: int(v) for k, v in table["workload_flag"].value_counts().items()},
        "flagged": int(table["flagged"].sum()),
        "unit": "hours/month",
        "items_revision": table.attrs["items_revision"],
    }
    params = {
        "version": name,
        "as_of": table.attrs["as_of"],
        "items_revision": table.attrs["items_revision"],
    }
    result_id = store.save(engine, "workload", params, summary, table)
    # the items explaining each grid's hours, as JSON text in one CSV column
    explained = [json.dumps(x, ensure_ascii=False) for x in table["by_item"]]
    csv = store.write_csv(table.assign(by_item=explained), _out(out), f"workload-{name}")
    obj = store.plain({"result_id": result_id, **summary, "csv": [str(csv)]})
    flagged = pd.DataFrame(
        table.loc[
            table["flagged"],
            ["grid_code", "name", "households", "workload", "households_flag", "workload_flag"],
        ]
    )
    report(obj, as_json, _human("网格工作量 / grid workload", {"flagged": flagged}))
