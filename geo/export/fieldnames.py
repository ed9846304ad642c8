"""Shapefile field names: at most 10 BYTES in the file's encoding, unique, with a map.

A dBASE field name holds 10 bytes, and GDAL compares names case-insensitively. A
Chinese character takes 2 bytes in GBK and 3 in UTF-8, so "网格名称" fits in GBK (8
bytes) but not in UTF-8 (12). Names are cut at a character boundary; a cut name that
collides with one already taken gets a numeric suffix (`_1`, `_2`, …) inside the same
10 bytes. The map (original → short) is written as CSV beside the shapefile.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

MAX_BYTES = 10


def _cut(name: str, encoding: str, limit: int) -> str:
    """The longest prefix of `name` whose encoding fits in `limit` bytes."""
    out = ""
    for char in name:
        if len((out + char).encode(encoding)) > limit:
            break
        out += char
    return out


def _encodable(name: str, encoding: str) -> str:
    """`name` with characters the encoding cannot hold replaced by '_'."""
    return "".join(c if _fits(c, encoding) else "_" for c in name) or "field"


def _fits(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def shorten(names: Iterable[str], encoding: str = "utf-8") -> dict[str, str]:
    """Map each name to a unique dBASE field name of ≤ 10 bytes in `encoding`.

    Names that already fit keep their spelling (they are reserved first, so a cut long
    name never takes the name of a short one); order is kept.
    """
    names = [str(n) for n in names]
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in names:  # pass 1: names that fit as they are
        if (
            _encodable(name, encoding) == name
            and len(name.encode(encoding)) <= MAX_BYTES
            and name.lower() not in taken
        ):
            taken.add(name.lower())
            result[name] = name
    for name in names:  # pass 2: cut the others, adding a suffix on collision
        if name in result:
            continue
        clean = _encodable(name, encoding)
        short = _cut(clean, encoding, MAX_BYTES)
        n = 0
        while not short or short.lower() in taken:
            n += 1
            suffix = f"_{n}"
            short = _cut(clean, encoding, MAX_BYTES - len(suffix)) + suffix
        taken.add(short.lower())
        result[name] = short
    return {name: result[name] for name in names}


def write_map(mapping: dict[str, str], path: Path, encoding: str = "utf-8") -> Path:
    """Write the field-name map as CSV (`original,short,changed`) in `encoding`.

    UTF-8 gets a byte-order mark so spreadsheet programs read the Chinese names.
    """
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    with path.open("w", encoding=codec, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["original", "short", "changed"])
        for original, short in mapping.items():
            writer.writerow([original, short, "yes" if original != short else "no"])
    return path
