"""The audit trail's hash chain (migration 0006, geo.audit_chain, `civicgrid audit`).

Tampering needs the superuser (the application role may not alter the log at all, see
test_roles), so these tests run on databases of their own on the local cluster (copies
of one migrated template) and reach them as `postgres` over the cluster's socket.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from geo import audit
from geo.audit_chain import GENESIS, check, row_hash
from geo.db import cluster, migrate, roles
from geo.db.engine import get_engine, local_url


@pytest.fixture(scope="module")
def template(db_url):
    """A migrated database to copy for each test (migrating each would take seconds)."""
    if os.environ.get("CIVICGRID_DATABASE_URL"):
        pytest.skip("tampering needs the local cluster's superuser")
    url = make_url(db_url)
    url = url.set(database=f"{url.database}_audit").render_as_string(hide_password=False)
    cluster.drop_database(url)
    cluster.ensure_database(url)
    migrate.upgrade(url)
    yield make_url(url).database
    cluster.drop_database(url)


@pytest.fixture
def trail(template, monkeypatch):
    """(engine as the application role, superuser connection) on a database of its own
    holding five audit rows; the CLI run by `cli` uses the same database."""
    name = f"{template}_t"
    admin = cluster.admin_dsn(cluster.local_cluster())
    with psycopg.connect(admin, autocommit=True) as su:
        su.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        su.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(template), sql.Identifier(roles.OWNER)
            )
        )
    monkeypatch.setenv("CIVICGRID_DB_NAME", name)
    engine = get_engine(local_url(name))
    for i in range(5):
        audit.record(engine, "probe", {"n": i, "text": "中文 ü"}, username=f"user{i}")
    with psycopg.connect(cluster.admin_dsn(cluster.local_cluster(), name), autocommit=True) as su:
        yield engine, su
    engine.dispose()
    with psycopg.connect(admin, autocommit=True) as su:
        su.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _verify(cli) -> tuple[int, dict, str]:
    proc = cli("audit", "verify", "--json")
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def _tamper(su: psycopg.Connection, statement: str) -> None:
    """What a superuser can do: switch the log's triggers off, change it, switch them on."""
    su.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
    su.execute(statement)
    su.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")


def test_the_database_and_python_compute_the_same_chain(trail):
    engine, _ = trail
    rows = list(audit.rows(engine))
    assert [r.id for r in rows] == [1, 2, 3, 4, 5]
    prev = GENESIS
    for r in rows:
        assert r.prev_hash == prev
        assert r.hash == row_hash(prev, r.id, r.at, r.username, r.action, r.detail)
        prev = r.hash
    assert audit.head(engine) == (5, prev)


def test_verify_passes_on_a_clean_trail(trail, cli):
    code, out, _ = _verify(cli)
    assert code == 0 and out == {"ok": True, "rows": 5, "first_bad_id": None, "reason": None}


def test_a_row_changed_by_the_superuser_is_named(trail, cli):
    _, su = trail
    _tamper(su, "UPDATE audit_log SET detail = '{\"n\": 99}' WHERE id = 3")
    code, out, err = _verify(cli)
    assert code == 1 and out["first_bad_id"] == 3 and "changed" in out["reason"]
    assert "row 3" in err and len(err.strip().splitlines()) == 1


def test_a_changed_row_with_its_hash_recomputed_breaks_the_next_link(trail, cli):
    _, su = trail
    _tamper(
        su,
        "UPDATE audit_log SET username = 'mallory', hash = audit_log_hash(prev_hash, id, at, "
        "'mallory', action, detail) WHERE id = 2",
    )
    code, out, _ = _verify(cli)
    assert code == 1 and out["first_bad_id"] == 3 and "removed or inserted" in out["reason"]


def test_a_deleted_row_is_found(trail, cli):
    _, su = trail
    _tamper(su, "DELETE FROM audit_log WHERE id = 2")
    code, out, _ = _verify(cli)
    assert code == 1 and out["first_bad_id"] == 3 and "after row 1" in out["reason"]


def test_a_deleted_last_row_is_found(trail, cli):
    _, su = trail
    _tamper(su, "DELETE FROM audit_log WHERE id = 5")
    code, out, _ = _verify(cli)
    assert code == 1 and out["first_bad_id"] == 5 and "end" in out["reason"]


def test_a_row_inserted_out_of_order_is_found(trail, cli):
    _, su = trail
    # a well-formed row slipped in after row 3: the row that followed 3 no longer follows
    _tamper(
        su,
        "UPDATE audit_log SET id = id + 100 WHERE id >= 4; "
        "INSERT INTO audit_log (id, at, username, action, detail, prev_hash, hash) "
        "SELECT 4, at, 'mallory', 'login', '{}', hash, audit_log_hash(hash, 4, at, 'mallory', "
        "'login', '{}') FROM audit_log WHERE id = 3",
    )
    code, out, _ = _verify(cli)
    assert code == 1 and out["first_bad_id"] == 104 and "after row 4" in out["reason"]


def test_client_supplied_ids_times_and_hashes_are_ignored(trail):
    engine, _ = trail
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (id, at, action, prev_hash, hash) "
                "VALUES (1000, '2000-01-01', 'forged', 'x', 'y')"
            )
        )
    last = list(audit.rows(engine))[-1]
    assert (last.id, last.action) == (6, "forged") and last.at.year > 2000 and last.hash != "y"
    assert check(audit.rows(engine), audit.head(engine))[1] is None


def test_concurrent_writers_do_not_fork_the_chain(trail, cli):
    engine, _ = trail
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for i in range(15):
                with engine.begin() as conn:
                    audit.record(conn, "concurrent", {"writer": k, "i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = list(audit.rows(engine))
    assert [r.id for r in rows] == list(range(1, 5 + 6 * 15 + 1))
    assert len({r.prev_hash for r in rows}) == len(rows)  # no two rows follow the same one
    code, out, _ = _verify(cli)
    assert code == 0 and out["rows"] == 95


def test_list_since_a_day(trail, cli):
    proc = cli("audit", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["count"] == 5 and [r["user"] for r in out["rows"]] == [f"user{i}" for i in range(5)]
    assert out["rows"][0]["detail"] == {"n": 0, "text": "中文 ü"}
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert json.loads(cli("audit", "list", "--since", tomorrow, "--json").stdout)["count"] == 0
    assert cli("audit", "list", "--since", "yesterday").returncode == 2


def test_the_cli_actor_is_the_system_user(trail, cli):
    import pwd

    proc = cli(
        "users",
        "add",
        "chen",
        "--role",
        "analyst",
        "--json",
        env={
            "CIVICGRID_NEW_PASSWORD": "a-long-password-1",
            "CIVICGRID_USER": "mallory",
            "USER": "mallory",
            "LOGNAME": "mallory",
        },
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(cli("audit", "list", "--json").stdout)["rows"]
    assert (
        rows[-1]["action"] == "user_added" and rows[-1]["user"] == pwd.getpwuid(os.getuid()).pw_name
    )
