"""`civicgrid export LAYER --format shp|gpkg|geojson|csv --out PATH [...]`."""

from __future__ import annotations

import datetime as dt

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, report
from geo.errors import DatabaseError, InputError, database_said


def _where(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(
                f"{item!r}: use KEY=VALUE, e.g. district=姑苏区", param_hint="--where"
            )
        out[key.strip()] = value.strip()
    return out


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option) from exc


def _human(obj: dict) -> None:
    console.print(
        f"[bold]导出 / exported[/bold] {obj['layer']} "
        f"({obj['rows']} rows, {obj['format']}, {obj['encoding']}, {obj['crs']['name']})"
    )
    console.print(f"  zip: {obj['path']}")
    for f in obj["files"]:
        console.print(f"  {f['name']:<28} {f['bytes']:>12,}  sha256 {f['sha256'][:16]}…")
    for note in obj["notes"]:
        console.print(f"  [yellow]note[/yellow]: {note}")


@app.command("export")
def export(
    layer: str = typer.Argument(
        ...,
        help="boundaries grids incidents hazards rentals facilities "
        "key-sites hotspots analysis, or a stored analysis kind",
    ),
    fmt: str = typer.Option("shp", "--format", "-f", help="shp | gpkg | geojson | csv"),
    out: str = typer.Option(
        None, "--out", "-o", help="zip file or folder (default .civicgrid/exports/)"
    ),
    version: str = typer.Option(
        None,
        "--version",
        help="grid version name, boundary level, hotspot run id or analysis result id",
    ),
    where: list[str] = typer.Option(
        [], "--where", help="KEY=VALUE filter, e.g. district=姑苏区 (repeatable)"
    ),
    date_from: str = typer.Option(None, "--from", help="first day, YYYY-MM-DD"),
    date_to: str = typer.Option(None, "--to", help="last day, YYYY-MM-DD (inclusive)"),
    category: list[str] = typer.Option(
        [],
        "--category",
        help="category / kind (repeatable); incidents: either level, 大类 or 细类 by code, name or alias",
    ),
    encoding: str = typer.Option("utf-8", "--encoding", help="utf-8 | gbk (shp and csv)"),
    crs: str = typer.Option(
        "EPSG:4490", "--crs", help="EPSG:4490 (CGCS2000) | EPSG:4326 | gcj02 | EPSG:n"
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """导出图层（含清单与日志）/ export a layer as a zip with a manifest, logged for audit."""
    from geo.export import FORMATS, export_layer

    if fmt.lower() not in FORMATS:
        raise typer.BadParameter(f"{fmt!r}: use one of {', '.join(FORMATS)}", param_hint="--format")
    if encoding.lower() not in ("utf-8", "utf8", "gbk"):
        raise typer.BadParameter(f"{encoding!r}: use utf-8 or gbk", param_hint="--encoding")
    start, end = _date(date_from, "--from"), _date(date_to, "--to")
    if start and end and start > end:
        raise InputError(f"--from {start} is after --to {end}")
    try:
        result = export_layer(
            layer,
            fmt.lower(),
            out,
            version=version,
            where=_where(where),
            date_from=start,
            date_to=end,
            category=category,
            encoding=encoding,
            crs=crs,
        )
    except (OperationalError, ProgrammingError) as exc:  # server down / schema not migrated
        raise DatabaseError(
            f"database not usable ({database_said(exc)}); run `civicgrid db up`"
        ) from exc
    report({"path": str(result.path), **result.manifest}, as_json, _human)
