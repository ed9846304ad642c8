"""The service-item list in PostGIS: revisions, import (audited), the list in use, and
the point layers its items count (the workload itself: geo.grids.workload)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, insert, select, text

from geo import audit
from geo.db.points import latest_incident, read_incidents, read_points
from geo.db.tables import service_item_lists, service_items
from geo.errors import InputError
from geo.items.catalogue import ITEM_COLUMNS, parse
from geo.jsonable import jsonable


def default_list() -> Path:
    """The editable default list that ships in data/."""
    return Path(__file__).resolve().parents[2] / "data" / "service_items.csv"


def read_file(path: Path) -> pd.DataFrame:
    """A list file as text cells: CSV (UTF-8, with or without BOM, or GBK) or XLSX."""
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str)
    if suffix != ".csv":
        raise InputError("an item list is a .csv or .xlsx file", file=str(path))
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return pd.read_csv(path, dtype=str, encoding=encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("cannot read the file as UTF-8 or GBK text", file=str(path))


def _digest(items: pd.DataFrame) -> str:
    rows = items[list(ITEM_COLUMNS)].astype(object).where(items.notna(), None).to_dict("records")
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def current(
    engine: Engine, revision: int | None = None
) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """(revision row, items) of the list in use (the latest revision) or of `revision`."""
    with engine.connect() as c:
        query = select(service_item_lists).order_by(service_item_lists.c.revision.desc()).limit(1)
        if revision is not None:
            query = select(service_item_lists).where(service_item_lists.c.revision == revision)
        head = c.execute(query).mappings().first()
        if head is None:
            if revision is not None:
                raise InputError(f"no item list revision {revision}", field="revision")
            return None
        items = pd.read_sql(
            select(*(service_items.c[n] for n in ITEM_COLUMNS))
            .where(service_items.c.list_id == head["id"])
            .order_by(service_items.c.code),
            c,
        )
    return dict(head), items


def revisions(engine: Engine) -> list[dict[str, Any]]:
    """Every revision of the list, oldest first, with its item count."""
    with engine.connect() as c:
        rows = (
            c.execute(
                text(
                    "SELECT l.revision, l.source, l.sha256, l.note, l.username, l.created_at, count(i.id) AS items "
                    "FROM service_item_lists l LEFT JOIN service_items i ON i.list_id = l.id "
                    "GROUP BY l.id ORDER BY l.revision"
                )
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def _changes(old: pd.DataFrame | None, new: pd.DataFrame) -> dict[str, list[str]]:
    before = {} if old is None else {r["code"]: r for r in jsonable(old.to_dict("records"))}
    after = {r["code"]: r for r in jsonable(new.to_dict("records"))}
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
    }


def import_list(
    engine: Engine, path: Path | None = None, note: str | None = None
) -> dict[str, Any]:
    """Make the list in `path` (default: data/service_items.csv) the one in use: a new
    revision when it differs from the current one, audited ('items.import') with what was
    added, removed and changed; the same list again changes nothing."""
    path = Path(path) if path is not None else default_list()
    items = parse(read_file(path), str(path))
    sha = _digest(items)
    with engine.begin() as c:
        c.execute(text("LOCK TABLE service_item_lists IN SHARE ROW EXCLUSIVE MODE"))
        row = (
            c.execute(
                select(service_item_lists).order_by(service_item_lists.c.revision.desc()).limit(1)
            )
            .mappings()
            .first()
        )
        old = None
        if row is not None:
            if row["sha256"] == sha:
                return {
                    "status": "unchanged",
                    "revision": row["revision"],
                    "items": len(items),
                    "file": str(path),
                    "added": [],
                    "removed": [],
                    "changed": [],
                }
            old = pd.read_sql(
                select(*(service_items.c[n] for n in ITEM_COLUMNS)).where(
                    service_items.c.list_id == row["id"]
                ),
                c,
            )
        revision = (row["revision"] if row is not None else 0) + 1
        list_id = c.execute(
            insert(service_item_lists)
            .values(
                revision=revision,
                source=path.name,
                sha256=sha,
                note=note,
                username=audit.current_user(),
            )
            .returning(service_item_lists.c.id)
        ).scalar_one()
        records = jsonable(items.astype(object).where(items.notna(), None).to_dict("records"))
        c.execute(insert(service_items), [{**r, "list_id": list_id} for r in records])
        changes = _changes(old, items)
        audit.record(
            c,
            "items.import",
            {"revision": revision, "file": path.name, "sha256": sha, "note": note, **changes},
        )
    return {
        "status": "imported",
        "revision": revision,
        "items": len(items),
        "file": str(path),
        **changes,
    }


def in_use(engine: Engine, revision: int | None = None) -> tuple[int | None, pd.DataFrame]:
    """(revision, items) of the list every workload uses: the latest revision in PostGIS
    (or `revision`), else the default list of data/ (revision None) — the one documented
    default, so a database without an imported list still has a workload."""
    found = current(engine, revision)
    if found is not None:
        return found[0]["revision"], found[1]
    path = default_list()
    return None, parse(read_file(path), str(path))


def read_layers(engine: Engine, as_of: pd.Timestamp | None = None) -> dict[str, Any]:
    """The point layers items count: rentals, hazards, key sites, and the incidents of the
    12 months up to `as_of` (default: the latest one, the data's own date)."""
    end = as_of if as_of is not None else latest_incident(engine)
    incidents = None
    if end is not None:
        incidents = read_incidents(
            engine,
            since=end - pd.Timedelta(days=365),
            until=end,
            columns=("occurred_at", "category"),
        )
    return {
        "rentals": read_points(engine, "rentals", columns=("source_key",)),
        "hazards": read_points(engine, "hazards", columns=("risk_level",)),
        "key_sites": read_points(engine, "key_sites", columns=("kind",)),
        "incidents": incidents,
    }
