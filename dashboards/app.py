"""The Dash app: a shell (navigation, language switch, presentation mode, export buttons)
around one module per page, plus the vector-tile, glyph and base-map routes.

Pages are listed in PAGES: a path, a label key and the module, which gives
`layout(lang)` and `register(app)`. A page guard (`allowed`) is the one place a
later login/roles layer decides who sees what; an Export page is one more entry.
Everything is served by the app itself: `serve_locally=True`, local CSS, no CDN; the
pages' plotly.js is the app's own smaller bundle (dashboards.plotlyjs) and responses
are gzipped for browsers that accept it (dashboards.compress). Every response carries
the security headers of dashboards.headers (a Content-Security-Policy among them).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import dash
from dash import ClientsideFunction, Input, Output, State, dcc, html
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboards import (
    auth,
    basemap,
    compress,
    coverage,
    export,
    glyphs,
    grids,
    headers,
    hotspots,
    overview,
    plotlyjs,
)
from dashboards import brief as brief_route
from dashboards import tiles as tile_routes
from dashboards.components import ENGINE_KEY, note
from dashboards.i18n import DEFAULT, t
from geo.db.engine import get_engine


@dataclass(frozen=True)
class Page:
    """One page of the app: URL path, navigation label key and its module (who may open
    it is geo.auth.roles' decision, see `allowed`)."""

    path: str
    label: str
    module: ModuleType


PAGES = (
    Page("/", "nav.overview", overview),
    Page("/hotspots", "nav.hotspots", hotspots),
    Page("/grids", "nav.grids", grids),
    Page("/coverage", "nav.coverage", coverage),
    Page("/export", "nav.export", export),
)


def allowed(page: Page) -> bool:
    """Whether the current visitor may open `page` (geo.auth.roles decides; every page
    when the app runs without a login layer). The server enforces it too (dashboards.auth)."""
    return auth.visitor_may_see(page.path)


def _nav(lang: str, path: str) -> list:
    return [
        dcc.Link(
            t(p.label, lang),
            href=p.path,
            id=f"nav-{p.path.strip('/') or 'overview'}",
            className="nav-link active" if p.path == path else "nav-link",
        )
        for p in PAGES
        if allowed(p)
    ]


def _shell() -> html.Div:
    return html.Div(
        [
            dcc.Location(id="url"),
            dcc.Store(id="lang", storage_type="local", data=DEFAULT),
            dcc.Store(id="present", storage_type="session", data=False),
            html.Header(
                [
                    html.Div(id="app-title", className="brand"),
                    html.Nav(id="nav", className="nav"),
                    html.Div(
                        [
                            html.Button(id="btn-png", className="btn", n_clicks=0),
                            html.Button(id="btn-pdf", className="btn", n_clicks=0),
                            html.Button(id="btn-present", className="btn", n_clicks=0),
                            html.Button(id="btn-lang", className="btn btn-lang", n_clicks=0),
                            # a full page load: sign-out ends every session of the user (dashboards.auth)
                            html.A(
                                id="btn-logout",
                                href="/logout",
                                className="btn",
                                hidden=auth.visitor_name() is None,
                            ),
                        ],
                        className="actions",
                    ),
                ],
                className="topbar",
            ),
            html.Div(id="alert", className="note note-error", hidden=True, role="alert"),
            html.Main(id="page", className="page"),
            html.Div(id="export-done", hidden=True),
        ],
        id="root",
        className="root",
    )


def _register_shell(app: dash.Dash) -> None:
    @app.callback(
        Output("lang", "data"),
        Input("btn-lang", "n_clicks"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def toggle_lang(_, lang):
        return "en" if lang != "en" else "zh"

    @app.callback(
        Output("present", "data"),
        Input("btn-present", "n_clicks"),
        State("present", "data"),
        prevent_initial_call=True,
    )
    def toggle_present(_, on):
        return not on

    app.clientside_callback(  # in the browser: no request to the server with each page
        ClientsideFunction("civicgrid", "presentClass"),
        Output("root", "className"),
        Input("present", "data"),
    )

    @app.callback(
        Output("app-title", "children"),
        Output("nav", "children"),
        Output("btn-lang", "children"),
        Output("btn-present", "children"),
        Output("btn-png", "children"),
        Output("btn-pdf", "children"),
        Output("btn-logout", "children"),
        Input("lang", "data"),
        Input("url", "pathname"),
    )
    def shell_labels(lang, path):
        return (
            t("app.title", lang),
            _nav(lang, path),
            t("lang.switch", lang),
            t("present.on", lang),
            t("export.png", lang),
            t("export.pdf", lang),
            t("logout", lang),
        )

    @app.callback(
        Output("page", "children"),
        Output("alert", "hidden"),
        Input("url", "pathname"),
        Input("lang", "data"),
        State("present", "data"),
    )
    def route(path, lang, present):
        page = next((p for p in PAGES if p.path == (path or "/")), None)
        if page is None or not allowed(page):
            return html.Div(note(t("not_found", lang), "warn")), True
        try:
            # the overview draws its first view in presentation type when that mode is on
            if page.module is overview:
                return overview.layout(lang, present=bool(present)), True
            return page.module.layout(lang), True
        except SQLAlchemyError:
            return note(t("db_error", lang), "error", el_id="db-error"), True

    # PNG of the page's first map through Plotly.downloadImage; PDF via the browser's print
    app.clientside_callback(
        ClientsideFunction("civicgrid", "exportPng"),
        Output("export-done", "children"),
        Input("btn-png", "n_clicks"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("civicgrid", "printPage"),
        Output("export-done", "title"),
        Input("btn-pdf", "n_clicks"),
        prevent_initial_call=True,
    )


def _on_error(err: Exception) -> None:
    """A callback failed: say so in one line at the top (both languages, as the failed
    callback's language is not known here); opening a page hides it again."""
    if isinstance(err, SQLAlchemyError):
        message = f"{t('db_error', 'zh')} / {t('db_error', 'en')}"
    else:
        message = f"{t('callback_error', 'zh')} / {t('callback_error', 'en')}"
    dash.set_props("alert", {"children": message, "hidden": False})


def warm(app: dash.Dash, base: str) -> None:
    """Build every page's first view once, as a visitor at `base` would get it, the gzip
    of the plotly.js bundle, and the slow inputs of the pages drawn by callbacks (the
    active grids' table, coverage, the drafts being edited), so the first visitor after
    a start does not wait for cold caches (counts, Gi* weights, figures kept per filter
    key: ≈ 10 s on the city sample; a city draft read, 1.4 s, and its whole balance,
    0.15 s — every grid's contiguity, which an edit then updates for the grids it
    touches —, which each server process would otherwise pay on the first edit it
    receives). Errors are left to the pages, which report them to the visitor."""
    from dashboards.hotspots import alert_report
    from geo.grids import drafts, edit
    from geo.grids.versions import list_versions
    from geo.views import coverage, grids

    def slow_inputs() -> None:
        engine = app.server.config[ENGINE_KEY]
        coverage.inputs(engine)
        for version in grids.versions(engine):
            if version["in_force"]:
                grids.grid_table(engine, version["name"])
        coverage.summary(engine, "police_station")
        alert_report(engine, "week")

    def open_drafts() -> None:
        engine = app.server.config[ENGINE_KEY]
        for version in list_versions(engine):  # the editor's drafts (not proposals)
            if version.status == "draft" and "editor" in version.params:
                edit.balance(drafts.open_draft(engine, version.name))

    for page in PAGES:
        try:
            with app.server.test_request_context("/", base_url=base):
                page.module.layout(DEFAULT)
        except Exception:  # noqa: BLE001 - a warm-up must never stop the server
            continue

    def bundle() -> None:  # 3 MB: ~80 ms of a core to compress, ~0.2 s under load
        compress.keep(app.server, plotlyjs.url(app.config.requests_pathname_prefix))

    for step in (bundle, slow_inputs, open_drafts):
        try:
            step()
        except Exception:  # noqa: BLE001 - a warm-up must never stop the server
            continue


def create_app(engine: Engine | None = None, *, login: bool = False) -> dash.Dash:
    """The dashboard on `engine` (default: the configured database); `login=True` requires
    a signed-in user and checks roles on every request (`civicgrid serve` does)."""
    app = plotlyjs.Dash(
        __name__,
        title="civicgrid",
        serve_locally=True,
        suppress_callback_exceptions=True,
        update_title=None,
        external_stylesheets=[],
        external_scripts=[],
        on_error=_on_error,
    )
    app.server.config[ENGINE_KEY] = engine or get_engine()
    app.index_string = plotlyjs.index_string(app.config.requests_pathname_prefix)
    plotlyjs.register(app.server)
    compress.register(app.server)
    app.layout = _shell
    _register_shell(app)
    for page in PAGES:
        page.module.register(app)
    tile_routes.register(app.server, lambda: app.server.config[ENGINE_KEY])
    glyphs.register(app.server)
    basemap.register(app.server, lambda: app.server.config[ENGINE_KEY])
    brief_route.register(app.server, lambda: app.server.config[ENGINE_KEY])
    if login:
        auth.register(app.server, lambda: app.server.config[ENGINE_KEY])
    headers.register(app)  # last: the policy names the hashes of every inline script
    return app
