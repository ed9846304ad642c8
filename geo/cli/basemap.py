"""`civicgrid basemap add FILE | list | remove NAME`: the optional base map under every map.

A base map is a vector-tile archive (PMTiles or MBTiles) the city's GIS unit provides —
roads, water, buildings. `add` checks it and keeps a copy for the configured database
(geo.basemap.store); the dashboard serves its tiles at /basemap/<name>/{z}/{x}/{y}.pbf
with a local style, and the meeting brief draws it too. Maps stay on white without one.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, report

basemap_app = typer.Typer(
    help="底图 / base map: a PMTiles or MBTiles vector archive drawn under every map",
    no_args_is_help=True,
)
app.add_typer(basemap_app, name="basemap")


def _database() -> str:
    from sqlalchemy.engine import make_url

    from geo.db.engine import database_url

    return make_url(database_url()).database


def _audit(action: str, detail: dict) -> None:
    """Record a base-map change in the audit trail (what every map then shows changes)."""
    from geo import audit
    from geo.db.engine import get_engine

    audit.record(get_engine(), action, detail)


def _show(obj: dict) -> None:
    table = Table(title="底图 / base maps")
    for column in ("name", "format", "zooms", "layers", "bytes", "added_at", "source"):
        table.add_column(column)
    for e in obj["basemaps"]:
        table.add_row(
            e["name"],
            e["format"],
            f"{e['minzoom']}–{e['maxzoom']}",
            ", ".join(e["layers"]),
            f"{e['bytes']:,}",
            e["added_at"][:19],
            e["source"],
        )
    console.print(
        table if obj["basemaps"] else "没有底图，地图为白底 / no base map: maps are drawn on white"
    )


@basemap_app.command("add")
def add_cmd(
    path: Path = typer.Argument(..., help="PMTiles (v3) or MBTiles archive of vector tiles (MVT)"),
    name: str = typer.Option(
        None, "--name", help="底图名称 / name (default: the file name without extension)"
    ),
    replace: bool = typer.Option(
        False, "--replace", help="替换同名底图 / replace a base map of that name"
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """添加底图 / register a vector-tile archive as a base map (a copy is kept)."""
    from geo.basemap import store

    entry = store.add(_database(), path, name, replace)
    _audit(
        "basemap.add",
        {
            "name": entry.name,
            "format": entry.format,
            "source": entry.source,
            "sha256": entry.sha256,
            "replace": replace,
        },
    )
    report(
        {"status": "added", **entry.as_dict()},
        as_json,
        lambda o: console.print(
            f"底图 {o['name']} 已添加 / base map added: {o['format']}, zoom {o['minzoom']}–{o['maxzoom']}, "
            f"layers {', '.join(o['layers']) or '—'}"
        ),
    )


@basemap_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """列出底图 / the registered base maps, drawn bottom up in this order."""
    from geo.basemap import store

    report({"basemaps": [e.as_dict() for e in store.entries(_database())]}, as_json, _show)


@basemap_app.command("remove")
def remove_cmd(
    name: str = typer.Argument(..., help="底图名称 / name shown by `basemap list`"),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """删除底图 / unregister a base map and delete its copy (the source file is untouched)."""
    from geo.basemap import store

    entry = store.remove(_database(), name)
    _audit("basemap.remove", {"name": entry.name, "sha256": entry.sha256})
    report(
        {"status": "removed", "name": entry.name, "file": entry.file},
        as_json,
        lambda o: console.print(f"底图 {o['name']} 已删除 / base map removed"),
    )
