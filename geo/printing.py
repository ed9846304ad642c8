"""Printing a plotly page to PDF offline: kaleido drives the system Chromium, so text stays
text (searchable, copyable) and the CJK font is embedded. Shared by the meeting brief
(geo.brief) and the consultation sheets (geo.grids.consult_pdf)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import shapely

CHROMIUM = "/usr/bin/chromium"
#: A4 portrait at 96 px per inch (kaleido makes the PDF page this size)
A4 = (794, 1123)
#: Latin and digits from a TrueType font: Chromium's PDF maps the CFF CJK font's digits
#: to no character (text search and copy would lose every figure); CJK from Noto
FONT = "DejaVu Sans, Noto Sans CJK SC, sans-serif"


def use_chromium() -> None:
    """Point kaleido at the system Chromium unless BROWSER_PATH names another."""
    if not os.environ.get("BROWSER_PATH") and Path(CHROMIUM).exists():
        os.environ["BROWSER_PATH"] = CHROMIUM


def write_pdf(fig: go.Figure, path: Path, size: tuple[int, int] = A4) -> Path:
    """Write `fig` as a one-page PDF of `size` pixels (default A4) to `path`."""
    use_chromium()
    path.parent.mkdir(parents=True, exist_ok=True)
    pio.write_image(fig, path, format="pdf", width=size[0], height=size[1])
    return path


def write_pdfs(figs: list[go.Figure], paths: list[Path], size: tuple[int, int] = A4) -> list[Path]:
    """Write each figure as a one-page PDF to its path in ONE browser session (starting
    Chromium costs most of a page's time: benchmarks/consult_pdf.py)."""
    if not figs:
        return []
    use_chromium()
    for path in paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    pio.write_images(figs, [Path(p) for p in paths], format="pdf", width=size[0], height=size[1])
    return [Path(p) for p in paths]


def fit_ranges(
    bounds: tuple[float, float, float, float], box_px: tuple[float, float], pad: float = 0.04
) -> tuple[list[float], list[float]]:
    """x and y ranges holding `bounds` (west, south, east, north, metres) with equal
    metres per pixel on both axes of a box of `box_px` (width, height)."""
    w, s, e, n = bounds
    cx, cy = (w + e) / 2, (s + n) / 2
    per_px = max((e - w) / box_px[0], (n - s) / box_px[1]) * (1 + 2 * pad)
    half_x, half_y = per_px * box_px[0] / 2, per_px * box_px[1] / 2
    return [cx - half_x, cx + half_x], [cy - half_y, cy + half_y]


def rings(geoms: Iterable[shapely.Geometry]) -> tuple[list, list]:
    """x, y of all rings of `geoms`, rings separated by None (one scatter trace)."""
    xs: list = []
    ys: list = []
    for g in geoms:
        for part in getattr(g, "geoms", [g]):
            for ring in [part.exterior, *part.interiors]:
                c = np.asarray(ring.coords)
                xs += [*c[:, 0].tolist(), None]
                ys += [*c[:, 1].tolist(), None]
    return xs, ys


def text(x: float, y: float, s: str, size: int = 11, **kw) -> dict:
    """A left- and top-anchored paragraph at paper position (x, y) in the page's FONT."""
    return dict(
        x=x,
        y=y,
        xref="paper",
        yref="paper",
        text=s,
        showarrow=False,
        xanchor="left",
        yanchor="top",
        font={"size": size, "family": FONT},
        align="left",
        **kw,
    )
