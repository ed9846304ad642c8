"""The consultation on the compared draft (征求意见), a section of the Grids page: each
town and community the draft's changes touch, whether it was asked, and its answer
(agree / agree with changes / object, with its note); planners and admins record an
answer as it comes back — the same store call as `civicgrid grids consult --record`,
audited with the signed-in user."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from dashboards import auth
from dashboards.components import engine, note, section, table
from dashboards.i18n import t
from geo.errors import InputError
from geo.grids.consult import OPINIONS
from geo.grids.consultation import record_opinion
from geo.views.grids import STATUSES, consultation

COLUMNS = [
    ("unit_code", "col.unit"),
    ("unit_name", "col.unit_name"),
    ("level_label", "col.level"),
    ("status_label", "col.status"),
    ("note", "col.opinion_note"),
    ("answered_on", "col.answered_on"),
    ("recorded_by", "col.recorded_by"),
]


def panel(lang: str) -> html.Section:
    """The consultation table, and the form to record an answer for those who may."""
    form = None
    if auth.visitor_may_edit_grids():

        def field(key, control):
            return html.Div([html.Label(t(key, lang)), control], className="filter")

        form = html.Div(
            [
                field("gc.unit", dcc.Dropdown(id="gc-unit", options=[])),
                field(
                    "gc.opinion",
                    dcc.RadioItems(
                        id="gc-opinion",
                        inline=True,
                        options=[
                            {"label": t(f"gc.status.{o}", lang), "value": o} for o in OPINIONS
                        ],
                    ),
                ),
                field("gc.note", dcc.Input(id="gc-note", type="text", debounce=False)),
                field(
                    "gc.date",
                    dcc.Input(id="gc-date", type="date", value=dt.date.today().isoformat()),
                ),
                html.Button(t("gc.record", lang), id="gc-save", n_clicks=0, className="btn"),
            ],
            className="filters",
        )
    return section(
        t("gc.title", lang),
        html.Div(id="gc-summary"),
        table("gc-table", COLUMNS, lang, height="260px", csv_name="consultation.csv"),
        form,
        html.Div(id="gc-msg", role="status"),
        dcc.Store(id="gc-done", data=0),
    )


def rows(draft: str, against: str, lang: str) -> tuple[list[dict], html.Div, list[dict]]:
    """Table rows, the summary line and the units an answer can be recorded for."""
    table_ = consultation(engine(), draft, against)
    counts = table_["status"].value_counts()
    answered = int(sum(counts.get(s, 0) for s in STATUSES[2:]))
    summary = note(
        t(
            "gc.summary",
            lang,
            n=len(table_),
            answered=answered,
            sent=int(counts.get("sent", 0)),
            not_sent=int(counts.get("not_sent", 0)),
            object=int(counts.get("object", 0)),
        ),
        "warn" if answered < len(table_) else "info",
    )
    table_["status_label"] = [t(f"gc.status.{s}", lang) for s in table_["status"]]
    table_["level_label"] = [t(f"gc.level.{v}", lang) for v in table_["level"]]
    asked = table_[table_["status"] != "not_sent"]
    options = [
        {"label": f"{r.unit_code} {r.unit_name or ''}", "value": r.unit_code}
        for r in asked.itertuples()
    ]
    out = table_.astype(object).where(table_.notna(), None)
    return out.to_dict("records"), summary, options


def register(app) -> None:
    @app.callback(
        Output("gc-table", "rowData"),
        Output("gc-summary", "children"),
        Input("gr-a", "value"),
        Input("gr-b", "value"),
        Input("gc-done", "data"),
        State("lang", "data"),
    )
    def update(a, b, _, lang):
        if not a or not b or a == b:
            return [], note(t("gc.pick_draft", lang), "info")
        return rows(b, a, lang)[:2]

    @app.callback(  # only where the form is (planners, admins)
        Output("gc-unit", "options"),
        Input("gr-a", "value"),
        Input("gr-b", "value"),
        Input("gc-done", "data"),
        State("lang", "data"),
    )
    def units(a, b, _, lang):
        if not a or not b or a == b:
            return []
        return rows(b, a, lang)[2]

    @app.callback(
        Output("gc-msg", "children"),
        Output("gc-done", "data"),
        Input("gc-save", "n_clicks"),
        State("gr-b", "value"),
        State("gc-unit", "value"),
        State("gc-opinion", "value"),
        State("gc-note", "value"),
        State("gc-date", "value"),
        State("gc-done", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def save(_, draft, unit, opinion, text, day, done, lang):
        if not auth.visitor_may_edit_grids():
            return note(t("ge.forbidden", lang), "error"), no_update
        if not draft or not unit or opinion not in OPINIONS:
            return note(t("gc.need", lang), "warn"), no_update
        try:
            answered = pd.Timestamp(day).date() if day else None
            record_opinion(
                engine(),
                draft,
                unit,
                opinion,
                (text or "").strip() or None,
                answered,
                user=auth.visitor_name(),
            )
        except (InputError, ValueError) as err:
            return note(str(err), "error"), no_update
        return (
            note(
                t("gc.recorded", lang, unit=unit, opinion=t(f"gc.status.{opinion}", lang)), "info"
            ),
            (done or 0) + 1,
        )
