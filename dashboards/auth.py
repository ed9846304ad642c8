"""Login and roles for the dashboard (Flask-Login on the Dash server).

Every request but the login page and the static bundles needs a signed-in user. Page
loads and Dash callbacks are checked against `geo.auth.roles.can_see` on the server —
hiding a link is not enough, since a callback can be posted by hand — by the page each
callback's outputs belong to (component ids carry their page's prefix). Sessions are
signed cookies: HttpOnly, SameSite=Lax, Secure when CIVICGRID_HTTPS=1 (behind TLS),
eight hours. Logins and failures go to the audit log (geo.auth.users.authenticate).
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from html import escape
from urllib.parse import urlparse

from flask import Flask, Response, abort, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import Engine

from geo import audit
from geo.auth import authenticate, can_see
from geo.auth.roles import GRID_EDITORS
from geo.auth.users import get_user
from geo.config import state_dir

#: component-id prefix → the page whose callbacks use it
ID_PAGES = {"ov-": "/", "kpi-": "/", "hs-": "/hotspots", "gr-": "/grids", "cv-": "/coverage", "ex-": "/export"}
#: paths anyone may fetch: the login form and the app's own static bundles (no data in them)
PUBLIC = ("/login", "/assets/", "/_dash-component-suites/", "/vendor/", "/_favicon.ico", "/favicon.ico")

TEXT = {
    "zh": {"title": "登录 · 城市社会治理地理分析平台", "user": "用户名", "password": "密码",
           "submit": "登录", "failed": "用户名或密码错误", "switch": "English", "other": "en"},
    "en": {"title": "Sign in · City governance geo-analytics", "user": "User name", "password": "Password",
           "submit": "Sign in", "failed": "Wrong user name or password", "switch": "中文", "other": "zh"},
}


class SessionUser(UserMixin):
    """The signed-in user as Flask-Login wants it."""

    def __init__(self, user_id: int, username: str, role: str) -> None:
        self.id, self.username, self.role = user_id, username, role


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


def callback_page(body: bytes) -> str | None:
    """The page a Dash callback POST belongs to, from its outputs' ids (None: the shell)."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return "?"
    outputs = payload.get("outputs") if isinstance(payload, dict) else None
    items = outputs if isinstance(outputs, list) else [outputs]
    pages = set()
    for item in items:
        cid = item.get("id") if isinstance(item, dict) else None
        if isinstance(cid, dict):  # pattern-matching ids carry a "type"
            cid = str(cid.get("type", ""))
        for prefix, page in ID_PAGES.items():
            if isinstance(cid, str) and cid.startswith(prefix):
                pages.add(page)
    if len(pages) > 1:
        return "?"
    return pages.pop() if pages else None


def _login_page(lang: str, failed: bool, nxt: str, token: str) -> str:
    tx = TEXT.get(lang, TEXT["zh"])
    error = f'<p class="note note-error" role="alert">{tx["failed"]}</p>' if failed else ""
    return f"""<!doctype html><html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{tx['title']}</title><link rel="stylesheet" href="/assets/login.css"></head>
<body class="login-body"><form method="post" action="/login" class="login-card" id="login-form">
<h1>{tx['title']}</h1>{error}
<label>{tx['user']}<input name="username" id="login-user" autocomplete="username" required></label>
<label>{tx['password']}<input name="password" id="login-password" type="password" autocomplete="current-password" required></label>
<input type="hidden" name="csrf" value="{token}"><input type="hidden" name="next" value="{escape(nxt)}">
<input type="hidden" name="lang" value="{lang}">
<button type="submit" class="btn" id="login-submit">{tx['submit']}</button>
<a href="/login?lang={tx['other']}&next={escape(nxt)}" id="login-lang">{tx['switch']}</a></form></body></html>"""


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect to another site is refused."""
    parsed = urlparse(target or "/")
    if parsed.scheme or parsed.netloc or not (target or "/").startswith("/"):
        return "/"
    return target or "/"


def register(server: Flask, engine: Callable[[], Engine]) -> None:
    """Require a login on `server`; `engine()` gives the database holding the users."""
    server.config.update(
        SECRET_KEY=secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("CIVICGRID_HTTPS") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    manager = LoginManager(server)

    @manager.user_loader
    def load(user_id: str) -> SessionUser | None:
        user = get_user(engine(), int(user_id))
        return SessionUser(user.id, user.username, user.role) if user and user.active else None

    @server.route("/login", methods=["GET", "POST"])
    def login() -> Response | str:
        lang = request.values.get("lang", "zh")
        nxt = _safe_next(request.values.get("next"))
        if request.method == "POST":
            token = session.pop("csrf", None)
            sent = request.form.get("csrf", "")
            if not token or not hmac.compare_digest(token, sent):
                abort(400)
            user = authenticate(engine(), request.form.get("username", ""), request.form.get("password", ""))
            if user is not None:
                session.clear()
                session.permanent = True
                login_user(SessionUser(user.id, user.username, user.role))
                return redirect(nxt)
        session["csrf"] = secrets.token_urlsafe(32)
        failed = request.method == "POST"
        return Response(_login_page(lang, failed, nxt, session["csrf"]), status=401 if failed else 200,
                        mimetype="text/html")

    @server.route("/logout")
    def logout() -> Response:
        if current_user.is_authenticated:
            audit.record(engine(), "logout", {"username": current_user.username}, username=current_user.username)
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
                return redirect(f"/login?next={path}")
            return Response("login required", status=401)
        role = current_user.role
        if path == "/_dash-update-component":
            page = callback_page(request.get_data(cache=True))
            if page == "?" or (page is not None and not can_see(role, page)):
                return Response("forbidden", status=403)
        elif path != "/logout" and not path.startswith(("/_dash", "/tiles/")) and not can_see(role, page_of(path)):
            return Response("forbidden", status=403)
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
