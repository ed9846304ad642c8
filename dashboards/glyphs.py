"""Map label glyphs served by the app: /glyphs/<fontstack>/<start>-<end>.pbf.

Any text on a MapLibre map (place names in symbol layers, `scattermap` text) makes it
fetch signed-distance-field glyphs for each block of 256 code points from the style's
`glyphs` URL; plotly's `white-bg` style names a web site there. The maps' style names
this route instead, and the route draws the glyphs from the installed CJK font
(Debian `fonts-noto-cjk`; Noto Sans CJK also holds Latin, digits and punctuation), so
no request leaves the app. Ideographs are drawn by MapLibre itself from the browser's
fonts (`localIdeographFontFamily`); the route serves them too when asked.

Format: the `glyphs.proto` of the Mapbox/MapLibre font tooling — a stack's name and
range, and per glyph its code point, an 8-bit SDF bitmap with a 3-pixel border, its
size, bearing and advance at 24 px. The SDF is the distance to the glyph's edge from
scipy's exact Euclidean distance transform, scaled as MapLibre's own TinySDF does
(edge at 192, 8 px radius), so served and local glyphs look alike.
"""

from __future__ import annotations

import subprocess
from functools import cache, lru_cache

import numpy as np
from flask import Flask, Response
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageDraw, ImageFont
from scipy.ndimage import distance_transform_edt

ROUTE = "/glyphs/<fontstack>/<int:start>-<int:end>.pbf"
PBF_TYPE = "application/x-protobuf"
FONT_FAMILY = "Noto Sans CJK SC"
#: MapLibre's glyph metrics: 24 px em, 3 px border, 8 px distance radius, edge at 0.75
SIZE, BUFFER, RADIUS, CUTOFF = 24, 3, 8.0, 0.25
#: MapLibre places a glyph `top` pixels below its line's top (its own CJK glyphs: −27.5)
TOP_SHIFT = 27
#: ranges kept in memory (one CJK range ≈ 100 KB)
RANGES_KEPT = 256


@cache
def font_file() -> tuple[str, int]:
    """Path and face index of the installed Noto Sans CJK SC (via fontconfig)."""
    out = subprocess.run(
        ["fc-match", "-f", "%{file}|%{index}", f"{FONT_FAMILY}:style=Regular"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path, index = out.rsplit("|", 1)
    return path, int(index or 0)


@cache
def _codes() -> frozenset[int]:
    """The code points the font has a glyph for."""
    path, index = font_file()
    face = (
        TTCollection(path, lazy=True)[index] if path.endswith(".ttc") else TTFont(path, lazy=True)
    )
    return frozenset(face.getBestCmap())


@cache
def _font() -> ImageFont.FreeTypeFont:
    path, index = font_file()
    return ImageFont.truetype(path, SIZE, index=index)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, value: int | bytes, signed: bool = False) -> bytes:
    """One protobuf field: a varint (zigzag when `signed`) or length-delimited bytes."""
    if isinstance(value, bytes):
        return _varint(number << 3 | 2) + _varint(len(value)) + value
    if signed:
        value = (value << 1) ^ (value >> 63)
    return _varint(number << 3) + _varint(value)


def sdf(alpha: np.ndarray) -> np.ndarray:
    """8-bit signed distance field of a coverage bitmap (0…255), as MapLibre reads it."""
    inside = alpha >= 128
    outside_d = distance_transform_edt(~inside)
    inside_d = distance_transform_edt(inside)
    d = np.where(inside, 0.5 - inside_d, outside_d - 0.5)
    return np.clip(np.round(255 - 255 * (d / RADIUS + CUTOFF)), 0, 255).astype(np.uint8)


def glyph(code: int) -> bytes | None:
    """The encoded `glyph` message of one code point (None: the font has no such glyph)."""
    font = _font()
    ch = chr(code)
    if code < 32 or code not in _codes():
        return None
    advance = round(font.getlength(ch))
    x0, y0, x1, y1 = font.getbbox(ch, anchor="ls")
    w, h = max(x1 - x0, 0), max(y1 - y0, 0)
    fields = _field(1, code)
    if w and h:
        img = Image.new("L", (w + 2 * BUFFER, h + 2 * BUFFER), 0)
        ImageDraw.Draw(img).text((BUFFER - x0, BUFFER - y0), ch, font=font, fill=255, anchor="ls")
        fields += _field(2, sdf(np.asarray(img)).tobytes())
    fields += (
        _field(3, w)
        + _field(4, h)
        + _field(5, x0, signed=True)
        + _field(6, -y0 - TOP_SHIFT, signed=True)
        + _field(7, advance)
    )
    return fields


@lru_cache(maxsize=RANGES_KEPT)
def glyph_range(fontstack: str, start: int) -> bytes:
    """The `glyphs` message for code points start…start+255 of `fontstack` (any stack
    name is drawn from the one CJK font)."""
    body = _field(1, fontstack.encode()) + _field(2, f"{start}-{start + 255}".encode())
    for code in range(start, start + 256):
        g = glyph(code)
        if g is not None:
            body += _field(3, g)
    return _field(1, body)


def register(server: Flask) -> None:
    """Add the glyph route to `server`."""

    @server.route(ROUTE)
    def glyphs(fontstack: str, start: int, end: int) -> Response:
        if start % 256 or end != start + 255 or not 0 <= start < 0x110000:
            return Response("no such glyph range", status=404, mimetype="text/plain")
        resp = Response(glyph_range(fontstack, start), mimetype=PBF_TYPE)
        resp.headers["Cache-Control"] = "max-age=86400"
        return resp


def glyphs_url(base: str) -> str:
    """The absolute `glyphs` URL template of a map style on this app."""
    return f"{base.rstrip('/')}/glyphs/{{fontstack}}/{{range}}.pbf"
