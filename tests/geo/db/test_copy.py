"""geo.db.copy: the binary COPY encoding of each column type and the tuple layout."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from geo.db.copy import Column, encode, points_ewkb, tuples


def test_wire_encodings():
    idx = np.arange(3)
    ints = encode(Column("n", "int4", pd.Series([1, None, -2], dtype="Int64")), idx)
    assert ints.to_pylist() == [b"\x00\x00\x00\x01", None, b"\xff\xff\xff\xfe"]
    floats = encode(Column("w", "float8", pd.Series([1.5, None])), np.arange(2))
    assert floats.to_pylist() == [b"\x3f\xf8" + b"\x00" * 6, None]
    day = encode(Column("d", "date", pd.Series([10957, 10958, None], dtype="Int32")), idx)
    assert day.to_pylist()[:2] == [b"\x00\x00\x00\x00", b"\x00\x00\x00\x01"]  # 2000-01-01 = 0
    js = encode(Column("j", "jsonb", pd.Series(['{"a": "中"}', "{}", None])), idx)
    assert js.to_pylist() == [b'\x01{"a": "\xe4\xb8\xad"}', b"\x01{}", None]
    floats = encode(Column("f", "float8", pd.Series([1.5, np.nan, -0.1, None])), np.arange(4))
    assert floats.to_pylist() == [
        struct.pack(">d", 1.5),
        None,
        struct.pack(">d", -0.1),
        None,
    ]
    point = points_ewkb(np.array([120.5]), np.array([31.25]))[0].as_py()
    assert shapely.from_wkb(point).equals(shapely.Point(120.5, 31.25))
    assert shapely.get_srid(shapely.from_wkb(point)) == 4326


def test_tuples_layout():
    buf = tuples(
        [Column("a", "int2", np.array([7, 8])), Column("b", "text", pd.Series(["x", None]))],
        np.arange(2),
    )
    assert buf.to_pybytes() == (
        b"\x00\x02"
        + b"\x00\x00\x00\x02\x00\x07"
        + b"\x00\x00\x00\x01x"
        + b"\x00\x02"
        + b"\x00\x00\x00\x02\x00\x08"
        + b"\xff\xff\xff\xff"
    )
    assert isinstance(buf, pa.Buffer)
