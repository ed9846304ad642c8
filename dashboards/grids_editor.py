"""The grid editor on the Grids page (planner and admin): a draft's units coloured by the
workload band of their grid (vector tiles of this app, geo.views.tiles `units`, so a
city's 100,000+ units are not sent as one GeoJSON), under the grids' outlines, selected
by click or by box/lasso (in the browser, from the tiles' features), moved to a grid, merged,
split by painting into a new grid, renamed, undone and redone (Ctrl+Z / Ctrl+Y,
assets/grid_editor.js); the live balance of the grids touched and of the whole draft;
check, diff against the version in force, activate and file through the existing
workflow. Every edit is saved by geo.grids.drafts with the revision the page was drawn
from: a stale save is refused with a message and the page keeps its selection.

After an edit only what changed travels: the units whose grid or band changed, with
their new colour and hover text, and the new outlines of the grids touched, into traces
drawn over the tiles (a Patch of the figure); the tiles, part of the map style, are
neither fetched nor laid out again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from dash import ClientsideFunction, Input, Output, Patch, State, ctx, dcc, html, no_update

from dashboards import auth, maps
from dashboards.components import base_url, engine, kpi_card, map_graph, note, section, table
from dashboards.i18n import t
from geo.config import state_dir
from geo.errors import InputError
from geo.grids import drafts, edit, versions, workflow
from geo.grids import store as grid_store
from geo.palettes import BAND_COLORS, BOUNDARY_COLORS, UNASSIGNED_COLOR
from geo.views.places import extent

#: z of a unit: the workload band of its grid, or unassigned
Z = {"under": 0, "in": 1, "over": 2, None: 3}
COLORS = [BAND_COLORS["under"], BAND_COLORS["in"], BAND_COLORS["over"], UNASSIGNED_COLOR]
#: the `band` of the units tile layer drawn in each colour of COLORS
UNIT_BANDS = ("under", "in", "over", "unknown")
UNIT_OPACITY = 0.8
GRID_LINE = "#303030"
SELECTED_FILL, SELECTED_LINE = "rgba(255, 235, 59, 0.45)", "#111111"
#: the map's traces: the units edited since the map was drawn (opaque: they hide what
#: changed in the tiles of the revision the map was drawn at), the outlines of the grids
#: edited since, and the selection (drawn in the browser), bottom to top
EDITED, TOUCHED, SELECTED = 0, 1, 2
#: the style layer the traces are drawn under (the community lines; tiles under them)
TRACES_BELOW = "ge-community"
#: the shape of a unit that rounds to nothing, of a grid gone and of `HOLDER`: a speck of
#: 1 cm² at 0°N 0°E, where no map of the platform looks. plotly.js needs a shape with an
#: area to place a feature (a feature without one breaks hover and box selection), and
#: draws nothing visible for this one.
EMPTY_SHAPE = {"type": "Polygon", "coordinates": [[[0, 0], [1e-7, 0], [0, 1e-7], [0, 0]]]}
#: the item each trace holds first, of EMPTY_SHAPE: a trace is never empty, since plotly.js
#: moves an empty trace's layers to the top of the map, and removing and adding layers
#: makes MapLibre parse the trace's tiles again and draw one frame more at each edit
HOLDER = {"type": "Feature", "id": "-", "properties": {}, "geometry": EMPTY_SHAPE}
#: the fields of a unit's hover text (i18n ge.hover), filled from the tile's properties
HOVER = ("unit", "grid", "name", "households", "population", "hours")
BALANCE_COLUMNS = [
    ("grid_code", "col.grid_code"),
    ("name", "col.name"),
    ("households", "col.households"),
    ("population", "col.population"),
    ("workload", "col.workload"),
    ("band_label", "ge.band"),
    ("flags", "ge.flags"),
]
OPS = {
    "ge-move": "move",
    "ge-merge-btn": "merge",
    "ge-split": "split",
    "ge-rename": "rename",
    "ge-undo": "undo",
    "ge-redo": "redo",
}


def panel(lang: str) -> html.Section | None:
    """The editor section, for visitors who may edit grids (None for the others)."""
    if not auth.visitor_may_edit_grids():
        return None
    vs = versions.list_versions(engine())
    editable = [v.name for v in vs if v.status == "draft" and v.params.get("editor")]
    sources = [{"label": f"{v.name}（{v.status}）", "value": v.name} for v in vs]
    in_force = next((v.name for v in vs if v.status in versions.IN_FORCE), None)

    def field(key, control):
        return html.Div([html.Label(t(key, lang)), control], className="filter")

    def button(el_id, key, cls="btn"):
        return html.Button(t(key, lang), id=el_id, n_clicks=0, className=cls)

    return section(
        t("ge.title", lang),
        html.Div(
            [
                field(
                    "ge.draft",
                    dcc.Dropdown(
                        id="ge-draft", options=editable, value=editable[-1] if editable else None
                    ),
                ),
                field(
                    "ge.source",
                    dcc.Dropdown(id="ge-source", options=sources, value=in_force, clearable=False),
                ),
                field("ge.name", dcc.Input(id="ge-name", type="text", debounce=False)),
                field("ge.note", dcc.Input(id="ge-note", type="text", debounce=False)),
                field(
                    "ge.boundary",
                    dcc.Dropdown(
                        id="ge-boundary", options=grid_store.departments(engine()), value=None
                    ),
                ),
                button("ge-start", "ge.start"),
                button("ge-reload", "ge.reload"),
            ],
            className="filters",
        ),
        html.Div(id="ge-msg", role="status"),
        html.Div(
            [
                html.Div(
                    [
                        map_graph("ge-map", "66vh"),
                        html.Div(
                            [
                                html.Span(
                                    [
                                        html.Span(className="swatch", style={"background": c}),
                                        t(f"ge.z{i}", lang),
                                    ]
                                )
                                for i, c in enumerate(COLORS)
                            ],
                            className="legend-list",
                        ),
                    ],
                    className="col-2",
                ),
                html.Div(
                    [
                        html.Div(
                            [html.Span(id="ge-selcount"), button("ge-clear", "ge.clear")],
                            className="filters",
                        ),
                        field("ge.target", dcc.Dropdown(id="ge-target")),
                        button("ge-move", "ge.move"),
                        field("ge.merge", dcc.Dropdown(id="ge-merge", multi=True)),
                        button("ge-merge-btn", "ge.merge_btn"),
                        field("ge.newname", dcc.Input(id="ge-newname", type="text")),
                        button("ge-split", "ge.split"),
                        field("ge.rename", dcc.Dropdown(id="ge-rename-code")),
                        dcc.Input(id="ge-rename-name", type="text"),
                        button("ge-rename", "ge.rename_btn"),
                        html.Div(
                            [button("ge-undo", "ge.undo"), button("ge-redo", "ge.redo")],
                            className="filters",
                        ),
                        html.Div(id="ge-summary", className="kpis"),
                        table(
                            "ge-balance",
                            BALANCE_COLUMNS,
                            lang,
                            height="220px",
                            csv_name="balance.csv",
                        ),
                        html.Div(
                            [
                                button("ge-check", "ge.check"),
                                button("ge-diff", "ge.diff"),
                                button("ge-activate", "ge.activate"),
                                button("ge-file", "ge.file"),
                            ],
                            className="filters",
                        ),
                        html.Div(id="ge-result"),
                    ],
                    className="col",
                ),
            ],
            className="row",
        ),
        # the tooltip of the units drawn from tiles, with its text in the page's language
        html.Div(
            id="ge-hover",
            className="ge-hover",
            hidden=True,
            **{"data-template": t("ge.hover", lang, **{k: "{" + k + "}" for k in HOVER})},
        ),
        dcc.Store(id="ge-rev"),
        dcc.Store(id="ge-sel", data=[]),
        dcc.Store(id="ge-click"),
        el_id="grid-editor",
    )


def _flat(color: str, opacity: float = UNIT_OPACITY) -> str:
    """The colour `color` drawn at `opacity` over the white map, as an opaque colour: the
    edited units cover the tiles' units below them and look the same."""
    rgb = [int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(c * opacity + 255 * (1 - opacity)):02x}" for c in rgb)


def _z(draft: edit.Draft, bands: dict[str, str], units: np.ndarray) -> list[int]:
    return [
        Z[bands.get(draft.assign[u])] if draft.assign[u] is not None else Z[None] for u in units
    ]


def _hover(draft: edit.Draft, units: np.ndarray, lang: str) -> list[str]:
    """The hover text of `units`, as the page's tooltip writes it for the units of the
    tiles (assets/grid_editor.js, HOVER)."""
    f = draft.figures or edit.figures(draft.units)
    out = []
    for u in units:
        code = draft.assign[u]
        out.append(
            t(
                "ge.hover",
                lang,
                unit=f"#{u}",
                grid=code or "—",
                name=(draft.grids[code]["name"] or "") if code is not None else "",
                households=int(f["households"][u]),
                population=int(f["population"][u]),
                hours=f"{float(f['workload'][u]):.1f}",
            )
        )
    return out


def _features(draft: edit.Draft, units) -> list[dict]:
    """GeoJSON features of `units` (ids = unit numbers, coordinates to ~1 m; a unit
    that rounds to nothing has an empty shape, never a null plotly.js cannot draw)."""
    geo = draft.units.geometry.iloc[list(units)].set_precision(10**-maps.COORD_DIGITS)
    feats = []
    for u, f in zip(units, geo.__geo_interface__["features"], strict=True):
        shape = f["geometry"] or EMPTY_SHAPE
        feats.append({"type": "Feature", "id": str(u), "properties": {}, "geometry": shape})
    return feats


def _tile_layers(base: str, draft_name: str, revision: int) -> list[tuple[str, dict]]:
    """The map style's own layers, bottom to top: one fill of the draft's unit tiles per
    band (a map layer has one colour), the grids' outlines at `revision` (dissolved from
    their units at each save), then — over the traces — the community lines (the
    district and town lines and the place names come on top, `places`). In the style,
    plotly.js leaves them alone when an edit patches the figure."""
    units = [
        (
            f"ge-units-{band}",
            maps.tile_layer(
                base,
                "units",
                kind="fill",
                color=color,
                opacity=UNIT_OPACITY,
                version=draft_name,
                band=band,
                rev=str(revision),
            ),
        )
        for band, color in zip(UNIT_BANDS, COLORS, strict=True)
    ]
    outline = maps.tile_layer(
        base, "grids", color=GRID_LINE, width=1.4, version=draft_name, rev=str(revision)
    )
    community = maps.tile_layer(
        base, "community", color=BOUNDARY_COLORS["town"], width=0.8, dash=[2, 2]
    )
    return [*units, ("ge-grids", outline), (TRACES_BELOW, community)]


def _outlines(draft: edit.Draft, codes: list[str]) -> list[dict]:
    """GeoJSON features of the outlines of grids `codes` (EMPTY_SHAPE for a grid gone)."""
    shapes = edit.shapes(draft, [c for c in codes if c in draft.grids])
    geo = shapes.geometry.set_precision(10**-maps.COORD_DIGITS).__geo_interface__["features"]
    found = {code: f["geometry"] for code, f in zip(shapes["grid_code"], geo, strict=True)}
    return [
        {"type": "Feature", "id": c, "properties": {}, "geometry": found.get(c, EMPTY_SHAPE)}
        for c in codes
    ]


def _figure(draft_name: str, draft: edit.Draft, lang: str) -> go.Figure:
    """The draft's units as vector tiles of this app, coloured by the band of their grid,
    and the grid outlines as drawn, under three traces that start empty (but for
    `HOLDER`): the units edited since the map was drawn (patched by each edit), the
    outlines of the grids edited (one feature per grid, patched by each edit; a grid gone
    has EMPTY_SHAPE) and the selection (drawn in the browser); over them the
    community/town/district lines and the place names. Tiles and lines are layers of the
    map style (`_tile_layers`), so an edit's Patch redraws only the traces: each keeps its
    GeoJSON source, which MapLibre updates in place (a `layout.map.layers` entry would
    have its source replaced)."""
    base = base_url()
    center, zoom = maps.view_of(extent(engine()))
    common = {
        "geojson": {"type": "FeatureCollection", "features": [HOLDER]},
        "locations": [HOLDER["id"]],
        "featureidkey": "id",
        "z": [0],
        "showscale": False,
        "unselected": {"marker": {"opacity": 1.0}},
        "showlegend": False,
    }
    edited = go.Choroplethmap(
        **common,
        colorscale=maps.stepped_scale([_flat(c) for c in COLORS]),
        zmin=-0.5,
        zmax=3.5,
        marker={"opacity": 1.0, "line": {"width": 0.4, "color": "#ffffff"}},
        text=[""],
        hovertemplate="%{text}<extra></extra>",
        name=t("ge.units", lang),
    )
    touched = go.Choroplethmap(
        **common,
        colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        marker={"opacity": 1.0, "line": {"width": 1.4, "color": GRID_LINE}},
        hoverinfo="skip",
    )
    selected = go.Choroplethmap(
        **common,
        colorscale=[[0, SELECTED_FILL], [1, SELECTED_FILL]],
        zmin=0,
        zmax=1,
        marker={"opacity": 1.0, "line": {"width": 2.0, "color": SELECTED_LINE}},
        hoverinfo="skip",
    )
    fig = maps.base_figure(
        center,
        zoom,
        uirevision=f"ge-{draft.revision}-load",
        base=base,
        places=True,
        style_layers=_tile_layers(base, draft_name, draft.revision),
        traces_below=TRACES_BELOW,
        traces=[edited, touched, selected],
    )
    fig.update_layout(dragmode="pan", clickmode="event")
    return fig


def _panel(draft: edit.Draft, codes, lang: str) -> tuple[list, list[dict]]:
    """KPIs of the whole draft and rows of the grids `codes`."""
    s = edit.summary(draft)
    kpis = [
        kpi_card(t("ge.k.grids", lang), str(s["grids"])),
        kpi_card(t("ge.k.households", lang), f"{s['households']:,}", card_id="ge-k-hh"),
        kpi_card(
            t("ge.k.bands", lang), f"{s['band']['under']} / {s['band']['in']} / {s['band']['over']}"
        ),
        kpi_card(
            t("ge.k.unassigned", lang),
            str(s["unassigned_units"]),
            t("ge.k.unassigned_hh", lang, n=s["unassigned_households"]),
        ),
        kpi_card(t("ge.k.noncontiguous", lang), str(len(s["not_contiguous"]))),
        kpi_card(
            t("ge.k.crossing", lang),
            str(len(set(s["crossing_community"]) | set(s["crossing_town"]))),
        ),
    ]
    rows = edit.balance(draft, codes)
    rows["band_label"] = [t(f"ge.band.{b}", lang) for b in rows["band"]]
    rows["flags"] = [
        ", ".join(
            t(f"ge.flag.{k}", lang)
            for k, bad in (("split", not c), ("community", cc), ("town", ct))
            if bad
        )
        for c, cc, ct in zip(
            rows["contiguous"], rows["crosses_community"], rows["crosses_town"], strict=True
        )
    ]
    return kpis, rows.drop(columns=["contiguous", "crosses_community", "crosses_town"]).to_dict(
        "records"
    )


def _options(draft: edit.Draft) -> list[dict]:
    return [{"label": f"{c} {m['name'] or ''}", "value": c} for c, m in sorted(draft.grids.items())]


def edit_outputs(
    after: edit.Draft, shown: list[int], outlined: list[str], lang: str
) -> tuple[Patch, list[int], list[str], list | object, list, list[dict]]:
    """What an edit sends to the page: a Patch that gives the units whose grid changed
    or whose grid's band may have changed their colour and hover in the edited-units
    trace (`shown`: the units it holds already, in order; the others are appended),
    draws the new outlines of the grids touched in the outlines trace (`outlined`: the
    grids it holds already, in order; the others are appended), and empties the
    selection; the units and grids those hold afterwards; the grid options (when grids
    came or went); the draft's KPIs and the balance rows of the grids touched. No tile
    is fetched again: the map keeps the tiles it was drawn with, under the edited units."""
    change = after.last
    touched = sorted(change.touched())
    table_ = edit.balance(after, touched)  # grids removed by the edit have no row
    bands = dict(zip(table_["grid_code"], table_["band"], strict=True))
    units = np.array(
        sorted(set(change.units) | {int(u) for c in touched for u in after.units_of(c)}), dtype=int
    )
    where = {int(u): i for i, u in enumerate(shown, start=1)}  # after HOLDER
    patch = Patch()
    added: list[int] = []
    for u, z, text in zip(
        units.tolist(), _z(after, bands, units), _hover(after, units, lang), strict=True
    ):
        if u in where:
            patch["data"][EDITED]["z"][where[u]] = z
            patch["data"][EDITED]["text"][where[u]] = text
        else:
            added.append(u)
    if added:
        at = np.array(added, dtype=int)
        patch["data"][EDITED]["geojson"]["features"].extend(_features(after, added))
        patch["data"][EDITED]["locations"].extend([str(u) for u in added])
        patch["data"][EDITED]["z"].extend(_z(after, bands, at))
        patch["data"][EDITED]["text"].extend(_hover(after, at, lang))
    patch["data"][SELECTED]["geojson"] = {"type": "FeatureCollection", "features": [HOLDER]}
    patch["data"][SELECTED]["locations"] = [HOLDER["id"]]
    patch["data"][SELECTED]["z"] = [0]
    place = {c: i for i, c in enumerate(outlined, start=1)}
    fresh = [c for c in touched if c not in place]
    features = patch["data"][TOUCHED]["geojson"]["features"]
    new = []
    for code, feature in zip(touched, _outlines(after, touched), strict=True):
        if code in place:
            features[place[code]] = feature
        else:
            new.append(feature)
    if new:
        features.extend(new)
        patch["data"][TOUCHED]["locations"].extend(fresh)
        patch["data"][TOUCHED]["z"].extend([0] * len(fresh))
    options = _options(after) if change.grids else no_update
    kpis, rows = _panel(after, touched, lang)
    return patch, [*shown, *added], [*outlined, *fresh], options, kpis, rows


def register(app) -> None:
    @app.callback(
        Output("ge-draft", "options"),
        Output("ge-draft", "value"),
        Output("ge-msg", "children"),
        Input("ge-start", "n_clicks"),
        State("ge-name", "value"),
        State("ge-note", "value"),
        State("ge-source", "value"),
        State("ge-boundary", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def start(_, name, note_text, source, boundary, lang):
        if not auth.visitor_may_edit_grids():
            return no_update, no_update, note(t("ge.forbidden", lang), "error")
        if not name:
            return no_update, no_update, note(t("ge.need_name", lang), "warn")
        try:
            drafts.start(
                engine(),
                name.strip(),
                source=source,
                note=note_text,
                user=auth.visitor_name(),
                boundary=boundary or None,
            )
        except InputError as err:
            return no_update, no_update, note(str(err), "error")
        names = [
            v.name
            for v in versions.list_versions(engine())
            if v.status == "draft" and v.params.get("editor")
        ]
        return names, name.strip(), note(t("ge.started", lang, name=name.strip()), "info")

    @app.callback(
        Output("ge-map", "figure"),
        Output("ge-rev", "data"),
        Output("ge-sel", "data", allow_duplicate=True),
        Output("ge-selcount", "children", allow_duplicate=True),
        Output("ge-target", "options"),
        Output("ge-merge", "options"),
        Output("ge-rename-code", "options"),
        Output("ge-summary", "children"),
        Output("ge-balance", "rowData"),
        Output("ge-msg", "children", allow_duplicate=True),
        Input("ge-draft", "value"),
        Input("ge-reload", "n_clicks"),
        State("lang", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def load(name, _, lang):
        if not name:
            return (
                no_update,
                None,
                [],
                None,
                [],
                [],
                [],
                None,
                [],
                note(t("ge.no_draft", lang), "info"),
            )
        draft = drafts.open_draft(engine(), name)
        options = _options(draft)
        kpis, rows = _panel(draft, None, lang)
        return (
            _figure(name, draft, lang),
            {"version": name, "revision": draft.revision, "shown": [], "outlined": []},
            [],
            t("ge.selected", lang, n=0),
            options,
            options,
            options,
            kpis,
            rows,
            no_update,
        )

    # selecting units happens in the browser (assets/grid_editor.js): a click on the map
    # is matched to the unit tiles drawn there and reported in ge-click
    app.clientside_callback(
        ClientsideFunction("civicgridEditor", "select"),
        Output("ge-sel", "data"),
        Output("ge-selcount", "children"),
        Input("ge-click", "data"),
        Input("ge-map", "selectedData"),
        Input("ge-clear", "n_clicks"),
        State("ge-sel", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("ge-map", "figure", allow_duplicate=True),
        Output("ge-rev", "data", allow_duplicate=True),
        Output("ge-sel", "data", allow_duplicate=True),
        Output("ge-selcount", "children", allow_duplicate=True),
        Output("ge-target", "options", allow_duplicate=True),
        Output("ge-merge", "options", allow_duplicate=True),
        Output("ge-rename-code", "options", allow_duplicate=True),
        Output("ge-summary", "children", allow_duplicate=True),
        Output("ge-balance", "rowData", allow_duplicate=True),
        Output("ge-msg", "children", allow_duplicate=True),
        *(Input(b, "n_clicks") for b in OPS),
        State("ge-rev", "data"),
        State("ge-sel", "data"),
        State("ge-target", "value"),
        State("ge-merge", "value"),
        State("ge-newname", "value"),
        State("ge-rename-code", "value"),
        State("ge-rename-name", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def change(*args):
        rev, sel, target, merging, newname, rcode, rname, lang = args[len(OPS) :]
        op = OPS.get(ctx.triggered_id)
        skip = (no_update,) * 9
        if op is None or not rev or not any(args[: len(OPS)]):
            return (*skip, no_update)
        if not auth.visitor_may_edit_grids():
            return (*skip, note(t("ge.forbidden", lang), "error"))
        params = {
            "move": {"unit_ids": sel or [], "to": target},
            "merge": {"codes": merging or []},
            "split": {"unit_ids": sel or [], "name": newname or None},
            "rename": {"code": rcode, "name": rname or ""},
            "undo": {},
            "redo": {},
        }[op]
        try:
            after = drafts.save(
                engine(), rev["version"], op, rev["revision"], user=auth.visitor_name(), **params
            )
        except drafts.StaleDraft as err:
            return (*skip, note(f"{t('ge.stale', lang)} {err}", "error"))
        except InputError as err:
            return (*skip, note(str(err), "warn"))
        patch, shown, outlined, options, kpis, rows = edit_outputs(
            after, rev.get("shown") or [], rev.get("outlined") or [], lang
        )
        message = note(t("ge.saved", lang, op=t(f"ge.op.{op}", lang), rev=after.revision), "info")
        return (
            patch,
            {
                "version": rev["version"],
                "revision": after.revision,
                "shown": shown,
                "outlined": outlined,
            },
            [],
            t("ge.selected", lang, n=0),
            options,
            options,
            options,
            kpis,
            rows,
            message,
        )

    @app.callback(
        Output("ge-result", "children"),
        Input("ge-check", "n_clicks"),
        Input("ge-diff", "n_clicks"),
        Input("ge-activate", "n_clicks"),
        Input("ge-file", "n_clicks"),
        State("ge-rev", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def workflow_step(c, d, a, f, rev, lang):
        if not rev or not any((c, d, a, f)):
            return no_update
        if not auth.visitor_may_edit_grids():
            return note(t("ge.forbidden", lang), "error")
        name, eng = rev["version"], engine()
        try:
            if ctx.triggered_id == "ge-check":
                out = workflow.check_version(eng, name)
                text = t("ge.checked", lang, problems=out["problems"] or "—")
            elif ctx.triggered_id == "ge-diff":
                current = versions.in_force(eng)
                if current is None:
                    raise InputError(t("ge.none_in_force", lang))
                _, out = workflow.diff_versions(eng, current.name, name)
                text = t("ge.diffed", lang, old=current.name, changes=out["changes"])
            elif ctx.triggered_id == "ge-activate":
                v = versions.activate(eng, name)
                text = t("ge.activated", lang, name=v.name)
            else:
                folder = Path(state_dir()) / "filings" / eng.url.database / name
                out = workflow.file_version(eng, name, folder)
                text = t("ge.filed", lang, name=name, out=out["out"])
        except InputError as err:
            return note(str(err), "warn")
        return note(text, "info", el_id="ge-result-note")
