"""The load report: counts, CRS, encoding, personal columns, warnings — and the rejects CSV.

Reports live in `.civicgrid/reports/<database>/<batch_id>/` under the project home
(always writable, never next to a read-only source share; the database name keeps the
batches of the demo and test databases apart): `report.json` and
`<file>.rejects.csv` (row_number, field, reason, raw) — the same rows as load_rejects.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from geo.config import state_dir

#: the keys every report has (`--json` prints exactly these and a few more)
KEYS = (
    "status",
    "batch_id",
    "kind",
    "file",
    "read",
    "loaded",
    "rejected",
    "duplicates",
    "repaired",
    "inserted",
    "updated",
    "unchanged",
    "encoding",
    "crs",
    "personal_columns",
    "reasons",
    "warnings",
    "rejects_csv",
    "report_dir",
    "seconds",
)


def folder(database: str, batch_id: int) -> Path:
    """Where the reports of batch `batch_id` of `database` are written."""
    return state_dir() / "reports" / database / str(batch_id)


def write_rejects(database: str, batch_id: int, source: Path, rejects: pd.DataFrame) -> Path:
    """Write `<file>.rejects.csv` (UTF-8 with BOM so Excel shows Chinese) and return its path."""
    out = folder(database, batch_id)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{source.name}.rejects.csv"
    rejects.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def unclassified(
    database: str,
    batch_id: int,
    source: Path,
    found: dict[str, tuple[str, pd.Series, np.ndarray]],
    loaded: np.ndarray,
) -> list[dict[str, Any]]:
    """One entry per value no vocabulary knows among the loaded rows — field, vocabulary,
    value, count (most frequent first) and the command that adds it: `vocab import` of
    `<file>.<vocab>.csv`, written here with one term per value (set its parent to place
    it under a 大类, or add it as an alias of a known term)."""
    out: list[dict[str, Any]] = []
    folder_ = folder(database, batch_id)
    for name, (vocab, raw, unknown) in found.items():
        counts = raw[unknown & loaded].value_counts()
        if counts.empty:
            continue
        folder_.mkdir(parents=True, exist_ok=True)
        path = folder_ / f"{source.name}.{vocab}.csv"
        values = [str(v) for v in counts.index]
        pd.DataFrame({"code": values, "name": values, "parent": "", "aliases": ""}).to_csv(
            path, index=False, encoding="utf-8-sig"
        )
        command = f"civicgrid vocab import {path} --vocab {vocab}"
        out += [
            {"field": name, "vocab": vocab, "value": v, "count": int(n), "add": command}
            for v, n in zip(values, counts.to_numpy(), strict=True)
        ]
    return out


def write_json(report: dict[str, Any]) -> Path:
    """Write report.json beside the rejects CSV, whole or not at all: a second load of
    the same file finding the batch already there reads it, maybe while it is written."""
    out = Path(report["report_dir"])
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.json"
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=out, prefix=".report.", suffix=".tmp", delete=False
    ) as part:
        json.dump(report, part, ensure_ascii=False, indent=2, default=str)
    os.chmod(part.name, 0o644)  # as a plain write would leave it
    os.replace(part.name, path)
    return path


#: words of the personal-data lines, Chinese first
_WORDS = {
    "header": "表头 header",
    "content": "内容 content",
    "hash": "假名 hash",
    "drop": "删除 drop",
    "keep": "保留 keep",
}


def _personal(report: dict[str, Any]) -> str:
    """Each treated column with why and how: 'SFZH (表头 header, 假名 hash)',
    'column_7 (内容 content: mobile 97%, 假名 hash)'."""
    found = report.get("personal")
    if found is None:  # a report of an earlier batch
        return ", ".join(report["personal_columns"]) or "—"
    parts = []
    for f in found:
        why = _WORDS[f["why"]]
        if f["why"] == "content":
            why += f": {f['looks_like']} {f['share']:.0%}"
        parts.append(f"{f['column']} ({why}, {_WORDS[f['treatment']]})")
    return ", ".join(parts) or "—"


def _masked(report: dict[str, Any]) -> str:
    """'备注 6 (phone 3, id_number 2, email 1)' per column with masked substrings."""
    parts = []
    for m in report.get("masked", []):
        kinds = ", ".join(f"{k} {v}" for k, v in m.items() if k not in ("column", "total"))
        parts.append(f"{m['column']} {m['total']} ({kinds})")
    return "; ".join(parts) or "—"


def human(report: dict[str, Any], console: Console | None = None) -> None:
    """Print the report as a rich table (Chinese first, English after)."""
    console = console or Console()
    title = (
        "已加载过 / already loaded" if report["status"] == "already_loaded" else "加载完成 / loaded"
    )
    table = Table(title=f"{title}: {report['kind']} ← {report['file']}", show_header=False)
    table.add_column("item", style="bold")
    table.add_column("value")
    rows = [
        ("批次 / batch", report["batch_id"]),
        ("读取 / read", report["read"]),
        ("加载 / loaded", report["loaded"]),
        ("拒绝 / rejected", report["rejected"]),
        ("重复 / duplicates", report["duplicates"]),
        ("修复 / repaired", report["repaired"]),
        (
            "新增·更新·未变 / inserted·updated·unchanged",
            f"{report['inserted']} · {report['updated']} · {report['unchanged']}",
        ),
        ("表头行 / header row", report.get("header_row") or "—"),
        ("坐标系 / CRS", report["crs"]),
        ("编码 / encoding", report["encoding"]),
        ("个人信息列 / personal columns", _personal(report)),
        ("掩码 / masked in free text", _masked(report)),
        ("拒绝原因 / reasons", ", ".join(f"{k} {v}" for k, v in report["reasons"].items()) or "—"),
        ("拒绝清单 / rejects CSV", report["rejects_csv"] or "—"),
        (
            "未分类 / unclassified",
            ", ".join(f"{u['value']} {u['count']}" for u in report.get("unclassified", [])) or "—",
        ),
        ("用时 / seconds", report["seconds"]),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    for command in dict.fromkeys(u["add"] for u in report.get("unclassified", [])):
        console.print(f"[yellow]未分类值 / unclassified values[/yellow]: add them with `{command}`")
    for warning in report["warnings"]:
        console.print(f"[yellow]警告 / warning:[/yellow] {warning}")
