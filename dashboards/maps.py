"""Offline Plotly map figures.

Every map uses a white style of the app's own (plotly's `white-bg` with the `glyphs`
URL on this app, dashboards.glyphs: no tile, font or glyph from the internet) and draws
its base layers (district/town boundaries, grids) from the app's own vector-tile
endpoint. Place names are symbol layers over the tiles' label points: districts always,
towns from zoom TOWN_NAMES_ZOOM until TOWN_NAMES_UNTIL, communities from
COMMUNITY_NAMES_ZOOM; the top hotspot areas are a text trace (`area_labels`).

The overview, hotspots and coverage maps (`base_figure(places=True)`) carry the
boundaries and names in the map style itself, from one `places` tile source, with every
trace drawn under them (`below`, from the figure's template). Plotly.js never touches
style layers when a figure is updated, whereas it removes and re-adds every
`layout.map.layers` entry at each update (entries sharing a `below` value are re-added to
keep their order), which made MapLibre re-parse and re-place all their tiles on every
filter change. The grid editor's map puts its unit and grid tiles in the style too
(`style_layers`, each a `tile_layer` entry turned into a style layer by `style_layer`),
with its traces between them and the boundaries. The Grids page's map, whose layers
change with the version and layer shown, uses `layout.map.layers` (`tile_layer`,
`boundary_layers`).
Hexagon layers are Choroplethmap traces over a compact GeoJSON of H3 boundaries
(coordinates rounded to ~1 m, ids as H3 strings), sent inline or, for views the
analyst toggles between, as a URL of the app that plotly.js fetches once and keeps.
Hexagons have no outline: a line layer over thousands of cells costs a third of
every map frame in software WebGL, for a 0.3 px seam nobody could see.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go
import shapely
from plotly.basedatatypes import BaseTraceType

from dashboards import basemap
from dashboards.components import base_url
from dashboards.glyphs import glyphs_url
from geo.hexes import boundaries
from geo.palettes import BOUNDARY_COLORS, GI_COLORS

MAP_STYLE = "white-bg"
COORD_DIGITS = 5
#: the deepest zoom of the app's tiles that MapLibre asks for (beyond: over-zoomed)
MAX_TILE_ZOOM = 16
#: the zooms from which town and community names show (districts: always); town names
#: give way to community names from TOWN_NAMES_UNTIL
TOWN_NAMES_ZOOM = 9.5
COMMUNITY_NAMES_ZOOM = 12.5
TOWN_NAMES_UNTIL = 14
#: label sizes (px) and colours per level: districts dark and large, communities small
NAME_STYLE = {"district": (15, "#222222"), "town": (12, "#444444"), "community": (11, "#666666")}
LABEL_FONT = "Noto Sans CJK SC Regular"


#: the source of the places style layers, and the first of them (traces go under it)
PLACES_SOURCE = "places"
PLACES_BELOW = "places-town"


def places_layers() -> list[dict]:
    """The MapLibre style layers of the boundaries and place names over the `places`
    source: town then district lines, community, town and district names on top."""
    lines = [
        {
            "id": f"places-{level}",
            "type": "line",
            "source": PLACES_SOURCE,
            "source-layer": level,
            "paint": {"line-color": BOUNDARY_COLORS[level], "line-width": width},
        }
        for level, width in (("town", 0.6), ("district", 1.6))
    ]
    names = []
    for level, minzoom, maxzoom in (
        ("community", COMMUNITY_NAMES_ZOOM, 24),
        ("town", TOWN_NAMES_ZOOM, TOWN_NAMES_UNTIL),
        ("district", 0, 24),
    ):
        size, color = NAME_STYLE[level]
        names.append(
            {
                "id": f"places-{level}-names",
                "type": "symbol",
                "source": PLACES_SOURCE,
                "source-layer": f"{level}_names",
                "minzoom": minzoom,
                "maxzoom": maxzoom,
                "layout": {
                    "text-field": ["get", "name"],
                    "text-font": [LABEL_FONT],
                    "text-size": size,
                    "text-anchor": "center",
                },
                "paint": {"text-color": color},
            }
        )
    return lines + names


def map_style(base: str, places: bool = False, layers: Sequence[tuple[str, dict]] = ()) -> dict:
    """plotly's `white-bg` style with glyphs from this app at `base` (not from the web),
    and the registered base map's layers over the white (dashboards.basemap); then
    `layers` (id, `layout.map.layers`-like entry: see style_layer), in order; with
    `places`, the boundaries and place names over them all (places_layers)."""
    extra_sources, extra_layers = basemap.style_parts(base)
    for layer_id, entry in layers:
        source, layer = style_layer(layer_id, entry)
        extra_sources[layer_id] = source
        extra_layers = [*extra_layers, layer]
    if places:
        extra_sources[PLACES_SOURCE] = {
            "type": "vector",
            "tiles": [tile_url(base, PLACES_SOURCE)],
            "maxzoom": MAX_TILE_ZOOM,
        }
        extra_layers = [*extra_layers, *places_layers()]
    # a source, as plotly.js drops an empty `sources` when it updates a figure
    return {
        "version": 8,
        "id": MAP_STYLE,
        "glyphs": glyphs_url(base),
        "sources": {
            "none": {
                "type": "geojson",
                "data": {"type": "Feature", "properties": None, "geometry": None},
            },
            **extra_sources,
        },
        "layers": [
            {"id": MAP_STYLE, "type": "background", "paint": {"background-color": "#ffffff"}},
            *extra_layers,
        ],
    }


def style_layer(layer_id: str, entry: dict) -> tuple[dict, dict]:
    """The MapLibre source and layer (both named `layer_id`) that draw a vector-tile
    line or fill entry of `tile_layer` as part of the map style, where plotly.js never
    removes and re-adds it when the figure is patched (it does so with every
    `layout.map.layers` entry that shares a `below` with another)."""
    source = {"type": "vector", "tiles": list(entry["source"]), "maxzoom": MAX_TILE_ZOOM}
    kind, color, opacity = entry["type"], entry.get("color"), entry.get("opacity", 1.0)
    layer: dict = {"id": layer_id, "type": kind, "source": layer_id}
    layer["source-layer"] = entry["sourcelayer"]
    if kind == "line":
        line = entry.get("line", {})
        layer["paint"] = {
            "line-color": color,
            "line-width": line.get("width", 1.0),
            "line-opacity": opacity,
            **({"line-dasharray": line["dash"]} if line.get("dash") else {}),
        }
    elif kind == "fill":
        outline = entry.get("fill", {}).get("outlinecolor")
        layer["paint"] = {
            "fill-color": color,
            "fill-opacity": opacity,
            **({"fill-outline-color": outline} if outline else {}),
        }
    else:  # names come from the places layers, over every map
        raise ValueError(f"entry type {kind!r}: line or fill")
    for zoom in ("minzoom", "maxzoom"):
        if zoom in entry:
            layer[zoom] = entry[zoom]
    return source, layer


def view_of(
    extent: tuple[float, float, float, float] | None, width_px: int = 900, height_px: int = 600
) -> tuple[dict, float]:
    """Map centre and zoom that fit `extent` (west, south, east, north)."""
    if extent is None:
        return {"lon": 120.62, "lat": 31.3}, 8.0
    w, s, e, n = extent
    lat = (s + n) / 2
    dlon = max(e - w, 1e-4)
    dlat = max((n - s) / max(math.cos(math.radians(lat)), 0.1), 1e-4)
    zoom = min(math.log2(width_px * 360 / (512 * dlon)), math.log2(height_px * 360 / (512 * dlat)))
    return {"lon": (w + e) / 2, "lat": lat}, round(max(min(zoom, 16.0), 1.0), 2)


def tile_url(base: str, layer: str, **params: str | None) -> str:
    """Absolute URL template of one vector-tile layer on this app (MapLibre needs absolute)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    url = f"{base.rstrip('/')}/tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf"
    return f"{url}?{query}" if query else url


def tile_layer(
    base: str,
    layer: str,
    *,
    kind: str = "line",
    color: str = "#404040",
    width: float = 1.0,
    opacity: float = 1.0,
    below: str | None = None,
    dash: Sequence[float] | None = None,
    name: str | None = None,
    **params: str | None,
) -> dict:
    """One `layout.map.layers` entry drawing layer `layer` of the tile endpoint."""
    entry: dict = {
        "sourcetype": "vector",
        "source": [tile_url(base, layer, **params)],
        "sourcelayer": layer,
        "type": kind,
        "color": color,
        "opacity": opacity,
    }
    if kind == "line":
        entry["line"] = {"width": width, **({"dash": list(dash)} if dash else {})}
    if kind == "fill":
        entry["fill"] = {"outlinecolor": "#ffffff"}
    if below is not None:
        entry["below"] = below
    if name:
        entry["name"] = name
    return entry


def name_layer(base: str, level: str, minzoom: float = 0, maxzoom: float = 24) -> dict:
    """The names of the `level` units (district, town, community) as a symbol layer
    over the tiles' label points, shown from `minzoom` until `maxzoom`."""
    size, color = NAME_STYLE[level]
    layer = f"{level}_names"
    return {
        "sourcetype": "vector",
        "source": [tile_url(base, layer)],
        "sourcelayer": layer,
        "type": "symbol",
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "name": layer,
        # no icon: plotly.js would fetch a missing icon image from a web site
        "symbol": {
            "icon": "",
            "text": "{name}",
            "placement": "point",
            "textposition": "middle center",
            "textfont": {"family": LABEL_FONT, "size": size, "color": color},
        },
    }


def name_layers(base: str) -> list[dict]:
    """District names always, town and community names once zoomed in."""
    return [
        name_layer(base, "community", COMMUNITY_NAMES_ZOOM),
        name_layer(base, "town", TOWN_NAMES_ZOOM, TOWN_NAMES_UNTIL),
        name_layer(base, "district"),
    ]


def boundary_layers(base: str) -> list[dict]:
    """District boundary lines (dark, thicker) and the place names, as `layout.map.layers`
    (the Grids page's map, where the grids stand for the towns' lines)."""
    district = tile_layer(base, "district", color=BOUNDARY_COLORS["district"], width=1.6)
    return [district, *name_layers(base)]


def base_figure(
    center: dict,
    zoom: float,
    layers: list[dict] | None = None,
    height: int | None = None,
    uirevision: str | None = None,
    base: str | None = None,
    caption: str | None = None,
    places: bool = False,
    style_layers: Sequence[tuple[str, dict]] = (),
    traces_below: str | None = None,
    traces: Sequence[BaseTraceType] = (),
) -> go.Figure:
    """An empty offline map figure with the given base layers; `base`: this app's origin,
    whose glyphs the layers' and traces' text use and whose base map is drawn (default:
    the origin of the request being answered);
    `caption`: title and date range that a PNG/PDF export of the map carries
    (`layout.meta.caption`, drawn by assets/civicgrid.js with a scale bar and north arrow);
    `places`: district and town boundaries and the place names in the map style, over
    every trace of the figure; `style_layers`: more layers of the style (map_style), with
    the traces drawn under the one named `traces_below`; `traces`: the figure's map
    traces, for a figure that has them from the start (by default the figure holds one
    empty trace, since a map subplot only exists when a trace uses it)."""
    fig = go.Figure(
        list(traces)
        or go.Scattermap(lon=[], lat=[], mode="markers", showlegend=False, hoverinfo="skip")
    )
    below = traces_below or (PLACES_BELOW if places else None)
    if below:  # traces go under that style layer: each map trace's `below` from the template
        fig.layout.template.data.choroplethmap = [go.Choroplethmap(below=below)]
        fig.layout.template.data.scattermap = [go.Scattermap(below=below)]
    fig.update_layout(
        map={
            "style": map_style(base or base_url(), places, style_layers),
            "center": center,
            "zoom": zoom,
            "layers": layers or [],
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"bgcolor": "rgba(255,255,255,0.85)", "x": 0.01, "y": 0.99, "font": {"size": 13}},
        font={"family": "Noto Sans CJK SC, Noto Sans, sans-serif"},
        uirevision=uirevision,
        meta={"caption": caption} if caption else None,
        paper_bgcolor="white",
        **({"height": height} if height else {}),
    )
    return fig


def hex_ids(cells: Sequence[int]) -> list[str]:
    """H3 strings of int64 cells (the features' ids and the traces' locations)."""
    return [format(int(c), "x") for c in np.asarray(cells, dtype=np.int64).astype(np.uint64)]


def hex_geojson(cells: Sequence[int]) -> tuple[dict, list[str]]:
    """GeoJSON FeatureCollection of H3 cell polygons (ids are H3 strings) and the ids."""
    arr = np.asarray(cells, dtype=np.int64).astype(np.uint64)
    ids = hex_ids(arr)
    polys = boundaries(arr)
    coords = np.round(shapely.get_coordinates(polys), COORD_DIGITS).tolist()
    ends = np.cumsum(shapely.get_num_coordinates(polys))
    feats, start = [], 0
    for hid, end in zip(ids, ends, strict=True):
        feats.append(
            {
                "type": "Feature",
                "id": hid,
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [coords[start:end]]},
            }
        )
        start = end
    return {"type": "FeatureCollection", "features": feats}, ids


def stepped_scale(colors: Sequence[str]) -> list[list]:
    """A discrete colourscale: one flat band per colour over [0, 1]."""
    n = len(colors)
    scale = []
    for i, c in enumerate(colors):
        scale += [[i / n, c], [(i + 1) / n, c]]
    return scale


def hex_trace(
    cells: Sequence[int],
    z: np.ndarray,
    *,
    colorscale,
    zmin: float,
    zmax: float,
    colorbar: dict | None = None,
    hover: Sequence[str] | None = None,
    name: str = "",
    opacity: float = 0.8,
    showscale: bool = True,
    template: str | None = None,
    customdata: np.ndarray | None = None,
    geojson: str | None = None,
) -> go.Choroplethmap:
    """A Choroplethmap of H3 cells coloured by `z`. Hover from one `template` (with
    numbers in `customdata`) keeps the payload small; `hover` gives a text per cell.
    `geojson`: URL of the cells' hex_geojson on this app, instead of sending it inline."""
    if geojson is None:
        geojson, ids = hex_geojson(cells)
    else:
        ids = hex_ids(cells)
    if template is not None:
        hovertemplate = template + "<extra></extra>"
    else:
        hovertemplate = "%{text}<extra></extra>" if hover is not None else None
    return go.Choroplethmap(
        geojson=geojson,
        locations=ids,
        featureidkey="id",
        z=np.asarray(z, dtype=float),
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        marker={"opacity": opacity, "line": {"width": 0}},
        colorbar=colorbar,
        showscale=showscale,
        name=name,
        text=list(hover) if hover is not None and template is None else None,
        customdata=customdata,
        hovertemplate=hovertemplate,
    )


def gi_trace(
    cells: Sequence[int],
    bins: np.ndarray,
    labels: dict[int, str],
    hover: Sequence[str] | None = None,
    template: str | None = None,
    customdata: np.ndarray | None = None,
    geojson: str | None = None,
) -> go.Choroplethmap:
    """Gi* confidence bins −3…3 on the diverging RdBu ramp, with a labelled legend bar."""
    colors = [GI_COLORS[b] for b in range(-3, 4)]
    return hex_trace(
        cells,
        bins,
        colorscale=stepped_scale(colors),
        zmin=-3.5,
        zmax=3.5,
        hover=hover,
        template=template,
        customdata=customdata,
        geojson=geojson,
        colorbar={
            "tickvals": list(range(-3, 4)),
            "ticktext": [labels[b] for b in range(-3, 4)],
            "len": 0.6,
            "thickness": 16,
            "x": 0.99,
            "xanchor": "right",
            "bgcolor": "rgba(255,255,255,0.85)",
        },
        opacity=0.85,
    )


def category_traces(
    cells: Sequence[int],
    cats: Sequence[str],
    colors: dict[str, str],
    labels: dict[str, str],
    hover: Sequence[str] | None = None,
) -> list[go.Choroplethmap]:
    """One single-colour Choroplethmap per category, so the legend lists them by name."""
    cells = np.asarray(cells)
    cats = np.asarray(cats, dtype=object)
    hover_arr = np.asarray(hover, dtype=object) if hover is not None else None
    traces = []
    for cat in [c for c in colors if c in set(cats)]:
        m = cats == cat
        tr = hex_trace(
            cells[m],
            np.zeros(int(m.sum())),
            colorscale=[[0, colors[cat]], [1, colors[cat]]],
            zmin=0,
            zmax=1,
            showscale=False,
            name=labels.get(cat, cat),
            hover=hover_arr[m] if hover_arr is not None else None,
            opacity=0.85,
        )
        tr.showlegend = True
        traces.append(tr)
    return traces


def polygon_trace(
    geojson: dict,
    ids: Sequence[str],
    color: str,
    name: str,
    hover: Sequence[str] | None = None,
    opacity: float = 0.7,
) -> go.Choroplethmap:
    """A single-colour Choroplethmap of arbitrary polygons (problems, changed grids)."""
    tr = go.Choroplethmap(
        geojson=geojson,
        locations=list(ids),
        featureidkey="id",
        z=np.zeros(len(ids)),
        colorscale=[[0, color], [1, color]],
        zmin=0,
        zmax=1,
        showscale=False,
        name=name,
        marker={"opacity": opacity, "line": {"width": 1, "color": "#333333"}},
        text=list(hover) if hover is not None else None,
        hovertemplate="%{text}<extra></extra>" if hover is not None else None,
    )
    tr.showlegend = True
    return tr


def point_trace(
    lon,
    lat,
    *,
    color: str,
    name: str,
    size: float = 8,
    hover: Sequence[str] | None = None,
    customdata=None,
) -> go.Scattermap:
    """Circle markers (no symbol layer, so no glyph requests)."""
    return go.Scattermap(
        lon=np.round(np.asarray(lon, dtype=float), COORD_DIGITS),
        lat=np.round(np.asarray(lat, dtype=float), COORD_DIGITS),
        mode="markers",
        marker={"size": size, "color": color, "opacity": 0.9},
        name=name,
        text=list(hover) if hover is not None else None,
        customdata=customdata,
        hovertemplate="%{text}<extra></extra>" if hover is not None else None,
    )


def area_labels(names: Sequence[str], lon, lat, name: str = "") -> go.Scattermap:
    """Names drawn on the map at (lon, lat): the top hotspot areas (glyphs from the app).
    Text only and no hover, so a click there still picks the cell under it."""
    return go.Scattermap(
        lon=np.round(np.asarray(lon, dtype=float), COORD_DIGITS),
        lat=np.round(np.asarray(lat, dtype=float), COORD_DIGITS),
        mode="text",
        text=list(names),
        textposition="middle center",
        name=name,
        showlegend=False,
        hoverinfo="skip",
        textfont={"family": LABEL_FONT, "size": 14, "color": "#000000"},
    )
