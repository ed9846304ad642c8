"""GeoPackage reader: the first layer (or the only one) of a .gpkg."""

from __future__ import annotations

from pathlib import Path

import pyogrio

from etl.readers.source import Source
from etl.readers.vector import read_vector
from geo.errors import InputError


def read_gpkg(path: Path, encoding: str | None = None) -> Source:
    """Read the first vector layer; GeoPackage text is always UTF-8."""
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise InputError("not a GeoPackage (no SQLite header)")
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # noqa: BLE001 - GDAL raises several types for a damaged file
        raise InputError(f"damaged GeoPackage: {exc}") from exc
    if len(layers) == 0:
        raise InputError("GeoPackage without layers")
    source = read_vector(path, "gpkg", layer=str(layers[0][0]))
    source.encoding, source.encoding_source = "utf-8", "format"
    if len(layers) > 1:
        source.warnings.append(
            f"GeoPackage has {len(layers)} layers; read the first, {layers[0][0]}"
        )
    return source
