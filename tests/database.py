"""The one way a test empties the database: every table of the schema but the audit
trail (append-only) and the vocabularies (seeded by migration 0004), which go back to
their defaults instead."""

from __future__ import annotations

from sqlalchemy import Engine, text

from geo.db.tables import metadata

KEPT = ("audit_log", "vocab_terms")


def empty(engine: Engine) -> Engine:
    """Truncate the data tables (identities restarted) and drop added vocabulary terms."""
    names = ", ".join(t.name for t in metadata.sorted_tables if t.name not in KEPT)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(
            text("DELETE FROM vocab_terms WHERE parent IS NOT NULL AND source <> 'default'")
        )
        conn.execute(text("DELETE FROM vocab_terms WHERE source <> 'default'"))
    return engine
