"""Database access: the project-local cluster, the engine, tables and migrations."""

from geo.db.engine import database_url, get_engine

__all__ = ["database_url", "get_engine"]
