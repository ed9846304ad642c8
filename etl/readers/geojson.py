"""GeoJSON reader. Without a "crs" member the file is WGS-84 by RFC 7946 — a convention
the loader lets `--crs` override (GCJ-02/BD-09 files cannot declare themselves)."""

from __future__ import annotations

import json
from pathlib import Path

from etl.readers.source import Source
from etl.readers.vector import read_vector
from geo.errors import InputError


def read_geojson(path: Path, encoding: str | None = None) -> Source:
    """Read a FeatureCollection; text must be UTF-8 (RFC 8259)."""
    raw = path.read_bytes()
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError("GeoJSON is not UTF-8 (garbled or binary file)") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise InputError("not a GeoJSON FeatureCollection")
    source = read_vector(path, "geojson")
    # no "crs" member, or GDAL's CRS84 one: the RFC 7946 convention, not a real declaration
    source.crs_is_default = "crs" not in doc or source.crs == "wgs84"
    source.encoding, source.encoding_source = "utf-8", "format"
    return source
