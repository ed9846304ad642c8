"""`civicgrid serve`: the Dash dashboard on a local address.

One worker runs Flask's threaded server; `--workers N` (N > 1) runs N gunicorn worker
processes with threads, so a busy intranet uses every core (each worker builds its own
app, engine and caches after the fork).
"""

from __future__ import annotations

import threading

import typer

from geo.cli import app


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
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
                               "threads": 8, "timeout": 120, "accesslog": None}.items():
                self.cfg.set(key, value)

        def load(self):
            return _app(login, host, port).server

    Server().run()


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址 / address to listen on"),
    port: int = typer.Option(8050, "--port", min=1, max=65535, help="端口 / port"),
    debug: bool = typer.Option(False, "--debug", help="Dash debug mode (reloader, dev tools)"),
    login: bool = typer.Option(True, "--login/--no-login", envvar="CIVICGRID_LOGIN",
                               help="要求登录 / require sign-in and check roles (users: civicgrid users add)"),
    workers: int = typer.Option(1, "--workers", min=1, envvar="CIVICGRID_WORKERS",
                                help="工作进程数 / worker processes (one per core for many users)"),
) -> None:
    """启动看板 / serve the dashboard (offline: every asset comes from this server)."""
    if login:
        from dashboards.auth import secret_key

        secret_key()  # created once here, so workers never race to create it
    typer.echo(f"civicgrid dashboard: http://{host}:{port}/", err=True)
    if workers > 1 and not debug:
        _gunicorn(host, port, workers, login)
    else:
        _app(login, host, port).run(host=host, port=port, debug=debug)
