"""Exportable layers read from PostGIS as GeoDataFrames (EPSG:4326), with filters; the
choices an export offers (layers, versions, categories, districts).

Safety: statements are SQLAlchemy Core; every value is a bound parameter and every
identifier comes from the table definitions (geo.export.sql_filter refuses a filter on an
unknown column). Personal columns are never selected, and free attributes are screened
by the same policy (geo.export.privacy) after they are expanded.
"""

from __future__ import annotations

import geopandas as gpd
import h3
import pandas as pd
import shapely
from sqlalchemy import BigInteger, Engine, Text, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB

from geo.db import tables as t
from geo.db.engine import get_engine
from geo.errors import InputError
from geo.export.catalogue import ANALYSIS, HOTSPOTS, LEVELS, TABLE_LAYERS, Filters, LayerData
from geo.export.frame_filter import filter_frame
from geo.export.privacy import drop_personal, is_personal
from geo.export.rows import column, geoframe
from geo.export.sql_filter import table_conditions
from geo.hexes import boundaries


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
        return list(
            conn.execute(select(col).distinct().where(col.is_not(None)).order_by(col)).scalars()
        )


def districts(engine: Engine | None = None) -> list[tuple[str, str]]:
    """(code, name) of the districts `--where district=` accepts (code or name)."""
    a = t.admin_units
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(
            select(a.c.code, a.c.name).where(a.c.level == "district").order_by(a.c.code)
        ).all()
    return [(r.code, r.name) for r in rows]


def _district(conn, value: str):
    """The district (admin_units level 'district') with code or name `value`."""
    a = t.admin_units
    row = conn.execute(
        select(a.c.code, func.ST_AsBinary(a.c.geom).label("wkb")).where(
            a.c.level == "district", (a.c.code == value) | (a.c.name == value)
        )
    ).first()
    if row is None:
        raise InputError(f"no district with code or name {value!r}", field="district")
    return row


def _district_area(conn, f: Filters) -> shapely.Geometry | None:
    value = f.where.get("district")
    return None if value is None else shapely.from_wkb(bytes(_district(conn, value).wkb))


def _read_table(conn, name: str, version: str | None, f: Filters) -> LayerData:
    spec = TABLE_LAYERS[name]
    table = spec.table
    cols = [c for c in table.c if c.name != "geom" and not is_personal(c.name)]
    query_cols = [*cols]
    district = f.where.get("district")
    code = None if district is None else _district(conn, district).code
    conds = table_conditions(spec, name, f, code)
    label = None
    if spec.version == "grid_version":
        gv = t.grid_versions
        if version is None:
            row = conn.execute(
                select(gv.c.id, gv.c.name).where(gv.c.id.in_(select(t.grid_versions_in_force.c.id)))
            ).first()
        else:
            row = conn.execute(select(gv.c.id, gv.c.name).where(gv.c.name == version)).first()
        if row is None:
            raise InputError(
                f"no grid version {version!r}"
                if version
                else "no grid version is in force; name one with --version",
                field="version",
            )
        conds.append(table.c.version_id == row.id)
        label = row.name
    elif spec.version == "level" and version is not None:
        if version not in LEVELS:
            raise InputError(
                f"no boundary level {version!r}; use city, district, town or community",
                field="version",
            )
        conds.append(table.c.level == version)
        label = version
    elif version is not None:
        raise InputError(f"layer {name} has no versions", field="version")
    query = select(*query_cols, func.ST_AsBinary(table.c.geom)).where(*conds).order_by(table.c.id)
    rows = conn.execute(query).all()
    columns = [(c.name, c.type) for c in cols] + [("geom", None)]
    gdf = geoframe(rows, columns)
    if name == "grids":
        gdf.insert(0, "version", label)
    return LayerData(name, spec.title, gdf, label, f.as_dict())


def _read_hotspots(conn, version: str | None, f: Filters) -> LayerData:
    runs, cells = t.hotspot_runs, t.hotspot_cells
    q = select(runs.c.id, runs.c.kind)
    run = conn.execute(
        q.order_by(runs.c.id.desc())
        if version is None
        else q.where(cast(runs.c.id, Text) == str(version))
    ).first()
    if run is None:
        raise InputError(
            f"no hotspot run {version!r}" if version else "no hotspot run stored", field="version"
        )
    cols = [c for c in cells.c if c.name not in ("id", "geom")]  # the hexagon is drawn below
    rows = conn.execute(select(*cols).where(cells.c.run_id == run.id).order_by(cells.c.cell)).all()
    frame = pd.DataFrame({c.name: column([r[i] for r in rows], c.type) for i, c in enumerate(cols)})
    frame.insert(2, "h3", [h3.int_to_str(int(c)) for c in frame["cell"]])
    frame.insert(1, "run_kind", run.kind)
    geoms = boundaries(frame["cell"].to_numpy(dtype="int64"))
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")
    gdf = filter_frame(gdf, HOTSPOTS, f, "category", _district_area(conn, f))
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
        raise InputError(
            f"no {what}; layers are {', '.join(layer_names(conn.engine))}",
            field="layer" if version is None else "version",
        )
    rows = conn.execute(
        select(feats.c.id, feats.c.properties, func.ST_AsBinary(feats.c.geom))
        .where(feats.c.result_id == result.id)
        .order_by(feats.c.id)
    ).all()
    gdf = geoframe(rows, [("feature_id", BigInteger()), ("properties", JSONB()), ("geom", None)])
    # named apart from the features' own columns: a coverage-facilities row has a `kind`
    # (the facility kind) of its own, and inserting a second one raised ValueError
    gdf.insert(0, "result_kind", result.kind)
    gdf.insert(0, "result_id", pd.array([result.id] * len(gdf), dtype="Int64"))
    gdf = filter_frame(gdf, name, f, "category", _district_area(conn, f))
    return LayerData(
        name, f"分析结果 / analysis result ({result.kind})", gdf, str(result.id), f.as_dict()
    )


def read_layer(
    layer: str,
    version: str | None = None,
    filters: Filters | None = None,
    engine: Engine | None = None,
) -> LayerData:
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
    never_read = (
        {c.name for c in TABLE_LAYERS[layer].table.c if is_personal(c.name)}
        if layer in TABLE_LAYERS
        else set()
    )
    data.personal_removed = sorted(never_read | set(dropped))
    return data
