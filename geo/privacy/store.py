"""The secret key of the pseudonyms: read from the environment or from its key file.

`CIVICGRID_PII_KEY` gives the key itself (at least 32 characters; for a deployment that
keeps secrets in its service manager). Otherwise the key lives in a file —
`CIVICGRID_PII_KEY_FILE`, or `.civicgrid/pii.key` under the project home — created on
first use with 32 random bytes (64 hex characters), readable by its owner only (0600).
The key is never printed or logged. Losing it loses linkage: values loaded afterwards
get other pseudonyms than the same values loaded before.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from geo.config import state_dir
from geo.errors import CivicgridError

KEY_ENV = "CIVICGRID_PII_KEY"
KEY_FILE_ENV = "CIVICGRID_PII_KEY_FILE"
#: shortest key accepted (characters): shorter ones can be guessed
MIN_LENGTH = 32


class PiiKeyError(CivicgridError):
    """The pseudonym key is missing, too short or exposed."""


def key_path() -> Path:
    """Where the key file is (it may not exist yet)."""
    given = os.environ.get(KEY_FILE_ENV)
    return Path(given).expanduser() if given else state_dir() / "pii.key"


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first: use theirs
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")


def pii_key() -> str:
    """The key in force (created once when neither the variable nor the file exists)."""
    given = os.environ.get(KEY_ENV)
    if given is not None:
        key = given.strip()
        where = KEY_ENV
    else:
        path = key_path()
        if not path.exists():
            _create(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise PiiKeyError(
                f"the pseudonym key file {path} is readable by others "
                f"(mode {mode:o}); run chmod 600 on it"
            )
        key = path.read_text(encoding="utf-8").strip()
        where = str(path)
    if len(key) < MIN_LENGTH:
        raise PiiKeyError(f"the pseudonym key in {where} is shorter than {MIN_LENGTH} characters")
    return key
