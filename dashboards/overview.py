"""Overview for leaders: big KPIs, the city map of hot/cold spots, the weekly trend.

The whole first view (map, KPIs, trend) comes with the page, so a visit needs no
callback round trip before it is drawn; the trend graph is put on the page once the map
is drawn (its JSON comes with the page), so the browser draws the map first. The map
and trend figures, the KPIs and the weekly series are kept per data stamp (a load, a new
grid version or a fresh aggregate makes new ones).
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
from dash import ClientsideFunction, Input, Output, State, dcc, html

from dashboards import maps
from dashboards.components import base_url, engine, kpi_card, map_graph, note, num, pct, section
from dashboards.i18n import LANGS, t
from dashboards.inputs import one_of
from geo.counts.periods import windows
from geo.views.counts import incident_span, resolutions, trend
from geo.views.hotareas import top_areas
from geo.views.kpis import COVERAGE_KINDS, Kpis, overview_kpis, period_layer
from geo.views.places import extent
from geo.views.stamp import kept

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
#: figure font size in presentation mode (large type for meeting rooms)
FONT_PRESENT = 20
#: the trend graph's height (its box keeps it while the map is drawn first)
TREND_HEIGHT = "60vh"


def layout(lang: str, present: bool = False) -> html.Div:
    eng = engine()
    # the first view is computed with the page, saving the browser callback round trips
    first = map_figure(eng, DEFAULT_DAYS, lang, present)
    return html.Div(
        [
            html.Div(
                [
                    html.H2(t("ov.title", lang), className="page-title"),
                    # the meeting brief, shown in presentation mode (civicgrid.css): where maps are shown at a meeting
                    html.A(
                        t("ov.brief", lang),
                        id="ov-brief",
                        className="btn btn-brief",
                        href="/brief.pdf?period=week",
                        download="brief-week.pdf",
                    ),
                    html.Div(
                        [
                            html.Span(t("ov.period", lang), className="filter-label"),
                            dcc.RadioItems(
                                id="ov-days",
                                value=DEFAULT_DAYS,
                                inline=True,
                                options=[
                                    {"label": t("ov.days", lang, days=d), "value": d}
                                    for d in PERIODS
                                ],
                            ),
                        ],
                        className="filter",
                    ),
                ],
                className="row",
                style={"justifyContent": "space-between", "alignItems": "center"},
            ),
            html.Div(
                _kpi_cards(kpis(eng, DEFAULT_DAYS), lang, DEFAULT_DAYS),
                id="ov-kpis",
                className="kpis",
            ),
            html.Div(
                [
                    html.Div(
                        section(t("ov.map", lang), map_graph("ov-map", "60vh", first)),
                        className="col-2",
                    ),
                    html.Div(
                        section(
                            t("ov.trend", lang),
                            # drawn once the map is (assets/civicgrid.js, afterMaps): the
                            # page's main thread draws the map first
                            html.Div(
                                id="ov-trend-box",
                                className="after-maps",
                                style={"height": TREND_HEIGHT},
                            ),
                            dcc.Store(id="ov-trend-first", data=_trend_graph(eng, lang, present)),
                        ),
                        className="col",
                    ),
                ],
                className="row",
            ),
        ]
    )


def _trend_graph(eng, lang: str, present: bool) -> dict:
    """The trend graph with its figure, as the JSON of the component."""
    graph = dcc.Graph(
        id="ov-trend",
        style={"height": TREND_HEIGHT},
        config={"displaylogo": False},
        figure=trend_view(eng, lang, present),
    )
    return graph.to_plotly_json()


def _sized(fig: go.Figure, present: bool) -> go.Figure:
    return fig.update_layout(font_size=FONT_PRESENT) if present else fig


def map_figure(eng, days: int, lang: str, present: bool = False) -> dict:
    """The hot-spot map of the latest `days` days (a plain figure dict), kept until the
    data change: building it (plotly validates and copies every trace) was most of the
    page's server time."""
    return _map_figure(eng, base_url(), days, lang, bool(present))


@kept(16)
def _map_figure(eng, base: str, days: int, lang: str, present: bool) -> dict:
    layer = period_layer(eng, days)
    span = incident_span(eng)
    caption = t("ov.map", lang)
    if span:
        (a, b), _ = windows(span[1], days)
        caption += f" {a:%Y-%m-%d} – {b:%Y-%m-%d}"
    fig = hot_map(layer, lang, extent(eng), base, caption)
    if layer is not None and len(layer.frame):
        hot = layer.frame[layer.frame["bin"] > 0]
        areas = top_areas(eng, hot["cell"].to_numpy(), hot["count"].to_numpy(), level="community")
        if len(areas):
            fig.add_trace(maps.area_labels(areas["name"], areas["lon"], areas["lat"]))
    return _sized(fig, present).to_dict()


def trend_view(eng, lang: str, present: bool = False) -> dict:
    """trend_figure as a plain dict, kept until the data change."""
    return _trend_view(eng, lang, bool(present))


@kept(8)
def _trend_view(eng, lang: str, present: bool) -> dict:
    return _sized(trend_figure(eng, lang), present).to_dict()


@kept(8)
def kpis(eng, days: int) -> Kpis:
    """The overview's figures for the latest `days` days, kept until the data change."""
    return overview_kpis(eng, days)


def _kpi_cards(k, lang: str, days: int) -> list:
    if k.incidents is None:
        return [note(t("no_data", lang), "warn")]
    change = k.change
    tone = "" if change is None else ("up" if change > 0 else "down")
    arrow = "" if change is None else ("▲ " if change > 0 else "▼ ")
    period = f"{k.period_start:%Y-%m-%d} – {k.period_end:%Y-%m-%d}"
    cards = [
        kpi_card(
            t("ov.incidents", lang, days=days),
            num(k.incidents),
            f"{arrow}{pct(abs(change)) if change is not None else '—'} {t('ov.vs_prev', lang, days=days)}",
            tone,
            card_id="kpi-incidents",
        ),
        kpi_card(t("ov.hot_share", lang), pct(k.hot_share), period, card_id="kpi-hot"),
        kpi_card(
            t("ov.out_of_band", lang),
            num(k.grids_out_of_band),
            f"/ {num(k.grids_total)}" if k.grids_total else "",
            card_id="kpi-band",
        ),
    ]
    for kind in COVERAGE_KINDS:
        cards.append(
            kpi_card(
                f"{t('kind.' + kind, lang)} {t('ov.coverage', lang)}", pct(k.coverage.get(kind))
            )
        )
    return cards


def hot_map(layer, lang: str, ext, base: str, caption: str | None = None) -> go.Figure:
    """Significant Gi* cells over district and town boundaries (tiles from the app at `base`);
    `caption`: the title and period an export of the map carries."""
    center, zoom = maps.view_of(ext)
    fig = maps.base_figure(center, zoom, uirevision="ov", base=base, caption=caption, places=True)
    if layer is not None and len(layer.frame):
        f = layer.frame[layer.frame["bin"] != 0]
        labels = {b: t(f"bin.{b}", lang) for b in range(-3, 4)}
        hover = [
            f"{labels[int(b)]}<br>{t('col.count', lang)}: {int(c)}"
            for b, c in zip(f["bin"], f["count"], strict=True)
        ]
        fig.add_trace(maps.gi_trace(f["cell"].to_numpy(), f["bin"].to_numpy(), labels, hover))
    return fig


@kept(4)
def weekly(eng):
    """Weekly incidents per category (`period_start, category, count`) without the last
    week while it is incomplete; None without an aggregate. Kept until the data change."""
    res = resolutions(eng)
    df = trend(eng, res[0], "week") if res else None
    span = incident_span(eng)
    if df is not None and len(df) and span:
        last_week = df["period_start"].max()
        if last_week + dt.timedelta(days=6) > span[1]:
            df = df[df["period_start"] < last_week]
    return df


def trend_figure(eng, lang: str) -> go.Figure:
    """Weekly incidents stacked by category; the last week is left out while incomplete."""
    df = weekly(eng)
    fig = go.Figure()
    if df is not None and len(df):
        for cat, g in df.groupby("category"):
            fig.add_trace(
                go.Scatter(
                    x=g["period_start"], y=g["count"], name=str(cat), mode="lines", stackgroup="all"
                )
            )
    fig.update_layout(
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        legend={"orientation": "h", "y": -0.15},
        font={"family": "Noto Sans CJK SC, sans-serif", "size": 13},
        yaxis_title=t("col.count", lang),
        plot_bgcolor="white",
        xaxis={"gridcolor": "#eee"},
        yaxis={"gridcolor": "#eee"},
    )
    return fig


def register(app) -> None:
    # the page comes with its first view (in the language and type size of the moment),
    # so these run only on a change of period or presentation mode; three callbacks, so
    # the map is not held up by the KPI queries. A language change re-renders the whole
    # page (the shell's route): an update of the old page's figures too would be wasted,
    # and one landing on a graph the new page has just replaced broke its drawing.
    @app.callback(
        Output("ov-map", "figure"),
        Input("ov-days", "value"),
        Input("present", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def update_map(days, present, lang):
        return map_figure(engine(), one_of(days, PERIODS), one_of(lang, LANGS), bool(present))

    @app.callback(
        Output("ov-kpis", "children"),
        Input("ov-days", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def update_kpis(days, lang):
        days = one_of(days, PERIODS)
        return _kpi_cards(kpis(engine(), days), one_of(lang, LANGS), days)

    app.clientside_callback(
        ClientsideFunction("civicgrid", "afterMaps"),
        Output("ov-trend-box", "children"),
        Input("ov-trend-first", "data"),
    )

    @app.callback(
        Output("ov-trend", "figure"),
        Input("present", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def update_trend(present, lang):
        return trend_view(engine(), one_of(lang, LANGS), bool(present))
