"""Nothing personal leaves the load step in clear — checked on every path out.

One hostile workbook carries personal data the way real files do: headers 主叫号码,
身份号码, 法定代表人, SFZH, SJHM, 姓　名 (ideographic space), 電話 (traditional), a
column with no header holding mobile numbers, and a free-text 备注 with a phone, an ID
number and an e-mail in it; two of its rows are rejected. After the load, no clear value
(and never the key) is in the stored rows, the rejects (table and CSV), the load report
(JSON and human), an export (CSV and GeoJSON) or what the coverage page shows.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook
from rich.console import Console
from sqlalchemy import text

from etl import report
from etl.load import load
from etl.sample.people import id_numbers, names
from geo.export import export_layer
from geo.privacy.store import KEY_ENV, pii_key
from geo.views.coverage import overdue
from tests.etl.builders import facilities, incidents, points_gdf, write_shp

PERSONAL = ("主叫号码", "身份号码", "法定代表人", "SFZH", "SJHM", "姓　名", "電話")
N = 12


def people(n: int = N, seed: int = 5) -> dict[str, list]:
    """Personal columns for `n` rows; the unlabeled column is under the key None."""
    rng = np.random.default_rng(seed)
    ids = id_numbers(2 * n, "320508", rng)
    return {
        "主叫号码": [f"1391234{i:04d}" for i in range(n)],
        "身份号码": ids[:n],
        "法定代表人": [f"欧阳{g}" for g in names(n, rng)],
        "SFZH": ids[n:],
        "SJHM": [13612340000 + i for i in range(n)],  # numbers, as Excel keeps them
        "姓　名": list(names(n, rng)),
        "電話": [f"0512-6522{i:04d}" for i in range(n)],
        None: [f"1371234{i:04d}" for i in range(n)],
        "备注": [f"回电1351234{i:04d}，身份证{ids[i]}，邮箱user{i}@example.com" for i in range(n)],
    }


def clear_values(cols: dict[str, list]) -> list[str]:
    """Every personal value as text, free-text parts included (the 备注 itself is not)."""
    values = [str(v) for k, col in cols.items() if k != "备注" for v in col]
    values += [f"1351234{i:04d}" for i in range(N)] + [f"user{i}@example.com" for i in range(N)]
    return values


def write_xlsx(path: Path, base: dict[str, list], cols: dict[str, list]) -> Path:
    book = Workbook()
    sheet = book.active
    headers = [*base, *cols]
    sheet.append(headers)
    for i in range(N):
        sheet.append([(base | cols)[h][i] if h is not None else cols[None][i] for h in headers])
    book.save(path)
    return path


def incident_file(path: Path, keys: str = "JQ", seed: int = 5) -> tuple[Path, dict]:
    df = incidents(N, seed=7)[["警情编号", "报警时间", "警情类别", "发生地址", "经度", "纬度"]]
    df["警情编号"] = [f"{keys}{i:06d}" for i in range(N)]
    df.loc[0, "报警时间"] = "2025-02-30 10:00:00"  # rejected: bad_time
    df.loc[1, ["经度", "纬度"]] = [116.40, 39.90]  # rejected: outside_city
    cols = people(seed=seed)
    return write_xlsx(path, {c: df[c].tolist() for c in df.columns}, cols), cols


def reference(value: str) -> str:
    return "hmac:" + hmac.new(pii_key().encode(), value.encode(), hashlib.sha256).hexdigest()


def assert_clean(where: str, dump: str, cols: dict[str, list]) -> None:
    leaked = [v for v in clear_values(cols) if v in dump]
    assert not leaked, f"{where} holds personal values in clear: {leaked[:5]}"
    assert pii_key() not in dump, f"{where} holds the key"


def exported_text(layer: str, fmt: str, folder: Path) -> str:
    result = export_layer(layer, fmt, folder / f"{layer}-{fmt}.zip", user="test")
    with zipfile.ZipFile(result.path) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


@pytest.fixture
def loaded(city, db_url, tmp_path):
    path, cols = incident_file(tmp_path / "警情.xlsx")
    return load("incidents", path, crs="wgs84", url=db_url), cols


def test_each_column_is_treated_for_its_reason(loaded):
    result, _ = loaded
    why = {p["column"]: (p["why"], p.get("looks_like"), p["treatment"]) for p in result["personal"]}
    assert why == {
        **{h: ("header", None, "hash") for h in PERSONAL},
        "column_14": ("content", "mobile", "hash"),
    }
    assert result["masked"] == [
        {"column": "备注", "total": 3 * N, "email": N, "id_number": N, "phone": N}
    ]
    assert (result["read"], result["loaded"], result["rejected"]) == (N, N - 2, 2)
    console = Console(record=True, width=400, file=io.StringIO())
    report.human(result, console)
    shown = console.export_text()
    assert "column_14 (内容 content: mobile 100%, 假名 hash)" in shown
    assert "SFZH (表头 header, 假名 hash)" in shown
    assert f"备注 {3 * N} (email {N}, id_number {N}, phone {N})" in shown


def test_nothing_personal_is_stored_or_rejected_or_reported_in_clear(loaded, city):
    result, cols = loaded
    with city.connect() as conn:
        stored = conn.execute(text("SELECT string_agg(t::text, ' ') FROM incidents t")).scalar()
        rejects = conn.execute(text("SELECT string_agg(t::text, ' ') FROM load_rejects t")).scalar()
        batch = conn.execute(text("SELECT string_agg(t::text, ' ') FROM load_batches t")).scalar()
        attrs = (
            conn.execute(text("SELECT attributes FROM incidents ORDER BY source_key"))
            .scalars()
            .all()
        )
    assert_clean("incidents", stored, cols)
    assert_clean("load_rejects", rejects, cols)
    assert_clean("load_batches", batch, cols)
    assert_clean("rejects CSV", Path(result["rejects_csv"]).read_text(encoding="utf-8-sig"), cols)
    assert_clean("report.json", (Path(result["report_dir"]) / "report.json").read_text(), cols)
    assert_clean("report", json.dumps(result, ensure_ascii=False), cols)
    assert "2025-02-30" in rejects and "hmac:" in rejects  # the rejects keep the rest, treated
    # pseudonyms are the keyed HMAC of the value; the free text keeps its words
    first = attrs[0]  # JQ000002: rows 0 and 1 were rejected
    assert first["主叫号码"] == reference(cols["主叫号码"][2])
    assert first["SJHM"] == reference(str(cols["SJHM"][2]))
    assert first["column_14"] == reference(cols[None][2])
    assert first["备注"] == "回电[电话]，身份证[证件号]，邮箱[邮箱]"


def test_nothing_personal_is_exported_in_clear(loaded, tmp_path):
    _, cols = loaded
    for fmt in ("csv", "geojson"):
        dump = exported_text("incidents", fmt, tmp_path)
        assert_clean(f"{fmt} export", dump, cols)
        assert "hmac:" not in dump  # pseudonyms single a person out: not exported either
        assert "回电[电话]" in dump  # the free text itself is exported, masked


def test_nothing_personal_reaches_the_coverage_page_or_a_rentals_export(city, db_url, tmp_path):
    base = {
        "房屋编号": [f"FW{i:04d}" for i in range(N)],
        "地址": [f"平江路{i}号 房东电话1331234{i:04d}" for i in range(N)],
        "经度": incidents(N, seed=3)["经度"].tolist(),
        "纬度": incidents(N, seed=3)["纬度"].tolist(),
        # the last inspection sets the data's date (the one "as of" rule): the others are overdue
        "最近检查日期": ["2019-01-01"] * (N - 1) + ["2020-01-01"],
    }
    cols = people(seed=9)
    path = write_xlsx(tmp_path / "出租房屋.xlsx", base, cols)
    result = load("rentals", path, crs="wgs84", url=db_url)
    assert result["loaded"] == N
    assert result["masked"] == [
        {"column": "地址", "total": N, "phone": N},
        {"column": "备注", "total": 3 * N, "email": N, "id_number": N, "phone": N},
    ]
    from geo.db.engine import get_engine

    page = overdue(get_engine(db_url), days=30)
    assert len(page) == N - 1
    assert_clean(
        "coverage page", page.to_csv(), cols | {"地址": [f"1331234{i:04d}" for i in range(N)]}
    )
    assert "平江路0号 房东电话[电话]" in page["address"].tolist()
    dump = exported_text("rentals", "csv", tmp_path)
    assert_clean("rentals export", dump, cols)
    assert "1331234" not in dump


def test_pseudonyms_link_across_loads_under_one_key_only(
    loaded, city, db_url, tmp_path, monkeypatch
):
    _, cols = loaded
    again, _ = incident_file(tmp_path / "again.xlsx", keys="JB")  # same people, other file
    load("incidents", again, crs="wgs84", url=db_url)
    monkeypatch.setenv(KEY_ENV, "another-key-" + "x" * 40)
    other, _ = incident_file(tmp_path / "other.xlsx", keys="JC")
    load("incidents", other, crs="wgs84", url=db_url)
    with city.connect() as conn:
        rows = dict(
            conn.execute(
                text(
                    "SELECT source_key, attributes->>'主叫号码' FROM incidents "
                    "WHERE source_key IN ('JQ000005', 'JB000005', 'JC000005')"
                )
            ).all()
        )
    assert rows["JQ000005"] == rows["JB000005"] != rows["JC000005"]
    assert rows["JC000005"] == reference(cols["主叫号码"][5])  # reference() reads the new key


def test_pinyin_fields_of_a_dbf_are_pseudonymised(city, db_url, tmp_path):
    """A shapefile whose DBF names its fields in pinyin initials (XM 姓名, SFZH 身份证号,
    SJHM 手机号码, LXDH 联系电话): the DBF, GBK-encoded, as GIS desks export it."""
    df = facilities(6)
    rng = np.random.default_rng(4)
    cols = {
        "XM": list(names(6, rng)),
        "SFZH": id_numbers(6, "320508", rng),
        "SJHM": [f"1381234{i:04d}" for i in range(6)],
        "LXDH": [f"0512-6611{i:04d}" for i in range(6)],
    }
    path = write_shp(points_gdf(df.assign(**cols)), tmp_path / "设施.shp")
    result = load("facilities", path, url=db_url)
    assert result["loaded"] == 6
    assert [(p["column"], p["why"]) for p in result["personal"]] == [(h, "header") for h in cols]
    with city.connect() as conn:
        attrs = (
            conn.execute(text("SELECT attributes FROM facilities ORDER BY source_key"))
            .scalars()
            .all()
        )
    assert attrs[0] == {h: reference(str(cols[h][0])) for h in cols}
