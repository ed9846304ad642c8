"""Export page for auditors: choose layer, version, filters, format, encoding and CRS;
download the zip (files + manifest) that `geo.export.export_layer` writes and logs; the
log of past exports below. Personal data never leaves: geo.export drops it."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import Input, Output, State, dcc, html, no_update

from dashboards.categories import category_options
from dashboards.components import engine, note, section
from dashboards.inputs import choices, date_of
from geo.errors import InputError
from geo.export import categories, districts, export_layer, history, layer_names, versions

TEXT = {
    "title": ("数据导出", "Export"),
    "layer": ("图层", "Layer"),
    "version": ("版本", "Version"),
    "district": ("区县", "District"),
    "dates": ("时间范围", "Date range"),
    "category": ("类别", "Category"),
    "format": ("格式", "Format"),
    "encoding": ("编码", "Encoding"),
    "crs": ("坐标系", "Coordinate system"),
    "run": ("导出并下载", "Export and download"),
    "done": ("已导出 {rows} 行：{name}", "Exported {rows} rows: {name}"),
    "log": ("导出日志", "Export log"),
    "any": ("全部", "All"),
    "forbidden": ("当前角色无权导出数据", "Your role may not export data"),
    "privacy": (
        "个人信息（姓名、电话、身份证号）不会被导出。",
        "Personal data (names, phones, ID numbers) is never exported.",
    ),
    "col.created_at": ("时间", "Time"),
    "col.username": ("用户", "User"),
    "col.layer": ("图层", "Layer"),
    "col.version": ("版本", "Version"),
    "col.format": ("格式", "Format"),
    "col.encoding": ("编码", "Encoding"),
    "col.crs": ("坐标系", "CRS"),
    "col.rows": ("行数", "Rows"),
}
CRS_CHOICES = (
    ("EPSG:4490", "CGCS2000 (EPSG:4490)"),
    ("EPSG:4326", "WGS-84 (EPSG:4326)"),
    ("gcj02", "GCJ-02"),
)
#: the page whose roles may export (geo.auth.roles)
PAGE = "/export"
LOG_COLUMNS = ("created_at", "username", "layer", "version", "format", "encoding", "crs", "rows")


def tx(key: str, lang: str, **fmt: object) -> str:
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**fmt)


def _history_rows() -> list[dict]:
    rows = history(50, engine=engine())
    return [
        {c: (r[c].strftime("%Y-%m-%d %H:%M") if c == "created_at" else r[c]) for c in LOG_COLUMNS}
        for r in rows
    ]


def _field(label: str, control) -> html.Label:
    return html.Label([html.Span(label, className="field-label"), control], className="field")


def layout(lang: str) -> html.Div:
    eng = engine()
    layers = layer_names(eng)
    form = html.Div(
        [
            _field(
                tx("layer", lang),
                dcc.Dropdown(
                    id="ex-layer",
                    options=layers,
                    value=layers[0] if layers else None,
                    clearable=False,
                ),
            ),
            _field(tx("version", lang), dcc.Dropdown(id="ex-version", placeholder=tx("any", lang))),
            _field(
                tx("district", lang),
                dcc.Dropdown(
                    id="ex-district",
                    placeholder=tx("any", lang),
                    options=[
                        {"label": f"{name} {code}", "value": code} for code, name in districts(eng)
                    ],
                ),
            ),
            _field(
                tx("dates", lang), dcc.DatePickerRange(id="ex-dates", display_format="YYYY-MM-DD")
            ),
            _field(
                tx("category", lang),
                dcc.Dropdown(id="ex-category", multi=True, placeholder=tx("any", lang)),
            ),
            _field(
                tx("format", lang),
                dcc.RadioItems(
                    id="ex-format",
                    value="shp",
                    inline=True,
                    options=["shp", "gpkg", "geojson", "csv"],
                ),
            ),
            _field(
                tx("encoding", lang),
                dcc.RadioItems(
                    id="ex-encoding",
                    value="utf-8",
                    inline=True,
                    options=[
                        {"label": "UTF-8", "value": "utf-8"},
                        {"label": "GBK", "value": "gbk"},
                    ],
                ),
            ),
            _field(
                tx("crs", lang),
                dcc.Dropdown(
                    id="ex-crs",
                    value="EPSG:4490",
                    clearable=False,
                    options=[{"label": lbl, "value": v} for v, lbl in CRS_CHOICES],
                ),
            ),
            html.Button(tx("run", lang), id="ex-run", className="btn btn-primary", n_clicks=0),
            dcc.Download(id="ex-download"),
            html.Div(id="ex-msg"),
            note(tx("privacy", lang), "info"),
        ],
        className="export-form",
    )
    log = dag.AgGrid(
        id="ex-history",
        columnDefs=[
            {"field": c, "headerName": tx(f"col.{c}", lang), "sortable": True, "filter": True}
            for c in LOG_COLUMNS
        ],
        rowData=_history_rows(),
        defaultColDef={"flex": 1, "minWidth": 90},
        style={"height": "320px", "width": "100%"},
        className="ag-theme-alpine",
    )
    return html.Div(
        [
            html.H2(tx("title", lang), className="page-title"),
            html.Div(
                [section(tx("title", lang), form), section(tx("log", lang), log)],
                className="grid-2",
            ),
        ]
    )


def register(app) -> None:
    @app.callback(
        Output("ex-version", "options"),
        Output("ex-version", "value"),
        Output("ex-category", "options"),
        Output("ex-category", "value"),
        Input("ex-layer", "value"),
        State("lang", "data"),
    )
    def layer_choices(layer, lang):
        from dashboards.auth import may_use

        if not layer or not may_use(PAGE, "export_choices"):
            return [], None, [], []
        eng = engine()
        cats = (
            category_options(eng, lang) if layer == "incidents" else categories(layer, engine=eng)
        )
        return versions(layer, engine=eng), None, cats, []

    @app.callback(
        Output("ex-download", "data"),
        Output("ex-msg", "children"),
        Output("ex-history", "rowData"),
        Input("ex-run", "n_clicks"),
        State("ex-layer", "value"),
        State("ex-version", "value"),
        State("ex-district", "value"),
        State("ex-dates", "start_date"),
        State("ex-dates", "end_date"),
        State("ex-category", "value"),
        State("ex-format", "value"),
        State("ex-encoding", "value"),
        State("ex-crs", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def run(_, layer, version, district, start, end, category, fmt, encoding, crs, lang):
        from dashboards.auth import may_use, visitor_name

        if not may_use(
            PAGE, "export"
        ):  # the page gate checks too; a callback can be posted by hand
            return no_update, note(tx("forbidden", lang), "error", el_id="ex-forbidden"), no_update
        user = visitor_name()
        try:
            result = export_layer(
                layer,
                fmt,
                version=version or None,
                where={"district": district} if district else None,
                date_from=date_of(start) if start else None,
                date_to=date_of(end) if end else None,
                category=choices(category) or (),
                encoding=encoding,
                crs=crs,
                user=user,
                engine=engine(),
            )
        except InputError as exc:
            return no_update, note(str(exc), "error", el_id="ex-error"), no_update
        message = note(
            tx("done", lang, rows=result.manifest.get("rows", "?"), name=result.path.name),
            "ok",
            el_id="ex-ok",
        )
        return dcc.send_file(str(result.path)), message, _history_rows()
