"""Users, roles and passwords for the dashboard (users live in PostGIS)."""

from geo.auth.roles import PAGES, ROLES, can_see
from geo.auth.users import (
    User,
    add_user,
    authenticate,
    deactivate_user,
    end_sessions,
    list_users,
    set_password,
)

__all__ = [
    "PAGES",
    "ROLES",
    "User",
    "add_user",
    "authenticate",
    "can_see",
    "deactivate_user",
    "end_sessions",
    "list_users",
    "set_password",
]
