"""Vocabularies as data: defaults, unknown values loaded as 未分类, import reclassifies."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from etl.load import load
from geo.config import vocab_dir
from geo.vocab import UNCLASSIFIED
from geo.vocab.store import list_terms
from geo.vocab.terms import clashes, read_terms
from tests.etl import builders


def test_default_vocabularies_ship_as_csv_and_mean_one_term_per_spelling(clean_db):
    files = sorted(p.name for p in vocab_dir().glob("*.csv"))
    assert files == [
        "facility_kinds.csv",
        "hazard_categories.csv",
        "incident_categories.csv",
        "key_site_kinds.csv",
        "risk_levels.csv",
    ]
    terms = pd.concat(
        [
            read_terms(vocab_dir() / f, v)
            for f, v in (
                ("incident_categories.csv", "incident_category"),
                ("hazard_categories.csv", "hazard_category"),
                ("facility_kinds.csv", "facility_kind"),
                ("key_site_kinds.csv", "key_site_kind"),
                ("risk_levels.csv", "risk_level"),
            )
        ],
        ignore_index=True,
    )
    assert clashes(terms) == []
    stored = list_terms(clean_db)
    assert len(stored) == len(terms)
    tops = stored[(stored.vocab == "incident_category") & stored.parent.isna()]
    assert tops["name"].tolist() == [
        "刑事",
        "治安",
        "交通",
        "火灾",
        "纠纷",
        "求助",
        "举报投诉",
        "其他",
    ]
    fine = stored[(stored.vocab == "incident_category") & stored.parent.notna()]
    assert {"盗窃", "诈骗", "抢劫", "打架斗殴", "家庭纠纷", "走失求助"} <= set(fine["name"])
    assert fine["parent"].isin(tops["code"]).all()


def _incidents(tmp_path, categories, subcategories):
    df = builders.incidents(len(categories))
    df["警情类别"], df["警情细类"] = categories, subcategories
    path = tmp_path / "jq.csv"
    df.to_csv(path, index=False)
    return path


def _stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT category_raw, subcategory, category, category_code FROM incidents "
                    "ORDER BY source_key"
                )
            )
        ]


def test_known_values_get_code_and_top_level_unknown_load_as_unclassified(
    clean_db, db_url, tmp_path
):
    path = _incidents(
        tmp_path,
        ["刑事", "刑事案件", "盗窃", "扒窃", "纠纷", "高空抛物", "高空抛物", "其它"],
        ["诈骗", None, None, None, "家庭矛盾", None, None, "无此细类"],
    )
    result = load("incidents", path, crs="wgs84", url=db_url)
    assert (result["loaded"], result["rejected"]) == (8, 0)
    assert _stored(clean_db) == [
        ("刑事", "诈骗", "刑事", "1002"),  # the 细类 is the finer code
        ("刑事案件", None, "刑事", "10"),  # an alias of the 大类
        ("盗窃", None, "刑事", "1001"),  # a 细类 written as the category
        ("扒窃", None, "刑事", "1001"),  # an alias of a 细类
        ("纠纷", "家庭矛盾", "纠纷", "5001"),
        ("高空抛物", None, UNCLASSIFIED, None),
        ("高空抛物", None, UNCLASSIFIED, None),
        ("其它", "无此细类", "其他", "80"),  # an unknown 细类 under a known 大类
    ]
    [entry] = result["unclassified"]
    assert (entry["field"], entry["vocab"], entry["value"], entry["count"]) == (
        "category",
        "incident_category",
        "高空抛物",
        2,
    )
    assert entry["add"].startswith("civicgrid vocab import ") and entry["add"].endswith(
        "--vocab incident_category"
    )


def test_import_reclassifies_stored_rows_without_a_reload(clean_db, db_url, tmp_path, cli):
    path = _incidents(tmp_path, ["高空抛物", "高空坠物", "盗窃"], [None, None, None])
    result = load("incidents", path, crs="wgs84", url=db_url)
    csv = result["unclassified"][0]["add"].split()[3]
    terms = pd.read_csv(csv, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert sorted(terms["name"]) == ["高空坠物", "高空抛物"]
    # the analyst files both under 治安 as one 细类 with an alias
    pd.DataFrame(
        {"code": ["2099"], "name": ["高空抛物"], "parent": ["20"], "aliases": ["高空坠物"]}
    ).to_csv(csv, index=False, encoding="utf-8-sig")
    done = cli(*result["unclassified"][0]["add"].split()[1:], "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["added"] == 1 and report["reclassified"]["incidents.category"] == 2
    assert report["incident_batches"] == [result["batch_id"]]
    assert _stored(clean_db) == [
        ("高空抛物", None, "治安", "2099"),
        ("高空坠物", None, "治安", "2099"),
        ("盗窃", None, "刑事", "1001"),
    ]
    listed = json.loads(cli("vocab", "list", "--vocab", "incident_category", "--json").stdout)
    assert {
        "vocab": "incident_category",
        "code": "2099",
        "name": "高空抛物",
        "parent": "20",
        "aliases": ["高空坠物"],
        "source": "import",
    } in listed["terms"]


def test_point_layers_keep_unknown_kinds_and_levels(clean_db, db_url, tmp_path, cli):
    pd.DataFrame(
        {
            "编号": ["F1", "F2", "F3"],
            "名称": ["甲", "乙", "丙"],
            "类型": ["派出所", "警务站", "消防站"],
            "经度": [120.6, 120.61, 120.62],
            "纬度": [31.3, 31.31, 31.32],
        }
    ).to_csv(tmp_path / "f.csv", index=False)
    result = load("facilities", tmp_path / "f.csv", crs="wgs84", url=db_url)
    assert (result["loaded"], [u["value"] for u in result["unclassified"]]) == (3, ["消防站"])
    with clean_db.connect() as conn:
        rows = conn.execute(text("SELECT kind, kind_raw FROM facilities ORDER BY source_key")).all()
    assert [tuple(r) for r in rows] == [
        ("police_station", "派出所"),
        ("police_station", "警务站"),
        (UNCLASSIFIED, "消防站"),
    ]
    xlsx = tmp_path / "kinds.xlsx"
    pd.DataFrame(
        {
            "vocab": ["facility_kind"],
            "code": ["fire_station"],
            "name": ["消防站"],
            "parent": [None],
            "aliases": ["消防救援站"],
        }
    ).to_excel(xlsx, index=False)
    assert cli("vocab", "import", str(xlsx), "--json").returncode == 0
    with clean_db.connect() as conn:
        assert (
            conn.execute(text("SELECT kind FROM facilities WHERE source_key = 'F3'")).scalar()
            == "fire_station"
        )


@pytest.mark.parametrize(
    "rows, message",
    [
        ({"code": ["x"], "name": ["盗窃"], "parent": ["20"], "aliases": [""]}, "means both"),
        (
            {"code": ["2098"], "name": ["新类"], "parent": ["1001"], "aliases": [""]},
            "not a top-level",
        ),
        ({"code": [""], "name": ["新类"], "parent": [""], "aliases": [""]}, "empty code"),
    ],
)
def test_a_bad_vocabulary_file_is_one_line_and_changes_nothing(
    clean_db, tmp_path, cli, rows, message
):
    path = tmp_path / "v.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    before = len(list_terms(clean_db))
    done = cli("vocab", "import", str(path))
    assert done.returncode == 1 and message in done.stderr and "v.csv" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert len(list_terms(clean_db)) == before


def test_exports_and_hotspot_counts_filter_by_either_level(clean_db, db_url, tmp_path):
    from geo.export import Filters, read_layer
    from geo.hexes import parents
    from geo.hotspots.store import load_counts

    path = _incidents(
        tmp_path, ["盗窃", "扒窃", "诈骗", "打架斗殴", "刑事案件", "高空抛物"], [None] * 6
    )
    load("incidents", path, crs="wgs84", url=db_url)

    def exported(*values):
        frame = read_layer("incidents", filters=Filters(category=values), engine=clean_db).gdf
        return sorted(frame["category_raw"])

    assert exported("盗窃") == ["扒窃", "盗窃"]  # a 细类, by name: its aliases come along
    assert exported("1001") == ["扒窃", "盗窃"]  # … or by code
    assert exported("刑事") == ["刑事案件", "扒窃", "盗窃", "诈骗"]  # a 大类 holds its 细类
    assert exported("治安", "高空抛物") == ["打架斗殴", "高空抛物"]  # unknown: by raw text
    with clean_db.connect() as conn:
        h3 = dict(conn.execute(text("SELECT category_raw, h3 FROM incidents")).all())
    fine = load_counts(clean_db, 8, categories=["盗窃"])  # from the incidents themselves
    want = pd.Series(parents([h3["盗窃"], h3["扒窃"]], 8).astype("int64")).value_counts()
    assert dict(zip(fine["cell"], fine["count"], strict=True)) == want.to_dict()


def _counts(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(
            conn.execute(
                text("SELECT res, month, cell, category, count FROM incident_counts")
            ).all(),
            columns=["res", "month", "cell", "category", "count"],
        )
    return frame.sort_values(["res", "month", "cell", "category"]).reset_index(drop=True)


def test_import_moves_the_counts_of_reclassified_batches(clean_db, db_url, tmp_path, cli):
    from geo.counts.refresh import refresh_counts
    from geo.views.counts import cell_counts
    from geo.views.stamp import data_stamp

    df = builders.incidents(300, seed=5)
    df["警情类别"] = np.random.default_rng(2).choice(["高空抛物", "盗窃", "家庭纠纷", "求助"], 300)
    df["警情细类"] = None
    unknown = int((df["警情类别"] == "高空抛物").sum())
    df.iloc[:200].to_csv(tmp_path / "a.csv", index=False)
    df.iloc[200:].to_csv(tmp_path / "b.csv", index=False)
    assert cli("load", "incidents", str(tmp_path / "a.csv"), "--crs", "wgs84").returncode == 0
    # a second batch loaded without counting: counted later, with its new category
    assert (
        cli(
            "load", "incidents", str(tmp_path / "b.csv"), "--crs", "wgs84", "--no-aggregate"
        ).returncode
        == 0
    )
    before = _counts(clean_db)
    in_a = int((df.iloc[:200]["警情类别"] == "高空抛物").sum())
    assert before.groupby("res")["count"].sum().tolist() == [200, 200, 200]
    assert (
        before[before.category == UNCLASSIFIED].groupby("res")["count"].sum().tolist() == [in_a] * 3
    )
    zhian = before[before.category == "治安"]["count"].sum()
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    page = cell_counts(clean_db, 8, *year, ["治安"])  # a page's view, kept per data stamp
    stamp = data_stamp(clean_db)

    path = tmp_path / "v.csv"
    pd.DataFrame(
        {"code": ["2099"], "name": ["高空抛物"], "parent": ["20"], "aliases": [""]}
    ).to_csv(path, index=False)
    done = cli("vocab", "import", str(path), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["reclassified"]["incidents.category"] == unknown
    assert report["count_rows"] > 0
    after = _counts(clean_db)
    assert UNCLASSIFIED not in set(after.category)
    assert after[after.category == "治安"]["count"].sum() == zhian + 3 * in_a
    assert data_stamp(clean_db) != stamp
    assert int(cell_counts(clean_db, 8, *year, ["治安"]).sum()) == int(page.sum()) + in_a
    # the same table as a full aggregate, before and after the second batch is counted
    pd.testing.assert_frame_equal(after, _recount_first_batch(clean_db))
    assert refresh_counts(clean_db).mode == "incremental"
    incremental = _counts(clean_db)
    refresh_counts(clean_db, full=True)
    pd.testing.assert_frame_equal(incremental, _counts(clean_db))


def _recount_first_batch(engine) -> pd.DataFrame:
    """incident_counts of the first batch alone, as a full aggregate would write them."""
    from geo.counts.refresh import count_batches, kept_resolutions

    with engine.connect() as conn:
        first = conn.execute(text("SELECT min(id) FROM load_batches")).scalar_one()
        n = conn.execute(
            text("SELECT count(*) FROM incidents WHERE batch_id = :b"), {"b": first}
        ).scalar_one()
        frame = count_batches(engine, conn, [first], kept_resolutions(), n)
    frame["month"] = pd.to_datetime(frame["month"], unit="D").dt.date
    frame["category"] = frame["category"].astype(str)
    frame = frame[["res", "month", "cell", "category", "count"]]
    return (
        frame.astype({"res": "int64", "cell": "int64", "count": "int64"})
        .sort_values(["res", "month", "cell", "category"])
        .reset_index(drop=True)
    )
