"""`civicgrid users add | passwd | deactivate | list`."""

from __future__ import annotations

import typer

from geo.auth import add_user, deactivate_user, list_users, set_password
from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, report
from geo.db.engine import get_engine

users_app = typer.Typer(help="用户与角色 / dashboard users and roles", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def add(
    username: str,
    role: str = typer.Option(..., help="leader | analyst | planner | auditor | admin"),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, envvar="CIVICGRID_NEW_PASSWORD"
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """添加用户 / add a user with a role."""
    user = add_user(get_engine(), username, password, role)
    report({"id": user.id, "username": user.username, "role": user.role}, as_json)


@users_app.command("passwd")
def passwd(
    username: str,
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, envvar="CIVICGRID_NEW_PASSWORD"
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """修改密码 / change a user's password."""
    set_password(get_engine(), username, password)
    report({"username": username, "changed": True}, as_json)


@users_app.command("deactivate")
def deactivate(
    username: str,
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """停用用户 / deactivate a user: no more sign-ins, open sessions end."""
    deactivate_user(get_engine(), username)
    report({"username": username, "active": False}, as_json)


@users_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """列出用户 / list users and roles."""
    rows = [
        {"id": u.id, "username": u.username, "role": u.role, "active": u.active}
        for u in list_users(get_engine())
    ]
    report({"users": rows}, as_json)
