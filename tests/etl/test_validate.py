"""etl.validate: vectorised parsers and checks, one reason per row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from etl import validate as v


def test_parse_float_tells_blank_from_junk():
    values, bad = v.parse_float(
        pd.Series(["120.6", "", None, "120.62E", "北纬31.3"], dtype="string")
    )
    assert values[0] == 120.6 and np.isnan(values[1:]).all()
    assert bad.tolist() == [False, False, False, True, True]


def test_a_clean_float_column_reads_as_one_with_junk_in_it():
    clean = ["120.6", " 31.25 ", None, "", "1e2", "inf", "nan"]
    fast, fast_bad = v.parse_float(pd.Series(clean, dtype="string"))
    slow, slow_bad = v.parse_float(pd.Series([*clean, "120.62E"], dtype="string"))
    np.testing.assert_array_equal(fast, slow[:-1])
    assert (
        fast_bad.tolist()
        == slow_bad[:-1].tolist()
        == [False, False, False, False, False, True, True]
    )


def test_parse_int_rejects_words_fractions_and_negatives():
    values, bad = v.parse_int(pd.Series(["3", "三间", "2.5", "-4", None, "7.0"], dtype="string"))
    assert bad.tolist() == [False, True, True, True, False, False]
    assert values[0] == 3 and values[5] == 7 and values.isna()[4]


def test_parse_time_is_shanghai_local_and_flags_impossible_dates():
    micros, bad = v.parse_time(
        pd.Series(
            ["2025-01-01 08:00:00", "2025-02-30 10:00:00", "昨天晚上", "2025/03/01 09:30", None],
            dtype="string",
        )
    )
    assert bad.tolist() == [False, True, True, False, True]
    assert pd.Timestamp(micros[0], unit="us") == pd.Timestamp("2025-01-01 00:00:00")
    assert pd.Timestamp(micros[3], unit="us") == pd.Timestamp("2025-03-01 01:30:00")


def test_an_iso_time_column_reads_as_one_with_other_spellings_in_it():
    iso = ["2025-01-01 08:00:00", "2025-01-01T08:00:00", "2024-02-29 23:59", "2025-03-01", None, ""]
    fast, fast_bad = v.parse_time(pd.Series(iso, dtype="string"))
    slow, slow_bad = v.parse_time(pd.Series([*iso, "2025/03/01 09:30"], dtype="string"))
    assert fast.tolist() == slow[:-1].tolist() and fast_bad.tolist() == slow_bad[:-1].tolist()
    assert fast_bad.tolist() == [False, False, False, False, True, True]
    # an impossible date sends the column the slow way, where it is flagged alone
    _, bad = v.parse_time(pd.Series(["2025-01-01 08:00:00", "2025-02-30 10:00:00"], dtype="string"))
    assert bad.tolist() == [False, True]


def test_parse_date():
    days, blank, bad = v.parse_date(pd.Series(["2025-06-01", "", "2025-13-01"], dtype="string"))
    assert days[0] == (pd.Timestamp("2025-06-01") - pd.Timestamp("1970-01-01")).days
    assert blank.tolist() == [False, True, False] and bad.tolist() == [False, False, True]


def test_china_and_globe():
    lon, lat = np.array([120.6, 31.3, 2.0, 200.0]), np.array([31.3, 120.6, 48.0, 31.0])
    assert v.in_china(lon, lat).tolist() == [True, False, False, False]
    assert v.off_globe(lon, lat).tolist() == [False, True, False, True]  # lat 120.6 too


def test_inside_includes_the_boundary():
    square = shapely.box(0, 0, 1, 1)
    assert v.inside(square, np.array([0.5, 1.0, 1.5]), np.array([0.5, 0.5, 0.5])).tolist() == [
        True,
        True,
        False,
    ]


def test_verdict_keeps_the_first_reason():
    verdict = v.Verdict(3)
    verdict.reject(np.array([True, False, False]), "bad_time", "occurred_at")
    verdict.reject(np.array([True, True, False]), "outside_city", "lon")
    assert verdict.reasons().tolist() == ["bad_time", "outside_city", None]
    assert verdict.counts() == {"bad_time": 1, "outside_city": 1}
    assert verdict.ok.tolist() == [False, False, True]


def test_repeated_keys_tell_copies_from_clashes():
    keys = pd.Series(["a", "b", "a", "a", "c", "b"])
    content = np.array([1, 2, 1, 9, 3, 2])
    copies, clashes = v.repeated_keys(keys, np.ones(6, bool), lambda idx: content[idx])
    assert copies.tolist() == [False, False, True, False, False, True]
    assert clashes.tolist() == [False, False, False, True, False, False]
    # told which keys repeat in the whole file, it looks at those rows only: same answer
    raw = pd.Series([" a", "b", "a ", "a", "c", "b"])
    assert v.repeating(raw).tolist() == [True, True, True, True, False, True]
    copies2, clashes2 = v.repeated_keys(
        keys, np.ones(6, bool), lambda idx: content[idx], v.repeating(raw)
    )
    assert (copies2.tolist(), clashes2.tolist()) == (copies.tolist(), clashes.tolist())
    # numbers read as floats are formatted by the key parser: no shortcut
    assert v.repeating(pd.Series([320508.0, 320509.0])) is None and v.repeating(None) is None
