"""`civicgrid vocab list | import FILE`: the code lists values are classified by."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, report
from geo.db.engine import get_engine
from geo.vocab import VOCABS

vocab_app = typer.Typer(
    help="词表 / vocabularies: incident categories, hazard categories, "
    "facility and key-site kinds, risk levels",
    no_args_is_help=True,
)
app.add_typer(vocab_app, name="vocab")
VOCAB_HELP = "词表 / vocabulary: " + " ".join(VOCABS)


def _table(result: dict) -> None:
    table = Table(title="词表 / vocabularies")
    for column in ("vocab", "code", "name", "parent", "aliases", "source"):
        table.add_column(column)
    for t in result["terms"]:
        table.add_row(
            t["vocab"],
            t["code"],
            t["name"],
            t["parent"] or "",
            "、".join(t["aliases"]),
            t["source"],
        )
    console.print(table)


@vocab_app.command("list")
def list_cmd(
    vocab: str = typer.Option(None, "--vocab", help=VOCAB_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """列出词表 / list the terms (code, name, parent 大类, aliases) of every vocabulary."""
    from geo.vocab.store import list_terms

    frame = list_terms(get_engine(), vocab)
    terms = [{**r, "aliases": list(r["aliases"])} for r in frame.to_dict("records")]
    report({"terms": terms}, as_json, _table)


@vocab_app.command("import")
def import_cmd(
    path: Path = typer.Argument(..., help="CSV / XLSX: code, name, parent, aliases [, vocab]"),
    vocab: str = typer.Option(
        None,
        "--vocab",
        help=VOCAB_HELP + " (when the file has no vocab column; default incident_category)",
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """导入词条 / add terms and aliases; stored rows with these values are reclassified
    and the incident counts of the reclassified batches follow at once.

    Aliases are separated by | ; ； or 、. A parent names the 大类 code of a 细类.
    """
    from geo.counts.refresh import move_reclassified
    from geo.vocab.store import import_terms
    from geo.vocab.terms import read_terms

    if vocab is not None and vocab not in VOCABS:
        raise typer.BadParameter(f"use one of {', '.join(VOCABS)}", param_hint="--vocab")
    result = import_terms(get_engine(), read_terms(path, vocab), move_reclassified, file=str(path))
    report(result, as_json)
