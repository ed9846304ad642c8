"""How commands report: one JSON object with --json, a readable rich table otherwise."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable
from typing import Any

from rich.console import Console

console = Console(stderr=False)
err_console = Console(stderr=True)

JSON_OPTION_HELP = "print exactly one JSON object on stdout / 以 JSON 输出"


def _default(obj: Any) -> Any:
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    if isinstance(obj, decimal.Decimal):
        return float(obj)
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


def to_json(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_default)


def report(
    obj: dict[str, Any], as_json: bool, human: Callable[[dict[str, Any]], None] | None = None
) -> None:
    """Print `obj` as one JSON line, or hand it to `human` (default: key: value lines)."""
    if as_json:
        print(to_json(obj))
    elif human is not None:
        human(obj)
    else:
        for key, value in obj.items():
            console.print(f"[bold]{key}[/bold]: {value}")
