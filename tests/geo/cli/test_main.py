"""geo.cli.main: errors end a command with one line on stderr, never a traceback."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DataError

import geo.cli


def _exit_code(monkeypatch, error: BaseException) -> int:
    """main()'s exit status when the command raises `error`."""

    def fails() -> None:
        raise error

    monkeypatch.setattr(geo.cli, "app", fails)
    with pytest.raises(SystemExit) as exit_:
        geo.cli.main()
    return exit_.value.code


def test_a_database_error_is_one_line_with_what_the_database_said(monkeypatch, capsys, db_url):
    engine = create_engine(db_url)
    with pytest.raises(DataError) as raised, engine.connect() as conn:
        conn.execute(text("SELECT CAST(:j AS jsonb)"), {"j": '{"unit_code": NaN}'})
    engine.dispose()
    code = _exit_code(monkeypatch, raised.value)
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("civicgrid: database error: invalid input syntax for type json")
    assert "SQL:" not in err and "Background" not in err


def test_a_driver_error_outside_sqlalchemy_is_one_line_too(monkeypatch, capsys):
    code = _exit_code(
        monkeypatch, psycopg.OperationalError("connection refused\nIs the server running?")
    )
    assert (
        code == 1 and capsys.readouterr().err == "civicgrid: database error: connection refused\n"
    )
