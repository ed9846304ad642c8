"""ESRI shapefiles done right: .prj, .cpg, 10-byte field names, one file per geometry kind.

- `.prj`: written by GDAL from the EPSG definition (ESRI WKT, which GDAL and ArcGIS both
  recognise; CGCS2000 by default).
- `.cpg`: "UTF-8" or "GBK", the encoding the .dbf text is really in.
- field names: shortened to 10 bytes in that encoding without collisions, the map
  (original → short) written as `<name>_fields.csv` beside the files.
- a shapefile holds one geometry kind: points, lines and polygons of a mixed layer go to
  `<name>_point`, `<name>_line`, `<name>_polygon`; rows without geometry go with the only
  kind present, or to a `<name>_nogeom.dbf` table when there are several.
- the format stops at 2 GB per .shp or .dbf: the size is computed before writing and an
  export that would pass it is refused, suggesting GeoPackage.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyogrio.raw import write_arrow

from geo.errors import InputError
from geo.export.fieldnames import shorten, write_map
from geo.export.prepare import ENCODINGS, check_text, coerce, text_bytes

#: the format's limit per component file (32-bit signed offsets)
MAX_FILE_BYTES = 2**31 - 1
#: a dBASE character field holds at most 254 bytes
MAX_TEXT_BYTES = 254

_POINT, _LINE, _POLYGON = (0, 4), (1, 2, 5), (3, 6)
_KIND_OF_TYPE = {
    **dict.fromkeys(_POINT, "point"),
    **dict.fromkeys(_LINE, "line"),
    **dict.fromkeys(_POLYGON, "polygon"),
}
KINDS = ("point", "line", "polygon")


def _parts_by_kind(geom: object) -> dict[str, object]:
    """One geometry as {kind: geometry}; a collection is split into its kinds."""
    if geom is None or shapely.is_empty(geom):
        return {}
    type_id = shapely.get_type_id(geom)
    if type_id != 7:
        return {_KIND_OF_TYPE[type_id]: geom}
    found: dict[str, list] = {}
    for part in shapely.get_parts(geom):
        for kind, piece in _parts_by_kind(part).items():
            found.setdefault(kind, []).extend(shapely.get_parts(piece))
    makers = {
        "point": shapely.multipoints,
        "line": shapely.multilinestrings,
        "polygon": shapely.multipolygons,
    }
    return {kind: makers[kind](pieces) for kind, pieces in found.items()}


def split_by_kind(gdf: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Rows grouped by geometry kind ('point', 'line', 'polygon', 'nogeom'), 2-D.

    A geometry collection contributes its parts to each kind it holds (the row's values
    repeated), so no geometry is dropped.
    """
    geom_col = gdf.geometry.name
    values = np.asarray(gdf.geometry.array, dtype=object)
    type_id = shapely.get_type_id(values)
    type_id[shapely.is_empty(values) & (type_id >= 0)] = -1
    kind_of = np.array(
        ["nogeom", "point", "line", "line", "polygon", "point", "line", "polygon"], dtype=object
    )  # by type id + 1 (−1 = missing)
    kinds = kind_of[np.where(type_id == 7, 0, type_id) + 1]
    rows: dict[str, list[int]] = {}
    geoms: dict[str, list] = {}
    for kind in KINDS + ("nogeom",):
        index = np.flatnonzero((kinds == kind) & (type_id != 7))
        if len(index):
            rows[kind], geoms[kind] = list(index), list(values[index])
    for i in np.flatnonzero(type_id == 7):  # collections: one row per kind they hold
        parts = _parts_by_kind(values[i]) or {"nogeom": None}
        for kind, part in parts.items():
            rows.setdefault(kind, []).append(int(i))
            geoms.setdefault(kind, []).append(part)
    present = [k for k in KINDS if k in rows]
    if len(present) == 1 and "nogeom" in rows:  # null shapes fit in the only kind present
        rows[present[0]] += rows.pop("nogeom")
        geoms[present[0]] += geoms.pop("nogeom")
    out = {}
    for kind in [*KINDS, "nogeom"]:
        if kind in rows:
            order = np.argsort(rows[kind], kind="stable")  # keep the layer's row order
            part = gdf.iloc[np.asarray(rows[kind])[order]].copy()
            geom_values = np.asarray(geoms[kind], dtype=object)[order]
            if shapely.has_z(geom_values).any():  # shapefiles here are 2-D
                geom_values = shapely.force_2d(geom_values)
            if kind == "point" and (shapely.get_type_id(geom_values) == 4).any():
                # a multipoint shapefile holds no single points: make them one-point multis
                single = shapely.get_type_id(geom_values) == 0
                geom_values[single] = [shapely.MultiPoint([p]) for p in geom_values[single]]
            part[geom_col] = gpd.GeoSeries(geom_values, index=part.index, crs=gdf.crs)
            out[kind] = part
    return out


def _shp_record_bytes(geoms: np.ndarray) -> np.ndarray:
    """Bytes of each .shp record (8-byte header + content), geometries 2-D."""
    type_id = shapely.get_type_id(geoms)
    points = shapely.get_num_coordinates(geoms)
    size = np.full(len(geoms), 8 + 4, dtype=np.int64)  # null shape
    single = type_id == 0
    size[single] = 8 + 20
    multi_point = type_id == 4
    size[multi_point] = 8 + 40 + 16 * points[multi_point]
    poly = np.isin(type_id, (1, 2, 3, 5, 6))
    if poly.any():
        parts = _num_parts(geoms[poly])
        size[poly] = 8 + 44 + 4 * parts + 16 * points[poly]
    return size


def _num_parts(geoms: np.ndarray) -> np.ndarray:
    """Shapefile parts per geometry: lines of a (multi)line, rings of a (multi)polygon."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    is_poly = shapely.get_type_id(parts) == 3
    rings = np.where(is_poly, 1 + shapely.get_num_interior_rings(parts), 1)
    return np.bincount(index, weights=rings, minlength=len(geoms)).astype(np.int64)


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def _field_width(col: pd.Series, encoding: str, sizes: np.ndarray | None = None) -> int:
    """dBASE width of a column: its longest value (text: bytes in `encoding`), at least 1.

    `sizes`: the text byte sizes of the column's rows when already known.
    """
    if isinstance(col.dtype, pd.ArrowDtype):  # date32
        return 8
    if pd.api.types.is_bool_dtype(col):
        return 1
    if pd.api.types.is_float_dtype(col):
        return 24
    values = col.dropna()
    if values.empty:
        return 1
    if pd.api.types.is_integer_dtype(col):
        return max(len(str(int(values.min()))), len(str(int(values.max()))))
    return max(1, int((sizes if sizes is not None else text_bytes(col, encoding)).max()))


def field_widths(
    gdf: gpd.GeoDataFrame, encoding: str, sizes: dict[str, np.ndarray] | None = None
) -> dict[str, int]:
    """dBASE width of every attribute column of `gdf` (see `_field_width`).

    `sizes`: text byte sizes by column for the frame `gdf` was split from, indexed by
    its row positions (`gdf.index`), so no text is measured twice.
    """
    rows = gdf.index.to_numpy()
    return {
        c: _field_width(
            gdf[c], encoding, sizes[c][rows] if sizes is not None and c in sizes else None
        )
        for c in gdf.columns
        if c != gdf.geometry.name
    }


def estimate(
    gdf: gpd.GeoDataFrame,
    encoding: str = "utf-8",
    rows: int | None = None,
    widths: dict[str, int] | None = None,
) -> dict[str, int]:
    """Bytes of the .shp, .shx and .dbf that `gdf` (one geometry kind, prepared) makes.

    Exact for the frame itself; with `rows`, the per-row sizes of the frame are scaled to
    that many rows, which lets a caller check a large layer from a sample.
    """
    n = len(gdf)
    widths = widths if widths is not None else field_widths(gdf, encoding)
    fields = [c for c in gdf.columns if c != gdf.geometry.name]
    record = 1 + sum(widths[c] for c in fields)
    shp_records = int(_shp_record_bytes(np.asarray(gdf.geometry.array, dtype=object)).sum())
    target = n if rows is None else rows
    scale = (target / n) if n else 0
    return {
        ".shp": 100 + round(shp_records * scale),
        ".shx": 100 + 8 * target,
        ".dbf": 32 + 32 * len(fields) + 1 + record * target + 1,
    }


def check_size(sizes: dict[str, int], name: str) -> None:
    """Refuse (InputError) when a component would pass the shapefile's 2 GB limit."""
    for ext, size in sizes.items():
        if size > MAX_FILE_BYTES:
            raise InputError(
                f"the shapefile's {ext} would be {size / 2**30:.1f} GiB, over the format's 2 GB "
                "limit; export as GeoPackage instead (--format gpkg) / "
                "超过 Shapefile 2GB 上限，请导出为 GeoPackage",
                file=name + ext,
            )


def _geometry_type(kind: str, geoms: np.ndarray) -> str | None:
    if kind == "point":
        return "Point" if (shapely.get_type_id(geoms) != 4).all() else "MultiPoint"
    return {"line": "MultiLineString", "polygon": "MultiPolygon"}.get(kind)


def _write_arrow(
    part: gpd.GeoDataFrame,
    path: Path,
    encoding: str,
    geometry_type: str | None,
    widths: dict[str, int],
) -> None:
    """One shapefile (or a lone .dbf) through GDAL's Arrow writer.

    Each field is created with the width `_field_width` computes (Arrow field metadata
    GDAL:OGR:width), so the .dbf is as narrow as its longest value without GDAL's
    RESIZE pass, which rewrites the whole file (measured 2-3x slower), and the 2 GB
    estimate is exact.
    """
    geom = part.geometry.name
    table_df = pd.DataFrame(part.drop(columns=geom))
    if geometry_type is not None:
        table_df["geometry"] = shapely.to_wkb(part.geometry.values)
    table = pa.Table.from_pandas(table_df, preserve_index=False)
    schema = []
    for f in table.schema:
        if pa.types.is_null(f.type):  # all missing: a text field
            f = f.with_type(pa.string())
        if f.name in widths and (
            pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type)
            or pa.types.is_integer(f.type)
        ):
            f = f.with_metadata({"GDAL:OGR:width": str(widths[f.name])})
        schema.append(f)
    table = table.cast(pa.schema(schema))
    write_arrow(
        table,
        path,
        layer=path.stem,
        driver="ESRI Shapefile",
        geometry_name="geometry" if geometry_type else None,
        geometry_type=geometry_type,
        crs=part.crs.to_wkt() if geometry_type and part.crs is not None else None,
        encoding=ENCODINGS[encoding],
    )


def _prepare(
    gdf: gpd.GeoDataFrame, encoding: str, file: str | None = None
) -> tuple[dict[str, str], dict[str, gpd.GeoDataFrame], dict[str, np.ndarray]]:
    """Field-name map, the frame typed, renamed and split by kind, and text byte sizes.

    Refuses (InputError naming row and field) text the encoding cannot hold or longer
    than a dBASE field (254 bytes).
    """
    frame = coerce(gdf, "shp").reset_index(drop=True)  # index = row positions
    geom_col = frame.geometry.name
    check_text(frame, encoding, file=file)  # before renaming: errors name the real field
    mapping = shorten([c for c in frame.columns if c != geom_col], encoding)
    frame = frame.rename(columns=mapping)
    sizes = {
        c: text_bytes(frame[c], encoding)
        for c in frame.columns
        if c != geom_col and _is_text(frame[c])
    }
    for column, size in sizes.items():
        if len(size) and size.max() > MAX_TEXT_BYTES:
            row = int(np.argmax(size > MAX_TEXT_BYTES))
            original = next(k for k, v in mapping.items() if v == column)
            raise InputError(
                f"text of {size[row]} bytes is longer than a shapefile field holds "
                f"({MAX_TEXT_BYTES}); export as GeoPackage (--format gpkg)",
                file=file,
                row=row + 1,
                field=original,
            )
    return mapping, split_by_kind(frame), sizes


def estimate_layer(
    gdf: gpd.GeoDataFrame, encoding: str = "utf-8", rows: int | None = None
) -> dict[str, dict[str, int]]:
    """Bytes of each file the shapefile export of `gdf` makes, by geometry kind.

    With `rows`, sizes are scaled as if the layer had that many rows (each kind keeping
    its share), so a caller can check a large layer from a sample before reading it all.
    """
    _, groups, sizes = _prepare(gdf, encoding)
    total = sum(len(g) for g in groups.values())
    return {
        kind: estimate(
            part,
            encoding,
            None if rows is None else max(1, round(rows * len(part) / total)),
            field_widths(part, encoding, sizes),
        )
        for kind, part in groups.items()
    }


def write_shapefile(
    gdf: gpd.GeoDataFrame, path: Path, encoding: str = "utf-8", rows_hint: int | None = None
) -> list[Path]:
    """Write `gdf` (already in the target CRS) as shapefile(s) at `path`; files written.

    `encoding` is 'utf-8' or 'gbk'. Raises InputError (nothing written) when a value
    cannot be encoded, a text is longer than 254 bytes, or a file would pass 2 GB
    (`rows_hint`: check as if the layer had that many rows).
    """
    path = Path(path)
    stem = path.with_suffix("")
    if gdf.empty:
        raise InputError("no rows to write: a shapefile needs at least one feature", file=path.name)
    mapping, groups, sizes = _prepare(gdf, encoding, path.name)
    total = sum(len(g) for g in groups.values())
    names = {kind: (stem if len(groups) == 1 else Path(f"{stem}_{kind}")) for kind in groups}
    widths = {kind: field_widths(part, encoding, sizes) for kind, part in groups.items()}
    for kind, part in groups.items():
        scaled = None if rows_hint is None else max(1, round(rows_hint * len(part) / total))
        check_size(estimate(part, encoding, scaled, widths[kind]), names[kind].name)
    written: list[Path] = []
    for kind, part in groups.items():
        target = names[kind]
        if kind == "nogeom":
            _write_arrow(part, target.with_suffix(".dbf"), encoding, None, widths[kind])
            exts = (".dbf", ".cpg")
        else:
            _write_arrow(
                part,
                target.with_suffix(".shp"),
                encoding,
                _geometry_type(kind, part.geometry.values),
                widths[kind],
            )
            exts = (".shp", ".shx", ".dbf", ".prj", ".cpg")
        written += [target.with_suffix(e) for e in exts if target.with_suffix(e).exists()]
    if any(k != v for k, v in mapping.items()):
        written.append(write_map(mapping, Path(f"{stem}_fields.csv"), encoding))
    return written
