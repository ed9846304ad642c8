"""Consultation sheets as PDFs: one browser session for all the sheets against one
kaleido call (one Chromium start) per sheet.

`grids consult` prints one A4 sheet per affected unit (geo.grids.consult_pdf); a draft
touching a town and its communities asks for tens of them. Both ways print the same
figure N times to PDF; ours is `geo.printing.write_pdfs` (plotly's write_images, one
session), the peer `geo.printing.write_pdf` per sheet (what the meeting brief does for
its one page).

    .venv/bin/python benchmarks/consult_pdf.py [--sheets 6]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import shapely

from geo.grids import consult_pdf
from geo.printing import write_pdf, write_pdfs

X0, Y0 = 500_000.0, 3_460_000.0


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4549").to_crs("EPSG:4326")


def sheet():
    """A community split in two, as a sheet."""
    box = lambda a, b, c, d: shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d)  # noqa: E731
    before = _frame([{"grid_code": "C1001", "geometry": box(0, 0, 1000, 1000)}])
    after = _frame(
        [
            {"grid_code": "C1002", "geometry": box(0, 0, 500, 1000)},
            {"grid_code": "C1003", "geometry": box(500, 0, 1000, 1000)},
        ]
    )
    unit = {
        "unit_code": "C1",
        "unit_name": "甲社区",
        "level": "community",
        "changes": ["split"],
        "grids_before": ["C1001"],
        "grids_after": ["C1002", "C1003"],
        "households_before": 600,
        "households_after": 600,
    }
    return consult_pdf.figure(
        unit,
        "2026-draft",
        "2025",
        before,
        after,
        _frame([{"code": "C1", "geometry": box(0, 0, 1000, 1000)}]),
        [["C1001", "甲第一网格", 600, 1800, 100.0]],
        [["C1002", "甲第二网格", 300, 900, 50.0], ["C1003", "甲第三网格", 300, 900, 50.0]],
        "EPSG:4549",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=6)
    args = parser.parse_args()
    fig = sheet()
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"ours-{i}.pdf" for i in range(args.sheets)]
        start = time.perf_counter()
        write_pdfs([fig] * args.sheets, paths)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        for i in range(args.sheets):
            write_pdf(fig, Path(tmp) / f"peer-{i}.pdf")
        peer = time.perf_counter() - start
    print(
        f"{args.sheets} sheets: one session {ours:.1f} s ({ours / args.sheets:.1f} s a sheet); "
        f"one kaleido call each {peer:.1f} s ({peer / args.sheets:.1f} s a sheet); "
        f"peer / ours {peer / ours:.1f}×"
    )


if __name__ == "__main__":
    main()
