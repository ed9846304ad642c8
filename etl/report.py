"""The load report: counts, CRS, encoding, personal columns, warnings — and the rejects CSV.

Reports live in `.civicgrid/reports/<database>/<batch_id>/` under the project home
(always writable, never next to a read-only source share; the database name keeps the
batches of the demo and test databases apart): `report.json` and
`<file>.rejects.csv` (row_number, field, reason, raw) — the same rows as load_rejects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from geo.config import state_dir

#: the keys every report has (`--json` prints exactly these and a few more)
KEYS = ("status", "batch_id", "kind", "file", "read", "loaded", "rejected", "duplicates",
        "repaired", "inserted", "updated", "unchanged", "encoding", "crs", "personal_columns",
        "reasons", "warnings", "rejects_csv", "report_dir", "seconds")


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


def write_json(report: dict[str, Any]) -> Path:
    """Write report.json beside the rejects CSV."""
    out = Path(report["report_dir"])
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


#: words of the personal-data lines, Chinese first
_WORDS = {"header": "表头 header", "content": "内容 content", "hash": "假名 hash",
          "drop": "删除 drop", "keep": "保留 keep"}


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
    title = ("已加载过 / already loaded" if report["status"] == "already_loaded"
             else "加载完成 / loaded")
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
        ("新增·更新·未变 / inserted·updated·unchanged",
         f"{report['inserted']} · {report['updated']} · {report['unchanged']}"),
        ("坐标系 / CRS", report["crs"]),
        ("编码 / encoding", report["encoding"]),
        ("个人信息列 / personal columns", _personal(report)),
        ("掩码 / masked in free text", _masked(report)),
        ("拒绝原因 / reasons", ", ".join(f"{k} {v}" for k, v in report["reasons"].items()) or "—"),
        ("拒绝清单 / rejects CSV", report["rejects_csv"] or "—"),
        ("用时 / seconds", report["seconds"]),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    for warning in report["warnings"]:
        console.print(f"[yellow]警告 / warning:[/yellow] {warning}")
