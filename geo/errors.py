"""Errors the CLI turns into one clear line and an exit status, never a traceback."""

from __future__ import annotations


class CivicgridError(Exception):
    """Base of errors that end a command with a one-line message (exit status 1)."""

    exit_code = 1


class InputError(CivicgridError):
    """The input cannot be used; says which file, row and field when known."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file, self.row, self.field, self.reason = file, row, field, message
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row}" if row is not None else None,
                f"field {field}" if field else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class DatabaseError(CivicgridError):
    """The database is missing, down, or not migrated."""


def database_said(exc: BaseException) -> str:
    """The first line of what the database said: the driver's error when SQLAlchemy
    wraps one (not SQLAlchemy's statement dump), the error's type when it said nothing."""
    said = str(getattr(exc, "orig", None) or exc).strip()
    return (said.splitlines() or [type(exc).__name__])[0]
