"""Grids against a department's units (网格与部门辖区), a section of the Grids page: for
the version in view and a department whose units are loaded (e.g. police-station
areas), the alignment score and the grids split across two or more of its units, with
each unit's share — what `civicgrid grids align VERSION --department D` reports, read
here without storing a run."""

from __future__ import annotations

from dash import Input, Output, State, dcc, html, no_update

from dashboards.components import engine, note, section, table
from dashboards.i18n import t
from geo.departments import label
from geo.errors import InputError
from geo.grids.alignment import align_version
from geo.grids.store import departments

COLUMNS = [
    ("grid_code", "col.grid_code"),
    ("name", "col.name"),
    ("main_unit", "col.main_unit"),
    ("main_share_pct", "col.main_share"),
    ("units_text", "col.units"),
]


def panel(lang: str) -> html.Section:
    """The department picker, the version's alignment summary and its split grids."""
    depts = departments(engine())
    picker = dcc.Dropdown(
        id="ga-dept",
        options=[{"label": label(d), "value": d} for d in depts],
        value=depts[0] if depts else None,
        clearable=False,
    )
    return section(
        t("ga.title", lang),
        html.Div(
            [html.Div([html.Label(t("ga.department", lang)), picker], className="filter")],
            className="filters",
        ),
        html.Div(id="ga-summary", role="status"),
        table("ga-table", COLUMNS, lang, height="300px", csv_name="grid-alignment.csv"),
    )


def split_rows(items: list[dict]) -> list[dict]:
    """Table rows of the split grids, each unit written as 'code name share%'."""
    return [
        {
            "grid_code": i["grid_code"],
            "name": i["name"],
            "main_unit": i["main_unit"],
            "main_share_pct": round(100 * i["main_share"], 1),
            "units_text": "；".join(
                f"{u['code']} {u['name'] or ''} {100 * u['share']:.1f}%"
                for u in i["units"]
                if u["counted"]
            ),
        }
        for i in items
        if i["split"]
    ]


def register(app) -> None:
    @app.callback(
        Output("ga-summary", "children"),
        Output("ga-table", "rowData"),
        Input("ga-dept", "value"),
        Input("gr-a", "value"),
        State("lang", "data"),
    )
    def show(dept, version, lang):
        eng = engine()
        if not dept or dept not in departments(eng):
            return note(t("ga.none", lang), "info"), []
        if not version:
            return no_update, no_update
        try:
            report = align_version(eng, version, dept, save=False)
        except InputError as err:
            return note(str(err), "warn"), []
        score = "—" if report["score"] is None else f"{report['score']:.3f}"
        summary = t(
            "ga.summary",
            lang,
            version=version,
            grids=report["grids"],
            split=report["split_grids"],
            dept=report["department_label"],
            outside=report["outside_grids"],
            score=score,
        )
        return note(summary, "info"), split_rows(report["items"])
