"""Login and roles for the dashboard (Flask-Login on the Dash server).

Every request but the login page and the static bundles needs a signed-in user. Page
loads and Dash callbacks are checked against `geo.auth.roles.can_see` on the server —
hiding a link is not enough, since a callback can be posted by hand — by the page each
callback's outputs belong to (component ids carry their page's prefix); callbacks that
hand out data or change state check the role once more themselves (`may_use`). Sessions
are signed cookies: HttpOnly, SameSite=Lax, Secure when CIVICGRID_HTTPS=1 (behind TLS),
eight hours, and valid only under the user's current session epoch (geo.auth.users):
signing out, a password change or a deactivation ends every session of that user.
The login page is a Jinja template (autoescaped); failed sign-ins are throttled
(dashboards.throttle). Logins and failures go to the audit log.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import quote, urlencode, urlparse

from flask import Flask, Response, abort, redirect, render_template, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import Engine

from dashboards.headers import https
from dashboards.i18n import LANGS
from dashboards.throttle import throttle
from geo import audit
from geo.auth import authenticate, can_see, end_sessions
from geo.auth.roles import GRID_EDITORS
from geo.auth.users import get_user
from geo.config import state_dir

#: component-id prefix → the page whose callbacks use it
ID_PAGES = {
    "ov-": "/",
    "kpi-": "/",
    "hs-": "/hotspots",
    "gr-": "/grids",
    "cv-": "/coverage",
    "ex-": "/export",
}
#: paths anyone may fetch: the login form and the app's own static bundles (no data in them)
PUBLIC = (
    "/login",
    "/assets/",
    "/_dash-component-suites/",
    "/vendor/",
    "/glyphs/",
    "/_favicon.ico",
    "/favicon.ico",
)

TEXT = {
    "zh": {
        "title": "登录 · 城市社会治理地理分析平台",
        "user": "用户名",
        "password": "密码",
        "submit": "登录",
        "failed": "用户名或密码错误",
        "switch": "English",
        "other": "en",
        "throttled": "登录失败次数过多，请 {minutes} 分钟后再试",
    },
    "en": {
        "title": "Sign in · City governance geo-analytics",
        "user": "User name",
        "password": "Password",
        "submit": "Sign in",
        "failed": "Wrong user name or password",
        "switch": "中文",
        "other": "zh",
        "throttled": "Too many failed sign-ins: try again in {minutes} min",
    },
}


class SessionUser(UserMixin):
    """The signed-in user as Flask-Login wants it; the session keeps `get_id()`, which
    names the session epoch it was issued under."""

    def __init__(self, user_id: int, username: str, role: str, epoch: int) -> None:
        self.id, self.username, self.role, self.epoch = user_id, username, role, epoch

    def get_id(self) -> str:
        return f"{self.id}.{self.epoch}"


def secret_key() -> str:
    """$CIVICGRID_SECRET_KEY, else a random key kept (0600) under .civicgrid/."""
    if os.environ.get("CIVICGRID_SECRET_KEY"):
        return os.environ["CIVICGRID_SECRET_KEY"]
    path = state_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _output_ids(output: object) -> list[object]:
    """The component ids in Dash's callback key ("id.prop" or "..id.prop...id2.prop..");
    Dash runs the callback registered under this key, whatever `outputs` says."""
    if not isinstance(output, str):
        return []
    ids: list[object] = []
    for part in output.strip(".").split("..."):
        cid = part.rsplit(".", 1)[0]
        try:
            ids.append(json.loads(cid) if cid.startswith("{") else cid)
        except ValueError:
            ids.append(cid)
    return ids


def callback_page(body: bytes) -> str | None:
    """The page a Dash callback POST belongs to, from its outputs' ids (None: the shell;
    "?" when they name several pages or cannot be read)."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return "?"
    if not isinstance(payload, dict):
        return "?"
    outputs = payload.get("outputs")
    items = outputs if isinstance(outputs, list) else [outputs]
    ids = [item.get("id") if isinstance(item, dict) else None for item in items]
    pages = set()
    for cid in ids + _output_ids(payload.get("output")):
        if isinstance(cid, dict):  # pattern-matching ids carry a "type"
            cid = str(cid.get("type", ""))
        for prefix, page in ID_PAGES.items():
            if isinstance(cid, str) and cid.startswith(prefix):
                pages.add(page)
    if len(pages) > 1:
        return "?"
    return pages.pop() if pages else None


def _login_page(lang: str, nxt: str, message: str = "", status: int = 200) -> Response:
    """The sign-in form (a new form token kept in the session), every value escaped by
    the template."""
    session["csrf"] = secrets.token_urlsafe(32)
    tx = TEXT[lang]
    body = render_template(
        "login.html",
        lang=lang,
        tx=tx,
        message=message,
        token=session["csrf"],
        next=nxt,
        switch_query=urlencode({"lang": tx["other"], "next": nxt}),
    )
    return Response(body, status=status, mimetype="text/html")


def _lang() -> str:
    lang = request.values.get("lang", "zh")
    return lang if lang in LANGS else "zh"


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect to another site is refused (browsers read a
    backslash as a slash, so "/\\host" would be "//host")."""
    parsed = urlparse(target or "/")
    if (
        parsed.scheme
        or parsed.netloc
        or not (target or "/").startswith("/")
        or "\\" in (target or "")
    ):
        return "/"
    return target or "/"


def register(server: Flask, engine: Callable[[], Engine]) -> None:
    """Require a login on `server`; `engine()` gives the database holding the users."""
    server.config.update(
        SECRET_KEY=secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https(),
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    manager = LoginManager(server)

    @manager.user_loader
    def load(session_id: str) -> SessionUser | None:
        """The session's user while it is active and the session's epoch is its current one."""
        user_id, _, epoch = session_id.partition(".")
        if not (user_id.isdigit() and epoch.isdigit()):
            return None
        user = get_user(engine(), int(user_id))
        if user is None or not user.active or user.epoch != int(epoch):
            return None
        return SessionUser(user.id, user.username, user.role, user.epoch)

    def refused(seconds: int) -> Response:
        message = TEXT[_lang()]["throttled"].format(minutes=max(1, -(-seconds // 60)))
        page = _login_page(_lang(), _safe_next(request.values.get("next")), message, status=429)
        page.headers["Retry-After"] = str(seconds)
        return page

    @server.route("/login", methods=["GET", "POST"])
    @throttle(server, engine, refused)
    def login() -> Response:
        lang, nxt = _lang(), _safe_next(request.values.get("next"))
        if request.method == "GET":
            return _login_page(lang, nxt)
        token = session.pop("csrf", None)
        if not token or not hmac.compare_digest(token, request.form.get("csrf", "")):
            abort(400)
        user = authenticate(
            engine(), request.form.get("username", ""), request.form.get("password", "")
        )
        if user is None:
            return _login_page(lang, nxt, TEXT[lang]["failed"], status=401)
        session.clear()
        session.permanent = True
        login_user(SessionUser(user.id, user.username, user.role, user.epoch))
        return redirect(nxt)

    @server.route("/logout")
    def logout() -> Response:
        """Sign out: ends this session and every other of the same user. A link on
        another site cannot do it for the user (the browser says where a request came from)."""
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            return redirect("/")
        if current_user.is_authenticated:
            end_sessions(engine(), current_user.id)
            audit.record(
                engine(),
                "logout",
                {"username": current_user.username},
                username=current_user.username,
            )
        logout_user()
        session.clear()
        return redirect("/login")

    @server.before_request
    def guard() -> Response | None:
        path = request.path
        if path.startswith(PUBLIC):
            return None
        if not current_user.is_authenticated:
            if request.method == "GET" and not path.startswith(("/_dash", "/tiles/")):
                return redirect(f"/login?next={quote(path)}")
            return Response("login required", status=401, mimetype="text/plain")
        role = current_user.role
        if path == "/_dash-update-component":
            page = callback_page(request.get_data(cache=True))
            if page == "?" or (page is not None and not can_see(role, page)):
                return Response("forbidden", status=403, mimetype="text/plain")
        elif (
            path != "/logout"
            and not path.startswith(("/_dash", "/tiles/"))
            and not can_see(role, page_of(path))
        ):
            return Response("forbidden", status=403, mimetype="text/plain")
        return None


def page_of(path: str) -> str:
    """The page a path belongs to: a page's own data live under its path
    (/hotspots/hexes.geojson is the hotspots page's)."""
    return "/" + path.strip("/").split("/")[0]


def visitor_name() -> str | None:
    """The signed-in user's name (None without a login layer or when anonymous)."""
    try:
        return current_user.username if current_user.is_authenticated else None
    except Exception:  # noqa: BLE001 - outside a request or without Flask-Login
        return None


def may_use(path: str, action: str) -> bool:
    """Whether the current visitor may run `action` of the page at `path` — checked by
    the callback itself as well as by the page gate; a refusal is audited."""
    if visitor_may_see(path):
        return True
    from dashboards.components import engine

    audit.record(
        engine(),
        "forbidden",
        {"page": path, "action": action, "role": current_user.role},
        username=current_user.username,
    )
    return False


def visitor_may_see(path: str) -> bool:
    """Whether the current visitor may open the page at `path` (True without a login layer)."""
    try:
        if not current_user.is_authenticated:
            return True  # no login manager on this app (tests, library use)
    except Exception:  # noqa: BLE001 - outside a request or without Flask-Login
        return True
    return can_see(current_user.role, path)


def visitor_may_edit_grids() -> bool:
    """Whether the current visitor may edit grid drafts (True without a login layer)."""
    try:
        if not current_user.is_authenticated:
            return True  # no login manager on this app (tests, library use)
    except Exception:  # noqa: BLE001 - outside a request or without Flask-Login
        return True
    return current_user.role in GRID_EDITORS
