"""Hotspots for analysts: H3 counts, Gi* bins or emerging categories under filters;
a click on a cell shows its weekly series, category mix and the key sites nearby;
a sortable top-hotspots table with CSV download.

The counts and Gi* views (figure, table rows, notes) are kept per filter key and data
stamp: analysts go back and forth between layers and resolutions, and a view already
made is then sent again without being rebuilt; a load or a fresh aggregate changes
the stamp, so new data show at once. Their hexagons' GeoJSON is not in the figure but
at a URL of the view (GEOJSON_PATH, with the stamp): plotly.js fetches it once and
keeps it, so going back to a view sends only the cells' values (92 → 16 KB as sent for
a city's counts) and the browser parses no geometry again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from urllib.parse import urlencode

import h3
import numpy as np
import plotly.graph_objects as go
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx, dcc, html, no_update
from flask import Response, request

from dashboards import maps
from dashboards.categories import category_filter, category_values
from dashboards.components import base_url, engine, map_graph, note, section, table
from dashboards.i18n import LANGS, emerging_label, t
from dashboards.inputs import bounded_int, choices, date_range, one_of, text_or_none
from geo.config import settings
from geo.errors import InputError
from geo.hotspots.store import latest_run, places, run_cells
from geo.palettes import NO_PATTERN_COLOR, emerging_color
from geo.views.counts import category_mix, incident_span, resolutions, trend
from geo.views.hexlayer import hex_layer
from geo.views.hotareas import top_areas
from geo.views.places import extent, units
from geo.views.sites import key_sites_near
from geo.views.stamp import data_stamp, kept
from geo.warning.run import (
    AlertParams,
    NearRepeatParams,
    run_alerts,
    run_near_repeat,
)

TOP_N = 200
#: views kept (a counts view of a city is ~0.7 MB of JSON)
VIEWS_KEPT = 16
DEFAULT_DAYS = 90
#: alerts listed on the page, most unusual first
ALERTS_SHOWN = 12
#: map zoom when an alert is opened (a res-8 cell fills a good part of the map)
ALERT_ZOOM = 13.5
#: the Gi* neighbourhoods offered (k-rings); the server refuses any other
K_MAX = 3
#: H3 resolutions when no aggregate says which exist
H3_RESOLUTIONS = (0, 15)
#: the GeoJSON of a counts or Gi* view's hexagons (query: the view's filters)
GEOJSON_PATH = "/hotspots/hexes.geojson"
MODES = ("counts", "gi", "emerging")
#: the filters whose widgets are put in their slots once the map is drawn (their label
#: keys are hs.<key>)
LATER = ("dates", "categories", "area", "res", "k")
#: the modes whose views are kept and whose hexagons are served at GEOJSON_PATH
KEPT_MODES = MODES[:2]
TOP_COLUMNS = [
    ("cell", "col.cell"),
    ("district", "col.district"),
    ("town", "col.town"),
    ("grid", "col.grid"),
    ("count", "col.count"),
    ("gi_z", "col.gi_z"),
    ("p_fdr", "col.p_fdr"),
    ("bin_label", "col.bin"),
]


def _date(v) -> dt.date:
    return dt.date.fromisoformat(str(v)[:10])


def layout(lang: str) -> html.Div:
    eng = engine()
    span = incident_span(eng)
    lo, hi = span if span else (dt.date.today() - dt.timedelta(days=DEFAULT_DAYS), dt.date.today())
    start = max(lo, hi - dt.timedelta(days=DEFAULT_DAYS - 1))
    res = resolutions(eng) or [9]
    area_opts = [{"label": u["name"], "value": u["code"]} for u in units(eng, "district")]
    area_opts += [{"label": f"· {u['name']}", "value": u["code"]} for u in units(eng, "town")]
    mode_opts = [{"label": t(f"hs.mode.{m}", lang), "value": m} for m in MODES]
    res_default = min(max(res), 9) if min(res) <= 9 else min(res)
    # the first view is computed with the page, saving the browser a callback round trip
    fig, _, notes = layer_view(eng, "gi", start, hi, None, None, res_default, 1, lang)

    def filt(label_key, control):
        return html.Div([html.Label(t(label_key, lang)), control], className="filter")

    # the filters' widgets are drawn once the map is (LATER, register): on a 2-core machine
    # rendering them first put the first map 50-130 ms later; their labels and slots
    # (of the widgets' height) are there from the start, so nothing moves when they come
    later = {
        "dates": dcc.DatePickerRange(
            id="hs-dates",
            min_date_allowed=lo,
            max_date_allowed=hi,
            start_date=start,
            end_date=hi,
            display_format="YYYY-MM-DD",
        ),
        "categories": category_filter("hs-cats", eng, lang),
        "area": dcc.Dropdown(id="hs-area", options=area_opts, placeholder=t("hs.all_areas", lang)),
        "res": dcc.Slider(
            id="hs-res",
            min=min(res),
            max=max(res),
            step=1,
            value=res_default,
            marks={r: str(r) for r in res},
        ),
        "k": dcc.Slider(
            id="hs-k",
            min=1,
            max=K_MAX,
            step=1,
            value=1,
            marks={i: str(i) for i in range(1, K_MAX + 1)},
        ),
    }

    lower = html.Div(
        [
            html.Div(
                [
                    html.Div(
                        section(
                            t("hs.alerts", lang),
                            dcc.RadioItems(
                                id="hs-alert-period",
                                inline=True,
                                value="week",
                                options=[
                                    {"label": t(f"hs.alerts.{p}", lang), "value": p}
                                    for p in ("week", "month")
                                ],
                            ),
                            dcc.Loading(
                                html.Div(id="hs-alerts", className="alert-list"), type="dot"
                            ),
                        ),
                        className="col",
                    ),
                    html.Div(
                        section(
                            t("hs.nr", lang),
                            html.Div(
                                [
                                    category_filter(
                                        "hs-nr-cat",
                                        eng,
                                        lang,
                                        multi=False,
                                        placeholder=t("hs.categories", lang),
                                    ),
                                    html.Button(
                                        t("hs.nr.run", lang),
                                        id="hs-nr-run",
                                        className="btn btn-dark",
                                        n_clicks=0,
                                    ),
                                ],
                                className="filters",
                            ),
                            dcc.Loading(html.Div(t("hs.nr.hint", lang), id="hs-nr"), type="dot"),
                        ),
                        className="col",
                    ),
                ],
                className="row",
            ),
            section(
                t("hs.top", lang),
                html.Button(t("hs.csv", lang), id="hs-csv", className="btn btn-dark", n_clicks=0),
                table("hs-top", TOP_COLUMNS, lang, csv_name="top-hotspots.csv"),
            ),
        ]
    )

    return html.Div(
        [
            html.H2(t("hs.title", lang), className="page-title"),
            html.Div(
                [
                    filt(
                        "hs.mode",
                        dcc.RadioItems(id="hs-mode", options=mode_opts, value="gi", inline=True),
                    ),
                    *(
                        filt(f"hs.{key}", html.Div(id=f"hs-slot-{key}", className="filter-slot"))
                        for key in LATER
                    ),
                ],
                className="filters panel",
            ),
            html.Div(notes, id="hs-note"),
            html.Div(
                [
                    html.Div(
                        section(t("hs.title", lang), map_graph("hs-map", "64vh", fig)),
                        className="col-2",
                    ),
                    html.Div(
                        section(
                            t("hs.detail", lang),
                            html.Div(t("hs.detail.hint", lang), className="detail-empty"),
                            el_id="hs-detail",
                        ),
                        className="col",
                    ),
                ],
                className="row",
            ),
            # put on once the map is drawn (assets/civicgrid.js, afterMaps), so the page's
            # main thread draws the map first; the table's rows come when it is (update_top)
            html.Div(id="hs-lower-box", className="after-maps"),
            dcc.Store(
                id="hs-later",
                data=[c.to_plotly_json() for c in (*(later[k] for k in LATER), lower)],
            ),
        ]
    )


def layer_view(eng, mode, start, end, cats, area, res, k, lang):
    """(figure, top-table rows, notes) for the chosen filters; counts and Gi* views are
    kept per filter key until the data change (emerging views show the latest run)."""
    if mode not in KEPT_MODES:
        return _layer_figure(eng, base_url(), mode, start, end, cats, area, res, k, lang)[:3]
    return _kept_view(eng, base_url(), *_view_key(mode, start, end, cats, area, res, k, lang))[:3]


def _view_key(mode, start, end, cats, area, res, k, lang) -> tuple:
    return mode, start, end, tuple(sorted(cats)) if cats else None, area or None, res, k, lang


@kept(VIEWS_KEPT)
def _kept_view(eng, base, mode, start, end, cats, area, res, k, lang):
    """(figure as a plain dict, rows, notes, GeoJSON bytes of the drawn cells)."""
    query = {
        "mode": mode,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "cat": list(cats or ()),
        "area": area or "",
        "res": res,
        "k": k,
        "lang": lang,
        "v": hashlib.sha1(data_stamp(eng).encode()).hexdigest()[:12],
    }
    fig, rows, notes, cells = _layer_figure(
        eng,
        base,
        mode,
        start,
        end,
        cats,
        area,
        res,
        k,
        lang,
        geojson=f"{GEOJSON_PATH}?{urlencode(query, doseq=True)}",
    )
    geojson = (
        None
        if cells is None
        else json.dumps(maps.hex_geojson(cells)[0], separators=(",", ":")).encode()
    )
    # as a plain dict the figure is copied once here, not at every JSON encoding
    return fig.to_dict(), rows, notes, geojson


def view_geojson(eng, args) -> bytes | None:
    """The GeoJSON of the view a GEOJSON_PATH query names (None: it draws no cells);
    ValueError for a query no view of this page could have made."""
    mode, lang = args.get("mode", ""), args.get("lang", "")
    if mode not in KEPT_MODES or lang not in LANGS:
        raise ValueError("mode or lang")
    res, k = int(args.get("res", "")), int(args.get("k", ""))
    if not (H3_RESOLUTIONS[0] <= res <= H3_RESOLUTIONS[1] and 1 <= k <= K_MAX):
        raise ValueError("res or k")
    key = _view_key(
        mode,
        _date(args.get("start", "")),
        _date(args.get("end", "")),
        args.getlist("cat"),
        args.get("area"),
        res,
        k,
        lang,
    )
    return _kept_view(eng, base_url(), *key)[3]


def _layer_figure(
    eng, base, mode, start, end, cats, area, res, k, lang, geojson: str | None = None
):
    """(figure, top-table rows, notes, drawn cells or None) for the chosen filters, with
    tiles from the app at `base`; the hexagons' geometry is inline, or at `geojson` (the
    view's URL) when given."""
    center, zoom = maps.view_of(extent(eng))
    fig = maps.base_figure(
        center,
        zoom,
        uirevision="hs",
        places=True,
        base=base,
        caption=f"{t('hs.title', lang)} {start:%Y-%m-%d} – {end:%Y-%m-%d}",
    )
    notes = []
    rows: list[dict] = []
    if mode == "emerging":
        run = latest_run(eng, "emerging")
        if run is None:
            return fig, rows, [note(t("hs.no_run", lang), "warn")], None
        cells = run_cells(eng, run["id"]).reset_index()
        cells = cells[cells["category"].fillna("").str.len() > 0]
        cells = cells[cells["category"].map(emerging_color) != NO_PATTERN_COLOR]
        labels = {c: emerging_label(c, lang) for c in cells["category"].unique()}
        colors = {c: emerging_color(c) for c in sorted(labels)}
        hover = [
            f"{labels[c]}<br>trend z {z:.2f}"
            for c, z in zip(cells["category"], cells["trend_z"].fillna(0), strict=True)
        ]
        for tr in maps.category_traces(
            cells["cell"].to_numpy(), cells["category"].to_numpy(), colors, labels, hover
        ):
            fig.add_trace(tr)
        notes.append(
            note(
                t(
                    "hs.run_note",
                    lang,
                    res=run["params"].get("res", ""),
                    run=run["id"],
                    at=f"{run['created_at']:%Y-%m-%d %H:%M}",
                ),
                "info",
            )
        )
        return fig, rows, notes, None

    layer = hex_layer(
        eng, res, start, end, cats or None, area or None, k=k if mode == "gi" else None
    )
    f = layer.frame
    if layer.coarsened:
        notes.append(note(t("hs.coarser", lang, res=layer.res), "info", el_id="hs-coarser"))
    if not len(f):
        notes.append(note(t("no_data", lang), "warn"))
        return fig, rows, notes, None
    bins = {b: t(f"bin.{b}", lang) for b in range(-3, 4)}
    if mode == "gi":
        shown = f[f["bin"] != 0] if (f["bin"] != 0).any() else f
        data = np.column_stack([shown["count"].to_numpy(), shown["gi_z"].round(2).to_numpy()])
        fig.add_trace(
            maps.gi_trace(
                shown["cell"].to_numpy(),
                shown["bin"].to_numpy(),
                bins,
                customdata=data,
                geojson=geojson,
                template=f"{t('col.count', lang)}: %{{customdata[0]}}<br>Gi* z = %{{customdata[1]}}",
            )
        )
        top = f.sort_values("gi_z", ascending=False).head(TOP_N)
    else:
        shown = f
        counts = f["count"].to_numpy()
        zmax = float(np.percentile(counts, 98)) if len(counts) > 10 else float(counts.max())
        fig.add_trace(
            maps.hex_trace(
                f["cell"].to_numpy(),
                counts,
                colorscale="YlOrRd",
                zmin=0,
                zmax=max(zmax, 1.0),
                template=f"{t('col.count', lang)}: %{{z}}",
                geojson=geojson,
                colorbar={
                    "title": {"text": t("col.count", lang)},
                    "len": 0.5,
                    "thickness": 14,
                    "x": 0.99,
                    "xanchor": "right",
                    "bgcolor": "rgba(255,255,255,0.85)",
                },
            )
        )
        top = f.sort_values("count", ascending=False).head(TOP_N)
    hot = top[top["bin"] > 0] if "bin" in top else top
    areas = top_areas(eng, hot["cell"].to_numpy(), hot["count"].to_numpy(), level="community")
    if len(areas):
        fig.add_trace(maps.area_labels(areas["name"], areas["lon"], areas["lat"]))
    where = places(eng, top["cell"].to_numpy()) if len(top) else None
    for r in top.itertuples(index=False):
        row = {"cell": h3.int_to_str(int(r.cell)), "count": int(r.count)}
        if where is not None:
            p = where.loc[int(r.cell)]
            row |= {"district": p["district"], "town": p["town"], "grid": p["grid"]}
        if "gi_z" in f:
            row |= {
                "gi_z": round(float(r.gi_z), 3),
                "p_fdr": float(f"{r.p_fdr:.3g}"),
                "bin_label": bins[int(r.bin)],
            }
        rows.append(row)
    return fig, rows, notes, shown["cell"].to_numpy()


def _detail(eng, cell_str: str, start, end, cats, lang) -> list:
    """Series, category mix and key sites of one clicked cell."""
    cell = h3.str_to_int(cell_str)
    res = h3.get_resolution(cell_str)
    have = resolutions(eng)
    use = (
        res
        if res in have
        else min(r for r in have if r >= res)
        if any(r >= res for r in have)
        else None
    )
    cells = [cell] if use == res else [h3.str_to_int(c) for c in h3.cell_to_children(cell_str, use)]
    series = trend(eng, use, "week", cats or None, cells) if use is not None else None
    mix = category_mix(eng, use, cells, start, end) if use is not None else None
    lat, lon = h3.cell_to_latlng(cell_str)
    sites = key_sites_near(eng, lon, lat, 1000.0)
    where = places(eng, [cell]).iloc[0]
    place = " · ".join(
        str(where[c]) for c in ("district", "town", "grid") if isinstance(where[c], str)
    )

    ts = go.Figure()
    if series is not None and len(series):
        s = series.groupby("period_start")["count"].sum()
        ts.add_trace(
            go.Bar(
                x=list(s.index), y=s.to_numpy(), marker_color="#b2182b", name=t("col.count", lang)
            )
        )
        ts.add_vrect(x0=start, x1=end, fillcolor="#fddbc7", opacity=0.35, line_width=0)
    ts.update_layout(
        height=200,
        margin={"l": 36, "r": 8, "t": 8, "b": 26},
        plot_bgcolor="white",
        font={"family": "Noto Sans CJK SC, sans-serif", "size": 12},
    )
    mx = go.Figure()
    if mix is not None and len(mix):
        mx.add_trace(
            go.Bar(x=mix.to_numpy(), y=list(mix.index), orientation="h", marker_color="#2166ac")
        )
    mx.update_layout(
        height=180,
        margin={"l": 80, "r": 8, "t": 8, "b": 26},
        plot_bgcolor="white",
        yaxis={"autorange": "reversed"},
        font={"family": "Noto Sans CJK SC, sans-serif", "size": 12},
    )
    site_items = [
        html.Li(f"{r.name}（{r.kind}）· {r.distance_m:.0f} m") for r in sites.itertuples()
    ]
    return [
        html.Div([html.B(t("col.cell", lang) + ": "), html.Code(cell_str, id="hs-detail-cell")]),
        html.Div(place, id="hs-detail-place", className="kpi-sub"),
        html.H4(t("hs.series", lang)),
        dcc.Graph(id="hs-series", figure=ts, config={"displaylogo": False}),
        html.H4(t("hs.mix", lang)),
        dcc.Graph(id="hs-mix", figure=mx, config={"displaylogo": False}),
        html.H4(t("hs.sites", lang)),
        html.Ul(site_items, id="hs-sites")
        if site_items
        else html.Div(t("hs.no_sites", lang), id="hs-sites"),
    ]


@kept(4)
def alert_report(eng, period: str) -> dict:
    """The page's alerts for the latest complete week or month, kept until the data change."""
    return run_alerts(eng, AlertParams(period=period, top=ALERTS_SHOWN))


def alert_items(report: dict, lang: str) -> list:
    """The alert list: one button per alert (its id names the cell), most unusual first."""
    head = html.Div(
        t(
            "hs.alerts.span",
            lang,
            start=report["from"],
            end=report["to"],
            n=report["history_periods"],
        ),
        className="kpi-sub",
    )
    if not report["alerts"]:
        return [head, note(t("hs.alerts.none", lang), "info", el_id="hs-alerts-none")]
    items = []
    for a in report["alerts"]:
        place = (
            " · ".join(a[c] for c in ("district", "town", "community", "grid") if a[c]) or a["cell"]
        )
        label = t(
            "hs.alerts.item",
            lang,
            kind=t(f"alert.{a['kind']}", lang),
            place=place,
            count=a["count"],
            expected=f"{a['expected']:.1f}",
            p=f"{a['p']:.2g}",
        )
        if a["key_sites"]:
            label += t(
                "hs.alerts.near", lang, sites="、".join(s["name"] for s in a["key_sites"][:2])
            )
        items.append(
            html.Button(
                label,
                id={"type": "hs-alert", "cell": a["cell"]},
                className=f"alert-item alert-{a['kind']}",
                n_clicks=0,
            )
        )
    return [head, *items]


@kept(8)
def near_repeat_report(eng, category: str, start: dt.date, end: dt.date) -> dict:
    """The Knox table of one category (either level) over the page's dates, kept until the data change."""
    return run_near_repeat(
        eng,
        NearRepeatParams(
            start=start, end=end, categories=(category,), metric_crs=settings().metric_crs
        ),
    )


def _ratio_colour(ratio: float | None, p: float) -> str:
    """Background of a Knox band: reds for an excess (stronger when significant), blues for a deficit."""
    if ratio is None:
        return "#f7f7f7"
    if ratio >= 1:
        return ("#b2182b" if ratio >= 2 else "#ef8a62") if p <= 0.05 else "#fddbc7"
    return "#67a9cf" if p >= 0.95 else "#d1e5f0"


def near_repeat_view(report: dict, lang: str) -> list:
    """The Near Repeat Calculator's table: observed / expected pairs per distance × time band,
    coloured by excess and significance (* p ≤ 0.05), under its plain-language reading."""
    d, days = report["distance_edges_m"], report["time_edges_days"]
    head = html.Tr(
        [
            html.Th(f"{t('hs.nr.y', lang)} \\ {t('hs.nr.x', lang)}"),
            *[html.Th(f"{days[j]:g}–{days[j + 1]:g}") for j in range(len(days) - 1)],
        ]
    )
    rows = [
        html.Tr(
            [
                html.Th(f"{d[i]:g}–{d[i + 1]:g}"),
                *[
                    html.Td(
                        f"{r:.2f}{'*' if p <= 0.05 else ''}" if r is not None else "–",
                        style={
                            "background": _ratio_colour(r, p),
                            "color": "#fff" if r and r >= 2 and p <= 0.05 else "#222",
                        },
                        title=f"{o} / {e:.1f}",
                    )
                    for r, p, o, e in zip(
                        report["ratio"][i],
                        report["p"][i],
                        report["observed"][i],
                        report["expected"][i],
                        strict=True,
                    )
                ],
            ]
        )
        for i in range(len(d) - 1)
    ]
    return [
        html.Div(report["reading"][lang], id="hs-nr-reading", className="note note-info"),
        html.Div(
            t(
                "hs.nr.span",
                lang,
                start=report["from"],
                end=report["to"],
                n=report["incidents"],
                perms=report["permutations"],
            ),
            id="hs-nr-span",
            className="kpi-sub",
        ),
        html.Table([html.Thead(head), html.Tbody(rows)], id="hs-nr-table", className="knox-table"),
    ]


def register(app) -> None:
    filters = (
        Input("hs-mode", "value"),
        Input("hs-dates", "start_date"),
        Input("hs-dates", "end_date"),
        Input("hs-cats", "value"),
        Input("hs-area", "value"),
        Input("hs-res", "value"),
        Input("hs-k", "value"),
    )
    app.clientside_callback(
        ClientsideFunction("civicgrid", "afterMaps"),
        *(Output(f"hs-slot-{key}", "children") for key in LATER),
        Output("hs-lower-box", "children"),
        Input("hs-later", "data"),
    )

    @app.callback(
        Output("hs-map", "figure"),
        Output("hs-top", "rowData"),
        Output("hs-note", "children"),
        *filters,
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def update_map(mode, start, end, cats, area, res, k, lang):
        return _filtered_view(mode, start, end, cats, area, res, k, lang)

    # the table comes after the map (hs-lower-box): its rows then, for the filters as they
    # are at that moment (they may have changed while the map was drawn)
    @app.callback(
        Output("hs-top", "rowData", allow_duplicate=True),
        Input("hs-lower-box", "children"),
        *(State(i.component_id, i.component_property) for i in filters),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def update_top(_, mode, start, end, cats, area, res, k, lang):
        return _filtered_view(mode, start, end, cats, area, res, k, lang)[1]

    def _filtered_view(mode, start, end, cats, area, res, k, lang):
        """(figure, rows, notes) of the page's filters as sent (no_update without dates)."""
        if not start or not end:
            return no_update, no_update, no_update
        eng = engine()
        have = resolutions(eng)
        start, end = date_range(start, end, incident_span(eng))
        res = bounded_int(res, *((min(have), max(have)) if have else H3_RESOLUTIONS))
        return layer_view(
            eng,
            one_of(mode, MODES),
            start,
            end,
            choices(cats),
            text_or_none(area),
            res,
            bounded_int(k, 1, K_MAX),
            one_of(lang, LANGS),
        )

    @app.callback(
        Output("hs-detail", "children"),
        Input("hs-map", "clickData"),
        State("hs-dates", "start_date"),
        State("hs-dates", "end_date"),
        State("hs-cats", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def show_detail(click, start, end, cats, lang):
        if not click or not click.get("points"):
            return no_update
        loc = click["points"][0].get("location")
        if not loc or not h3.is_valid_cell(loc):
            return no_update
        start, end = date_range(start, end, None)
        return [
            html.H3(t("hs.detail", lang), className="section-title"),
            *_detail(engine(), loc, start, end, choices(cats), one_of(lang, LANGS)),
        ]

    @app.callback(
        Output("hs-alerts", "children"), Input("hs-alert-period", "value"), State("lang", "data")
    )
    def show_alerts(period, lang):
        period, lang = one_of(period, ("week", "month")), one_of(lang, LANGS)
        try:
            return alert_items(alert_report(engine(), period), lang)
        except InputError as exc:
            return note(str(exc), "warn")

    @app.callback(
        Output("hs-map", "figure", allow_duplicate=True),
        Output("hs-detail", "children", allow_duplicate=True),
        Input({"type": "hs-alert", "cell": ALL}, "n_clicks"),
        State("hs-dates", "start_date"),
        State("hs-dates", "end_date"),
        State("hs-cats", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def open_alert(clicks, start, end, cats, lang):
        cell = (ctx.triggered_id or {}).get("cell") if isinstance(ctx.triggered_id, dict) else None
        if not cell or not any(clicks) or not h3.is_valid_cell(cell):
            return no_update, no_update
        start, end = date_range(start, end, None)
        cats, lang = choices(cats), one_of(lang, LANGS)
        lat, lon = h3.cell_to_latlng(cell)
        fig = Patch()
        fig["layout"]["map"]["center"] = {"lon": lon, "lat": lat}
        fig["layout"]["map"]["zoom"] = ALERT_ZOOM
        fig["layout"]["uirevision"] = (
            f"alert-{cell}"  # a new revision: the map moves even after a pan
        )
        return fig, [
            html.H3(t("hs.detail", lang), className="section-title"),
            *_detail(engine(), cell, start, end, cats, lang),
        ]

    @app.callback(
        Output("hs-nr", "children"),
        Input("hs-nr-run", "n_clicks"),
        State("hs-nr-cat", "value"),
        State("hs-dates", "start_date"),
        State("hs-dates", "end_date"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def show_near_repeat(_, category, start, end, lang):
        category, lang, eng = text_or_none(category), one_of(lang, LANGS), engine()
        if not category or category not in category_values(eng):
            return note(t("hs.nr.hint", lang), "info")
        start, end = date_range(start, end, incident_span(eng))
        try:
            return near_repeat_view(near_repeat_report(eng, category, start, end), lang)
        except InputError as exc:
            return note(str(exc), "warn")

    @app.server.route(GEOJSON_PATH)
    def hexes() -> Response:
        try:
            body = view_geojson(engine(), request.args)
        except ValueError:
            return Response("not a view of this page", status=400, mimetype="text/plain")
        if body is None:
            return Response("this view draws no cells", status=404, mimetype="text/plain")
        # as application/json, which the server gzips (flask-compress does not know geo+json)
        resp = Response(body, mimetype="application/json")
        # the URL names the data stamp, so a response never goes stale
        resp.headers["Cache-Control"] = "private, max-age=86400"
        return resp

    @app.callback(
        Output("hs-top", "exportDataAsCsv"), Input("hs-csv", "n_clicks"), prevent_initial_call=True
    )
    def csv(_):
        return True
