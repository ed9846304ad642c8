"""`civicgrid brief`: the meeting brief of the latest week or month as an A4 PDF in Chinese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, report


@app.command("brief")
def brief(
    period: str = typer.Option("week", "--period", help="week or month / 周或月"),
    out: Path = typer.Option(
        None, "--out", help="the PDF to write (default: brief-<period>-<last day>.pdf)"
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """会议简报 / the meeting brief: KPIs, hot-spot map with place names, top areas, grids
    out of band, coverage gaps, data stamp and source batches, as a one-page A4 PDF."""
    from dashboards.i18n import t
    from geo.brief import page, pdf, store
    from geo.config import settings
    from geo.db.engine import get_engine
    from geo.localtime import TZ
    from geo.views.kpis import COVERAGE_KINDS

    if period not in store.PERIOD_DAYS:
        raise typer.BadParameter("must be week or month", param_hint="--period")
    data = store.gather(get_engine(), period)
    path = out or Path(f"brief-{period}-{data.end:%Y%m%d}.pdf")
    kinds = {kind: t(f"kind.{kind}") for kind in COVERAGE_KINDS}
    fig = page.figure(data, settings().metric_crs, kinds, dt.datetime.now(TZ))
    pdf.write(fig, path)
    result = {
        "path": str(path.resolve()),
        "period": period,
        "from": data.start,
        "to": data.end,
        "incidents": data.kpis.incidents,
        "incidents_prev": data.kpis.incidents_prev,
        "top": {level: df.to_dict("records") for level, df in data.top.items()},
        "batches": data.batches["id"].tolist(),
    }
    report(
        result,
        as_json,
        lambda o: console.print(f"{o['path']}: {o['from']} – {o['to']}, {o['incidents']} 起警情"),
    )
