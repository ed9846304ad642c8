"""ESRI Shapefile reader (a .shp with .shx/.dbf/.prj/.cpg, or a .zip holding one).

Sizes in the .shp/.shx/.dbf headers are checked against the files first, so a file cut
short is refused with one line instead of loading the rows before the cut.
"""

from __future__ import annotations

import struct
import tempfile
import zipfile
from pathlib import Path

from etl import encoding as enc
from etl import safety
from etl.readers.source import Source
from etl.readers.vector import read_vector
from geo.errors import InputError

_SAMPLE = 4 << 20  # bytes of DBF records used to detect the encoding


def _sibling(path: Path, suffix: str) -> Path | None:
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate
    return None


def check_sizes(shp: Path) -> None:
    """InputError when the .shp, .shx or .dbf is missing, truncated or not what it says."""
    shx, dbf = _sibling(shp, ".shx"), _sibling(shp, ".dbf")
    if dbf is None:
        raise InputError("shapefile without its .dbf (attributes)")
    for part in (shp, shx):
        if part is None:
            continue
        data = part.read_bytes()[:100]
        if len(data) < 100 or struct.unpack(">i", data[:4])[0] != 9994:
            raise InputError(f"{part.name} is not a shapefile (bad header)")
        declared = struct.unpack(">i", data[24:28])[0] * 2
        actual = part.stat().st_size
        if actual < declared:
            raise InputError(f"{part.name} is truncated ({actual} of {declared} bytes)")
    head = dbf.read_bytes()[:32]
    if len(head) < 32:
        raise InputError(f"{dbf.name} is truncated (no header)")
    records, header_len, record_len = struct.unpack("<IHH", head[4:12])
    declared = header_len + records * record_len
    if dbf.stat().st_size < declared:
        raise InputError(f"{dbf.name} is truncated ({dbf.stat().st_size} of {declared} bytes)")


def detect_dbf_encoding(dbf: Path) -> str:
    """Detect the encoding of the DBF's records (the header holds only ASCII-safe names)."""
    return enc.detect(_dbf_text(dbf))


def _dbf_text(dbf: Path) -> bytes:
    """The DBF's field names and a sample of its records: the bytes its encoding decodes."""
    with dbf.open("rb") as fh:
        head = fh.read(32)
        header_len = struct.unpack("<H", head[8:10])[0]
        fh.seek(32)
        names = fh.read(max(header_len - 32, 0))
        records = fh.read(_SAMPLE)
    # field names (11 bytes each in 32-byte descriptors) may be Chinese too
    fields = b"".join(names[i : i + 11].split(b"\0")[0] for i in range(0, len(names) - 1, 32))
    return fields + b" " + records


def read_shapefile(path: Path, encoding: str | None = None) -> Source:
    """Read a .shp (or a .zip holding exactly one .shp) with the encoding rules of etl.encoding."""
    if path.suffix.lower() == ".zip":
        return _read_zip(path, encoding)
    return _read_shp(path, encoding, label=path)


def _read_shp(shp: Path, encoding: str | None, label: Path) -> Source:
    check_sizes(shp)
    cpg = enc.read_cpg(shp)
    if cpg in ("gbk", "gb18030"):
        _refuse_utf8_said_gbk(shp, cpg)
    if cpg:
        codec, origin = cpg, "cpg"
    elif encoding:
        codec, origin = enc.normalise(encoding), "option"
    else:
        codec, origin = detect_dbf_encoding(_sibling(shp, ".dbf")), "detected"
    source = read_vector(shp, "shapefile", encoding=codec, label=label)
    if _sibling(shp, ".prj") is None:
        source.crs = None  # GDAL guesses nothing without a .prj; make that explicit
    source.encoding, source.encoding_source = enc.reported(codec), origin
    if cpg and encoding and enc.normalise(encoding) != cpg:
        source.warnings.append(f"--encoding {encoding} ignored: the .cpg says {cpg}")
    return source


def _refuse_utf8_said_gbk(shp: Path, cpg: str) -> None:
    """InputError when the .cpg says GBK but the text is UTF-8 with Chinese in it.

    UTF-8 bytes of Chinese mostly decode as GBK pairs without error, into other
    characters: the field names come out garbled, so no column is found and every row
    would be rejected. Chinese text that is also valid UTF-8 is almost never GBK.
    """
    dbf = _sibling(shp, ".dbf")
    text = _dbf_text(dbf) if dbf is not None else b""
    if not text.isascii() and enc.detect(text) == "utf-8":
        raise InputError(
            f"the .cpg says {enc.reported(cpg).upper()} but the attribute text is "
            "UTF-8: correct the .cpg (or delete it)"
        )


def _read_zip(path: Path, encoding: str | None) -> Source:
    if not zipfile.is_zipfile(path):
        raise InputError("not a zip archive (corrupt or mislabelled)")
    try:
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as tmp:
            safety.check_zip(archive)
            shps = [
                n for n in archive.namelist() if n.lower().endswith(".shp") and "__MACOSX" not in n
            ]
            if len(shps) != 1:
                raise InputError(f"the zip must hold exactly one .shp (found {len(shps)})")
            stem = shps[0][:-4]
            members = [n for n in archive.namelist() if n.rsplit(".", 1)[0] == stem]
            for name in members:
                safety.extract(archive, name, Path(tmp))
            return _read_shp(Path(tmp) / Path(shps[0]).name, encoding, label=path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"damaged zip archive: {exc}") from exc
