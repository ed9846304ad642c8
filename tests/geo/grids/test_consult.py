"""geo.grids.consult: the units a draft touches, and the answers a filing needs."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import InputError
from geo.grids.consult import affected_units, check_answers
from geo.grids.diff import diff
from tests.geo.grids.build import box, frame

T1, T2 = "320508001", "320508002"
C11, C12, C21 = T1 + "001", T1 + "002", T2 + "001"
UNITS = pd.DataFrame(
    {
        "code": [T1, T2, C11, C12, C21],
        "name": ["甲街道", "乙街道", "一社区", "二社区", "三社区"],
        "level": ["town", "town", "community", "community", "community"],
    }
)


def g(code, community, hh, geom):
    return {
        "grid_code": code,
        "community_code": community,
        "town_code": community[:9],
        "households": hh,
        "geometry": geom,
    }


BEFORE = frame(
    [
        g("A1", C11, 300, box(0, 0, 500, 1000)),
        g("A2", C11, 320, box(500, 0, 1000, 1000)),
        g("B1", C12, 400, box(1000, 0, 2000, 1000)),
        g("C1", C21, 350, box(3000, 0, 4000, 1000)),
    ]
)


def test_a_split_in_one_community_consults_it_and_its_town_only():
    after = frame(
        [
            g("A1", C11, 300, box(0, 0, 500, 1000)),
            g("A2", C11, 320, box(500, 0, 1000, 1000)),
            g("B2", C12, 200, box(1000, 0, 1500, 1000)),
            g("B3", C12, 200, box(1500, 0, 2000, 1000)),
            g("C1", C21, 350, box(3000, 0, 4000, 1000)),
        ]
    )
    units = affected_units(diff(BEFORE, after), BEFORE, after, UNITS).set_index("unit_code")
    assert list(units.index) == [T1, C12]
    assert units.loc[C12, "grids_before"] == ["B1"] and units.loc[C12, "grids_after"] == [
        "B2",
        "B3",
    ]
    assert units.loc[C12, "changes"] == ["split"] and units.loc[C12, "unit_name"] == "二社区"
    # the town sees all its grids, changed or not
    assert units.loc[T1, "grids_after"] == ["A1", "A2", "B2", "B3"]
    assert units.loc[T1, "households_before"] == 1020 == units.loc[T1, "households_after"]


def test_nothing_changed_consults_nobody():
    assert affected_units(diff(BEFORE, BEFORE), BEFORE, BEFORE, UNITS).empty


def test_a_grid_moved_across_a_town_line_consults_both_sides():
    after = frame(
        [
            g("A1", C11, 300, box(0, 0, 500, 1000)),
            g("A2", C11, 320, box(500, 0, 1000, 1000)),
            g("B1", C12, 750, box(1000, 0, 4000, 1000)),  # C1 merged into B1, across the town line
        ]
    )
    units = affected_units(diff(BEFORE, after), BEFORE, after, UNITS)
    assert set(units["unit_code"]) == {T1, T2, C12, C21}
    c21 = units.set_index("unit_code").loc[C21]
    assert c21["grids_before"] == ["C1"] and c21["grids_after"] == []


def test_answers_needed_unless_an_override_reason_is_given():
    record = pd.DataFrame({"unit_code": ["X", "Y", "Z"], "opinion": ["agree", None, "object"]})
    with pytest.raises(InputError, match="1 consulted unit.*Y"):
        check_answers(record)
    with pytest.raises(InputError):
        check_answers(record, "   ")
    done = check_answers(record, "区政府专题会议决定")
    assert done == {
        "units": 3,
        "answered": 2,
        "objections": ["Z"],
        "missing": ["Y"],
        "override": "区政府专题会议决定",
    }
    all_in = check_answers(record.fillna({"opinion": "agree"}), "unused")
    assert all_in["missing"] == [] and all_in["override"] is None
