"""geo.items: the list's checks and the hours per grid, by hand on constructed grids."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.errors import InputError
from geo.items.catalogue import parse
from geo.items.workload import item_workload
from tests.geo.grids.build import X0, Y0, box, frame

LIST = pd.DataFrame(
    {
        "事项编码": ["A", "B", "C", "D", "E", "F"],
        "事项名称": ["走访", "出租屋", "重大危险源", "学校", "纠纷", "例会"],
        "责任部门": ["网格中心", "公安", "应急管理", "公安", "司法", "网格中心"],
        "计量对象": ["户数", "出租房屋", "hazards", "key_sites", "警情", "网格"],
        "筛选条件": [None, None, "3-4", "school", "纠纷", None],
        "频次": ["每季度", "每月", "每周", "每周", "每起", "每周"],
        "每次用时（分钟）": ["10", "20", "45", "30", "120", "60"],
    }
)


def pts(rows):
    """Points at (x, y) metres with attributes → WGS-84."""
    geoms = [shapely.Point(X0 + r.pop("x"), Y0 + r.pop("y")) for r in rows]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4549").to_crs("EPSG:4326")


def test_hours_per_grid_and_item_by_hand():
    grids = frame(
        [
            {
                "grid_code": "G1",
                "households": 300,
                "population": 900,
                "geometry": box(0, 0, 100, 100),
            },
            {
                "grid_code": "G2",
                "households": None,
                "population": 0,
                "geometry": box(100, 0, 200, 100),
            },
        ]
    )
    layers = {
        "rentals": pts([{"x": 10, "y": 10}, {"x": 20, "y": 10}, {"x": 150, "y": 50}]),
        "hazards": pts(
            [
                {"x": 10, "y": 50, "risk_level": 4},
                {"x": 30, "y": 50, "risk_level": 2},
                {"x": 150, "y": 50, "risk_level": 3},
            ]
        ),
        "key_sites": pts(
            [{"x": 50, "y": 50, "kind": "school"}, {"x": 60, "y": 50, "kind": "mall"}]
        ),
        "incidents": pts(
            [
                {"x": 150, "y": 10, "category": "纠纷"},
                {"x": 160, "y": 10, "category": "纠纷"},
                {"x": 170, "y": 10, "category": "火灾"},
                {"x": 500, "y": 500, "category": "纠纷"},
            ]
        ),
    }
    per_grid, parts = item_workload(grids, parse(LIST, "list.csv"), layers)
    h = parts.set_index(["grid_code", "item_code"])["hours"]
    c = parts.set_index(["grid_code", "item_code"])["count"]
    assert h["G1", "A"] == pytest.approx(300 * 4 * 10 / 60 / 12)  # 16.67
    assert h["G2", "A"] == 0  # households unknown: nothing counted
    assert c["G1", "B"] == 2 and c["G2", "B"] == 1
    assert h["G1", "B"] == pytest.approx(2 * 12 * 20 / 60 / 12)
    assert c["G1", "C"] == 1 and c["G2", "C"] == 1  # risk 2 is not 3-4
    assert h["G1", "C"] == pytest.approx(52 * 45 / 60 / 12)
    assert c["G1", "D"] == 1 and c["G2", "D"] == 0  # the mall is not a school
    assert c["G2", "E"] == 2 and c["G1", "E"] == 0  # fire not counted, outside point neither
    assert h["G2", "E"] == pytest.approx(2 * 1 * 120 / 60 / 12)
    assert h["G1", "F"] == h["G2", "F"] == pytest.approx(52 * 60 / 60 / 12)
    total = per_grid.set_index("grid_code")["hours"]
    assert total["G1"] == pytest.approx(h.loc["G1"].sum())
    assert total["G2"] == pytest.approx(
        1 * 12 * 20 / 60 / 12 + 52 * 45 / 60 / 12 + 2 * 120 / 60 / 12 + 52 / 12
    )


def test_missing_layers_count_zero():
    grids = frame(
        [{"grid_code": "G1", "households": 10, "population": 30, "geometry": box(0, 0, 10, 10)}]
    )
    per_grid, parts = item_workload(grids, parse(LIST, "l.csv"), {})
    assert per_grid["hours"].iloc[0] == pytest.approx(10 * 4 * 10 / 60 / 12 + 52 / 12)


@pytest.mark.parametrize(
    ("change", "field", "row"),
    [
        ({"计量对象": ["户数", "天气", "hazards", "key_sites", "警情", "网格"]}, "layer", 2),
        ({"频次": ["每季度", "每月", "偶尔", "每周", "每起", "每周"]}, "frequency", 3),
        ({"每次用时（分钟）": ["10", "20", "45", "-3", "120", "60"]}, "minutes", 4),
        ({"筛选条件": [None, None, "3-5", "school", "纠纷", None]}, "selector", 3),
        ({"事项编码": ["A", "B", "C", "D", "E", "A"]}, "code", 6),
        ({"事项名称": ["走访", None, "重大危险源", "学校", "纠纷", "例会"]}, "name", 2),
    ],
)
def test_a_bad_row_is_one_error_naming_file_row_and_field(change, field, row):
    with pytest.raises(InputError) as err:
        parse(LIST.assign(**change), "list.csv")
    assert (err.value.file, err.value.row, err.value.field) == ("list.csv", row, field)


def test_the_shipped_default_list_parses():
    from geo.items.store import default_list

    items = parse(pd.read_csv(default_list(), dtype=str), "service_items.csv")
    assert len(items) >= 10 and items["code"].is_unique
    assert set(items["layer"]) >= {"households", "rentals", "hazards", "key_sites", "incidents"}


def test_hour_bands_set_by_the_district_or_from_the_spread():
    from geo.items.workload import hour_flags

    hours = pd.Series([10.0, 40.0, 80.0, 200.0])
    flags, band = hour_flags(hours, (20, 100))
    assert flags.tolist() == ["low", "in_band", "in_band", "high"] and band == (20.0, 100.0)
    flags, band = hour_flags(hours, band_sd=1.0)
    mean, sd = hours.mean(), hours.std(ddof=0)
    assert band == pytest.approx((mean - sd, mean + sd))
    # mean 82.5, sd 72.24: the band is 10.26–154.74
    assert flags.tolist() == ["low", "in_band", "in_band", "high"]
