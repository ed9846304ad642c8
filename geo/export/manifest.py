"""The manifest of an export: what was exported, how, by whom, and each file's SHA-256.

It travels inside the zip as `manifest.json`, so an auditor can check that no file was
changed after the export (`verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import geo

MANIFEST_NAME = "manifest.json"


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entries(paths: list[Path]) -> list[dict[str, Any]]:
    """[{name, bytes, sha256}] for each file, by base name (their names inside the zip)."""
    return [{"name": p.name, "bytes": p.stat().st_size, "sha256": sha256(p)} for p in paths]


def build(
    *,
    layer: str,
    title: str,
    version: str | None,
    filters: dict,
    fmt: str,
    rows: int,
    crs: dict,
    encoding: str,
    files: list[dict],
    user: str,
    personal_removed: list[str],
    field_names: dict[str, str] | None = None,
    notes: list[str] | None = None,
    export_id: int | None = None,
    created_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """The manifest as a dict (JSON-ready)."""
    return {
        "export_id": export_id,
        "layer": layer,
        "title": title,
        "version": version,
        "filters": filters,
        "format": fmt,
        "rows": rows,
        "crs": crs,
        "encoding": encoding,
        "files": files,
        "created_at": (created_at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "user": user,
        "personal_columns_removed": personal_removed,
        "field_names": field_names or {},
        "notes": notes or [],
        "software": f"civicgrid {geo.__version__}",
    }


def dumps(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2)


def verify(manifest: dict[str, Any], folder: Path) -> list[str]:
    """Names of the files in `folder` whose size or SHA-256 differ from the manifest."""
    return [
        e["name"]
        for e in manifest["files"]
        if not (folder / e["name"]).exists() or sha256(folder / e["name"]) != e["sha256"]
    ]
