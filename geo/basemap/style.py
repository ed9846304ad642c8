"""The local style of a base map (pure): how each vector layer of an archive is drawn.

A GIS unit's archive names its layers as it likes (`water`, `roads`, `buildings`,
`水系`…), so a layer is put in a class by the first keyword its name holds, and each
class has one pale colour: the base map is a backdrop under hexagons and outlines,
never louder than them. Every layer is drawn as fills where its features are polygons
and as lines where they are lines (points are left out: no icons, no text, so the base
map asks for nothing but its tiles).
"""

from __future__ import annotations

from collections.abc import Sequence

#: (class, keywords) in the order they are tried
CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("water", ("water", "river", "lake", "sea", "ocean", "canal", "hydro", "水")),
    ("green", ("park", "green", "wood", "forest", "grass", "landuse", "landcover", "绿")),
    ("building", ("building", "house", "建筑", "房屋")),
    ("road", ("road", "street", "highway", "transport", "rail", "path", "道路", "路")),
)
#: fill and line colour per class
COLORS: dict[str, tuple[str, str]] = {
    "water": ("#cfe2f3", "#9ec5e8"),
    "green": ("#e5f0dc", "#c9dfb8"),
    "building": ("#e4e0db", "#cfc9c2"),
    "road": ("#f1f1f1", "#c4c4c4"),
    "other": ("#f3f3f3", "#d6d6d6"),
}
#: drawing order of the classes, bottom up
ORDER = ("green", "other", "water", "building", "road")
LINE_WIDTH = {"road": 1.4, "water": 1.0}
POLYGONS = ["==", "$type", "Polygon"]
LINES = ["==", "$type", "LineString"]


def layer_class(layer: str) -> str:
    """The class of a vector layer, from the keywords of its name ("other" when none)."""
    lowered = layer.lower()
    for cls, words in CLASSES:
        if any(w in lowered for w in words):
            return cls
    return "other"


def source(tile_url: str, minzoom: int, maxzoom: int, bounds: Sequence[float] | None) -> dict:
    """The MapLibre vector source of an archive whose tiles are at `tile_url`
    (…/{z}/{x}/{y}.pbf); MapLibre over-zooms past `maxzoom`."""
    src = {"type": "vector", "tiles": [tile_url], "minzoom": minzoom, "maxzoom": maxzoom}
    if bounds:
        src["bounds"] = [float(b) for b in bounds]
    return src


def layers(source_id: str, vector_layers: Sequence[str]) -> list[dict]:
    """MapLibre style layers drawing `vector_layers` of source `source_id`, bottom up:
    by class (ORDER), fills before lines within a class."""
    out = []
    for cls in ORDER:
        mine = [v for v in vector_layers if layer_class(v) == cls]
        fill, line = COLORS[cls]
        for v in mine:
            out.append(
                {
                    "id": f"{source_id}-{v}-fill",
                    "type": "fill",
                    "source": source_id,
                    "source-layer": v,
                    "filter": POLYGONS,
                    "paint": {"fill-color": fill, "fill-outline-color": line},
                }
            )
        for v in mine:
            out.append(
                {
                    "id": f"{source_id}-{v}-line",
                    "type": "line",
                    "source": source_id,
                    "source-layer": v,
                    "filter": LINES,
                    "paint": {"line-color": line, "line-width": LINE_WIDTH.get(cls, 0.8)},
                }
            )
    return out
