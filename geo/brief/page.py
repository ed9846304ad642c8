"""The meeting brief as one A4 plotly figure (pure: data in, figure out).

The map is drawn in the city's metric CRS (Gauss-Kruger, `settings().metric_crs`,
passed in), with one metre the same length on both axes, so the scale bar is exact
and the map's up is grid north (the north arrow; true north differs by the meridian
convergence, a fraction of a degree inside a city's zone). Text is SVG text, so it
stays text in the PDF.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import plotly.graph_objects as go
import shapely

from geo.basemap import style as basemap_style
from geo.brief.data import BriefData
from geo.hexes import boundaries
from geo.localtime import TZ
from geo.palettes import BOUNDARY_COLORS, GI_COLORS
from geo.printing import FONT, fit_ranges
from geo.printing import rings as _lines
from geo.printing import text as _text

#: A4 portrait at 96 px per inch (kaleido makes the PDF page this size)
WIDTH, HEIGHT = 794, 1123
#: the map's box on the page (paper fractions)
MAP_X, MAP_Y = (0.04, 0.96), (0.40, 0.80)
TITLES = {"week": "社会治理周报", "month": "社会治理月报"}
LEVEL_NAMES = {"district": "区", "town": "街道（镇）", "community": "社区", "grid": "网格"}
BIN_NAMES = {
    3: "热点 99%",
    2: "热点 95%",
    1: "热点 90%",
    -1: "冷点 90%",
    -2: "冷点 95%",
    -3: "冷点 99%",
}


def nice_length(max_m: float) -> float:
    """The longest 1-2-5 × 10ⁿ length (metres) not above `max_m`."""
    if max_m <= 0:
        raise ValueError("max_m must be positive")
    exp = 10 ** math.floor(math.log10(max_m))
    return max(m * exp for m in (1, 2, 5) if m * exp <= max_m)


def length_label(m: float) -> str:
    return f"{m / 1000:g} 公里" if m >= 1000 else f"{m:g} 米"


def _paths(geoms: Iterable[shapely.Geometry]) -> tuple[list, list]:
    """x, y of all lines of `geoms`, lines separated by None (one scatter trace)."""
    xs: list = []
    ys: list = []
    for g in geoms:
        for part in getattr(g, "geoms", [g]):
            c = np.asarray(part.coords)
            xs += [*c[:, 0].tolist(), None]
            ys += [*c[:, 1].tolist(), None]
    return xs, ys


def basemap_traces(shapes: gpd.GeoDataFrame) -> list[go.Scatter]:
    """The base map under everything (metric CRS in): per style class, bottom up, its
    polygons filled and its lines drawn in the colours of the app's maps (geo.basemap.style)."""
    traces = []
    kinds = shapes.geom_type
    for cls in basemap_style.ORDER:
        fill, line = basemap_style.COLORS[cls]
        mine = shapes["class"] == cls
        polys = shapes.loc[mine & kinds.isin(["Polygon", "MultiPolygon"]), "geometry"]
        if len(polys):
            xs, ys = _lines(polys)
            traces.append(
                go.Scatter(
                    x=xs,
                    y=ys,
                    fill="toself",
                    fillcolor=fill,
                    mode="lines",
                    line={"color": line, "width": 0.4},
                    name=f"basemap-{cls}-fill",
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
        paths = shapes.loc[mine & kinds.isin(["LineString", "MultiLineString"]), "geometry"]
        if len(paths):
            xs, ys = _paths(paths)
            traces.append(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=f"basemap-{cls}-line",
                    line={"color": line, "width": basemap_style.LINE_WIDTH.get(cls, 0.8) * 0.75},
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    return traces


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1%}"


def _table(
    header: list[str], rows: list[list], x: tuple[float, float], y: tuple[float, float]
) -> go.Table:
    cols = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in header]
    return go.Table(
        domain={"x": list(x), "y": list(y)},
        columnwidth=[3] + [1] * (len(header) - 1),
        header={
            "values": header,
            "fill": {"color": "#1f4e79"},
            "height": 20,
            "font": {"color": "white", "size": 10, "family": FONT},
            "align": "left",
        },
        cells={"values": cols, "height": 18, "font": {"size": 10, "family": FONT}, "align": "left"},
    )


def gaps_title(run: dict | None) -> str:
    """The gaps table's header, naming the stored coverage run it is read from."""
    if run is None:
        return "覆盖盲区（无设施覆盖的热点格）"
    return f"覆盖盲区（覆盖分析 #{run['id']}，{run['created_at'].astimezone(TZ):%Y-%m-%d}）"


def gap_rows(b: BriefData, kind_labels: Mapping[str, str]) -> list[list]:
    """Rows of the gaps table: per facility kind its uncovered cells with most incidents;
    a line saying how to make a coverage run when none is stored, or when the stored run
    left a kind out."""
    if b.gaps_run is None:
        return [["尚无覆盖分析：请先运行 civicgrid coverage facilities", "—"]]
    rows: list[list] = []
    for kind, (_, df) in b.gaps.items():
        label = kind_labels.get(kind, kind)
        if kind not in b.gaps_run["kinds"]:
            rows.append([f"{label}：该次覆盖分析未含此类设施", "—"])
        rows += [
            [f"{label}：{r.district or ''}{r.town or ''}", int(r.incidents)]
            for r in df.itertuples()
        ]
    return rows


def figure(
    b: BriefData, metric_crs: str, kind_labels: Mapping[str, str], made_at: dt.datetime
) -> go.Figure:
    """The brief page of `b`; `kind_labels`: Chinese names of the facility kinds."""
    fig = go.Figure()
    k = b.kpis
    change = "—" if k.change is None else f"{'+' if k.change >= 0 else ''}{k.change:.1%}"
    notes = [
        _text(0.04, 0.995, f"<b>{TITLES[b.period]}</b>", 24),
        _text(
            0.04,
            0.955,
            f"统计期 {b.start:%Y-%m-%d} 至 {b.end:%Y-%m-%d}"
            f"（对比上期 {b.prev_start:%Y-%m-%d} 至 {b.prev_end:%Y-%m-%d}）",
            12,
        ),
        _text(
            0.04,
            0.925,
            f"警情 <b>{k.incidents}</b> 起，上期 {k.incidents_prev} 起，变化 {change}；"
            f"热点区域警情占比 {_pct(k.hot_share)}；"
            f"户数超出标准的网格 {k.grids_out_of_band} / {k.grids_total} 个",
            12,
        ),
        _text(
            0.04,
            0.900,
            "设施覆盖率（按户数）："
            + "；".join(
                f"{kind_labels.get(kind, kind)} {_pct(share)}"
                for kind, (share, _) in b.gaps.items()
            ),
            12,
        ),
        _text(0.04, 0.86, "<b>警情热点分布（Gi*，90% 以上置信度）</b>", 14),
    ]
    # the map, in metres of the metric CRS
    units = b.units.to_crs(metric_crs)
    box = ((MAP_X[1] - MAP_X[0]) * WIDTH, (MAP_Y[1] - MAP_Y[0]) * HEIGHT)
    xr, yr = fit_ranges(tuple(units.total_bounds), box)
    if b.basemap is not None and len(b.basemap):
        for trace in basemap_traces(b.basemap.to_crs(metric_crs)):
            fig.add_trace(trace)
    for b_ in sorted(b.hot["bin"].unique()) if len(b.hot) else []:
        cells = b.hot.loc[b.hot["bin"] == b_, "cell"].to_numpy()
        hexes = gpd.GeoSeries(boundaries(cells), crs="EPSG:4326").to_crs(metric_crs)
        xs, ys = _lines(hexes)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                mode="none",
                fillcolor=GI_COLORS[int(b_)],
                name=BIN_NAMES[int(b_)],
                showlegend=True,
            )
        )
    for level, width in (("town", 0.6), ("district", 1.6)):
        xs, ys = _lines(units.loc[units["level"] == level, "geometry"])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": BOUNDARY_COLORS[level], "width": width},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for level, size, color in (("town", 9, "#555555"), ("district", 13, "#111111")):
        u = units[units["level"] == level]
        pts = u.geometry.representative_point()
        fig.add_trace(
            go.Scatter(
                x=pts.x,
                y=pts.y,
                mode="text",
                text=u["name"].tolist(),
                showlegend=False,
                textfont={"size": size, "color": color, "family": FONT},
            )
        )
    if b.hot_areas is not None and len(b.hot_areas):
        pts = gpd.GeoSeries(
            gpd.points_from_xy(b.hot_areas["lon"], b.hot_areas["lat"]), crs="EPSG:4326"
        ).to_crs(metric_crs)
        fig.add_trace(
            go.Scatter(
                x=pts.x,
                y=pts.y,
                mode="markers+text",
                text=b.hot_areas["name"].tolist(),
                textposition="top center",
                marker={"size": 6, "color": "#000000"},
                textfont={"size": 11, "color": "#000000", "family": FONT},
                showlegend=False,
            )
        )
    # scale bar: lower left, a nice length up to a quarter of the map's width
    bar = nice_length((xr[1] - xr[0]) / 4)
    x0, y0 = xr[0] + (xr[1] - xr[0]) * 0.04, yr[0] + (yr[1] - yr[0]) * 0.05
    tick = (yr[1] - yr[0]) * 0.012
    shapes = [
        dict(
            type="line", xref="x", yref="y", x0=x0, x1=x0 + bar, y0=y0, y1=y0, line={"width": 2.5}
        ),
        dict(type="line", xref="x", yref="y", x0=x0, x1=x0, y0=y0, y1=y0 + tick, line={"width": 2}),
        dict(
            type="line",
            xref="x",
            yref="y",
            x0=x0 + bar,
            x1=x0 + bar,
            y0=y0,
            y1=y0 + tick,
            line={"width": 2},
        ),
        dict(
            type="rect",
            xref="paper",
            yref="paper",
            x0=MAP_X[0],
            x1=MAP_X[1],
            y0=MAP_Y[0],
            y1=MAP_Y[1],
            line={"color": "#888888", "width": 1},
        ),
    ]
    notes += [
        dict(
            x=x0 + bar / 2,
            y=y0 + tick,
            xref="x",
            yref="y",
            text=f"比例尺 {length_label(bar)}",
            showarrow=False,
            yanchor="bottom",
            font={"size": 10, "family": FONT},
        ),
        # north arrow: upper right of the map, pointing up (grid north)
        dict(
            x=MAP_X[1] - 0.03,
            y=MAP_Y[1] - 0.02,
            xref="paper",
            yref="paper",
            text="<b>北 N</b>",
            showarrow=True,
            arrowhead=2,
            arrowsize=1.5,
            arrowwidth=2,
            ax=0,
            ay=45,
            yanchor="bottom",
            font={"size": 12, "family": FONT},
        ),
    ]
    # tables: top areas, grids out of band, coverage gaps
    top_rows = [
        [f"{LEVEL_NAMES[level]}：{r.name}", int(r.incidents)]
        for level, df in b.top.items()
        for r in df.head(3).itertuples()
    ]
    fig.add_trace(_table(["警情最多的区域", "警情数"], top_rows, (0.04, 0.49), (0.07, 0.36)))
    lo, hi = b.band
    band_rows = [
        [f"{r.name}（{r.grid_code}）", int(r.households)] for r in b.out_of_band.itertuples()
    ]
    fig.add_trace(
        _table([f"户数超出 {lo}–{hi} 的网格", "户数"], band_rows, (0.53, 0.96), (0.22, 0.36))
    )
    fig.add_trace(
        _table(
            [gaps_title(b.gaps_run), "警情数"], gap_rows(b, kind_labels), (0.53, 0.96), (0.07, 0.20)
        )
    )
    batches = (
        "；".join(f"#{r.id} {r.file_name}（{r.loaded} 条）" for r in b.batches.itertuples()) or "—"
    )
    notes += [
        _text(0.04, 0.055, f"数据截至 {b.last_incident:%Y-%m-%d}；来源批次：{batches}", 9),
        _text(
            0.04,
            0.035,
            f"生成时间 {made_at:%Y-%m-%d %H:%M}（UTC+8）· civicgrid",
            9,
            font_color="#666666",
        ),
    ]
    fig.update_layout(
        width=WIDTH,
        height=HEIGHT,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": FONT},
        annotations=notes,
        shapes=shapes,
        xaxis={"domain": list(MAP_X), "range": xr, "visible": False, "fixedrange": True},
        yaxis={"domain": list(MAP_Y), "range": yr, "visible": False, "fixedrange": True},
        legend={
            "x": MAP_X[0] + 0.01,
            "y": MAP_Y[1] - 0.01,
            "bgcolor": "rgba(255,255,255,0.85)",
            "font": {"size": 10, "family": FONT},
        },
    )
    return fig
