"""Users and roles against the real database, through the CLI where users meet them."""

from __future__ import annotations

import json

from sqlalchemy import select

from geo.auth import authenticate, can_see
from geo.db.tables import audit_log, users


def test_add_list_login_and_passwd(clean_db, cli):
    env = {"CIVICGRID_NEW_PASSWORD": "correct horse"}
    added = cli("users", "add", "wang", "--role", "analyst", "--json", env=env)
    assert added.returncode == 0, added.stderr
    listed = json.loads(cli("users", "list", "--json").stdout)["users"]
    assert [(u["username"], u["role"]) for u in listed] == [("wang", "analyst")]
    assert authenticate(clean_db, "wang", "correct horse").role == "analyst"
    assert authenticate(clean_db, "wang", "wrong password") is None
    changed = cli(
        "users", "passwd", "wang", "--json", env={"CIVICGRID_NEW_PASSWORD": "battery staple"}
    )
    assert changed.returncode == 0, changed.stderr
    assert authenticate(clean_db, "wang", "correct horse") is None
    assert authenticate(clean_db, "wang", "battery staple") is not None
    with clean_db.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert stored.startswith("$argon2id$") and "battery" not in stored
    assert {"user_added", "login", "login_failed", "password_changed"} <= set(actions)


def test_bad_role_duplicate_user_and_short_password_are_one_line_errors(clean_db, cli):
    env = {"CIVICGRID_NEW_PASSWORD": "long enough"}
    bad_role = cli("users", "add", "li", "--role", "boss", env=env)
    assert bad_role.returncode == 1 and "unknown role" in bad_role.stderr
    assert len(bad_role.stderr.strip().splitlines()) == 1
    assert cli("users", "add", "li", "--role", "leader", env=env).returncode == 0
    again = cli("users", "add", "li", "--role", "leader", env=env)
    assert again.returncode == 1 and "exists already" in again.stderr
    short = cli("users", "add", "zhao", "--role", "leader", env={"CIVICGRID_NEW_PASSWORD": "short"})
    assert short.returncode == 1 and "at least 8" in short.stderr


def test_roles_see_only_their_pages():
    assert can_see("auditor", "/export") and not can_see("analyst", "/export")
    assert can_see("analyst", "/hotspots") and not can_see("planner", "/hotspots")
    assert can_see("planner", "/grids") and not can_see("auditor", "/grids")
    assert all(can_see(r, "/") for r in ("leader", "analyst", "planner", "auditor", "admin"))
    assert not can_see("leader", "/unknown-page") and can_see("admin", "/unknown-page")


def test_deactivate_refuses_sign_in_and_moves_the_session_epoch(clean_db, cli):
    from geo.auth import add_user, end_sessions
    from geo.auth.users import get_user

    user = add_user(clean_db, "chen", "correct horse", "planner")
    assert get_user(clean_db, user.id).epoch == 0
    end_sessions(clean_db, user.id)
    assert get_user(clean_db, user.id).epoch == 1
    done = cli("users", "deactivate", "chen", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"username": "chen", "active": False}
    after = get_user(clean_db, user.id)
    assert not after.active and after.epoch == 2
    assert authenticate(clean_db, "chen", "correct horse") is None
    missing = cli("users", "deactivate", "nobody")
    assert (
        missing.returncode == 1
        and "no user" in missing.stderr
        and "Traceback" not in missing.stderr
    )
    with clean_db.connect() as conn:
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert "user_deactivated" in actions
