"""Least privilege: what the application role may and may not do in the test database.

The code under test connects as the application role; the fixtures as the owner. Each
refusal below is PostgreSQL's own (privileges, ownership), not a check of ours.
"""

from __future__ import annotations

import psycopg
import pytest

from geo.db import roles
from geo.db.engine import libpq_dsn

FORBIDDEN = [
    "UPDATE audit_log SET action = 'x'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "UPDATE export_log SET rows = 0",
    "DELETE FROM export_log",
    "TRUNCATE export_log",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain",
    "ALTER TABLE audit_log DISABLE TRIGGER USER",
    "DROP TRIGGER audit_log_no_change ON audit_log",
    "UPDATE audit_chain SET last_id = 0",
    "DELETE FROM civicgrid_bulk_pending",
    "CREATE TABLE public.mine (x int)",
    "ALTER TABLE incidents ADD COLUMN x int",
    "DROP TABLE facilities",
    "CREATE OR REPLACE FUNCTION audit_log_hash(prev text, id bigint, at timestamptz, username text,"
    " action text, detail jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$",
    "SET session_replication_role = replica",
]


@pytest.fixture
def app(app_url, db_url):
    if app_url == db_url:
        pytest.skip("an existing server: the tests connect with the one URL given")
    with psycopg.connect(libpq_dsn(app_url)) as conn:
        yield conn


def test_the_application_role_is_no_superuser_and_owns_nothing(app):
    user, superuser, createrole, createdb = app.execute(
        "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
        "WHERE rolname = current_user"
    ).fetchone()
    assert (user, superuser, createrole, createdb) == (roles.APP, False, False, False)
    owned = app.execute(
        "SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole "
        "AND relnamespace = 'public'::regnamespace"
    ).fetchone()[0]
    assert owned == 0
    assert app.execute("SELECT has_table_privilege('audit_log', 'INSERT, SELECT')").fetchone()[0]


@pytest.mark.parametrize("statement", FORBIDDEN)
def test_the_application_role_may_not(app, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(statement)


def test_the_application_role_appends_to_both_logs(app):
    app.execute("INSERT INTO audit_log (action, detail) VALUES ('probe', '{}')")
    app.execute("INSERT INTO export_log (layer, format, rows) VALUES ('x', 'csv', 0)")
    app.rollback()


def test_bulk_functions_refuse_the_logs_and_full_tables(app):
    for table in ("audit_log", "export_log"):
        with pytest.raises(psycopg.errors.RaiseException, match="not a table civicgrid bulk-loads"):
            app.execute("SELECT civicgrid_bulk_open(%s)", (table,))
        app.rollback()
    app.execute(
        "INSERT INTO load_batches (kind, file_name, file_sha256, file_size) "
        "VALUES ('probe', 'p', 'p', 0)"
    )
    with pytest.raises(psycopg.errors.RaiseException, match="needs it empty"):
        app.execute("SELECT civicgrid_bulk_open('load_batches')")
    app.rollback()


def test_keys_dropped_for_a_bulk_load_must_be_back_before_commit(app, clean_db):
    app.execute("SELECT civicgrid_bulk_open('facilities')")
    with pytest.raises(psycopg.errors.RaiseException, match="not rebuilt"):
        app.commit()
    keys = app.execute(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'facilities'::regclass "
        "AND contype IN ('p', 'u', 'f')"
    ).fetchone()[0]
    assert keys >= 3  # the drop went with the refused commit


def test_stage_functions_take_only_partitioned_tables(app):
    for table in ("audit_log", "export_log", "facilities"):
        with pytest.raises(psycopg.errors.RaiseException, match="not a partitioned table"):
            app.execute("SELECT civicgrid_stage_create(%s, 1, '2025-01-01')", (table,))
        app.rollback()
    with pytest.raises(psycopg.errors.RaiseException, match="not a stage of the archive counts"):
        app.execute("SELECT civicgrid_counts_stage_drop('incidents')")
    app.rollback()
