"""The bad-input corpus: hostile and broken files, built on the fly into a folder.

Each `Case` writes its file(s) with `build(folder) -> path` (no binary fixtures in git;
the biggest file is the 10 MB cell, the "multi-GB" zip bomb is a few kilobytes whose
headers claim gigabytes). `expect` says how the load must end:

- "report": a load report with exactly `counts` = (loaded, rejected, duplicates) and
  exactly `reasons` ({reason: rows}), worked out from how the file was built;
- "error": exit 1 with one line on stderr naming the file (and `mentions`), nothing loaded;
- "usage": exit 2 (a bad command-line argument), nothing loaded.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from tests.etl import builders

#: the toy city: one district 12 × 9 km in Suzhou, the ETL tests' district
CITY = builders.DISTRICT


@dataclass(frozen=True)
class Case:
    """One broken input and the outcome the loader owes it."""

    name: str
    kind: str
    build: Callable[[Path], Path]
    expect: str  # report | error | usage
    args: tuple[str, ...] = ()
    #: report, exactly: (loaded, rejected, duplicates), the reject reasons with their
    #: counts, the values outside a vocabulary with theirs, and the table's layout
    counts: tuple[int, int, int] | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    mentions: tuple[str, ...] = ()  # error: words the stderr line must hold besides the file
    env: dict[str, str] = field(default_factory=dict)
    unclassified: tuple[tuple[str, int], ...] = ()
    layout: dict[str, int] = field(default_factory=dict)  # header_row, header_rows, total_rows


# --- good content the cases break -------------------------------------------------------


def boundaries() -> gpd.GeoDataFrame:
    """The district outline, as the ETL's boundaries loader reads it."""
    return gpd.GeoDataFrame(
        {"代码": ["320508"], "名称": ["姑苏区"], "级别": ["区县"], "上级代码": ["320500"]},
        geometry=[CITY],
        crs="EPSG:4326",
    )


def incidents(n: int = 30, seed: int = 7) -> pd.DataFrame:
    """Valid incidents inside the city: the ETL tests' rows, six columns of them, with
    keys that carry the seed (two seeds never share a key)."""
    df = builders.incidents(n, seed)[
        ["警情编号", "报警时间", "警情类别", "发生地址", "经度", "纬度"]
    ]
    return df.assign(警情编号=[f"JQ{seed:02d}{i:07d}" for i in range(n)])


def facilities(n: int = 12) -> gpd.GeoDataFrame:
    """Police stations inside the city, as points."""
    df = incidents(n, seed=3)
    return gpd.GeoDataFrame(
        {
            "编号": [f"F{i:04d}" for i in range(n)],
            "名称": [f"派出所{i}" for i in range(n)],
            "类型": ["派出所"] * n,
        },
        geometry=gpd.points_from_xy(df["经度"], df["纬度"]),
        crs="EPSG:4490",
    )


def grid_cells(n: int = 4) -> list[shapely.Polygon]:
    """`n` side-by-side grid squares inside the city."""
    xmin, ymin, _, ymax = CITY.bounds
    width = 0.02
    return [shapely.box(xmin + i * width, ymin, xmin + (i + 1) * width, ymax) for i in range(n)]


# --- writers ---------------------------------------------------------------------------


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode(encoding)


def put(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def write_shp(
    gdf: gpd.GeoDataFrame, folder: Path, stem: str = "layer", encoding: str = "GBK"
) -> Path:
    path = folder / f"{stem}.shp"
    gdf.to_file(path, engine="pyogrio", encoding=encoding)
    return path


def shp_parts(gdf: gpd.GeoDataFrame, folder: Path, stem: str = "layer") -> dict[str, bytes]:
    """The files of a shapefile of `gdf` as {suffix: bytes} (written in a subfolder)."""
    sub = folder / f"_{stem}_parts"
    sub.mkdir(exist_ok=True)
    shp = write_shp(gdf, sub, stem)
    return {p.suffix: p.read_bytes() for p in sub.iterdir() if p.stem == shp.stem}


def zip_of(
    folder: Path, name: str, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED
) -> Path:
    path = folder / name
    with zipfile.ZipFile(path, "w", compression) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def geojson(features: list[tuple[dict, dict | None]]) -> bytes:
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def grid_features(cells: list[shapely.Geometry | dict | None]) -> bytes:
    feats = []
    for i, cell in enumerate(cells):
        geom = cell if isinstance(cell, dict) or cell is None else shapely.geometry.mapping(cell)
        feats.append(({"网格编码": f"G{i:03d}", "网格名称": f"网格{i}", "网格类型": "城镇"}, geom))
    return geojson(feats)


def xlsx_bytes(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_excel(buffer, index=False)
    return buffer.getvalue()


def junk(n: int, seed: int = 0) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


# --- case builders -----------------------------------------------------------------------


def _csv(df_or_bytes, name: str = "incidents.csv", encoding: str = "utf-8"):
    def build(folder: Path) -> Path:
        data = df_or_bytes if isinstance(df_or_bytes, bytes) else csv_bytes(df_or_bytes, encoding)
        return put(folder, name, data)

    return build


def _mixed_encoding(folder: Path) -> Path:
    df = incidents(40)
    head = csv_bytes(df.iloc[:20])
    tail = csv_bytes(df.iloc[20:], "gbk").split(b"\n", 1)[1]
    return put(folder, "mixed.csv", head + tail)


def _cut_mid_row(folder: Path) -> Path:
    data = csv_bytes(incidents(30))
    last_row = data.rstrip(b"\n").rsplit(b"\n", 1)[1]
    return put(folder, "cut.csv", data.rstrip(b"\n")[: -len(last_row) // 2])


def _swapped(folder: Path) -> Path:
    df = incidents(20)
    lon = df.loc[:4, "经度"].to_numpy().copy()
    df.loc[:4, "经度"] = df.loc[:4, "纬度"].to_numpy()
    df.loc[:4, "纬度"] = lon
    return put(folder, "swapped.csv", csv_bytes(df))


def _out_of_city(folder: Path) -> Path:
    df = incidents(20)
    df.loc[:2, "经度"], df.loc[:2, "纬度"] = 116.40, 39.90  # Beijing
    df.loc[3, "经度"], df.loc[3, "纬度"] = -73.98, 40.75  # New York
    df.loc[4, "经度"], df.loc[4, "纬度"] = 500.0, 95.0  # off the globe
    return put(folder, "out_of_city.csv", csv_bytes(df))


def _duplicates(folder: Path) -> Path:
    df = incidents(20)
    copies = df.iloc[:3]  # exact copies → duplicate_row
    clash = df.iloc[3:5].assign(警情类别="火灾", 发生地址="另一个地址")  # same key, other content
    return put(folder, "duplicates.csv", csv_bytes(pd.concat([df, copies, clash])))


def _huge_field(folder: Path) -> Path:
    df = incidents(5)
    df.loc[2, "发生地址"] = "长" * ((10 << 20) // 3)  # ~10 MB of UTF-8 in one cell
    return put(folder, "huge_field.csv", csv_bytes(df))


def _bad_values(folder: Path) -> Path:
    df = incidents(20).astype(str)
    df.loc[0, "经度"], df.loc[1, "纬度"] = "nan", "inf"
    df.loc[2, "经度"] = "121.6abc"
    df.loc[3, "报警时间"] = "2025-02-30 10:00:00"
    df.loc[4, "警情类别"] = "外星人入侵"
    df.loc[5, "警情编号"] = ""
    return put(folder, "bad_values.csv", csv_bytes(df))


def _unknown_categories(folder: Path) -> Path:
    """A 110 export with fine categories, aliases, a category the city added itself and
    one nobody has: every row loads, the unknown ones as 未分类."""
    df = incidents(12)
    df["警情类别"] = [
        "盗窃",
        "扒窃",
        "电信诈骗",
        "打架斗殴",
        "家庭纠纷",
        "走失求助",
        "高空抛物",
        "高空抛物",
        "高空抛物",
        "网络舆情",
        "刑事案件",
        "其它",
    ]
    return put(folder, "fine_categories.csv", csv_bytes(df))


def _unknown_kinds(folder: Path) -> Path:
    """Facilities of a kind the list lacks (消防站) and of an alias (警务站)."""
    gdf = facilities(6)
    df = pd.DataFrame(
        {
            "编号": gdf["编号"],
            "名称": gdf["名称"],
            "类型": ["派出所", "警务站", "消防站", "消防站", "视频监控", "调解室"],
            "经度": gdf.geometry.x.round(7),
            "纬度": gdf.geometry.y.round(7),
        }
    )
    return put(folder, "kinds.csv", csv_bytes(df))


def _title_rows_csv(folder: Path) -> Path:
    """A title and a unit line above the header, a bad row, then 合计 and 总计 rows."""
    df = incidents(10).astype(str)
    df.loc[6, "报警时间"] = "昨天晚上"
    width = len(df.columns)
    text = (
        f"姑苏区2025年6月警情统计表{',' * (width - 1)}\n单位：起{',' * (width - 1)}\n"
        + df.to_csv(index=False)
        + f"合计,,10起{',' * (width - 3)}\n"
        + f"总计,,10起{',' * (width - 3)}\n"
    )
    return put(folder, "title_rows.csv", text.encode("utf-8"))


def _title_rows_xlsx(folder: Path) -> Path:
    """The XLSX a police unit exports: a merged title row, 经度/纬度 under a merged 坐标
    cell (two header rows), the rows, a 合计 row."""
    from openpyxl import Workbook

    df = incidents(8)
    cols = list(df.columns)
    book = Workbook()
    sheet = book.active
    sheet.append(["姑苏区2025年6月警情统计表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
    sheet.append(
        [c if c not in ("经度", "纬度") else ("坐标" if c == "经度" else None) for c in cols]
    )
    sheet.append([c if c in ("经度", "纬度") else None for c in cols])
    for i, c in enumerate(cols, start=1):
        if c not in ("经度", "纬度"):
            sheet.merge_cells(start_row=2, start_column=i, end_row=3, end_column=i)
    for row in df.itertuples(index=False):
        sheet.append(list(row))
    sheet.append(["合计", None, "8起"])
    path = folder / "title_rows.xlsx"
    book.save(path)
    return path


def _missing_key_column(folder: Path) -> Path:
    return put(folder, "no_key.csv", csv_bytes(incidents(10).drop(columns="警情编号")))


def _repeated_headers(folder: Path) -> Path:
    data = csv_bytes(incidents(5)).replace("发生地址".encode(), "警情类别".encode(), 1)
    return put(folder, "repeated.csv", data)


def _unbalanced_quote(folder: Path) -> Path:
    data = csv_bytes(incidents(10)).replace("姑苏区某路3号".encode(), '"姑苏区某路3号'.encode())
    return put(folder, "quote.csv", data)


def _nul_bytes(folder: Path) -> Path:
    data = csv_bytes(incidents(10)).replace("姑苏区某路3号".encode(), b"\0\0\0")
    return put(folder, "nul.csv", data)


def _xlsx(df: pd.DataFrame, name: str = "incidents.xlsx", cut: bool = False):
    def build(folder: Path) -> Path:
        data = xlsx_bytes(df)
        return put(folder, name, data[: len(data) * 2 // 3] if cut else data)

    return build


def _xlsx_bomb(folder: Path) -> Path:
    """A good workbook plus a 64 MB worksheet of blanks that deflates to ~64 kB."""
    path = _xlsx(incidents())(folder)
    blanks = b" " * (1 << 20)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/worksheets/sheet9.xml", "w", force_zip64=True) as dst,
    ):
        for _ in range(64):
            dst.write(blanks)
    return path


def _xlsx_huge_dimension(folder: Path) -> Path:
    """A good three-row workbook whose sheet declares A1:XFD1048576 (17 billion cells):
    openpyxl would pad every row it yields to 16,384 columns."""
    path = _xlsx(incidents(3))(folder)
    patched = folder / "huge_dimension.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(
                    rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data
                )
                assert b"XFD1048576" in data
            dst.writestr(info, data)
    return patched


def _zip_overlapping(folder: Path) -> Path:
    """An overlapping zip bomb: 200 directory entries sharing one deflated kernel of
    1 MB (each member small enough to pass the ratio check alone)."""
    parts = shp_parts(facilities(), folder)
    path = zip_of(
        folder,
        "overlap.zip",
        {"x.shp": parts[".shp"], "x.shx": parts[".shx"], "x.dbf": bytes(1 << 20)},
    )
    data = path.read_bytes()
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack("<I", data[eocd + 16 : eocd + 20])[0]
    central = data[cd_offset:eocd]
    start = central.find(b"PK\x01\x02", central.find(b"x.dbf") - 46)
    name_len, extra_len, comment_len = struct.unpack("<HHH", central[start + 28 : start + 34])
    entry = central[start : start + 46 + name_len + extra_len + comment_len]
    # names as long as x.dbf, so the entries keep their length
    copies = b"".join(entry.replace(b"x.dbf", f"{i:03d}.t".encode()) for i in range(200))
    count = struct.unpack("<H", data[eocd + 10 : eocd + 12])[0] + 200
    tail = (
        data[eocd : eocd + 8]
        + struct.pack("<HHI", count, count, len(central) + len(copies))
        + data[eocd + 16 :]
    )
    path.write_bytes(data[:eocd] + copies + tail)
    return path


def _geojson_deep(folder: Path) -> Path:
    """A grid whose coordinates nest 100,000 arrays deep (Python's json recursion)."""
    deep = "[" * 100_000 + "]" * 100_000
    doc = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"网格编码": "G1"}, "geometry": {"type": "Polygon", "coordinates": ' + deep + "}}]}"
    )
    return put(folder, "deep.geojson", doc.encode())


def _geojson_deep_properties(folder: Path) -> Path:
    """Grids whose properties nest objects 80 levels deep."""
    nested = "G1"
    for _ in range(80):
        nested = {"x": nested}
    data = grid_features(grid_cells()).replace(b'"G000"', json.dumps(nested).encode(), 1)
    return put(folder, "deep_properties.geojson", data)


def _geojson_huge(folder: Path) -> Path:
    """2 MB of grids (a 1 MB GeoJSON limit is set): one polygon of 100,000 vertices."""
    ring = shapely.Point(120.6, 31.3).buffer(0.01, quad_segs=25_000)
    return put(folder, "huge.geojson", grid_features([ring]))


def _geojson_brackets_in_text(folder: Path) -> Path:
    """Good grids whose names hold 200 brackets: text, not nesting."""
    data = grid_features(grid_cells()).replace("网格0".encode(), ("网格[{" * 100).encode())
    return put(folder, "brackets.geojson", data)


def _geojson_cut(folder: Path) -> Path:
    data = grid_features(grid_cells())
    return put(folder, "cut.geojson", data[: len(data) // 2])


def _bowtie(folder: Path) -> Path:
    x0, y0, x1, y1 = grid_cells(1)[0].bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])
    return put(folder, "bowtie.geojson", grid_features([*grid_cells(3), bowtie]))


def _unclosed(folder: Path) -> Path:
    x0, y0, x1, y1 = grid_cells(1)[0].bounds
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]  # first point not repeated at the end
    return put(
        folder,
        "unclosed.geojson",
        grid_features([*grid_cells(2), {"type": "Polygon", "coordinates": [ring]}]),
    )


def _empty_geometries(folder: Path) -> Path:
    cells = [
        *grid_cells(2),
        None,
        {"type": "Polygon", "coordinates": []},
        {
            "type": "Polygon",
            "coordinates": [[[120.6, 31.3], [120.6, 31.3], [120.6, 31.3], [120.6, 31.3]]],
        },
    ]
    return put(folder, "empty_geoms.geojson", grid_features(cells))


def _points_as_grids(folder: Path) -> Path:
    pts = [shapely.Point(120.6, 31.3 + i * 0.01) for i in range(3)]
    return put(folder, "points.geojson", grid_features([*grid_cells(2), *pts]))


def _geojson_gbk(folder: Path) -> Path:
    return put(folder, "gbk.geojson", grid_features(grid_cells()).decode().encode("gbk"))


def _shp_ok_zip(folder: Path) -> Path:
    return zip_of(
        folder,
        "facilities.zip",
        {f"派出所{s}": b for s, b in shp_parts(facilities(), folder).items()},
    )


def _shp_cut(suffix: str, keep: float):
    def build(folder: Path) -> Path:
        shp = write_shp(facilities(), folder, "cut")
        part = shp.with_suffix(suffix)
        data = part.read_bytes()
        part.write_bytes(data[: int(len(data) * keep)])
        return shp

    return build


def _shp_missing(suffix: str):
    def build(folder: Path) -> Path:
        shp = write_shp(facilities(), folder, "missing")
        shp.with_suffix(suffix).unlink()
        return shp

    return build


def _shp_gbk_says_utf8(folder: Path) -> Path:
    shp = write_shp(facilities(), folder, "gbk", encoding="GBK")
    shp.with_suffix(".cpg").write_text("UTF-8")
    return shp


def _shp_utf8_says_gbk(folder: Path) -> Path:
    gdf = facilities()
    gdf["名称"] = ["派出所丂"] * len(gdf)  # UTF-8 bytes of 丂 (E4 B8 82) are not GBK pairs
    shp = write_shp(gdf, folder, "utf8", encoding="UTF-8")
    shp.with_suffix(".cpg").write_text("GBK")
    return shp


def _shp_junk(folder: Path) -> Path:
    shp = write_shp(facilities(), folder, "junk")
    shp.write_bytes(junk(4000))
    return shp


def _shp_empty(folder: Path) -> Path:
    shp = write_shp(facilities(), folder, "empty")
    for part in shp.parent.glob("empty.*"):
        part.write_bytes(b"")
    return shp


def _zip_members(names: dict[str, str]):
    """A zip whose members are a good shapefile's parts under other names."""

    def build(folder: Path) -> Path:
        parts = shp_parts(facilities(), folder)
        return zip_of(folder, "hostile.zip", {name: parts[s] for name, s in names.items()})

    return build


def _zip_symlink(folder: Path) -> Path:
    parts = shp_parts(facilities(), folder)
    path = folder / "symlink.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for suffix in (".shx", ".dbf", ".prj"):
            archive.writestr(f"x{suffix}", parts[suffix])
        link = zipfile.ZipInfo("x.shp")
        link.external_attr = 0o120777 << 16  # a symlink pointing at a system file
        archive.writestr(link, "/etc/passwd")
    return path


def _zip_bomb_ratio(folder: Path) -> Path:
    """64 MB of zeros in the .dbf slot: ~64 kB compressed (ratio ~1000:1)."""
    parts = shp_parts(facilities(), folder)
    path = folder / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("x.shp", parts[".shp"])
        archive.writestr("x.shx", parts[".shx"])
        with archive.open("x.dbf", "w", force_zip64=True) as dst:
            zeros = bytes(1 << 20)
            for _ in range(64):
                dst.write(zeros)
    return path


def _zip_bomb_claim(folder: Path) -> Path:
    """A zip of a few kB whose directory claims a 4 GB .dbf (sizes patched in the headers)."""
    path = _zip_members({"x.shp": ".shp", "x.shx": ".shx", "x.dbf": ".dbf"})(folder)
    data = bytearray(path.read_bytes())
    huge = struct.pack("<I", 0xFFFFFFF0)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack("<H", data[central + 28 : central + 30])[0]
        if bytes(data[central + 46 : central + 46 + name_len]) == b"x.dbf":
            data[central + 24 : central + 28] = huge  # uncompressed size in the central directory
            local = struct.unpack("<I", data[central + 42 : central + 46])[0]
            data[local + 22 : local + 26] = huge  # and in the local header
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    return path


def _zip_many(folder: Path) -> Path:
    parts = shp_parts(facilities(), folder)
    members = {f"x{s}": b for s, b in parts.items()}
    members.update({f"readme/{i}.txt": b"x" for i in range(1200)})
    return zip_of(folder, "many.zip", members, zipfile.ZIP_STORED)


def _zip_two(folder: Path) -> Path:
    parts = shp_parts(facilities(), folder)
    return zip_of(
        folder, "two.zip", {f"{stem}{s}": b for stem in ("a", "b") for s, b in parts.items()}
    )


def _zip_cut(folder: Path) -> Path:
    path = _shp_ok_zip(folder)
    data = path.read_bytes()
    return put(folder, "cut.zip", data[: len(data) // 2])


def _gpkg(cut: bool):
    def build(folder: Path) -> Path:
        path = folder / "facilities.gpkg"
        facilities().to_file(path, engine="pyogrio", layer="facilities")
        if cut:
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 3])
        return path

    return build


def _copy_as(name: str, build: Callable[[Path], Path]):
    def rename(folder: Path) -> Path:
        src = build(folder)
        target = folder / name
        os.replace(src, target)
        return target

    return rename


CSV_WGS = ("--crs", "wgs84")
GRID_V = ("--grid-version", "v-corpus")

CASES: list[Case] = [
    # --- CSV: encodings
    Case("csv_good_control", "incidents", _csv(incidents()), "report", CSV_WGS, counts=(30, 0, 0)),
    Case(
        "csv_gbk_declared_utf8",
        "incidents",
        _csv(incidents(), encoding="gbk"),
        "error",
        (*CSV_WGS, "--encoding", "utf-8"),
        mentions=("utf-8",),
    ),
    Case(
        "csv_utf8_declared_gbk",
        "incidents",
        _csv(incidents()),
        "error",
        (*CSV_WGS, "--encoding", "gbk"),
        mentions=("gbk",),
    ),
    Case(
        "csv_gbk_detected",
        "incidents",
        _csv(incidents(), encoding="gbk"),
        "report",
        CSV_WGS,
        counts=(30, 0, 0),
    ),
    Case("csv_mixed_encodings", "incidents", _mixed_encoding, "error", CSV_WGS),
    Case(
        "csv_unknown_encoding",
        "incidents",
        _csv(incidents()),
        "error",
        (*CSV_WGS, "--encoding", "klingon"),
        mentions=("klingon",),
    ),
    # --- CSV: structure
    Case("csv_cut_mid_row", "incidents", _cut_mid_row, "error", CSV_WGS, mentions=("row 30",)),
    Case(
        "csv_binary_junk", "incidents", lambda f: put(f, "junk.csv", junk(5000)), "error", CSV_WGS
    ),
    Case(
        "csv_empty",
        "incidents",
        lambda f: put(f, "empty.csv", b""),
        "error",
        CSV_WGS,
        mentions=("empty",),
    ),
    Case(
        "csv_header_only",
        "incidents",
        _csv(incidents().iloc[:0]),
        "report",
        CSV_WGS,
        counts=(0, 0, 0),
    ),
    Case("csv_repeated_headers", "incidents", _repeated_headers, "error", CSV_WGS),
    Case(
        "csv_unbalanced_quote",
        "incidents",
        _unbalanced_quote,
        "error",
        CSV_WGS,
        mentions=("row 4",),
    ),
    Case("csv_nul_bytes", "incidents", _nul_bytes, "error", CSV_WGS),
    Case("csv_huge_field_10mb", "incidents", _huge_field, "report", CSV_WGS, counts=(5, 0, 0)),
    Case(
        "csv_20k_rows",
        "incidents",
        _csv(incidents(20_000)),
        "report",
        CSV_WGS,
        counts=(20000, 0, 0),
    ),
    Case(
        "csv_missing_key_column",
        "incidents",
        _missing_key_column,
        "report",
        CSV_WGS,
        counts=(0, 10, 0),
        reasons={"missing_key": 10},
    ),
    # --- CSV: values and coordinates
    Case(
        "csv_swapped_lonlat",
        "incidents",
        _swapped,
        "report",
        CSV_WGS,
        counts=(15, 5, 0),
        reasons={"swapped_coordinates": 5},
    ),
    # 3 in Beijing + 1 in New York outside the city, 1 off the globe
    Case(
        "csv_out_of_city",
        "incidents",
        _out_of_city,
        "report",
        CSV_WGS,
        counts=(15, 5, 0),
        reasons={"outside_city": 4, "bad_coordinates": 1},
    ),
    # 20 rows, 3 exact copies (duplicates), 2 same keys with other content (rejected)
    Case(
        "csv_duplicate_keys",
        "incidents",
        _duplicates,
        "report",
        CSV_WGS,
        counts=(20, 2, 3),
        reasons={"duplicate_row": 3, "duplicate_key": 2},
    ),
    # rows 0–2 unreadable coordinates, 3 a 30 February, 4 a category outside the list
    # (rejected by this loader; with vocabularies in PostGIS it loads as 未分类), 5 no key
    Case(
        "csv_bad_values",
        "incidents",
        _bad_values,
        "report",
        CSV_WGS,
        counts=(15, 5, 0),
        reasons={"bad_coordinates": 3, "bad_time": 1, "missing_key": 1},
        unclassified=(("外星人入侵", 1),),
    ),
    # --- vocabularies: a value outside one is data to keep, not a reject
    Case(
        "csv_unknown_categories",
        "incidents",
        _unknown_categories,
        "report",
        CSV_WGS,
        counts=(12, 0, 0),
        reasons={},
        unclassified=(("高空抛物", 3), ("网络舆情", 1)),
    ),
    Case(
        "csv_unknown_facility_kinds",
        "facilities",
        _unknown_kinds,
        "report",
        CSV_WGS,
        counts=(6, 0, 0),
        reasons={},
        unclassified=(("消防站", 2),),
    ),
    # --- table layout: title rows above the header, total rows below the data
    Case(
        "csv_title_and_total_rows",
        "incidents",
        _title_rows_csv,
        "report",
        CSV_WGS,
        counts=(9, 1, 0),
        reasons={"bad_time": 1},
        layout={"header_row": 3, "header_rows": 1, "total_rows": 2},
    ),
    Case(
        "xlsx_title_merged_header_total",
        "incidents",
        _title_rows_xlsx,
        "report",
        CSV_WGS,
        counts=(8, 0, 0),
        reasons={},
        layout={"header_row": 2, "header_rows": 2, "total_rows": 1},
    ),
    Case(
        "csv_header_row_option",
        "incidents",
        _title_rows_csv,
        "report",
        (*CSV_WGS, "--header-row", "3"),
        counts=(9, 1, 0),
        reasons={"bad_time": 1},
        layout={"header_row": 3},
    ),
    Case(
        "csv_header_row_beyond_the_file",
        "incidents",
        _title_rows_csv,
        "error",
        (*CSV_WGS, "--header-row", "500"),
        mentions=("header-row",),
    ),
    # --- CSV: options
    Case("csv_without_crs", "incidents", _csv(incidents()), "error", mentions=("--crs",)),
    Case("csv_unknown_epsg", "incidents", _csv(incidents()), "error", ("--crs", "EPSG:999999")),
    Case("csv_crs_nonsense", "incidents", _csv(incidents()), "error", ("--crs", "klingon")),
    Case(
        "csv_grid_version_on_incidents",
        "incidents",
        _csv(incidents()),
        "error",
        (*CSV_WGS, *GRID_V),
        mentions=("grid",),
    ),
    Case(
        "grids_without_grid_version",
        "grids",
        lambda f: put(f, "g.geojson", grid_features(grid_cells())),
        "usage",
    ),
    Case(
        "input_over_size_limit",
        "incidents",
        _csv(incidents(2000)),
        "error",
        CSV_WGS,
        mentions=("too large",),
        env={"CIVICGRID_MAX_INPUT_MB": "0.05"},
    ),
    # --- XLSX
    Case(
        "xlsx_good_control", "incidents", _xlsx(incidents()), "report", CSV_WGS, counts=(30, 0, 0)
    ),
    Case("xlsx_cut", "incidents", _xlsx(incidents(), cut=True), "error", CSV_WGS),
    Case("xlsx_junk", "incidents", lambda f: put(f, "junk.xlsx", junk(3000)), "error", CSV_WGS),
    Case("xlsx_zip_bomb", "incidents", _xlsx_bomb, "error", CSV_WGS, mentions=("bomb",)),
    Case(
        "xlsx_huge_dimension",
        "incidents",
        _xlsx_huge_dimension,
        "error",
        CSV_WGS,
        mentions=("1,048,576 rows × 16,384 columns", "refused"),
    ),
    Case(
        "xlsx_header_only",
        "incidents",
        _xlsx(incidents().iloc[:0]),
        "report",
        CSV_WGS,
        counts=(0, 0, 0),
    ),
    Case("xlsx_empty_sheet", "incidents", _xlsx(pd.DataFrame()), "error", CSV_WGS),
    Case("csv_named_xlsx", "incidents", _csv(incidents(), name="incidents.xlsx"), "error", CSV_WGS),
    # --- GeoJSON
    Case("geojson_cut", "grids", _geojson_cut, "error", GRID_V),
    Case("geojson_empty_file", "grids", lambda f: put(f, "empty.geojson", b""), "error", GRID_V),
    Case("geojson_junk", "grids", lambda f: put(f, "junk.geojson", junk(2000)), "error", GRID_V),
    Case("geojson_gbk", "grids", _geojson_gbk, "error", GRID_V, mentions=("UTF-8",)),
    Case(
        "geojson_no_features",
        "grids",
        lambda f: put(f, "none.geojson", grid_features([])),
        "report",
        GRID_V,
        counts=(0, 0, 0),
    ),
    Case("geojson_bowtie", "grids", _bowtie, "report", GRID_V, counts=(4, 0, 0)),
    Case(
        "geojson_unclosed_ring",
        "grids",
        _unclosed,
        "report",
        GRID_V,
        counts=(2, 1, 0),
        reasons={"missing_geometry": 1},
    ),
    # a null and an empty geometry (missing), a polygon of one repeated point (invalid)
    Case(
        "geojson_empty_geometries",
        "grids",
        _empty_geometries,
        "report",
        GRID_V,
        counts=(2, 3, 0),
        reasons={"missing_geometry": 2, "invalid_geometry": 1},
    ),
    Case(
        "geojson_points_as_grids",
        "grids",
        _points_as_grids,
        "report",
        GRID_V,
        counts=(2, 3, 0),
        reasons={"invalid_geometry": 3},
    ),
    Case(
        "geojson_deeply_nested",
        "grids",
        _geojson_deep,
        "error",
        GRID_V,
        mentions=("nested more than 64 levels",),
    ),
    Case(
        "geojson_deep_properties",
        "grids",
        _geojson_deep_properties,
        "error",
        GRID_V,
        mentions=("nested more than 64 levels",),
    ),
    Case(
        "geojson_huge",
        "grids",
        _geojson_huge,
        "error",
        GRID_V,
        mentions=("too large",),
        env={"CIVICGRID_MAX_GEOJSON_MB": "1"},
    ),
    Case(
        "geojson_brackets_in_text",
        "grids",
        _geojson_brackets_in_text,
        "report",
        GRID_V,
        counts=(4, 0, 0),
    ),
    # --- shapefiles
    Case("zip_good_control", "facilities", _shp_ok_zip, "report", counts=(12, 0, 0)),
    Case("shp_cut_shp", "facilities", _shp_cut(".shp", 0.6), "error", mentions=("truncated",)),
    Case("shp_cut_dbf", "facilities", _shp_cut(".dbf", 0.6), "error", mentions=("truncated",)),
    Case("shp_missing_shx", "facilities", _shp_missing(".shx"), "error"),
    Case("shp_missing_dbf", "facilities", _shp_missing(".dbf"), "error", mentions=(".dbf",)),
    Case("shp_gbk_cpg_says_utf8", "facilities", _shp_gbk_says_utf8, "error"),
    Case(
        "shp_utf8_cpg_says_gbk",
        "facilities",
        _shp_utf8_says_gbk,
        "error",
        mentions=(".cpg says GBK", "UTF-8"),
    ),
    Case("shp_junk", "facilities", _shp_junk, "error"),
    Case("shp_empty_files", "facilities", _shp_empty, "error"),
    Case(
        "shp_renamed_txt",
        "facilities",
        _copy_as("facilities.pdf", _shp_ok_zip),
        "error",
        mentions=("unsupported",),
    ),
    # --- zips
    Case(
        "zip_traversal",
        "facilities",
        _zip_members(
            {"../../etc/x.shp": ".shp", "../../etc/x.shx": ".shx", "../../etc/x.dbf": ".dbf"}
        ),
        "error",
        mentions=("..",),
    ),
    Case(
        "zip_absolute_path",
        "facilities",
        _zip_members({"/tmp/x.shp": ".shp", "/tmp/x.shx": ".shx", "/tmp/x.dbf": ".dbf"}),
        "error",
        mentions=("absolute",),
    ),
    Case("zip_symlink", "facilities", _zip_symlink, "error", mentions=("link",)),
    Case("zip_bomb_ratio", "facilities", _zip_bomb_ratio, "error", mentions=("bomb",)),
    Case("zip_bomb_claims_4gb", "facilities", _zip_bomb_claim, "error", mentions=("MB",)),
    Case(
        "zip_bomb_overlapping",
        "facilities",
        _zip_overlapping,
        "error",
        mentions=("overlap", "zip bomb"),
    ),
    Case(
        "zip_over_input_limit",
        "facilities",
        _zip_members({"x.shp": ".shp", "x.shx": ".shx", "x.dbf": ".dbf"}),
        "error",
        mentions=("input limit",),
        env={"CIVICGRID_MAX_INPUT_MB": "0.002"},
    ),  # 2 kB: the zip (0.8 kB) fits, its 3.6 kB do not
    Case("zip_too_many_members", "facilities", _zip_many, "error", mentions=("members",)),
    Case(
        "zip_no_shapefile",
        "facilities",
        _zip_members({"x.dbf": ".dbf", "x.prj": ".prj"}),
        "error",
        mentions=("found 0",),
    ),
    Case("zip_two_shapefiles", "facilities", _zip_two, "error", mentions=("found 2",)),
    Case("zip_cut", "facilities", _zip_cut, "error"),
    Case("zip_junk", "facilities", lambda f: put(f, "junk.zip", junk(3000)), "error"),
    # --- GeoPackage
    Case("gpkg_good_control", "facilities", _gpkg(cut=False), "report", counts=(12, 0, 0)),
    Case("gpkg_cut", "facilities", _gpkg(cut=True), "error"),
    Case("gpkg_junk", "facilities", lambda f: put(f, "junk.gpkg", junk(5000)), "error"),
    Case(
        "missing_file",
        "incidents",
        lambda f: f / "nowhere.csv",
        "error",
        CSV_WGS,
        mentions=("not found",),
    ),
]
