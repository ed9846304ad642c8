"""The point files as delivered: coordinates in each file's CRS, plus the bad rows.

rentals → BD-09 XLSX, hazards → WGS-84 GeoJSON, facilities → WGS-84 GBK CSV,
key sites → GCJ-02 UTF-8 CSV, incidents → GCJ-02 UTF-8-BOM CSV (already in GCJ-02).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from etl.sample.bad_rows import (
    OUTSIDE,
    BadRow,
    Fault,
    coordinate_faults,
    duplicate_faults,
    inject,
    inject_table,
)
from geo.crs import from_wgs84


def _place(df: pd.DataFrame, crs: str, text: bool) -> pd.DataFrame:
    """Replace WGS-84 lon/lat by 经度/纬度 in `crs` (6 decimals; as text for CSV)."""
    x, y = from_wgs84(df.pop("lon").to_numpy(), df.pop("lat").to_numpy(), crs)
    x, y = np.round(x, 6), np.round(y, 6)
    df["经度"] = [f"{v:.6f}" for v in x] if text else x
    df["纬度"] = [f"{v:.6f}" for v in y] if text else y
    return df


def incident_edits() -> list[Fault]:
    """The faults planted on good incident rows (each turns one into a reject)."""
    return coordinate_faults() + [
        Fault(
            "bad_time",
            "报警时间",
            lambda r: {"报警时间": "2025-02-30 21:15:00"},
            "日期不存在 / not a calendar date",
        ),
        Fault(
            "bad_time",
            "报警时间",
            lambda r: {"报警时间": "昨天晚上"},
            "时间无法解析 / unparseable time",
        ),
        Fault(
            "unclassified",
            "警情类别",
            lambda r: {"警情类别": "网络舆情", "警情细类": None},
            "警情类别不在词表中 / category not in the vocabulary",
        ),
        Fault(
            "missing_key",
            "警情编号",
            lambda r: {"警情编号": None},
            "警情编号为空 / empty source key",
        ),
    ]


def incidents(table: pa.Table, rng: np.random.Generator) -> tuple[pa.Table, list[BadRow]]:
    edits = incident_edits()
    appends = duplicate_faults(
        "警情编号", "处置结果", lambda r: "处置中" if r["处置结果"] == "已处置" else "已处置"
    )
    return inject_table(table, "incidents/incidents.csv", edits, appends, rng)


def rentals(df: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, list[BadRow]]:
    df = _place(df, "bd09", text=False)
    edits = coordinate_faults(text=False) + [
        Fault(
            "bad_time",
            "最近检查日期",
            lambda r: {"最近检查日期": "2025-02-30"},
            "日期不存在 / not a calendar date",
        ),
        Fault(
            "bad_value",
            "房间数",
            lambda r: {"房间数": "三间"},
            "房间数不是数字 / rooms is not a number",
        ),
        Fault(
            "missing_key",
            "房屋编号",
            lambda r: {"房屋编号": None},
            "房屋编号为空 / empty source key",
        ),
    ]
    appends = duplicate_faults("房屋编号", "租住人数", lambda r: int(r["租住人数"]) + 1)
    return inject(df, "rentals/rentals.xlsx", edits, appends, rng)


def hazards(df: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, list[BadRow]]:
    df = df.copy()
    df["geometry"] = list(shapely.points(df.pop("lon").to_numpy(), df.pop("lat").to_numpy()))
    edits = [
        Fault(
            "missing_coordinates",
            "geometry",
            lambda r: {"geometry": None},
            "没有点位 / null geometry",
        ),
        Fault(
            "swapped_coordinates",
            "geometry",
            lambda r: {"geometry": shapely.Point(r["geometry"].y, r["geometry"].x)},
            "经纬度颠倒 / lon and lat swapped",
        ),
        Fault(
            "outside_city",
            "geometry",
            lambda r: {"geometry": shapely.Point(*OUTSIDE)},
            "点位在南京 / point in Nanjing, outside the city",
        ),
        Fault(
            "unclassified",
            "类别",
            lambda r: {"类别": "放射源"},
            "类别不在词表中 / category not in the vocabulary",
        ),
        Fault(
            "unclassified",
            "风险等级",
            lambda r: {"风险等级": "极高"},
            "风险等级不在词表中 / risk level not in the vocabulary",
        ),
        Fault(
            "bad_time",
            "最近检查日期",
            lambda r: {"最近检查日期": "去年秋天"},
            "日期无法解析 / unparseable date",
        ),
    ]
    appends = duplicate_faults(
        "编号", "风险等级", lambda r: "重大" if r["风险等级"] != "重大" else "低"
    )
    return inject(df, "hazards/hazards.geojson", edits, appends, rng)


def _csv_points(
    df: pd.DataFrame, file: str, crs: str, bad_kind: str, rng: np.random.Generator
) -> tuple[pd.DataFrame, list[BadRow]]:
    df = _place(df, crs, text=True)
    edits = coordinate_faults() + [
        Fault(
            "unclassified",
            "类型",
            lambda r: {"类型": bad_kind},
            "类型不在词表中 / kind not in the vocabulary",
        ),
        Fault("missing_key", "编号", lambda r: {"编号": None}, "编号为空 / empty source key"),
    ]
    appends = duplicate_faults("编号", "名称", lambda r: r["名称"] + "（分部）")
    return inject(df, file, edits, appends, rng)


def facilities(df: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, list[BadRow]]:
    return _csv_points(df, "facilities/facilities.csv", "wgs84", "消防站", rng)


def key_sites(df: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, list[BadRow]]:
    return _csv_points(df, "key_sites/key_sites.csv", "gcj02", "公园", rng)
