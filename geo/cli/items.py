"""`civicgrid items list | import | workload`: the grid service-item list (网格服务管理事项清单)
and the hours a month it puts on each grid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, report

items_app = typer.Typer(
    help="网格服务事项清单 / the service-item list and its workload", no_args_is_help=True
)
app.add_typer(items_app, name="items")

JSON = typer.Option(False, "--json", help=JSON_OPTION_HELP)


def _engine():
    from geo.db.engine import get_engine

    return get_engine()


def _table(rows: list[dict[str, Any]], title: str) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in rows[0] if rows else []:
        table.add_column(str(column), overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)


@items_app.command("list")
def list_cmd(
    revision: int = typer.Option(None, "--revision", help="修订号 / a past revision"),
    as_json: bool = JSON,
) -> None:
    """事项清单 / the items of the list in use (or of a revision) and every revision."""
    from geo.items import store

    found = store.current(_engine(), revision)
    history = store.revisions(_engine())
    if found is None:
        result = {"revision": None, "items": [], "revisions": history}
    else:
        head, items = found
        rows = items.astype(object).where(items.notna(), None).to_dict("records")
        result = {
            "revision": head["revision"],
            "source": head["source"],
            "items": rows,
            "revisions": history,
        }

    def human(o: dict[str, Any]) -> None:
        if o["revision"] is None:
            console.print("尚无事项清单 / no item list yet: civicgrid items import [FILE]")
            return
        _table(
            [
                {
                    k: r[k]
                    for k in (
                        "code",
                        "name",
                        "department",
                        "layer",
                        "selector",
                        "frequency",
                        "minutes",
                    )
                }
                for r in o["items"]
            ],
            f"网格服务事项清单 / service items, revision {o['revision']}",
        )

    report(result, as_json, human)


@items_app.command("import")
def import_cmd(
    path: Path = typer.Argument(None, help="CSV / XLSX（默认 data/service_items.csv）"),
    note: str = typer.Option(None, "--note", help="调整说明 / why the list changes"),
    as_json: bool = JSON,
) -> None:
    """导入事项清单（新修订，留痕）/ make a list file the one in use (a new, audited revision)."""
    from geo.items import store

    result = store.import_list(_engine(), path, note)
    report(
        result,
        as_json,
        lambda o: console.print(
            f"事项清单 / item list revision {o['revision']} ({o['status']}): {o['items']} items; "
            f"added {o['added']}, removed {o['removed']}, changed {o['changed']}"
        ),
    )


@items_app.command("workload")
def workload_cmd(
    version: str = typer.Argument(None, help="版本名 / version (default: in force)"),
    grid: str = typer.Option(None, "--grid", help="只看一个网格 / one grid only"),
    revision: int = typer.Option(None, "--revision", help="清单修订号 / list revision"),
    band: tuple[float, float] = typer.Option(
        None,
        "--band",
        help="工作量区间（小时/月）LOW HIGH / band in hours a month (default: mean ± 1.5 sd)",
    ),
    as_json: bool = JSON,
) -> None:
    """按事项清单计算网格工作量（小时/月）/ hours a month per grid from the item list, explained."""
    from geo.errors import InputError
    from geo.grids import workflow

    band = band if band and band[0] is not None else None
    if band is not None and band[0] > band[1]:
        raise typer.BadParameter("LOW must not exceed HIGH", param_hint="--band")
    result = workflow.explain_version(_engine(), version, revision, band)
    if grid is not None:
        result["per_grid"] = [g for g in result["per_grid"] if g["grid_code"] == grid]
        if not result["per_grid"]:
            raise InputError(f"no grid {grid} in version {result['version']}", field="grid")

    def human(o: dict[str, Any]) -> None:
        revision = o["items_revision"] or "default (data/service_items.csv)"
        console.print(
            f"[bold]{o['version']}[/bold] × item list revision {revision}: "
            f"{o['grids']} grids, {o['hours_total']} h/month, mean {o['hours_mean']} h, "
            f"band {o['band']}: {o['flags']}"
        )
        for g in o["per_grid"][:20]:
            parts = ", ".join(f"{i['name']} {i['hours']}" for i in g["items"][:5])
            console.print(f"  {g['grid_code']}: {g['hours']} h · {g['flag']}  ({parts})")

    report(result, as_json, human)
