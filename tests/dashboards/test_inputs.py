"""Callback inputs are bounded on the server: the checks themselves, and the hotspots
and overview callbacks posted by hand with values no control offers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from dash.exceptions import PreventUpdate

from dashboards.inputs import bounded_int, choices, date_range, one_of, text_or_none
from geo.views.counts import incident_span, resolutions


def test_bounded_int_takes_whole_numbers_in_range_only():
    assert bounded_int(3, 1, 3) == 3 and bounded_int("2", 1, 3) == 2 and bounded_int(2.0, 1, 3) == 2
    for bad in (
        0,
        4,
        1000,
        -1,
        2.5,
        "2.5",
        "k",
        None,
        True,
        [2],
        {"a": 1},
        float("nan"),
        float("inf"),
    ):
        with pytest.raises(PreventUpdate):
            bounded_int(bad, 1, 3)


def test_dates_are_clamped_to_the_span_and_must_be_dates():
    span = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert date_range("1900-01-01", "2999-12-31T00:00:00", span) == span
    assert date_range("2026-02-01", "2026-03-01", span) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
    )
    for start, end in (
        ("2026-03-01", "2026-02-01"),
        ("x", "2026-02-01"),
        (None, "2026-02-01"),
        (5, 6),
    ):
        with pytest.raises(PreventUpdate):
            date_range(start, end, span)


def test_choices_and_single_values():
    assert (
        one_of(30, (7, 30, 90)) == 30
        and choices(None) is None
        and choices(["a", "b"]) == ["a", "b"]
    )
    assert text_or_none("") is None and text_or_none("320505") == "320505"
    for call in (
        lambda: one_of(31, (7, 30, 90)),
        lambda: one_of([30], {7, 30}),
        lambda: choices("ab"),
        lambda: choices([1, 2]),
        lambda: choices(["a"] * 201),
        lambda: text_or_none("x" * 101),
        lambda: text_or_none(["a"]),
    ):
        with pytest.raises(PreventUpdate):
            call()


@pytest.fixture(scope="module")
def client(city, engine):
    from dashboards.app import create_app

    return create_app(engine).server.test_client()


def post(
    client, output: str, inputs: list[tuple[str, str, object]], state: list[tuple[str, str, object]]
):
    outputs = [
        {"id": i.rsplit(".", 1)[0], "property": i.rsplit(".", 1)[1]}
        for i in output.strip(".").split("...")
    ]
    body = {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    return client.post(
        "/_dash-update-component", data=json.dumps(body), content_type="application/json"
    )


def hotspots(client, start, end, res, k, mode="gi"):
    return post(
        client,
        "..hs-map.figure...hs-top.rowData...hs-note.children..",
        [
            ("hs-mode", "value", mode),
            ("hs-dates", "start_date", start),
            ("hs-dates", "end_date", end),
            ("hs-cats", "value", None),
            ("hs-area", "value", None),
            ("hs-res", "value", res),
            ("hs-k", "value", k),
        ],
        [("lang", "data", "en")],
    )


def test_hotspot_numbers_out_of_range_are_refused(client, engine):
    lo, hi = incident_span(engine)
    res = max(resolutions(engine))
    assert hotspots(client, lo.isoformat(), hi.isoformat(), res, 1).status_code == 200
    for bad_res, bad_k in (
        (res, 1000),
        (res, 0),
        (99, 1),
        (-1, 1),
        (res, "1; DROP TABLE"),
        (res, 2.5),
    ):
        assert (
            hotspots(client, lo.isoformat(), hi.isoformat(), bad_res, bad_k).status_code == 204
        ), (bad_res, bad_k)
    assert (
        hotspots(client, lo.isoformat(), hi.isoformat(), res, 1, mode="everything").status_code
        == 204
    )
    assert (
        hotspots(client, hi.isoformat(), lo.isoformat(), res, 1).status_code == 204
    )  # start after end


def test_hotspot_dates_beyond_the_data_are_clamped_to_it(client, engine):
    lo, hi = incident_span(engine)
    res = max(resolutions(engine))
    wide = hotspots(client, "1900-01-01", "2999-12-31", res, 2)
    exact = hotspots(client, lo.isoformat(), hi.isoformat(), res, 2)
    assert wide.status_code == exact.status_code == 200
    assert wide.get_json()["response"] == exact.get_json()["response"]
    assert len(wide.get_json()["response"]["hs-top"]["rowData"]) > 0


def test_overview_periods_other_than_offered_are_refused(client):
    out = "ov-kpis.children"
    assert (
        post(client, out, [("ov-days", "value", 30), ("lang", "data", "zh")], []).status_code == 200
    )
    for days in (100000, -1, "30", None):
        assert (
            post(client, out, [("ov-days", "value", days), ("lang", "data", "zh")], []).status_code
            == 204
        )
