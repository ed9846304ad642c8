"""CSV reader on pyarrow's multi-threaded parser; every column is read as text.

Text stays text so that validation, not the parser, decides what a bad value is (a
coordinate "121.6abc" is a reject with a reason, not a parse failure of the whole file).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from etl import encoding as enc
from etl.readers import header
from etl.readers.source import Source
from geo.errors import InputError

_SAMPLE = 1 << 20


def _header(data: bytes, codec: str, header_row: int | None) -> tuple[list[str], int, int]:
    """(column names, index of the header's first line, lines it takes) from the first
    lines of the file (etl.readers.header: below title rows, across a merged group row)."""
    lines = data.split(b"\n")[: header.SCAN + 2]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut short
    text = b"\n".join(line.rstrip(b"\r") for line in lines).decode(codec)
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    at = header.chosen(rows, header_row)
    names, used = header.header_names(rows, at)
    return names, at, used


def read_csv(path: Path, encoding: str | None = None, header_row: int | None = None) -> Source:
    """Read a comma-separated file (UTF-8 with or without BOM, or GBK); `header_row`
    (1-based line) overrides the header found; trailing 合计/总计 rows are left out."""
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE)
    if not sample.strip():
        raise InputError("empty file")
    if b"\0" in sample:
        raise InputError("binary data in a CSV file (garbled or not a CSV)")
    if encoding:
        codec, origin = enc.normalise(encoding), "option"
        if codec == "utf-8" and sample.startswith(enc.BOM):
            codec = "utf-8-sig"
    else:
        codec, origin = enc.detect(sample), "detected"
    try:
        table, at, used = _parse(path, sample, codec, header_row)
    except UnicodeDecodeError as exc:
        raise InputError(f"text is not {enc.reported(codec)}: {exc.reason}") from exc
    except pa.ArrowInvalid as exc:
        if origin == "detected" and codec.startswith("utf-8") and "UTF8" in str(exc):
            codec = "gb18030"  # GBK text first appears after the detection sample
            table, at, used = _parse(path, sample, codec, header_row)
        else:
            first = str(exc).splitlines()[0].replace("\ufffd", "")
            raise InputError(
                f"not a readable CSV: {first[:200]}", row=_quoted_row(path, codec, first)
            ) from exc
    tail = table.slice(max(0, table.num_rows - 5)).to_pylist()
    totals = header.totals_at_end([list(r.values()) for r in tail])
    frame = table.slice(0, table.num_rows - totals).to_pandas()
    frame.columns = [str(c).strip() for c in frame.columns]
    return Source(
        path=path,
        format="csv",
        frame=frame,
        encoding=enc.reported(codec),
        encoding_source=origin,
        header_row=at + 1,
        header_rows=used,
        total_rows=totals,
        warnings=header.notes(at, used, totals, header_row),
    )


def _quoted_row(path: Path, codec: str, message: str) -> int | None:
    """Data row number (header excluded) of the row pyarrow quotes in a parse error."""
    match = re.search(r"got \d+: (.+)", message)
    if match is None:
        return None
    head = match.group(1).split("\ufffd", 1)[0][:60]
    with path.open(encoding=codec, errors="replace", newline="") as fh:
        for number, line in enumerate(fh):
            if head and line.startswith(head):
                return number or None
    return None


def _parse(
    path: Path, sample: bytes, codec: str, header_row: int | None
) -> tuple[pa.Table, int, int]:
    names, at, used = _header(
        sample.removeprefix(enc.BOM), "utf-8" if codec.startswith("utf-8") else codec, header_row
    )
    if len(set(names)) != len(names):
        raise InputError("repeated column names in the header")
    read = pacsv.ReadOptions(
        encoding="utf8" if codec.startswith("utf-8") else codec,
        column_names=names,
        skip_rows=at + used,
        block_size=8 << 20,
    )
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    parse = pacsv.ParseOptions(newlines_in_values=False)
    return (
        pacsv.read_csv(path, read_options=read, convert_options=convert, parse_options=parse),
        at,
        used,
    )
