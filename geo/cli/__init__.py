"""The `civicgrid` command line: one sub-module per command group.

Every command that reports takes `--json` and then prints exactly one JSON object on
stdout. Exit status: 0 success, 1 unusable input (one line on stderr), 2 bad arguments.
"""

from __future__ import annotations

import sys

import typer

from geo.errors import CivicgridError, database_said

app = typer.Typer(
    name="civicgrid",
    help="civicgrid: 城市社会治理地理分析平台 / geospatial analytics for city social governance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# each module registers its commands on `app` when imported (after `app` exists); a
# missing module is an error, never a command group silently left out
# (in the order `civicgrid --help` lists them)
from geo.cli import db, sample, load, hotspots, coverage, grids  # noqa: E402, F401, I001
from geo.cli import export, serve, users, demo, warning, vocab, audit, items, brief, basemap  # noqa: E402, F401, I001


def main() -> None:
    """Entry point: turn civicgrid and database errors into one line on stderr and exit
    status 1."""
    from psycopg import Error as DriverError
    from sqlalchemy.exc import SQLAlchemyError

    try:
        app()
    except CivicgridError as exc:
        print(f"civicgrid: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except (SQLAlchemyError, DriverError) as exc:
        print(f"civicgrid: database error: {database_said(exc)}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("civicgrid: interrupted", file=sys.stderr)
        sys.exit(130)
