"""The registered base maps: archives copied under `.civicgrid/basemaps/<database>/`.

`add` checks an archive (geo.basemap.archive), copies it next to a small JSON record
(name, format, zooms, bounds, vector layers, SHA-256, where it came from, when), so
the map keeps working when the GIS unit's share is gone; `entries` lists the records
in the order they were added (later ones are drawn above); `remove` deletes one. The
database name keeps the base maps of the demo and test databases apart, as the load
reports are kept. Copies are written to a temporary name and renamed, so a server
reading the folder never sees half a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.basemap import features
from geo.basemap.archive import Archive, open_archive
from geo.config import state_dir
from geo.errors import InputError

NAME_RULE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
RECORD_SUFFIX = ".json"


@dataclass(frozen=True)
class Entry:
    """One registered base map (what `basemap list --json` prints per archive)."""

    name: str
    format: str
    file: str
    source: str
    sha256: str
    bytes: int
    minzoom: int
    maxzoom: int
    bounds: list[float] | None
    layers: list[str]
    added_at: str

    def as_dict(self) -> dict:
        return asdict(self)


def folder(database: str) -> Path:
    """Where the base maps of `database` are kept."""
    return state_dir() / "basemaps" / database


def name_for(path: Path, name: str | None = None) -> str:
    """The entry name: `name` when given, else the file's stem, lower-cased with other
    characters than a-z, 0-9, _ and - made `-`; refused when nothing usable is left."""
    raw = name if name is not None else path.stem
    clean = re.sub(r"[^a-z0-9_-]+", "-", raw.lower()).strip("-")
    if not NAME_RULE.match(clean) or (name is not None and clean != name):
        raise InputError(
            f"{raw!r} is not a usable base map name: use 1–64 of a-z, 0-9, _ and -, "
            "starting with a letter or digit"
        )
    return clean


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def entries(database: str) -> list[Entry]:
    """The base maps of `database`, oldest first (drawn in that order, bottom up)."""
    where = folder(database)
    if not where.is_dir():
        return []
    found = []
    for record in where.glob(f"*{RECORD_SUFFIX}"):
        try:
            found.append(Entry(**json.loads(record.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            continue  # a record being replaced or damaged: not drawn
    return sorted(found, key=lambda e: (e.added_at, e.name))


def stamp(database: str) -> str:
    """A cheap fingerprint of the registered base maps (record names and times), which
    changes with every add, replace and remove: cached map views key on it."""
    where = folder(database)
    if not where.is_dir():
        return ""
    records = []
    for record in sorted(where.glob(f"*{RECORD_SUFFIX}")):
        try:
            records.append(f"{record.stem}@{record.stat().st_mtime_ns}")
        except FileNotFoundError:
            continue
    return ",".join(records)


def get(database: str, name: str) -> Entry:
    """The entry called `name`; InputError naming the registered ones when there is none."""
    for entry in entries(database):
        if entry.name == name:
            return entry
    known = ", ".join(e.name for e in entries(database)) or "none"
    raise InputError(f"no base map named {name!r} (registered: {known})")


def add(database: str, path: Path, name: str | None = None, replace: bool = False) -> Entry:
    """Check `path` and register a copy of it as base map `name` (default: its stem)."""
    archive = open_archive(path)
    try:
        info = archive.info
    finally:
        archive.close()
    entry_name = name_for(path, name)
    where = folder(database)
    record = where / f"{entry_name}{RECORD_SUFFIX}"
    if record.exists() and not replace:
        raise InputError(
            f"a base map named {entry_name!r} is registered already; "
            "remove it first or add with --replace"
        )
    where.mkdir(parents=True, exist_ok=True)
    target = where / f"{entry_name}.{info.format}"
    partial = where / f".{entry_name}.{info.format}.partial"
    shutil.copyfile(path, partial)
    os.replace(partial, target)
    entry = Entry(
        name=entry_name,
        format=info.format,
        file=str(target),
        source=str(path.resolve()),
        sha256=_sha256(target),
        bytes=target.stat().st_size,
        minzoom=info.minzoom,
        maxzoom=info.maxzoom,
        bounds=list(info.bounds) if info.bounds else None,
        layers=list(info.layers),
        added_at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
    )
    for other in where.glob(f"{entry_name}.*"):  # the other format's copy of a replaced entry
        if other not in (target, record):
            other.unlink()
    partial_record = where / f".{entry_name}{RECORD_SUFFIX}.partial"
    partial_record.write_text(
        json.dumps(entry.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    os.replace(partial_record, record)
    return entry


def remove(database: str, name: str) -> Entry:
    """Unregister base map `name` and delete its copy; the removed entry."""
    entry = get(database, name)
    (folder(database) / f"{name}{RECORD_SUFFIX}").unlink()
    Path(entry.file).unlink(missing_ok=True)
    return entry


def open_entry(entry: Entry) -> Archive:
    """The registered copy of `entry`, opened."""
    return open_archive(Path(entry.file))


def shapes(
    database: str, bounds: tuple[float, float, float, float], max_tiles: int = 16
) -> gpd.GeoDataFrame | None:
    """The features of `database`'s base maps over `bounds` (west, south, east, north;
    WGS-84) with their `layer` and style `class`, each archive read at the highest zoom
    that covers `bounds` in at most `max_tiles` tiles; None when no base map is registered."""
    registered = entries(database)
    if not registered:
        return None
    frames = [gpd.GeoDataFrame({"layer": [], "class": []}, geometry=[], crs=features.WGS84)]
    for entry in registered:
        archive = open_entry(entry)
        try:
            z = features.zoom_for(bounds, entry.minzoom, entry.maxzoom, max_tiles)
            for t in features.tiles_covering(bounds, z)[:max_tiles]:
                data = archive.tile(*t)
                if data:
                    frames.append(features.decode(data, *t))
        finally:
            archive.close()
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=features.WGS84)
