"""An export as auditors receive it: the files, a manifest, one zip, and two log rows.

`export_layer(...)` reads the layer, writes it in the format asked, hashes every file,
records the export in `export_log` and `audit_log` (one transaction, which also covers
writing the zip) and returns the zip's path with the manifest.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, insert

from geo import audit
from geo.config import state_dir
from geo.db.engine import get_engine
from geo.db.tables import export_log
from geo.errors import InputError
from geo.export import manifest as mf
from geo.export.catalogue import Filters, LayerData
from geo.export.fieldnames import shorten
from geo.export.formats import FORMATS, write
from geo.export.prepare import ENCODINGS, EXACT_DOUBLE, normalise_encoding, target_crs
from geo.export.store import read_layer


@dataclass(frozen=True)
class ExportResult:
    """The zip written, its manifest (also inside the zip) and the export_log id."""

    path: Path
    manifest: dict[str, Any]
    export_id: int


def default_folder() -> Path:
    """Where exports go when no --out is given: `.civicgrid/exports/`."""
    return state_dir() / "exports"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("_.")


def _notes(data: LayerData, fmt: str, crs_note: str | None) -> list[str]:
    gdf = data.gdf
    notes = [crs_note] if crs_note else []
    if fmt == "shp":
        if any(pd.api.types.is_datetime64_any_dtype(gdf[c]) for c in gdf.columns):
            notes.append(
                "date-times are ISO 8601 text in China Standard Time (+08:00): dBASE "
                "has no date-time type / 日期时间以文本保存（北京时间）"
            )
        big = [
            c
            for c in gdf.columns
            if pd.api.types.is_integer_dtype(gdf[c])
            and gdf[c].notna().any()
            and int(gdf[c].dropna().abs().max()) >= EXACT_DOUBLE
        ]
        if big:
            notes.append(f"integers beyond 2^53 written as text to stay exact: {', '.join(big)}")
        kinds = set(gdf.geometry.dropna().geom_type.str.replace("Multi", ""))
        if len(kinds) > 1:
            notes.append(
                f"mixed geometries written as one shapefile per kind: {sorted(kinds)} "
                "/ 不同几何类型分文件保存"
            )
    if fmt == "csv":
        notes.append("geometry as WKT in column WKT; .csvt gives column types")
    return notes


def _zip_path(out: str | Path | None, stem: str) -> Path:
    if out is None:
        return default_folder() / f"{stem}.zip"
    out = Path(out)
    if out.suffix.lower() == ".zip":
        return out
    return out / f"{stem}.zip"


def export_layer(
    layer: str,
    fmt: str = "shp",
    out: str | Path | None = None,
    *,
    version: str | None = None,
    where: Mapping[str, str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    category: Iterable[str] = (),
    encoding: str = "utf-8",
    crs: str = "EPSG:4490",
    user: str | None = None,
    engine: Engine | None = None,
) -> ExportResult:
    """Export `layer` as a zip (files + manifest.json) and log it; see the module doc.

    `out`: a `.zip` path, or a folder (the zip is named after layer, version, format and
    time); default `.civicgrid/exports/`. Raises InputError for bad options, an empty
    selection, values the encoding cannot hold, or a shapefile over 2 GB.
    """
    fmt = str(fmt).lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use {', '.join(FORMATS)}", field="format")
    encoding = normalise_encoding(encoding)
    target = target_crs(crs)
    engine = engine or get_engine()
    user = user or audit.current_user()
    filters = Filters(dict(where or {}), date_from, date_to, tuple(category))
    data = read_layer(layer, version, filters, engine)
    if data.gdf.empty:
        raise InputError(
            f"nothing to export: no rows of {layer} match the filters {filters.as_dict()}"
            if filters.as_dict()
            else f"nothing to export: layer {layer} is empty"
        )
    stem = _slug(layer).replace("-", "_") or "layer"
    now = dt.datetime.now(dt.UTC)
    name = "_".join(
        p for p in (stem, _slug(data.version or ""), fmt, now.strftime("%Y%m%dT%H%M%SZ")) if p
    )
    zip_path = _zip_path(out, name)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="civicgrid-export-") as tmp:
        files = write(data.gdf, Path(tmp) / stem, fmt, encoding=encoding, crs=crs)
        entries = mf.file_entries(files)
        columns = [c for c in data.gdf.columns if c != data.gdf.geometry.name]
        renamed = (
            {k: v for k, v in shorten(columns, encoding).items() if k != v} if fmt == "shp" else {}
        )
        written_encoding = ENCODINGS[encoding]
        crs_info = {
            "requested": crs,
            "name": target.name,
            "declared": target.declared.to_string(),
            "declared_name": target.declared.name,
            "note": target.note,
        }
        with engine.begin() as conn:
            export_id = conn.execute(
                insert(export_log)
                .values(
                    layer=layer,
                    version=data.version,
                    filters=filters.as_dict(),
                    format=fmt,
                    encoding=written_encoding,
                    crs=target.name,
                    rows=len(data.gdf),
                    files={e["name"]: e["sha256"] for e in entries},
                    path=str(zip_path.resolve()),
                    username=user,
                    created_at=now,
                )
                .returning(export_log.c.id)
            ).scalar_one()
            manifest = mf.build(
                layer=layer,
                title=data.title,
                version=data.version,
                filters=filters.as_dict(),
                fmt=fmt,
                rows=len(data.gdf),
                crs=crs_info,
                encoding=written_encoding,
                files=entries,
                user=user,
                personal_removed=data.personal_removed,
                field_names=renamed,
                notes=_notes(data, fmt, target.note),
                export_id=export_id,
                created_at=now,
            )
            partial = zip_path.with_suffix(".zip.part")
            try:
                with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
                    for f in files:
                        zf.write(f, arcname=f.name)
                    zf.writestr(mf.MANIFEST_NAME, mf.dumps(manifest))
                shutil.move(partial, zip_path)
            finally:
                partial.unlink(missing_ok=True)
            audit.record(
                conn,
                "export",
                {
                    "export_id": export_id,
                    "layer": layer,
                    "version": data.version,
                    "format": fmt,
                    "rows": len(data.gdf),
                    "filters": filters.as_dict(),
                    "path": str(zip_path.resolve()),
                    "zip_sha256": mf.sha256(zip_path),
                },
                username=user,
            )
    return ExportResult(zip_path, manifest, export_id)
