"""Dashboard users in PostGIS: add, change password, deactivate, list, authenticate.

Each user has a session epoch: a dashboard session is valid only while the epoch it was
issued under is the user's current one. A password change, a deactivation or
`end_sessions` (sign-out) moves it on, which ends every session of that user at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from geo import audit
from geo.auth.passwords import hash_password, verify_password
from geo.auth.roles import ROLES
from geo.db.tables import users
from geo.errors import InputError


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    active: bool
    #: sessions issued under another epoch are void
    epoch: int = 0


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; one of {', '.join(ROLES)}", field="role")


def add_user(engine: Engine, username: str, password: str, role: str) -> User:
    _check_role(role)
    if not username.strip():
        raise InputError("username is empty", field="username")
    try:
        pw = hash_password(password)
    except ValueError as exc:
        raise InputError(str(exc), field="password") from exc
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise InputError(f"user {username!r} exists already", field="username")
        uid = conn.execute(
            insert(users)
            .values(username=username, password_hash=pw, role=role)
            .returning(users.c.id)
        ).scalar_one()
        audit.record(conn, "user_added", {"username": username, "role": role})
    return User(uid, username, role, True)


def set_password(engine: Engine, username: str, password: str) -> None:
    try:
        pw = hash_password(password)
    except ValueError as exc:
        raise InputError(str(exc), field="password") from exc
    _change_and_end_sessions(engine, username, "password_changed", password_hash=pw)


def deactivate_user(engine: Engine, username: str) -> None:
    """Refuse every later sign-in of `username` and end the sessions it has."""
    _change_and_end_sessions(engine, username, "user_deactivated", active=False)


def _change_and_end_sessions(engine: Engine, username: str, action: str, **values) -> None:
    """Set `values` on `username`, move its session epoch on (every session of it ends)
    and audit `action`, in one transaction; InputError for an unknown user."""
    with engine.begin() as conn:
        done = conn.execute(
            update(users)
            .where(users.c.username == username)
            .values(**values, session_epoch=users.c.session_epoch + 1)
        )
        if done.rowcount == 0:
            raise InputError(f"no user {username!r}", field="username")
        audit.record(conn, action, {"username": username})


def end_sessions(engine: Engine, user_id: int) -> None:
    """End every session of the user (sign-out ends them on every browser)."""
    with engine.begin() as conn:
        conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(session_epoch=users.c.session_epoch + 1)
        )


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.active).order_by(users.c.id)
        )
        return [User(*r) for r in rows]


def get_user(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                users.c.id, users.c.username, users.c.role, users.c.active, users.c.session_epoch
            ).where(users.c.id == user_id)
        ).first()
    return User(*row) if row else None


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The user when the password matches and the account is active; logs the attempt."""
    with engine.begin() as conn:
        row = conn.execute(
            select(
                users.c.id,
                users.c.username,
                users.c.role,
                users.c.active,
                users.c.session_epoch,
                users.c.password_hash,
            ).where(users.c.username == username)
        ).first()
        ok = bool(row and row.active and verify_password(row.password_hash, password))
        audit.record(
            conn, "login" if ok else "login_failed", {"username": username}, username=username
        )
    return User(row.id, row.username, row.role, row.active, row.session_epoch) if ok else None
