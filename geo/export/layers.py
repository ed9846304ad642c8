"""Read any exportable layer from PostGIS as a GeoDataFrame (EPSG:4326), with filters.

Layers: the tables (boundaries, grids, incidents, hazards, rentals, facilities,
key-sites), hotspot runs (`hotspots`: H3 cells as hexagons) and stored analysis results
(`analysis`, or a result kind such as `coverage-grids`, `grid-check`, `grid-diff`).

Safety: statements are SQLAlchemy Core; every value is a bound parameter and every
identifier comes from the table definitions (a filter on an unknown column is refused).
Personal columns are never selected, and free attributes are screened by the same
policy (geo.export.privacy) after they are expanded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    SmallInteger,
    Table,
    Text,
    cast,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB

from geo.db import tables as t
from geo.db.engine import get_engine
from geo.errors import InputError
from geo.export.privacy import drop_personal, is_personal
from geo.hexes import boundaries
from geo.vocab import store as vocab_store

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class TableLayer:
    """A table exported as it is stored."""

    table: Table
    title: str
    date_column: str | None = None  # --from/--to
    category_column: str | None = None  # --category
    version: str | None = None  # what --version selects: 'grid_version' | 'level'


TABLE_LAYERS: dict[str, TableLayer] = {
    "boundaries": TableLayer(t.admin_units, "行政区划 / boundaries", category_column="level",
                             version="level"),
    "grids": TableLayer(t.grids, "网格 / grids", category_column="kind", version="grid_version"),
    "incidents": TableLayer(t.incidents, "警情 / incidents", "occurred_at", "category"),
    "hazards": TableLayer(t.hazards, "危险源 / hazard sources", "last_inspected_at", "category"),
    "rentals": TableLayer(t.rentals, "出租房屋 / rental housing", "last_inspected_at"),
    "facilities": TableLayer(t.facilities, "设施 / facilities", category_column="kind"),
    "key-sites": TableLayer(t.key_sites, "重点场所 / key sites", category_column="kind"),
}
LEVELS = ("city", "district", "town", "community")
HOTSPOTS = "hotspots"
ANALYSIS = "analysis"


@dataclass
class LayerData:
    """What an export needs to know about the rows it writes."""

    layer: str
    title: str
    gdf: gpd.GeoDataFrame
    version: str | None = None
    filters: dict = field(default_factory=dict)
    personal_removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Filters:
    """Row filters of an export; `where` keys must be columns of the layer (or `district`)."""

    where: Mapping[str, str] = field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        out: dict = dict(self.where)
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        if self.category:
            out["category"] = list(self.category)
        return out


def layer_names(engine: Engine | None = None) -> list[str]:
    """Every exportable layer name: tables, hotspots, analysis and stored result kinds."""
    with (engine or get_engine()).connect() as conn:
        kinds = conn.execute(select(t.analysis_results.c.kind).distinct()).scalars().all()
    return [*TABLE_LAYERS, HOTSPOTS, ANALYSIS, *sorted(k for k in kinds if k not in TABLE_LAYERS)]


def versions(layer: str, engine: Engine | None = None) -> list[str]:
    """The choices of --version for `layer` (newest first), empty when it has none."""
    engine = engine or get_engine()
    with engine.connect() as conn:
        if layer == "grids":
            gv = t.grid_versions
            q = select(gv.c.name).order_by(gv.c.created_at.desc(), gv.c.id.desc())
        elif layer == "boundaries":
            return list(LEVELS)
        elif layer == HOTSPOTS:
            q = select(cast(t.hotspot_runs.c.id, Text)).order_by(t.hotspot_runs.c.id.desc())
        elif layer in TABLE_LAYERS:
            return []
        else:
            r = t.analysis_results
            q = select(cast(r.c.id, Text)).order_by(r.c.id.desc())
            if layer != ANALYSIS:
                q = q.where(r.c.kind == layer)
        return list(conn.execute(q).scalars())


def categories(layer: str, engine: Engine | None = None) -> list[str]:
    """The values --category accepts for a table layer (sorted), empty for other layers."""
    spec = TABLE_LAYERS.get(layer)
    if spec is None or spec.category_column is None:
        return []
    col = spec.table.c[spec.category_column]
    with (engine or get_engine()).connect() as conn:
        return list(conn.execute(select(col).distinct().where(col.is_not(None)).order_by(col)).scalars())


def districts(engine: Engine | None = None) -> list[tuple[str, str]]:
    """(code, name) of the districts `--where district=` accepts (code or name)."""
    a = t.admin_units
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(select(a.c.code, a.c.name).where(a.c.level == "district")
                            .order_by(a.c.code)).all()
    return [(r.code, r.name) for r in rows]


# ---------------------------------------------------------------- frames from rows

_INT = (Integer, BigInteger, SmallInteger)


def _column(values: list, sqltype: object) -> pd.Series | pd.api.extensions.ExtensionArray:
    """Values of one SQL column with a pandas dtype that keeps them exact."""
    if isinstance(sqltype, _INT):
        return pd.array(values, dtype="Int64")
    if isinstance(sqltype, Boolean):
        return pd.array(values, dtype="boolean")
    if isinstance(sqltype, Float):
        return np.array([np.nan if v is None else v for v in values], dtype="float64")
    if isinstance(sqltype, DateTime):
        return pd.to_datetime(pd.Series(values, dtype=object), utc=True)
    return pd.Series(values, dtype=object)


def _json_column(values: list) -> pd.Series | pd.api.extensions.ExtensionArray:
    """A JSON attribute as Int64 / float / boolean when all its values are, else objects."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pd.array(values, dtype="boolean")
    if present and all(isinstance(v, int) and not isinstance(v, bool) and -2**63 <= v < 2**63
                       for v in present):
        return pd.array(values, dtype="Int64")
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else float(v) for v in values])
    return pd.Series(values, dtype=object)


def _expand(frame: pd.DataFrame, column: str, dicts: list) -> pd.DataFrame:
    """Add the keys of JSON objects `dicts` as columns (a key clashing gets 'attr_')."""
    keys: list[str] = []
    for d in dicts:
        for k in (d or {}):
            if k not in keys:
                keys.append(k)
    for key in keys:
        name = key if key not in frame.columns else f"attr_{key}"
        frame[name] = _json_column([(d or {}).get(key) for d in dicts])
    return frame


def _geoframe(rows: list, columns: list[tuple[str, object]], geom: str = "geom") -> gpd.GeoDataFrame:
    """Rows (the last value WKB bytes of `geom`) as a GeoDataFrame in EPSG:4326."""
    data: dict = {}
    expand: list[tuple[str, list]] = []
    for i, (name, sqltype) in enumerate(columns):
        values = [r[i] for r in rows]
        if isinstance(sqltype, JSONB):
            expand.append((name, values))
        elif name != geom:
            data[name] = _column(values, sqltype)
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    for name, values in expand:
        frame = _expand(frame, name, values)
    wkb = [r[len(columns) - 1] for r in rows]
    geoms = shapely.from_wkb(np.array([bytes(b) if b is not None else None for b in wkb], dtype=object))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")


# ---------------------------------------------------------------- filters


def _district(conn, value: str):
    """The district (admin_units level 'district') with code or name `value`."""
    a = t.admin_units
    row = conn.execute(
        select(a.c.code, func.ST_AsBinary(a.c.geom).label("wkb"))
        .where(a.c.level == "district", (a.c.code == value) | (a.c.name == value))
    ).first()
    if row is None:
        raise InputError(f"no district with code or name {value!r}", field="district")
    return row


def _day_bounds(f: Filters) -> tuple[dt.datetime | None, dt.datetime | None]:
    start = dt.datetime.combine(f.date_from, dt.time(), LOCAL_TZ) if f.date_from else None
    end = (dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time(), LOCAL_TZ)
           if f.date_to else None)
    return start, end


def _table_conditions(conn, spec: TableLayer, name: str, f: Filters) -> list:
    table = spec.table
    conds = []
    for key, value in f.where.items():
        if key == "district":
            code = _district(conn, value).code
            a = t.admin_units
            conds.append(
                select(a.c.id).where(a.c.level == "district", a.c.code == code,
                                     func.ST_Intersects(a.c.geom, func.ST_PointOnSurface(table.c.geom)))
                .exists()
            )
        elif key in table.c and not is_personal(key) and not isinstance(table.c[key].type, JSONB | Geometry):
            col = table.c[key]  # text compared as is (indexes apply), others by their text
            conds.append((col if isinstance(col.type, Text) else cast(col, Text)) == str(value))
        else:
            raise InputError(f"layer {name} cannot be filtered by {key!r}", field=key)
    if f.date_from or f.date_to:
        if spec.date_column is None:
            raise InputError(f"layer {name} has no date to filter by --from/--to", field="from")
        col = table.c[spec.date_column]
        start, end = _day_bounds(f)
        if isinstance(col.type, Date):
            start, end = (start and start.date()), (end and end.date())
        if start is not None:
            conds.append(col >= start)
        if end is not None:
            conds.append(col < end)
    if f.category:
        if spec.category_column is None:
            raise InputError(f"layer {name} has no category", field="category")
        # either level: a 大类 or 细类 by code, name or alias (geo.vocab)
        conds.append(vocab_store.matches(table, spec.category_column, list(f.category)))
    return conds


def _frame_filters(conn, frame: gpd.GeoDataFrame, name: str, f: Filters,
                   category_column: str | None) -> gpd.GeoDataFrame:
    """The same filters applied to an already built frame (hotspots, analysis results)."""
    keep = np.ones(len(frame), dtype=bool)
    for key, value in f.where.items():
        if key == "district":
            area = shapely.from_wkb(bytes(_district(conn, value).wkb))
            points = shapely.point_on_surface(frame.geometry.values)
            keep &= shapely.intersects(area, points)
        elif key in frame.columns and key != frame.geometry.name:
            keep &= (frame[key].astype(str) == str(value)).fillna(False).to_numpy(bool)
        else:
            raise InputError(f"layer {name} cannot be filtered by {key!r}", field=key)
    if f.date_from or f.date_to:
        raise InputError(f"layer {name} has no date to filter by --from/--to", field="from")
    if f.category:
        if category_column is None or category_column not in frame.columns:
            raise InputError(f"layer {name} has no category", field="category")
        keep &= frame[category_column].isin(list(f.category)).to_numpy(bool)
    return frame[keep].reset_index(drop=True)


# ---------------------------------------------------------------- the layers


def _read_table(conn, name: str, version: str | None, f: Filters) -> LayerData:
    spec = TABLE_LAYERS[name]
    table = spec.table
    cols = [c for c in table.c if c.name != "geom" and not is_personal(c.name)]
    query_cols = [*cols]
    conds = _table_conditions(conn, spec, name, f)
    label = None
    if spec.version == "grid_version":
        gv = t.grid_versions
        if version is None:
            row = conn.execute(select(gv.c.id, gv.c.name).where(
                gv.c.id.in_(select(t.grid_versions_in_force.c.id)))).first()
        else:
            row = conn.execute(select(gv.c.id, gv.c.name).where(gv.c.name == version)).first()
        if row is None:
            raise InputError(f"no grid version {version!r}" if version else
                             "no grid version is in force; name one with --version",
                             field="version")
        conds.append(table.c.version_id == row.id)
        label = row.name
    elif spec.version == "level" and version is not None:
        if version not in LEVELS:
            raise InputError(f"no boundary level {version!r}; use city, district, town or community",
                             field="version")
        conds.append(table.c.level == version)
        label = version
    elif version is not None:
        raise InputError(f"layer {name} has no versions", field="version")
    query = select(*query_cols, func.ST_AsBinary(table.c.geom)).where(*conds).order_by(table.c.id)
    rows = conn.execute(query).all()
    columns = [(c.name, c.type) for c in cols] + [("geom", None)]
    gdf = _geoframe(rows, columns)
    if name == "grids":
        gdf.insert(0, "version", label)
    return LayerData(name, spec.title, gdf, label, f.as_dict())


def _read_hotspots(conn, version: str | None, f: Filters) -> LayerData:
    runs, cells = t.hotspot_runs, t.hotspot_cells
    q = select(runs.c.id, runs.c.kind)
    run = conn.execute(q.order_by(runs.c.id.desc()) if version is None
                       else q.where(cast(runs.c.id, Text) == str(version))).first()
    if run is None:
        raise InputError(f"no hotspot run {version!r}" if version else "no hotspot run stored",
                         field="version")
    cols = [c for c in cells.c if c.name not in ("id", "geom")]  # the hexagon is drawn below
    rows = conn.execute(select(*cols).where(cells.c.run_id == run.id).order_by(cells.c.cell)).all()
    frame = pd.DataFrame({c.name: _column([r[i] for r in rows], c.type) for i, c in enumerate(cols)})
    frame.insert(2, "h3", [h3.int_to_str(int(c)) for c in frame["cell"]])
    frame.insert(1, "run_kind", run.kind)
    geoms = boundaries(frame["cell"].to_numpy(dtype="int64"))
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")
    gdf = _frame_filters(conn, gdf, HOTSPOTS, f, "category")
    return LayerData(HOTSPOTS, "热点 / hotspots", gdf, str(run.id), f.as_dict())


def _read_analysis(conn, name: str, version: str | None, f: Filters) -> LayerData:
    r, feats = t.analysis_results, t.analysis_features
    q = select(r.c.id, r.c.kind)
    if name != ANALYSIS:
        q = q.where(r.c.kind == name)
    if version is not None:
        q = q.where(cast(r.c.id, Text) == str(version))
    result = conn.execute(q.order_by(r.c.id.desc())).first()
    if result is None:
        what = f"analysis result {version!r}" if version else f"stored result of kind {name!r}"
        raise InputError(f"no {what}; layers are {', '.join(layer_names(conn.engine))}",
                         field="layer" if version is None else "version")
    rows = conn.execute(
        select(feats.c.id, feats.c.properties, func.ST_AsBinary(feats.c.geom))
        .where(feats.c.result_id == result.id).order_by(feats.c.id)
    ).all()
    gdf = _geoframe(rows, [("feature_id", BigInteger()), ("properties", JSONB()), ("geom", None)])
    gdf.insert(0, "kind", result.kind)
    gdf.insert(0, "result_id", pd.array([result.id] * len(gdf), dtype="Int64"))
    gdf = _frame_filters(conn, gdf, name, f, "category")
    return LayerData(name, f"分析结果 / analysis result ({result.kind})", gdf, str(result.id),
                     f.as_dict())


def read_layer(layer: str, version: str | None = None, filters: Filters | None = None,
               engine: Engine | None = None) -> LayerData:
    """The rows of `layer` (optionally one `version`) matching `filters`, personal data removed.

    `version`: a grid version name (grids, default the one in force), a boundary level
    (boundaries), a hotspot run id (hotspots, default the latest) or an analysis result
    id (default the latest of the kind). Raises InputError for unknown layers, versions
    or filter columns.
    """
    f = filters or Filters()
    with (engine or get_engine()).connect() as conn:
        if layer in TABLE_LAYERS:
            data = _read_table(conn, layer, version, f)
        elif layer == HOTSPOTS:
            data = _read_hotspots(conn, version, f)
        else:
            data = _read_analysis(conn, layer, version, f)
    gdf, dropped = drop_personal(data.gdf)
    data.gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs="EPSG:4326")
    never_read = ({c.name for c in TABLE_LAYERS[layer].table.c if is_personal(c.name)}
                  if layer in TABLE_LAYERS else set())
    data.personal_removed = sorted(never_read | set(dropped))
    return data
