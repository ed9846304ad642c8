"""The `civicgrid` command line: one sub-module per command group.

Every command that reports takes `--json` and then prints exactly one JSON object on
stdout. Exit status: 0 success, 1 unusable input (one line on stderr), 2 bad arguments.
"""

from __future__ import annotations

import importlib
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

# each module registers its commands on `app` when imported
COMMAND_MODULES = (
    "geo.cli.db",
    "geo.cli.sample",
    "geo.cli.load",
    "geo.cli.hotspots",
    "geo.cli.coverage",
    "geo.cli.grids",
    "geo.cli.export",
    "geo.cli.serve",
    "geo.cli.users",
    "geo.cli.demo",
    "geo.cli.audit",
)

for _name in COMMAND_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # a command group not written yet
        if exc.name != _name:
            raise


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
