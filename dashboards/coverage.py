"""Coverage: facility service circles (overlaps show darker), blind-spot cells with
incidents, gap/overlap shares, and the inspections that are overdue."""

from __future__ import annotations

import json

import numpy as np
from dash import Input, Output, Patch, State, dcc, html, no_update

from dashboards import maps
from dashboards.components import base_url, engine, kpi_card, map_graph, note, pct, section, table
from dashboards.i18n import t
from dashboards.inputs import one_of
from geo.views import coverage as cov
from geo.views.counts import incident_span
from geo.views.places import extent
from geo.views.sites import facility_points

KINDS = ("police_station", "shelter", "mediation_room", "camera")
OVERDUE_DAYS = 180
OVERDUE_COLUMNS = [
    ("layer_label", "col.layer"),
    ("label", "col.name"),
    ("risk_level", "col.risk"),
    ("days_overdue", "col.overdue_days"),
    ("town_code", "col.town"),
]
KIND_COLORS = {
    "police_station": "#1f4e79",
    "shelter": "#1b7837",
    "mediation_room": "#762a83",
    "camera": "#4d4d4d",
}


def layout(lang: str) -> html.Div:
    opts = [{"label": t(f"kind.{k}", lang), "value": k} for k in KINDS]
    return html.Div(
        [
            html.H2(t("cv.title", lang), className="page-title"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label(t("cv.kind", lang)),
                            dcc.Dropdown(
                                id="cv-kind", options=opts, value="police_station", clearable=False
                            ),
                        ],
                        className="filter",
                    ),
                ],
                className="filters panel",
            ),
            html.Div(id="cv-kpis", className="kpis"),
            html.Div(
                [
                    html.Div(
                        section(t("cv.title", lang), map_graph("cv-map", "62vh")), className="col-2"
                    ),
                    html.Div(
                        section(
                            t("cv.overdue", lang),
                            table(
                                "cv-overdue",
                                OVERDUE_COLUMNS,
                                lang,
                                height="58vh",
                                csv_name="overdue-inspections.csv",
                            ),
                        ),
                        className="col",
                    ),
                ],
                className="row",
            ),
        ]
    )


def _kpis(s: dict, lang: str) -> list:
    return [
        kpi_card(
            t("cv.share", lang),
            pct(s.get("incidents")),
            f"{t('kind.' + s['kind'], lang)} · {s['facilities']} · {s['radius_m']:.0f} m",
            card_id="cv-share",
        ),
        kpi_card(t("cv.gaps", lang), pct(s.get("gaps"))),
        kpi_card(t("cv.overlaps", lang), pct(s.get("overlaps"))),
        kpi_card(t("layer.rental", lang), pct(s.get("rentals"))),
        kpi_card(t("layer.hazard", lang), pct(s.get("hazards"))),
    ]


def _figure(eng, kind: str, lang: str, overdue):
    center, zoom = maps.view_of(extent(eng))
    span = incident_span(eng)
    caption = f"{t('cv.title', lang)} · {t('kind.' + kind, lang)}"
    if span:  # the blind spots weigh every loaded incident
        caption += f" {span[0]:%Y-%m-%d} – {span[1]:%Y-%m-%d}"
    fig = maps.base_figure(
        center, zoom, uirevision=f"cv-{kind}", base=base_url(), caption=caption, places=True
    )
    areas = cov.service_areas(eng, kind)
    if len(areas):
        geo = json.loads(areas.geometry.set_precision(1e-5).to_json(drop_id=True))
        ids = [f"a{i}" for i in range(len(areas))]
        for f, i in zip(geo["features"], ids, strict=True):
            f["id"] = i
        fig.add_trace(
            maps.polygon_trace(
                geo,
                ids,
                KIND_COLORS[kind],
                t("cv.circles", lang),
                list(areas["name"]),
                opacity=0.22,
            )
        )
    blind = cov.blind_spots(eng, kind)
    if len(blind):
        hover = [
            f"{t('cv.blind', lang)}<br>{t('col.count', lang)}: {n}" for n in blind["incidents"]
        ]
        tr = maps.hex_trace(
            blind["cell"].to_numpy(),
            blind["incidents"].to_numpy(),
            colorscale=[[0, "#fc9272"], [1, "#67000d"]],
            zmin=0,
            zmax=float(max(blind["incidents"].max(), 1)),
            hover=hover,
            showscale=False,
            name=t("cv.blind", lang),
            opacity=0.85,
        )
        tr.showlegend = True
        fig.add_trace(tr)
    pts = facility_points(eng, [kind])
    if len(pts):
        fig.add_trace(
            maps.point_trace(
                pts["lon"],
                pts["lat"],
                color=KIND_COLORS[kind],
                name=t(f"kind.{kind}", lang),
                size=7,
                hover=list(pts["name"]),
            )
        )
    for layer, color in (("hazards", "#b2182b"), ("rentals", "#e08214")):
        part = overdue[overdue["layer"] == layer]
        if len(part):
            fig.add_trace(
                maps.point_trace(
                    part["lon"],
                    part["lat"],
                    color=color,
                    size=6,
                    name=f"{t('cv.overdue', lang)} · {t('layer.' + layer[:-1], lang)}",
                    hover=list(part["label"]),
                )
            )
    return fig


def register(app) -> None:
    @app.callback(
        Output("cv-kpis", "children"),
        Output("cv-map", "figure"),
        Output("cv-overdue", "rowData"),
        Input("cv-kind", "value"),
        State("lang", "data"),
    )
    def update(kind, lang):
        kind = one_of(kind, KINDS)
        eng = engine()
        s = cov.summary(eng, kind)
        od = cov.overdue(eng, OVERDUE_DAYS).copy()
        od["label"] = od["name"].fillna(od["address"])
        od["layer_label"] = od["layer"].map(lambda x: t(f"layer.{x[:-1]}", lang))
        od["days_overdue"] = od["days_overdue"].round(0)
        fig = _figure(eng, kind, lang, od)
        cols = [c for c, _ in OVERDUE_COLUMNS] + ["lon", "lat"]
        rows = od[[c for c in cols if c in od]].replace({np.nan: None}).to_dict("records")
        if not len(od) and s.get("incidents") is None:
            return [note(t("no_data", lang), "warn")], fig, rows
        return _kpis(s, lang), fig, rows

    @app.callback(
        Output("cv-map", "figure", allow_duplicate=True),
        Input("cv-overdue", "selectedRows"),
        prevent_initial_call=True,
    )
    def locate(rows):
        if not rows or rows[0].get("lon") is None:
            return no_update
        patch = Patch()
        patch["layout"]["map"]["center"] = {"lon": rows[0]["lon"], "lat": rows[0]["lat"]}
        patch["layout"]["map"]["zoom"] = 15
        patch["layout"]["uirevision"] = f"located-{rows[0]['lon']}-{rows[0]['lat']}"
        return patch
