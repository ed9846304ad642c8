"""Print the brief page to PDF with kaleido (Chromium: text stays text, CJK fonts embedded)."""

from __future__ import annotations

import os
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from geo.brief.page import HEIGHT, WIDTH

CHROMIUM = "/usr/bin/chromium"


def use_chromium() -> None:
    """Point kaleido at the system Chromium unless BROWSER_PATH names another."""
    if not os.environ.get("BROWSER_PATH") and Path(CHROMIUM).exists():
        os.environ["BROWSER_PATH"] = CHROMIUM


def write(fig: go.Figure, path: Path) -> Path:
    """Write `fig` as a one-page PDF (A4 at 96 px per inch) to `path`."""
    use_chromium()
    path.parent.mkdir(parents=True, exist_ok=True)
    pio.write_image(fig, path, format="pdf", width=WIDTH, height=HEIGHT)
    return path
