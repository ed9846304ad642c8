"""geo.grids.filing's rule for clean filings: every topology problem named, and each
either fixed or accepted with a reason."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import InputError
from geo.grids.filing import open_problems, problem_ids

PROBLEMS = pd.DataFrame(
    {
        "problem": ["gap", "gap", "overlap", "crosses_parent", "duplicate_code"],
        "grid_codes": [[], [], ["A", "B"], ["C"], ["D"]],
        "unit_code": ["U1", "U1", None, "U2", "U3"],
    }
)


def test_each_problem_has_a_stable_name():
    assert problem_ids(PROBLEMS) == [
        "gap:U1",
        "gap:U1#2",
        "overlap:A+B",
        "crosses_parent:C",
        "duplicate_code:D",
    ]


def test_problems_stay_open_until_accepted_with_a_reason():
    still_open, accepted = open_problems(PROBLEMS, {"overlap:A+B": "drawn so by the town"})
    assert still_open == ["gap:U1", "gap:U1#2", "crosses_parent:C", "duplicate_code:D"]
    assert accepted == {"overlap:A+B": "drawn so by the town"}
    still_open, accepted = open_problems(PROBLEMS, {"gap:U1": "a lake"}, accept_all="pilot")
    assert still_open == []
    assert accepted == {
        "gap:U1": "a lake",
        "gap:U1#2": "pilot",
        "overlap:A+B": "pilot",
        "crosses_parent:C": "pilot",
        "duplicate_code:D": "pilot",
    }


def test_an_acceptance_must_name_a_problem_and_give_a_reason():
    with pytest.raises(InputError, match="names no problem of this version: gap:U9"):
        open_problems(PROBLEMS, {"gap:U9": "x"})
    with pytest.raises(InputError, match="needs a reason: overlap:A\\+B"):
        open_problems(PROBLEMS, {"overlap:A+B": "  "})
    assert open_problems(PROBLEMS.iloc[:0], {}) == ([], {})
