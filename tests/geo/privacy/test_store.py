"""geo.privacy.store: the pseudonym key — from the environment, or a 0600 file created once."""

from __future__ import annotations

import stat

import pytest

from geo.privacy.store import KEY_ENV, KEY_FILE_ENV, PiiKeyError, key_path, pii_key


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    path = tmp_path / "secrets" / "pii.key"
    monkeypatch.setenv(KEY_FILE_ENV, str(path))
    return path


def test_created_once_owner_only_and_stable(key_file):
    assert not key_file.exists()
    first = pii_key()
    assert key_path() == key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) == 64 and int(first, 16) >= 0
    assert pii_key() == first  # read back, not made again


def test_default_place_is_under_the_project_home(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    monkeypatch.setenv("CIVICGRID_HOME", str(tmp_path))
    assert key_path() == tmp_path / ".civicgrid" / "pii.key"


def test_environment_key_wins_and_short_keys_are_refused(key_file, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "s" * 40)
    assert pii_key() == "s" * 40
    assert not key_file.exists()
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(PiiKeyError, match="shorter than 32") as info:
        pii_key()
    assert "short" not in str(info.value).replace("shorter", "")  # the key is never shown


def test_a_key_file_others_can_read_is_refused(key_file):
    pii_key()
    key_file.chmod(0o644)
    with pytest.raises(PiiKeyError, match="chmod 600"):
        pii_key()
