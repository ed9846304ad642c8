"""What a reader hands to the loaders: the rows of a file, in the file's own terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class Source:
    """Rows read from one file, before column mapping, CRS conversion and validation.

    `frame` holds the attribute columns under the file's own headers, one row per data
    row (row i is data row i + 1, header excluded). `geometry` holds shapely geometries
    in the file's CRS for vector formats, None for tables (CSV, XLSX: coordinates are
    columns). `crs` is what the file itself declares (None when it declares nothing),
    `crs_is_default` marks a declaration by convention only (GeoJSON's RFC 7946 WGS-84).
    """

    path: Path
    format: str
    frame: pd.DataFrame
    geometry: np.ndarray | None = None
    crs: str | None = None
    crs_is_default: bool = False
    encoding: str | None = None
    encoding_source: str | None = None  # cpg | option | detected | format
    warnings: list[str] = field(default_factory=list)
    header_row: int | None = None  # the file's row (1-based) holding the header (tables)
    header_rows: int = 1  # two when a merged group row sits above the column names
    total_rows: int = 0  # trailing total rows (合计, 总计) left out

    @property
    def rows(self) -> int:
        return len(self.frame)
