"""The two database roles of civicgrid and the passwords of the local cluster's.

- `OWNER` owns the schema and its tables and runs the migrations.
- `APP` is what the dashboard and the load and analysis commands connect as: no
  superuser, no DDL (the few schema changes a load makes — month partitions, bulk
  loads into an empty table — go through SECURITY DEFINER functions owned by
  `OWNER` that check what they are asked), and only INSERT and SELECT on the audit
  and export logs.

On the local cluster both log in with scram-sha-256 passwords over TCP. The
passwords are generated once by `civicgrid db up` and kept, mode 0600, in
`.civicgrid/db-passwords.json` under the project home. Administration (creating
databases, roles, the PostGIS extension) goes through the cluster's Unix socket as
`postgres`, authenticated by peer.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from geo.config import state_dir

OWNER = "civicgrid_owner"
APP = "civicgrid_app"
ROLES = (OWNER, APP)


def password_file() -> Path:
    return state_dir() / "db-passwords.json"


def passwords() -> dict[str, str] | None:
    """The local roles' passwords, or None before `civicgrid db up` made them."""
    path = password_file()
    if not path.exists():
        return None
    return json.loads(path.read_text())


def ensure_passwords() -> dict[str, str]:
    """The local roles' passwords, generated (and written 0600) on first call."""
    known = passwords() or {}
    if all(role in known for role in ROLES):
        return known
    known = {role: known.get(role) or secrets.token_urlsafe(32) for role in ROLES}
    path = password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(known, fh)
    os.chmod(path, 0o600)
    return known
