"""Which role sees which page and may do which action — one table, read by pages and CLI."""

from __future__ import annotations

ROLES = ("leader", "analyst", "planner", "auditor", "admin")

#: page (URL path) → roles allowed to open it
PAGES: dict[str, frozenset[str]] = {
    "/": frozenset(ROLES),
    "/hotspots": frozenset({"analyst", "leader", "admin"}),
    "/grids": frozenset({"planner", "leader", "admin"}),
    "/coverage": frozenset({"planner", "analyst", "leader", "admin"}),
    "/export": frozenset({"auditor", "admin"}),
    # the meeting brief (PDF) of the overview page, for those who review maps at meetings
    "/brief.pdf": frozenset({"leader", "analyst", "planner", "admin"}),
}

#: roles that may edit grid drafts in the grid editor (the Grids page)
GRID_EDITORS = frozenset({"planner", "admin"})

#: roles that may see personal data (names, phones, ID numbers) in clear where it is kept
PERSONAL_DATA_ROLES = frozenset({"admin"})


def can_see(role: str, path: str) -> bool:
    """True when `role` may open the page at `path` (unknown pages: admin only)."""
    return role in PAGES.get(path.rstrip("/") or "/", frozenset({"admin"}))
