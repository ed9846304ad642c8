"""Grids for planners: two versions overlaid (active solid, compared dashed), themed by
household band (from vector tiles), change classes (geo.grids.diff) or topology
problems (geo.grids.check); the per-grid workload table (hours a month from the
service-item list, with the items that make them) and the problem list, whose rows
centre the map on the problem."""

from __future__ import annotations

import json

import numpy as np
from dash import Input, Output, Patch, State, dcc, html, no_update

from dashboards import grids_align, grids_consult, grids_editor, maps
from dashboards.components import base_url, engine, map_graph, note, section, table
from dashboards.i18n import t
from geo.config import settings
from geo.palettes import BAND_COLORS, CHANGE_COLORS
from geo.views.grids import changes, grid_table, problems, versions
from geo.views.places import extent

GRID_COLUMNS = [
    ("grid_code", "col.grid_code"),
    ("name", "col.name"),
    ("town_code", "col.town"),
    ("households", "col.households"),
    ("population", "col.population"),
    ("band_label", "col.band"),
    ("workload", "col.workload"),
    ("workload_flag_label", "col.workload_flag"),
    ("work_items", "col.work_items"),
]
#: items named in a grid's row, most hours first
SHOWN_ITEMS = 3
PROBLEM_COLUMNS = [
    ("problem_label", "col.problem"),
    ("grid_codes", "col.grids"),
    ("unit_code", "col.unit"),
    ("area_m2", "col.area_m2"),
]
PROBLEM_COLORS = {
    "gap": "#e66101",
    "overlap": "#5e3c99",
    "invalid": "#b2182b",
    "duplicate_code": "#1b7837",
    "crosses_parent": "#fdb863",
}
BANDS = ("under", "in", "over", "unknown")


def _band_labels(lang: str) -> dict[str, str]:
    lo, hi = settings().households_band
    return {b: t(f"band.{b}", lang, lo=lo, hi=hi) for b in BANDS}


def layout(lang: str) -> html.Div:
    vs = versions(engine())
    opts = [{"label": f"{v['name']}（{v['status']}）", "value": v["name"]} for v in vs]
    active = next((v["name"] for v in vs if v["in_force"]), vs[0]["name"] if vs else None)
    draft = next((v["name"] for v in vs if v["name"] != active), None)
    themes = [
        {"label": t(f"gr.layer.{k}", lang), "value": k} for k in ("band", "changes", "problems")
    ]

    def filt(key, control):
        return html.Div([html.Label(t(key, lang)), control], className="filter")

    return html.Div(
        [
            html.H2(t("gr.title", lang), className="page-title"),
            html.Div(
                [
                    filt(
                        "gr.active",
                        dcc.Dropdown(id="gr-a", options=opts, value=active, clearable=False),
                    ),
                    filt("gr.draft", dcc.Dropdown(id="gr-b", options=opts, value=draft)),
                    filt(
                        "gr.layer",
                        dcc.RadioItems(id="gr-theme", options=themes, value="band", inline=True),
                    ),
                ],
                className="filters panel",
            ),
            html.Div(id="gr-note"),
            html.Div(
                [
                    html.Div(
                        section(
                            t("gr.title", lang),
                            map_graph("gr-map", "62vh"),
                            html.Div(id="gr-legend", className="legend-list"),
                        ),
                        className="col-2",
                    ),
                    html.Div(
                        section(
                            t("gr.problems", lang),
                            html.Div(id="gr-problem-note"),
                            table(
                                "gr-problems",
                                PROBLEM_COLUMNS,
                                lang,
                                height="58vh",
                                csv_name="grid-problems.csv",
                            ),
                        ),
                        className="col",
                    ),
                ],
                className="row",
            ),
            section(
                t("gr.table", lang), table("gr-table", GRID_COLUMNS, lang, csv_name="grids.csv")
            ),
            grids_consult.panel(lang),
            grids_align.panel(lang),
            grids_editor.panel(lang),
        ]
    )


def _swatch(color: str, label: str, dashed: bool = False) -> html.Span:
    style = {"background": color}
    if dashed:
        style = {"border": f"2px dashed {color}", "background": "transparent"}
    return html.Span([html.Span(className="swatch", style=style), label])


def _geojson(gdf, prefix: str) -> tuple[dict, list[str]]:
    """GeoJSON of a small GeoDataFrame with ids `prefix-i`, coordinates rounded."""
    ids = [f"{prefix}-{i}" for i in range(len(gdf))]
    geo = json.loads(gdf.geometry.set_precision(1e-5).to_json(drop_id=True))
    for f, i in zip(geo["features"], ids, strict=True):
        f["id"] = i
    return geo, ids


def _figure(eng, a, b, theme, lang):
    """Map, legend, notes and problem rows; problems are those of the compared version
    (the draft a planner is about to file), else of the active one."""
    base = base_url()
    center, zoom = maps.view_of(extent(eng))
    layers, legend, notes, problem_rows = [], [], [], []
    if a and theme == "band":
        labels = _band_labels(lang)
        for band in BANDS:
            layers.append(
                maps.tile_layer(
                    base,
                    "grids",
                    kind="fill",
                    color=BAND_COLORS[band],
                    opacity=0.75,
                    below="traces",
                    version=a,
                    band=band,
                )
            )
            legend.append(_swatch(BAND_COLORS[band], labels[band]))
    if b:
        layers.append(
            maps.tile_layer(base, "grids", color="#e66101", width=1.6, dash=[2, 2], version=b)
        )
        legend.append(_swatch("#e66101", b, dashed=True))
    if a:
        layers.append(maps.tile_layer(base, "grids", color="#1f4e79", width=0.8, version=a))
        legend.append(_swatch("#1f4e79", a, dashed=False))
    layers += maps.boundary_layers(base)
    fig = maps.base_figure(
        center,
        zoom,
        layers,
        uirevision=f"gr-{a}-{b}",
        base=base,
        caption=" ".join(x for x in (t("gr.title", lang), a, b and f"/ {b}") if x),
    )

    if theme == "changes" and a and b:
        ch = changes(eng, a, b)
        ch = ch[ch["change"] != "unchanged"].reset_index(drop=True)
        for kind in ("split", "merged", "reshaped", "new", "removed"):
            part = ch[ch["change"] == kind]
            if not len(part):
                continue
            geo, ids = _geojson(part, kind)
            hover = [
                f"{t('change.' + kind, lang)}<br>{', '.join(o) or '—'} → {', '.join(n) or '—'}"
                for o, n in zip(part["old_codes"], part["new_codes"], strict=True)
            ]
            fig.add_trace(
                maps.polygon_trace(
                    geo,
                    ids,
                    CHANGE_COLORS[kind],
                    f"{t('change.' + kind, lang)} ({len(part)})",
                    hover,
                )
            )
    checked = b or a
    if checked:
        pr = problems(eng, checked)
        if theme == "problems":
            for kind, color in PROBLEM_COLORS.items():
                part = pr[(pr["problem"] == kind) & pr.geometry.notna() & ~pr.geometry.is_empty]
                if not len(part):
                    continue
                geo, ids = _geojson(part, kind)
                hover = [
                    f"{t('problem.' + kind, lang)}<br>{', '.join(map(str, c))}"
                    for c in part["grid_codes"]
                ]
                fig.add_trace(
                    maps.polygon_trace(
                        geo,
                        ids,
                        color,
                        f"{t('problem.' + kind, lang)} ({len(part)})",
                        hover,
                        opacity=0.85,
                    )
                )
        pts = pr.geometry.representative_point() if len(pr) else None
        for i, r in enumerate(pr.itertuples(index=False)):
            problem_rows.append(
                {
                    "problem_label": t(f"problem.{r.problem}", lang),
                    "problem": r.problem,
                    "grid_codes": ", ".join(map(str, r.grid_codes)),
                    "unit_code": r.unit_code,
                    "area_m2": round(float(r.area_m2), 1),
                    "lon": float(pts.iloc[i].x)
                    if pts is not None and not pts.iloc[i].is_empty
                    else None,
                    "lat": float(pts.iloc[i].y)
                    if pts is not None and not pts.iloc[i].is_empty
                    else None,
                }
            )
    return fig, legend, notes, problem_rows


def _items_text(items: list[dict]) -> str:
    """'居民户入户走访 16.7 · 网格例会与台账 8.7 · …': the items costing a grid most."""
    shown = " · ".join(f"{i['name']} {i['hours']:.1f}" for i in items[:SHOWN_ITEMS])
    return shown + (" · …" if len(items) > SHOWN_ITEMS else "")


def register(app) -> None:
    grids_editor.register(app)
    grids_consult.register(app)
    grids_align.register(app)

    @app.callback(
        Output("gr-map", "figure"),
        Output("gr-legend", "children"),
        Output("gr-note", "children"),
        Output("gr-problems", "rowData"),
        Output("gr-problem-note", "children"),
        Output("gr-table", "rowData"),
        Input("gr-a", "value"),
        Input("gr-b", "value"),
        Input("gr-theme", "value"),
        State("lang", "data"),
    )
    def update(a, b, theme, lang):
        eng = engine()
        if not a:
            return no_update, [], note(t("no_data", lang), "warn"), [], None, []
        fig, legend, notes, prows = _figure(eng, a, b, theme, lang)
        tbl = grid_table(eng, a)
        labels = _band_labels(lang)
        tbl["band_label"] = tbl["band"].map(labels)
        tbl["workload"] = tbl["workload"].round(1)
        tbl["workload_flag_label"] = [t(f"wl.{f}", lang) for f in tbl["workload_flag"]]
        tbl["work_items"] = [_items_text(items) for items in tbl["by_item"]]
        rows = tbl[[c for c, _ in GRID_COLUMNS if c in tbl] + ["lon", "lat"]].replace(
            {np.nan: None}
        )
        pnote = None if prows else note(t("gr.no_problems", lang), "info")
        return fig, legend, notes, prows, pnote, rows.to_dict("records")

    @app.callback(
        Output("gr-map", "figure", allow_duplicate=True),
        Input("gr-problems", "selectedRows"),
        Input("gr-table", "selectedRows"),
        prevent_initial_call=True,
    )
    def locate(p_rows, g_rows):
        rows = p_rows or g_rows
        if not rows or rows[0].get("lon") is None:
            return no_update
        patch = Patch()
        patch["layout"]["map"]["center"] = {"lon": rows[0]["lon"], "lat": rows[0]["lat"]}
        patch["layout"]["map"]["zoom"] = 14
        patch["layout"]["uirevision"] = f"located-{rows[0]['lon']}-{rows[0]['lat']}"
        return patch
