"""Print the brief page to PDF with kaleido (Chromium: text stays text, CJK fonts embedded)."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from geo.brief.page import HEIGHT, WIDTH
from geo.printing import use_chromium, write_pdf

__all__ = ["use_chromium", "write"]


def write(fig: go.Figure, path: Path) -> Path:
    """Write `fig` as a one-page PDF (A4 at 96 px per inch) to `path`."""
    return write_pdf(fig, path, (WIDTH, HEIGHT))
