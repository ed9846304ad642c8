"""The meeting brief from the dashboard: /brief.pdf?period=week|month, the same A4 PDF
as `civicgrid brief` (geo.brief), offered by a button of the overview in presentation
mode."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import plotly.io as pio
from flask import Flask, Response, request
from sqlalchemy import Engine

from dashboards.i18n import t
from geo.brief import page, pdf, store
from geo.config import settings
from geo.errors import InputError
from geo.localtime import TZ
from geo.views.kpis import COVERAGE_KINDS

ROUTE = "/brief.pdf"


def brief_pdf(engine: Engine, period: str) -> bytes:
    """The PDF bytes of the latest week's or month's brief."""
    data = store.gather(engine, period)
    kinds = {kind: t(f"kind.{kind}") for kind in COVERAGE_KINDS}
    fig = page.figure(data, settings().metric_crs, kinds, dt.datetime.now(TZ))
    pdf.use_chromium()
    return pio.to_image(fig, format="pdf", width=page.WIDTH, height=page.HEIGHT)


def register(server: Flask, engine: Callable[[], Engine]) -> None:
    """Add the brief route to `server`; `engine()` gives the database to read."""

    @server.route(ROUTE)
    def brief() -> Response:
        period = request.args.get("period", "week")
        try:
            data = brief_pdf(engine(), period)
        except InputError as exc:
            return Response(str(exc), status=400, mimetype="text/plain")
        resp = Response(data, mimetype="application/pdf")
        resp.headers["Content-Disposition"] = f"attachment; filename=brief-{period}.pdf"
        return resp
