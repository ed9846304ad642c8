"""Shared building blocks of the pages: engine access, KPI cards, tables, notes."""

from __future__ import annotations

from collections.abc import Sequence

import dash_ag_grid as dag
from dash import dcc, html
from flask import current_app, has_request_context, request
from sqlalchemy import Engine

from dashboards.i18n import t

ENGINE_KEY = "CIVICGRID_ENGINE"


def engine() -> Engine:
    """The database engine of the running app (set by create_app)."""
    return current_app.config[ENGINE_KEY]


def base_url() -> str:
    """This app's own origin, for absolute tile URLs (MapLibre fetches them from a worker)."""
    if has_request_context():
        return request.host_url
    return "http://127.0.0.1:8050/"


def kpi_card(
    label: str, value: str, sub: str | None = None, tone: str = "", card_id: str | None = None
) -> html.Div:
    """A big number with its label (and a smaller line under it)."""
    return html.Div(
        [
            html.Div(label, className="kpi-label"),
            html.Div(value, className="kpi-value"),
            html.Div(sub or "", className=f"kpi-sub {tone}"),
        ],
        className="kpi-card",
        **({"id": card_id} if card_id else {}),
    )


def pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x * 100:.{digits}f}%"


def num(x: float | int | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def note(text: str, kind: str = "info", el_id: str | None = None) -> html.Div:
    return html.Div(text, className=f"note note-{kind}", **({"id": el_id} if el_id else {}))


def section(title: str, *children, el_id: str | None = None, class_name: str = "") -> html.Section:
    return html.Section(
        [html.H3(title, className="section-title"), *children],
        className=f"panel {class_name}",
        **({"id": el_id} if el_id else {}),
    )


def map_graph(graph_id: str, height: str = "62vh", figure=None) -> dcc.Loading:
    """A map graph (scroll zoom on, no Plotly logo, PNG export at twice the size); a
    `figure` given here is drawn with the page, without waiting for a callback."""
    return dcc.Loading(
        dcc.Graph(
            id=graph_id,
            style={"height": height},
            **({"figure": figure} if figure is not None else {}),
            config={
                "scrollZoom": True,
                "displaylogo": False,
                "toImageButtonOptions": {"format": "png", "scale": 2, "filename": graph_id},
            },
        ),
        type="circle",
        delay_show=400,
    )


def table(
    table_id: str,
    columns: Sequence[tuple[str, str]],
    lang: str,
    height: str = "360px",
    csv_name: str | None = None,
    rows: list[dict] | None = None,
) -> dag.AgGrid:
    """A sortable, filterable AG Grid with translated headers (field, label key)."""
    return dag.AgGrid(
        id=table_id,
        columnDefs=[
            {
                "field": f,
                "headerName": t(k, lang),
                "sortable": True,
                "filter": True,
                "resizable": True,
            }
            for f, k in columns
        ],
        rowData=rows or [],
        defaultColDef={"flex": 1, "minWidth": 100},
        dashGridOptions={
            "rowSelection": {"mode": "singleRow"},
            "animateRows": False,
            "localeText": {
                "noRowsToShow": t("table.empty", lang),
                "loadingOoo": t("table.loading", lang),
            },
        },
        csvExportParams={"fileName": csv_name or f"{table_id}.csv"},
        style={"height": height, "width": "100%"},
        className="ag-theme-alpine",
    )
