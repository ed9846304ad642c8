"""Write the sample files byte-for-byte reproducibly, in the forms users really receive.

Sources of non-determinism handled here: the DBF header's last-update date (fixed with
GDAL's DBF_DATE_LAST_UPDATE), and the XLSX zip entry times and docProps timestamps
(rewritten to FIXED_TIME).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyogrio
import shapely

FIXED_TIME = dt.datetime(2025, 12, 31, 0, 0, 0)
BOM = b"\xef\xbb\xbf"


def shapefile(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """A polygon shapefile in CGCS2000 (EPSG:4490 .prj) with GBK attributes and a GBK .cpg."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = gdf.set_crs("EPSG:4490", allow_override=True)
    pyogrio.write_dataframe(
        out,
        path,
        driver="ESRI Shapefile",
        encoding="GBK",
        geometry_type="Polygon",
        layer_options={"DBF_DATE_LAST_UPDATE": FIXED_TIME.date().isoformat()},
    )


def csv_table(table: pa.Table, path: Path, bom: bool = True) -> None:
    """A large string table as UTF-8 CSV (with BOM, as Excel-made exports have)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        if bom:
            fh.write(BOM)
        pacsv.write_csv(table, fh, pacsv.WriteOptions(quoting_style="needed"))


def csv_frame(df: pd.DataFrame, path: Path, encoding: str) -> None:
    """A small table as CSV in `encoding` (`gbk` or `utf-8`), Unix line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding=encoding, lineterminator="\n")


def _stable_zip(data: bytes) -> bytes:
    """The same zip with fixed entry times and a fixed docProps modified time."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), body
                )
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, body)
    return buf.getvalue()


def xlsx(df: pd.DataFrame, path: Path, sheet: str) -> None:
    """One sheet with a header row; dates as Excel dates; reproducible bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook(write_only=True)
    wb.properties.creator = "civicgrid sample"
    wb.properties.created = FIXED_TIME
    ws = wb.create_sheet(sheet)
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_stable_zip(buf.getvalue()))


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def geojson_points(df: pd.DataFrame, path: Path) -> None:
    """Point features (WGS-84, RFC 7946); `geometry` holds shapely points or None."""
    path.parent.mkdir(parents=True, exist_ok=True)
    features = []
    props = [c for c in df.columns if c != "geometry"]
    for row in df.itertuples(index=False):
        values = dict(zip(df.columns, row, strict=True))
        geom = values["geometry"]
        geometry = (
            None
            if geom is None
            else {
                "type": "Point",
                "coordinates": [round(shapely.get_x(geom), 6), round(shapely.get_y(geom), 6)],
            }
        )
        features.append(
            {
                "type": "Feature",
                "properties": {p: _json(values[p]) for p in props},
                "geometry": geometry,
            }
        )
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return _cell(value)


def text(body: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
