"""One reader per source format; `read(path)` picks it by the file's name.

Every reader returns a `Source` or raises InputError with one clear reason (truncated,
garbled, not the format its name says) — never a partial read.
"""

from __future__ import annotations

from pathlib import Path

from etl.readers.source import Source
from etl.safety import check_input_size
from geo.errors import InputError

FORMATS = {
    ".shp": "shapefile",
    ".zip": "shapefile",
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".json": "geojson",
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
}


def format_of(path: Path) -> str:
    """The format name for a file name, or InputError listing the accepted suffixes."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"unsupported file type {path.suffix or '(none)'!r}; use " + ", ".join(sorted(FORMATS)),
            file=str(path),
        )
    return fmt


def read(path: Path, encoding: str | None = None, header_row: int | None = None) -> Source:
    """Read `path` with the reader of its format (`encoding` used only where the file has
    none; `header_row`, 1-based, only for tables: CSV and XLSX)."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a file", file=str(path))
    fmt = format_of(path)
    check_input_size(path)
    if header_row is not None and fmt not in ("csv", "xlsx"):
        raise InputError(
            "--header-row applies to CSV and XLSX files only", file=str(path), field="header_row"
        )
    if fmt == "shapefile":
        from etl.readers.shapefile import read_shapefile as reader
    elif fmt == "gpkg":
        from etl.readers.gpkg import read_gpkg as reader
    elif fmt == "geojson":
        from etl.readers.geojson import read_geojson as reader
    elif fmt == "csv":
        from etl.readers.csv import read_csv as reader
    else:
        from etl.readers.xlsx import read_xlsx as reader
    try:
        if fmt in ("csv", "xlsx"):
            return reader(path, encoding, header_row)
        return reader(path, encoding)
    except InputError as exc:
        if exc.file is None:
            raise InputError(exc.reason, file=str(path), row=exc.row, field=exc.field) from exc
        raise


__all__ = ["FORMATS", "Source", "format_of", "read"]
