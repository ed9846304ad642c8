"""Text encodings of Chinese government files: UTF-8 (with or without BOM) or GBK.

Order of authority: a shapefile's .cpg, then the user's `--encoding`, then detection
(strict UTF-8 first, GB18030 — a superset of GBK — when that fails).
"""

from __future__ import annotations

import codecs
from pathlib import Path

from geo.errors import InputError

#: .cpg / option spellings → Python codec names we report
_ALIASES = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf_8": "utf-8",
    "65001": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "gbk": "gbk",
    "cp936": "gbk",
    "936": "gbk",
    "ansi 936": "gbk",
    "gb2312": "gbk",
    "gb18030": "gb18030",
}

BOM = codecs.BOM_UTF8


def normalise(name: str) -> str:
    """Canonical codec name for an encoding given by a user or a .cpg file."""
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError as exc:
        raise InputError(f"unknown encoding {name!r}; use utf-8 or gbk") from exc


def read_cpg(path: Path) -> str | None:
    """Encoding named by the .cpg beside `path` (a .shp or .dbf), or None."""
    for cpg in (path.with_suffix(".cpg"), path.with_suffix(".CPG")):
        if cpg.exists():
            text = cpg.read_bytes().decode("ascii", errors="ignore").strip()
            return normalise(text) if text else None
    return None


def _is_utf8(data: bytes) -> bool:
    # an incremental decoder tolerates a multi-byte character cut at the end of a sample
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def detect(data: bytes) -> str:
    """'utf-8-sig', 'utf-8' or 'gb18030' for a sample of bytes (strict UTF-8 tried first)."""
    if data.startswith(BOM):
        return "utf-8-sig"
    if _is_utf8(data):
        return "utf-8"
    try:
        codecs.getincrementaldecoder("gb18030")("strict").decode(data, final=False)
    except UnicodeDecodeError as exc:
        raise InputError("text is neither UTF-8 nor GBK (garbled or binary file)") from exc
    return "gb18030"


def reported(name: str) -> str:
    """Name shown in reports: GB18030 decoding of a GBK file is reported as 'gbk'."""
    return {"gb18030": "gbk", "utf-8-sig": "utf-8"}.get(name, name)
