"""The local cluster's authentication and roles, as `civicgrid db up` sets them up.

On a cluster of its own (`private_cluster`): the shared cluster is never reconfigured.
"""

from __future__ import annotations

import json
import stat

import psycopg
import pytest

from geo.db import cluster, roles
from geo.db.engine import libpq_dsn, local_url
from geo.errors import DatabaseError
from tests.conftest import private_cluster, run_cli


@pytest.fixture(scope="module")
def own():
    """A private cluster brought up by `civicgrid db up` (a subprocess, as a user runs it)."""
    try:
        cluster.find_bindir()
    except DatabaseError:
        pytest.skip("needs a local PostgreSQL server")
    with private_cluster() as c:
        up = run_cli("db", "up", "--json")
        assert up.returncode == 0, up.stderr
        yield c, json.loads(up.stdout)


def _connect(**kw) -> psycopg.Connection:
    return psycopg.connect(connect_timeout=5, **kw)


def test_db_up_makes_both_roles_with_passwords_kept_0600(own):
    c, up = own
    assert up["revision"] is not None and "civicgrid_app" in up["url"] and "***" in up["url"]
    mode = stat.S_IMODE(roles.password_file().stat().st_mode)
    assert mode == 0o600
    secrets = roles.passwords()
    assert set(secrets) == set(roles.ROLES) and len(set(secrets.values())) == 2
    with _connect(conninfo=cluster.admin_dsn(c)) as su:
        found = su.execute(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, "
            "left(rolpassword, 14) FROM pg_authid WHERE rolname = ANY(%s) ORDER BY 1",
            (list(roles.ROLES),),
        ).fetchall()
    assert found == [
        (roles.APP, False, False, False, "SCRAM-SHA-256$"),
        (roles.OWNER, False, False, False, "SCRAM-SHA-256$"),
    ]


def test_tcp_needs_the_password(own):
    c, _ = own
    with _connect(conninfo=libpq_dsn(local_url())) as conn:  # with it
        assert conn.execute("SELECT current_user").fetchone()[0] == roles.APP
    for user, password in ((roles.APP, "wrong"), (roles.APP, None), (roles.OWNER, "wrong")):
        with pytest.raises(psycopg.OperationalError, match="password"):
            _connect(
                host="127.0.0.1", port=c.port, user=user, password=password, dbname="civicgrid"
            )


def test_postgres_only_by_peer_on_the_socket(own):
    c, _ = own
    with _connect(conninfo=cluster.admin_dsn(c)) as su:  # this process's system user is mapped
        assert su.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[
            0
        ]
    with pytest.raises(psycopg.OperationalError, match="rejects|no pg_hba.conf entry|password"):
        _connect(host="127.0.0.1", port=c.port, user="postgres", dbname="postgres")
    with pytest.raises(
        psycopg.OperationalError, match="password"
    ):  # other roles: password on the socket too
        _connect(host=str(c.sockdir), port=c.port, user=roles.APP, dbname="civicgrid")
    hba = [
        line.split()
        for line in (c.datadir / "pg_hba.conf").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert {tuple(line[-1:]) for line in hba} <= {
        ("map=civicgrid",),
        ("scram-sha-256",),
        ("reject",),
    }
    assert not any("trust" in line for line in hba)


def test_db_status_reports_who_may_alter_the_audit_log(own):
    app = json.loads(run_cli("db", "status", "--json").stdout)
    assert (app["role"], app["superuser"], app["may_alter_audit_log"]) == (roles.APP, False, False)
    owner = run_cli(
        "db", "status", "--json", env={"CIVICGRID_DATABASE_URL": local_url(role=roles.OWNER)}
    )
    out = json.loads(owner.stdout)
    assert (out["role"], out["superuser"], out["may_alter_audit_log"]) == (roles.OWNER, False, True)
    assert "may alter the audit log" in owner.stderr


def test_db_up_again_keeps_the_passwords_and_the_chain(own):
    before = roles.passwords()
    again = run_cli("db", "up", "--json")
    assert again.returncode == 0, again.stderr
    assert roles.passwords() == before
    assert run_cli("audit", "verify", "--json").returncode == 0
