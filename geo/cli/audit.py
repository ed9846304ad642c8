"""`civicgrid audit verify | list`: the audit trail and its hash chain."""

from __future__ import annotations

import datetime as dt
import json
import sys

import typer

from geo import audit
from geo.audit_chain import check
from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, report
from geo.db.engine import get_engine
from geo.localtime import TZ

audit_app = typer.Typer(help="审计日志 / the audit trail", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """校验审计链 / recompute the hash chain; exit 1 naming the first row that does not hold."""
    engine = get_engine()
    checked, problem = check(audit.rows(engine), audit.head(engine))
    out = {
        "ok": problem is None,
        "rows": checked,
        "first_bad_id": problem.id if problem else None,
        "reason": problem.reason if problem else None,
    }
    report(
        out, as_json, lambda o: console.print(f"审计链完整 / audit chain intact: {o['rows']} rows")
    )
    if problem:
        print(f"civicgrid: 审计链被篡改 / audit chain broken: {problem.reason}", file=sys.stderr)
        raise typer.Exit(1)


def _since(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), TZ)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD)", param_hint="--since"
        ) from exc


@audit_app.command("list")
def list_(
    since: str = typer.Option(None, "--since", help="first day (local time), YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """列出审计记录 / the audit rows, oldest first."""
    tz = TZ
    rows = [
        {
            "id": r.id,
            "at": r.at.astimezone(tz),
            "user": r.username,
            "action": r.action,
            "detail": json.loads(r.detail),
            "hash": r.hash,
        }
        for r in audit.rows(get_engine(), _since(since))
    ]

    def human(o: dict) -> None:
        for r in o["rows"]:
            console.print(
                f"{r['id']:>6}  {r['at']:%Y-%m-%d %H:%M:%S}  {r['user'] or '-'}  "
                f"{r['action']}  {r['detail']}",
                markup=False,
                highlight=False,
            )

    report({"rows": rows, "count": len(rows)}, as_json, human)
