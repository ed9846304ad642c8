"""The consultation sheet (征求意见表) of one unit as an A4 PDF in Chinese: the unit's grids
before and after drawn on a map (EPSG metres, offline: no base map, names from the data),
the figures, the change list and the fields the unit signs.

`figure()` lays the page out with plotly (pure: frames in, figure out); `write()` prints
it with kaleido and the system Chromium (geo.printing), as the meeting brief is printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from geo.grids.consult import LEVELS
from geo.printing import A4, FONT, fit_ranges, rings, write_pdfs
from geo.printing import text as _text

CHANGE_NAMES = {
    "split": "拆分",
    "merged": "合并",
    "reshaped": "边界调整",
    "new": "新增",
    "removed": "撤销",
    "unchanged": "未变",
}
#: the map's box on the page (paper fractions)
MAP_X, MAP_Y = (0.04, 0.96), (0.50, 0.84)
#: grid rows a table on the page holds; more are counted, the XLSX sheet lists them all
TABLE_ROWS = 12
BEFORE, AFTER, UNIT = "#9e9e9e", "#1f4e79", "#111111"


def _blank(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _grid_table(title: str, rows: list[list[Any]], x: tuple[float, float]) -> tuple[go.Table, dict]:
    shown = rows[:TABLE_ROWS]
    header = ["网格编码", "网格名称", "户数", "人口", "面积（万㎡）"]
    cols = [[_blank(r[i]) for r in shown] for i in range(len(header))]
    more = (
        f"（共 {len(rows)} 个，前 {TABLE_ROWS} 个见下表，全部见 XLSX 表）"
        if len(rows) > TABLE_ROWS
        else ""
    )
    table = go.Table(
        domain={"x": list(x), "y": [0.20, 0.40]},
        columnwidth=[3, 3, 1.2, 1.2, 1.6],
        header={
            "values": header,
            "fill": {"color": AFTER},
            "height": 20,
            "font": {"color": "white", "size": 9, "family": FONT},
            "align": "left",
        },
        cells={"values": cols, "height": 17, "font": {"size": 9, "family": FONT}, "align": "left"},
    )
    return table, _text(x[0], 0.425, f"<b>{title}</b> {len(rows)} 个{more}", 11)


def figure(
    unit: dict[str, Any],
    draft: str,
    against: str,
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    boundary: gpd.GeoDataFrame | None,
    rows_before: list[list[Any]],
    rows_after: list[list[Any]],
    metric_crs: str,
) -> go.Figure:
    """The sheet of `unit` (a row of geo.grids.consult.affected_units): `before`/`after`
    are the unit's grids in each version (WGS-84), `boundary` its polygon (or None),
    `rows_*` the table rows (code, name, households, population, area in 10⁴ m²)."""
    fig = go.Figure()
    changes = "、".join(CHANGE_NAMES.get(c, c) for c in unit["changes"])
    name = unit.get("unit_name") or ""
    notes = [
        _text(0.04, 0.99, "<b>网格调整征求意见表</b>", 22),
        _text(
            0.04,
            0.945,
            f"被征求意见单位：{name}（代码 {unit['unit_code']}，"
            f"{LEVELS.get(unit['level'], unit['level'])}）",
            12,
        ),
        _text(
            0.04,
            0.918,
            f"调整方案（草稿）：{draft}　　现行版本：{against}　　调整类型：{changes}",
            12,
        ),
        _text(
            0.04,
            0.891,
            f"网格数：调整前 {len(unit['grids_before'])} 个，调整后 {len(unit['grids_after'])} 个；"
            f"户数合计：调整前 {unit['households_before']} 户，调整后 {unit['households_after']} 户",
            12,
        ),
        _text(
            0.04,
            0.862,
            "<b>调整前后网格示意图</b>（灰色虚线：调整前；蓝色实线：调整后；黑色：本单位边界）",
            11,
        ),
    ]
    shapes = [g for g in (before, after, boundary) if g is not None and len(g)]
    if shapes:
        metric = [g.to_crs(metric_crs) for g in shapes]
        bounds = pd.concat([m.geometry for m in metric]).total_bounds
        box = ((MAP_X[1] - MAP_X[0]) * A4[0], (MAP_Y[1] - MAP_Y[0]) * A4[1])
        xr, yr = fit_ranges(tuple(bounds), box)
        for frame, color, width, dash, label in (
            (before, BEFORE, 1.2, "dash", "调整前网格"),
            (after, AFTER, 1.8, "solid", "调整后网格"),
            (boundary, UNIT, 2.4, "solid", "单位边界"),
        ):
            if frame is None or not len(frame):
                continue
            xs, ys = rings(frame.to_crs(metric_crs).geometry)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=label,
                    hoverinfo="skip",
                    line={"color": color, "width": width, "dash": dash},
                )
            )
        if len(after):
            pts = after.to_crs(metric_crs).geometry.representative_point()
            fig.add_trace(
                go.Scatter(
                    x=pts.x,
                    y=pts.y,
                    mode="text",
                    text=list(after["grid_code"]),
                    textfont={"size": 8, "family": FONT, "color": AFTER},
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        fig.update_layout(
            xaxis={"range": xr, "domain": list(MAP_X), "visible": False},
            yaxis={"range": yr, "domain": list(MAP_Y), "visible": False, "scaleanchor": "x"},
        )
    table_b, title_b = _grid_table("调整前网格", rows_before, (0.04, 0.49))
    table_a, title_a = _grid_table("调整后网格", rows_after, (0.51, 0.96))
    fig.add_trace(table_b)
    fig.add_trace(table_a)
    notes += [
        title_b,
        title_a,
        _text(0.04, 0.175, "意见（请勾选）：□ 同意　　□ 修改后同意　　□ 不同意", 12),
        _text(0.04, 0.145, "具体意见及修改建议：", 12),
        _text(
            0.04, 0.055, "负责人签字（盖章）：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日", 12
        ),
    ]
    fig.update_layout(
        annotations=notes,
        width=A4[0],
        height=A4[1],
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        font={"family": FONT},
        legend={
            "orientation": "h",
            "x": 0.04,
            "y": MAP_Y[0] - 0.005,
            "xanchor": "left",
            "yanchor": "top",
            "font": {"size": 10, "family": FONT},
        },
    )
    return fig


def write(paths: list[Path], figs: list[go.Figure]) -> list[Path]:
    """Print the sheets, each to its path (A4 PDFs, one browser session for all)."""
    return write_pdfs(figs, paths)
