"""`civicgrid serve`: the Dash dashboard on a local address.

By default a production WSGI server (gunicorn) runs one worker process per core, each
with threads, so a busy intranet uses every core (each worker builds its own app,
engine and caches after the fork); `--workers N` sets the number. `--dev` (or
`--debug`) runs Flask's development server instead, for work on the app itself.
"""

from __future__ import annotations

import os
import threading

import typer

from geo.cli import app

#: threads per worker process: callbacks wait on the database more than they compute
THREADS = 8
#: seconds a request may take (a cold Gi* view of a city takes ~10 s)
TIMEOUT = 120


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _app(login: bool, host: str, port: int):
    """The app, with every page's first view being built in the background (for visitors
    at http://host:port/) while the server starts."""
    from dashboards.app import create_app, warm

    app_ = create_app(login=login)
    threading.Thread(target=warm, args=(app_, f"http://{host}:{port}/"), daemon=True).start()
    return app_


def _gunicorn(host: str, port: int, workers: int, login: bool) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": THREADS,
                "timeout": TIMEOUT,
                "graceful_timeout": 10,
                "accesslog": None,
                # no control socket in the home folder (shared by every instance)
                "control_socket_disable": True,
            }.items():
                self.cfg.set(key, value)

        def load(self):
            return _app(login, host, port).server

    Server().run()


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址 / address to listen on"),
    port: int = typer.Option(8050, "--port", min=1, max=65535, help="端口 / port"),
    dev: bool = typer.Option(
        False, "--dev", help="Flask 开发服务器 / Flask's development server (one process)"
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Dash debug mode (reloader, dev tools; implies --dev)"
    ),
    login: bool = typer.Option(
        True,
        "--login/--no-login",
        envvar="CIVICGRID_LOGIN",
        help="要求登录 / require sign-in and check roles (users: civicgrid users add)",
    ),
    workers: int = typer.Option(
        0,
        "--workers",
        min=0,
        envvar="CIVICGRID_WORKERS",
        help="工作进程数 / worker processes (default: one per core)",
    ),
) -> None:
    """启动看板 / serve the dashboard (offline: every asset comes from this server)."""
    if login:
        from dashboards.auth import secret_key

        secret_key()  # created once here, so workers never race to create it
    typer.echo(f"civicgrid dashboard: http://{host}:{port}/", err=True)
    if dev or debug:
        _app(login, host, port).run(host=host, port=port, debug=debug)
    else:
        _gunicorn(host, port, workers or cores(), login)
