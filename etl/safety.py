"""Hostile-input guards for files users hand us: input size, and zip archives.

A zip is checked on its central directory before anything is extracted: member names
that climb out of the extraction folder (`../`, absolute or drive paths), symlink
members, too many members, members whose data overlap (the "overlapping" bombs that
make many members of one compressed kernel), a total uncompressed size over the input
limit and compression ratios only a bomb reaches. Extraction then streams each member with a
byte budget, so an archive whose headers lie still cannot fill the disk.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from etl.batch import content_files
from geo.config import settings
from geo.errors import InputError

#: members in one archive (a shapefile needs ~6; a folder of them a few dozen)
MAX_MEMBERS = 1000
#: uncompressed/compressed size ratio refused for members above RATIO_FLOOR bytes
MAX_RATIO = 200
RATIO_FLOOR = 1 << 20
_CHUNK = 1 << 20


def _mb(n: int) -> str:
    mb = n / (1 << 20)
    return f"{mb:,.0f} MB" if mb >= 10 else f"{mb:.2f} MB"


def check_input_size(path: Path, limit: int | None = None) -> None:
    """InputError when the file (a shapefile with its companions) exceeds the input limit."""
    limit = settings().max_input_bytes if limit is None else limit
    size = sum(part.stat().st_size for part in content_files(path))
    if size > limit:
        raise InputError(
            f"file too large ({_mb(size)}; the limit is {_mb(limit)}, CIVICGRID_MAX_INPUT_MB)",
            file=str(path),
        )


def unsafe_name(name: str) -> str | None:
    """Why a member name is unsafe to extract (None when it is safe)."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return "a path leaving the archive (..)"
    if "\0" in name:
        return "a NUL byte in its name"
    return None


def check_zip(archive: zipfile.ZipFile, limit: int | None = None) -> None:
    """InputError when the archive holds unsafe names, symlinks, too many members or a bomb."""
    limit = settings().max_input_bytes if limit is None else limit
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise InputError(f"zip holds {len(members)} members (the limit is {MAX_MEMBERS})")
    total = 0
    for info in members:
        why = unsafe_name(info.filename)
        if why:
            raise InputError(f"zip member {info.filename!r} has {why}; refused")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InputError(f"zip member {info.filename!r} is a symbolic link; refused")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError(
                f"zip member {info.filename!r} expands {_mb(info.file_size)} from "
                f"{info.compress_size:,} bytes (compression bomb); refused"
            )
        total += info.file_size
        if total > limit:
            raise InputError(
                f"zip expands to more than {_mb(limit)} (the input limit, "
                "CIVICGRID_MAX_INPUT_MB); refused"
            )
    _check_overlap(members)


def _check_overlap(members: list[zipfile.ZipInfo]) -> None:
    """InputError when a member's data begins inside another member's (a local header
    is 30 bytes plus the name before the compressed data)."""
    ordered = sorted(members, key=lambda i: i.header_offset)
    for info, following in zip(ordered, ordered[1:], strict=False):
        name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
        end = info.header_offset + 30 + len(name) + info.compress_size
        if following.header_offset < end:
            raise InputError(
                f"zip members {info.filename!r} and {following.filename!r} overlap "
                "(zip bomb); refused"
            )


def extract(archive: zipfile.ZipFile, name: str, folder: Path, limit: int | None = None) -> Path:
    """Stream member `name` into `folder` under its base name, stopping past the byte budget."""
    limit = settings().max_input_bytes if limit is None else limit
    info = archive.getinfo(name)
    budget = min(info.file_size, limit)
    target = folder / PurePosixPath(name.replace("\\", "/")).name
    written = 0
    with archive.open(info) as src, target.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise InputError(f"zip member {name!r} expands beyond its declared size; refused")
            dst.write(chunk)
    return target


__all__ = ["MAX_MEMBERS", "MAX_RATIO", "check_input_size", "check_zip", "extract", "unsafe_name"]
