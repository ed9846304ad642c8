"""Colours of the map classes, written once for the pages, the filing package and notebooks.

A class means the same colour wherever it is drawn: Gi* bins, emerging space-time
patterns, household bands and grid change kinds. The class names themselves live with
the analysis that defines them (`geo.hotspots.emerging.PATTERNS`, `geo.grids.diff.CHANGES`).
"""

from __future__ import annotations

from geo.hotspots.emerging import PATTERNS

#: ArcGIS Gi_Bin classes −3…3 on a ColorBrewer RdBu 7-class ramp (colour-blind safe)
GI_COLORS = {
    -3: "#2166ac",
    -2: "#67a9cf",
    -1: "#d1e5f0",
    0: "#f7f7f7",
    1: "#fddbc7",
    2: "#ef8a62",
    3: "#b2182b",
}
#: emerging hot-spot patterns (in the order of PATTERNS): hot ones on reds, cold twins on blues
EMERGING_HOT = dict(
    zip(
        PATTERNS,
        ("#fcbba1", "#fc9272", "#a50f15", "#de2d26", "#fb6a4a", "#fee0d2", "#cb181d", "#e7a6b5"),
        strict=True,
    )
)
EMERGING_COLD = dict(
    zip(
        PATTERNS,
        ("#c6dbef", "#9ecae1", "#08306b", "#2171b5", "#6baed6", "#deebf7", "#08519c", "#b3b3d9"),
        strict=True,
    )
)
NO_PATTERN_COLOR = "#eeeeee"
#: households of a grid against the band: under, in, over, unknown
BAND_COLORS = {"under": "#67a9cf", "in": "#d9d9d9", "over": "#ef8a62", "unknown": "#ffffff"}
#: grid change kinds of geo.grids.diff
CHANGE_COLORS = {
    "split": "#e66101",
    "merged": "#5e3c99",
    "reshaped": "#fdb863",
    "new": "#1b7837",
    "removed": "#b2abd2",
    "unchanged": "#f0f0f0",
}
BOUNDARY_COLORS = {"district": "#404040", "town": "#9e9e9e"}
#: grid-editor units that belong to no grid
UNASSIGNED_COLOR = "#6a3d9a"


def emerging_color(category: str) -> str:
    """Colour of an emerging category such as `intensifying_hot_spot` or `new cold spot`."""
    cat = (category or "").lower()
    for pattern in PATTERNS:
        if pattern in cat:
            return (EMERGING_COLD if "cold" in cat else EMERGING_HOT)[pattern]
    return NO_PATTERN_COLOR
