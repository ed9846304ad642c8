"""Login, roles and the Export page on the real app with its login layer, through Flask's
test client (server-side checks) and headless Chromium (what a user sees)."""

from __future__ import annotations

import functools
import json
import re
import threading
import zipfile

import pytest
from sqlalchemy import select, text
from werkzeug.serving import make_server

import geo.auth.users
from dashboards import hotspots
from geo.auth import add_user
from geo.auth.passwords import hash_password
from geo.db.tables import audit_log, export_log

PASSWORD = "s3cret-pass"


#: one real Argon2id hash of PASSWORD for every user of the module (each hash costs a
#: third of a second on this machine; signing in still verifies against it for real)
_hash_once = functools.lru_cache(hash_password)


@pytest.fixture
def app(clean_db, monkeypatch):
    from dashboards.app import create_app

    monkeypatch.setattr(geo.auth.users, "hash_password", _hash_once)

    with clean_db.begin() as conn:
        conn.execute(text("DELETE FROM users"))
    for name, role in (
        ("lead", "leader"),
        ("ana", "analyst"),
        ("plan", "planner"),
        ("aud", "auditor"),
        ("root", "admin"),
    ):
        add_user(clean_db, name, PASSWORD, role)
    return create_app(clean_db, login=True)


def sign_in(client, username: str, password: str = PASSWORD):
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf": token, "next": "/"}
    )


def callback(client, output_id: str):
    body = {
        "output": f"{output_id}.children",
        "outputs": {"id": output_id, "property": "children"},
        "inputs": [],
        "changedPropIds": [],
    }
    return client.post(
        "/_dash-update-component", data=json.dumps(body), content_type="application/json"
    )


def test_anonymous_requests_are_sent_to_login(app):
    client = app.server.test_client()
    home = client.get("/hotspots")
    assert home.status_code == 302 and home.headers["Location"].startswith("/login?next=/hotspots")
    assert client.get("/_dash-layout").status_code == 401
    assert callback(client, "hs-map").status_code == 401
    assert client.get("/tiles/district/8/214/107.pbf").status_code == 401
    assert client.get("/login").status_code == 200  # the form itself is public


def test_wrong_password_and_forged_form_fail(app):
    client = app.server.test_client()
    bad = sign_in(client, "ana", "not-the-password")
    assert bad.status_code == 401 and "用户名或密码错误" in bad.get_data(as_text=True)
    no_token = client.post("/login", data={"username": "ana", "password": PASSWORD})
    assert no_token.status_code == 400
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(app):
    client = app.server.test_client()
    ok = sign_in(client, "ana")
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    cookie = next(
        v for k, v in ok.headers.items() if k == "Set-Cookie" and v.startswith("session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    "target", ["https://example.com/", "//example.com/", "/\\example.com/", "\\\\example.com"]
)
def test_open_redirect_is_refused(app, target):
    client = app.server.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    done = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf": token, "next": target}
    )
    assert done.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("user", "allowed", "denied"),
    [
        ("lead", ["/", "/hotspots", "/grids", "/coverage"], ["/export"]),
        ("ana", ["/", "/hotspots", "/coverage"], ["/grids", "/export"]),
        ("plan", ["/", "/grids", "/coverage"], ["/hotspots", "/export"]),
        ("aud", ["/", "/export"], ["/hotspots", "/grids", "/coverage"]),
        ("root", ["/", "/hotspots", "/grids", "/coverage", "/export"], []),
    ],
)
def test_each_role_opens_only_its_pages_and_callbacks(app, user, allowed, denied):
    client = app.server.test_client()
    assert sign_in(client, user).status_code == 302
    prefix = {
        "/": "ov-map",
        "/hotspots": "hs-map",
        "/grids": "gr-map",
        "/coverage": "cv-map",
        "/export": "ex-msg",
    }
    # a page's data URLs (the hexagons of a hotspots view) follow the page's roles
    data = {"/hotspots": f"{hotspots.GEOJSON_PATH}?mode=gi"}
    for path in allowed:
        assert client.get(path).status_code == 200, path
        assert callback(client, prefix[path]).status_code != 403, path
        if path in data:
            assert client.get(data[path]).status_code == 400, (
                path
            )  # let in; the query is incomplete
    for path in denied:
        assert client.get(path).status_code == 403, path
        # the page's callbacks (its data and downloads) are refused on the server too
        assert callback(client, prefix[path]).status_code == 403, path
        if path in data:
            assert client.get(data[path]).status_code == 403, path


def test_login_and_logout_are_audited(app, clean_db):
    with clean_db.connect() as conn:  # the audit log is append-only: look past what is there
        start = conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one()
    client = app.server.test_client()
    sign_in(client, "aud", "wrong-password")
    sign_in(client, "aud")
    client.get("/logout")
    with clean_db.connect() as conn:
        actions = (
            conn.execute(
                select(audit_log.c.action)
                .where(audit_log.c.username == "aud")
                .where(audit_log.c.id > start)
                .order_by(audit_log.c.id)
            )
            .scalars()
            .all()
        )
    assert actions == ["login_failed", "login", "logout"]
    assert client.get("/").status_code == 302


@pytest.mark.browser
def test_auditor_signs_in_and_downloads_an_export(app, clean_db, artifacts, tmp_path, browser):
    """In Chromium: the login form, the nav limited to the role, an export downloaded as a
    zip with its manifest, and the export logged under the user's name."""
    # `browser`: the session's Chromium (tests/dashboards/conftest.py); a second
    # sync_playwright() inside the same session would fail ("Sync API inside the asyncio loop")
    with clean_db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO facilities (source_key, name, kind, geom) VALUES "
                "('F1', '平江派出所', 'police_station', ST_SetSRID(ST_MakePoint(120.63, 31.32), 4326)),"
                "('F2', '观前调解室', 'mediation_room', ST_SetSRID(ST_MakePoint(120.62, 31.31), 4326))"
            )
        )
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_port}"
    try:
        with browser.new_context(accept_downloads=True) as context:
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/export")
            assert "/login" in page.url
            page.fill("#login-user", "aud")
            page.fill("#login-password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_selector("#ex-run", timeout=60_000)
            nav = page.locator("#nav a").all_inner_texts()
            assert nav == ["总览", "数据导出"]
            page.locator("#ex-layer").click()
            page.locator(".Select-menu-outer, [role=listbox]").get_by_text(
                "facilities", exact=True
            ).click()
            with page.expect_download(timeout=120_000) as dl:
                page.click("#ex-run")
            path = tmp_path / "export.zip"
            dl.value.save_as(path)
            page.wait_for_selector("#ex-ok", timeout=30_000)
            page.screenshot(path=str(artifacts / "export-page.png"), full_page=True)
        assert not errors, errors
    finally:
        srv.shutdown()
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
    assert any(n.endswith(".shp") for n in names) and any(n.endswith(".cpg") for n in names)
    assert manifest["rows"] == 2 and manifest["layer"] == "facilities"
    with clean_db.connect() as conn:
        logged = conn.execute(
            select(export_log.c.layer, export_log.c.username, export_log.c.rows)
        ).all()
    assert [tuple(r) for r in logged] == [("facilities", "aud", 2)]


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def with_cookie(app, value: str):
    """A new client (another browser) carrying a copied session cookie."""
    other = app.server.test_client()
    other.set_cookie("session", value)
    return other


@pytest.mark.parametrize("ending", ["logout", "password", "deactivate"])
def test_a_copied_cookie_stops_working_when_the_session_ends(app, clean_db, ending):
    """Sign-out, a password change or a deactivation ends every session of the user:
    a cookie copied before no longer opens a page or runs a callback."""
    from geo.auth import deactivate_user, set_password

    client = app.server.test_client()
    assert sign_in(client, "ana").status_code == 302
    copied = cookie_of(client)
    second = app.server.test_client()  # the same user on another browser
    assert sign_in(second, "ana").status_code == 302
    assert with_cookie(app, copied).get("/hotspots").status_code == 200
    if ending == "logout":
        assert client.get("/logout").status_code == 302
    elif ending == "password":
        set_password(clean_db, "ana", "a-new-password")
    else:
        deactivate_user(clean_db, "ana")
    thief = with_cookie(app, copied)
    assert thief.get("/hotspots").status_code == 302
    assert callback(thief, "hs-map").status_code == 401
    assert second.get("/hotspots").status_code == 302  # the other browser's session ended too
    again = app.server.test_client()
    new_password = {"logout": PASSWORD, "password": "a-new-password"}.get(ending)
    if new_password:  # a new sign-in works and is not ended by the old cookie
        assert sign_in(again, "ana", new_password).status_code == 302
        assert again.get("/hotspots").status_code == 200
    else:
        assert sign_in(again, "ana").status_code == 401


def test_a_link_on_another_site_does_not_sign_out(app):
    client = app.server.test_client()
    assert sign_in(client, "ana").status_code == 302
    assert (
        client.get("/logout", headers={"Sec-Fetch-Site": "cross-site"}).headers["Location"] == "/"
    )
    assert client.get("/hotspots").status_code == 200
    assert (
        client.get("/logout", headers={"Sec-Fetch-Site": "same-origin"}).headers["Location"]
        == "/login"
    )
    assert client.get("/hotspots").status_code == 302


def test_a_forged_session_id_is_refused(app):
    """A session naming a user id without its epoch (an old-style or hand-made cookie)
    does not sign anyone in."""
    client = app.server.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = "1"
    assert client.get("/").status_code == 302
    with client.session_transaction() as sess:
        sess["_user_id"] = "1.7"
    assert client.get("/").status_code == 302


def test_a_callback_named_for_another_page_is_refused(app):
    """Dash runs the callback named by `output`: an analyst cannot reach the export
    callback by naming one of her own pages' outputs in `outputs`."""
    client = app.server.test_client()
    assert sign_in(client, "ana").status_code == 302
    body = {
        "output": "..ex-download.data...ex-msg.children...ex-history.rowData..",
        "outputs": [{"id": "hs-map", "property": "figure"}],
        "inputs": [{"id": "ex-run", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["ex-run.n_clicks"],
        "state": [],
    }
    done = client.post(
        "/_dash-update-component", data=json.dumps(body), content_type="application/json"
    )
    assert done.status_code == 403


def export_call(client, layer: str = "facilities"):
    """The export page's download callback posted as the browser posts it."""
    states = [
        ("ex-layer", "value", layer),
        ("ex-version", "value", None),
        ("ex-district", "value", None),
        ("ex-dates", "start_date", None),
        ("ex-dates", "end_date", None),
        ("ex-category", "value", None),
        ("ex-format", "value", "csv"),
        ("ex-encoding", "value", "utf-8"),
        ("ex-crs", "value", "EPSG:4326"),
        ("lang", "data", "en"),
    ]
    body = {
        "output": "..ex-download.data...ex-msg.children...ex-history.rowData..",
        "outputs": [
            {"id": "ex-download", "property": "data"},
            {"id": "ex-msg", "property": "children"},
            {"id": "ex-history", "property": "rowData"},
        ],
        "inputs": [{"id": "ex-run", "property": "n_clicks", "value": 1}],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in states],
        "changedPropIds": ["ex-run.n_clicks"],
    }
    return client.post(
        "/_dash-update-component", data=json.dumps(body), content_type="application/json"
    )


def test_the_export_callback_checks_the_role_itself(app, clean_db):
    """With the page gate out of the way, the export callback still refuses a role that
    may not export: no file, nothing in the export log, the refusal audited."""
    with clean_db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO facilities (source_key, name, kind, geom) VALUES "
                "('F1', '平江派出所', 'police_station', ST_SetSRID(ST_MakePoint(120.63, 31.32), 4326))"
            )
        )
        start = conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one()
    app.server.before_request_funcs[None] = [
        f for f in app.server.before_request_funcs[None] if f.__name__ != "guard"
    ]
    analyst = app.server.test_client()
    assert sign_in(analyst, "ana").status_code == 302
    refused = export_call(analyst)
    assert refused.status_code == 200
    payload = refused.get_json()["response"]
    assert "ex-download" not in payload and "forbidden" in json.dumps(payload)
    auditor = app.server.test_client()
    assert sign_in(auditor, "aud").status_code == 302
    done = export_call(auditor).get_json()["response"]
    assert done["ex-download"]["data"]["filename"].endswith(".zip")
    with clean_db.connect() as conn:
        logged = conn.execute(select(export_log.c.username)).scalars().all()
        refusals = conn.execute(
            select(audit_log.c.username, audit_log.c.detail)
            .where(audit_log.c.id > start)
            .where(audit_log.c.action == "forbidden")
        ).all()
    assert logged == ["aud"]
    assert [(r.username, r.detail["page"]) for r in refusals] == [("ana", "/export")]


class Clock:
    """time.time() for the rate limiter, moved on by hand."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    import dashboards.throttle

    c = Clock()
    monkeypatch.setattr(dashboards.throttle, "time", c)
    return c


def attempt(client, username: str, password: str, address: str = "10.1.1.1"):
    """One sign-in from `address` (a WSGI REMOTE_ADDR: no packet leaves the test)."""
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf": token, "next": "/"},
        environ_base={"REMOTE_ADDR": address},
    )


def audit_since(engine, start: int, action: str) -> list:
    with engine.connect() as conn:
        return (
            conn.execute(
                select(audit_log.c.detail)
                .where(audit_log.c.id > start)
                .where(audit_log.c.action == action)
                .order_by(audit_log.c.id)
            )
            .scalars()
            .all()
        )


def audit_start(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one()


def test_failed_sign_ins_back_off_then_lock_the_account_and_address_pair(app, clean_db, clock):
    """3 failures a minute: 429 even for the right password, with Retry-After, audited;
    after the minute it may try again; 10 failures in 15 minutes lock the pair for the
    rest of the window. Meanwhile the user signs in from her own address."""
    start = audit_start(clean_db)
    client = app.server.test_client()
    for _ in range(3):
        assert attempt(client, "ana", "wrong-password").status_code == 401
    held = attempt(client, "ana", PASSWORD)
    assert held.status_code == 429 and int(held.headers["Retry-After"]) <= 60
    assert "登录失败次数过多" in held.get_data(as_text=True)
    assert attempt(app.server.test_client(), "ana", PASSWORD, "10.9.9.9").status_code == 302
    clock.now += 61
    for _ in range(3):
        assert attempt(client, "ana", "wrong-password").status_code == 401
        clock.now += 21  # slow enough for the per-minute back-off
    for _ in range(4):
        assert attempt(client, "ana", "wrong-password").status_code == 401
        clock.now += 21
    locked = attempt(client, "ana", PASSWORD)
    assert locked.status_code == 429 and 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    clock.now += 5 * 60
    assert attempt(client, "ana", PASSWORD).status_code == 429  # still locked
    clock.now += 10 * 60
    assert attempt(client, "ana", PASSWORD).status_code == 302  # the window has moved on
    throttled = audit_since(clean_db, start, "login_throttled")
    assert len(throttled) == 3
    assert {d["username"] for d in throttled} == {"ana"} and {d["address"] for d in throttled} == {
        "10.1.1.1"
    }
    assert [d["by"] for d in throttled] == ["pair", "pair", "pair"]


def test_one_address_guessing_many_accounts_is_locked_out(app, clean_db, clock):
    """Password spraying: 30 failures from one address over any accounts lock that
    address, not the accounts."""
    client = app.server.test_client()
    names = [f"user{i}" for i in range(30)]
    for i, name in enumerate(names):
        assert attempt(client, name, "Summer2026!", "10.2.2.2").status_code == 401, i
        clock.now += 5
    assert attempt(client, "plan", PASSWORD, "10.2.2.2").status_code == 429
    assert attempt(app.server.test_client(), "plan", PASSWORD, "10.3.3.3").status_code == 302


def test_many_addresses_guessing_one_account_only_slow_it_down(app, clean_db, clock):
    """20 failures a minute on one account from many addresses hold the account back
    for at most a minute; an attacker cannot lock it for longer without going on."""
    start = audit_start(clean_db)
    for i in range(20):
        assert (
            attempt(app.server.test_client(), "lead", "wrong-password", f"10.4.0.{i}").status_code
            == 401
        )
    elsewhere = attempt(app.server.test_client(), "lead", PASSWORD, "10.5.5.5")
    assert elsewhere.status_code == 429 and int(elsewhere.headers["Retry-After"]) <= 60
    clock.now += 61
    assert attempt(app.server.test_client(), "lead", PASSWORD, "10.5.5.5").status_code == 302
    assert [d["by"] for d in audit_since(clean_db, start, "login_throttled")] == ["account"]


def test_refused_tokens_and_successes_are_not_counted(app, clock):
    client = app.server.test_client()
    for _ in range(10):
        assert (
            client.post(
                "/login",
                data={"username": "aud", "password": "x"},
                environ_base={"REMOTE_ADDR": "10.6.6.6"},
            ).status_code
            == 400
        )
    for _ in range(4):
        assert attempt(app.server.test_client(), "aud", PASSWORD, "10.6.6.6").status_code == 302


def test_worker_processes_share_the_counts(app, clean_db, clock):
    """Two apps on one database (two worker processes of `civicgrid serve`): failures
    sent to either count against the same limit."""
    from dashboards.app import create_app

    other = create_app(clean_db, login=True)
    attempt(app.server.test_client(), "plan", "wrong-password")
    attempt(other.server.test_client(), "plan", "wrong-password")
    attempt(app.server.test_client(), "plan", "wrong-password")
    assert attempt(other.server.test_client(), "plan", PASSWORD).status_code == 429
    assert attempt(app.server.test_client(), "plan", PASSWORD).status_code == 429
