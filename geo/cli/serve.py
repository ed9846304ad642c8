"""`civicgrid serve`: the Dash dashboard on a local address."""

from __future__ import annotations

import threading

import typer

from geo.cli import app


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址 / address to listen on"),
    port: int = typer.Option(8050, "--port", min=1, max=65535, help="端口 / port"),
    debug: bool = typer.Option(False, "--debug", help="Dash debug mode (reloader, dev tools)"),
    login: bool = typer.Option(True, "--login/--no-login", envvar="CIVICGRID_LOGIN",
                               help="要求登录 / require sign-in and check roles (users: civicgrid users add)"),
) -> None:
    """启动看板 / serve the dashboard (offline: every asset comes from this server)."""
    from dashboards.app import ENGINE_KEY, create_app, warm

    app_ = create_app(login=login)
    # fill the slow caches in the background while the first page loads
    threading.Thread(target=warm, args=(app_.server.config[ENGINE_KEY],), daemon=True).start()
    typer.echo(f"civicgrid dashboard: http://{host}:{port}/", err=True)
    app_.run(host=host, port=port, debug=debug)
