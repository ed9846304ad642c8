"""Vocabularies in PostGIS: look-ups for the loaders, listing, import and reclassifying.

`vocab_keys` (a view, migration 0004) is the one place a spelling is resolved: every
code, name and alias (lower-cased) with its term and the term's top level. The loaders
read it once per load (`lookup`); an import reclassifies stored rows through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, Table, Text, cast, or_, select, text
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table

from geo import audit
from geo.db.tables import vocab_terms
from geo.errors import InputError
from geo.vocab.terms import CODED, UNCLASSIFIED, VOCABS, Coded, clashes, key


def lookup(conn: Any, vocab: str) -> dict[str, tuple[str, str, str]]:
    """spelling key → (code, top code, top name) of vocabulary `vocab`.

    `conn` is a psycopg or SQLAlchemy connection (the loader has the former)."""
    sql = "SELECT key, code, top_code, top_name FROM vocab_keys WHERE vocab = %(v)s"
    if isinstance(conn, Connection):
        rows = conn.execute(text(sql.replace("%(v)s", ":v")), {"v": vocab}).all()
    else:
        rows = conn.execute(sql, {"v": vocab}).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def levels(conn: Connection, vocab: str, values: Sequence[str]) -> tuple[list[str], list[str]]:
    """(`values` as stored top levels, codes of the 细类 among them and their spellings):
    a 大类 spelling (name, code, alias) becomes its name, a 细类 spelling its code, and a
    value the vocabulary does not know stays as given (stored rows may hold it)."""
    found = dict(
        conn.execute(
            text(
                "SELECT key, CASE WHEN code = top_code THEN 'top:' || top_name ELSE 'fine:' || code END "
                "FROM vocab_keys WHERE vocab = :v AND key = ANY(:keys)"
            ),
            {"v": vocab, "keys": [key(v) for v in values]},
        ).all()
    )
    tops, fine = [], []
    for v in values:
        kind, _, what = found.get(key(v), "top:" + v).partition(":")
        (tops if kind == "top" else fine).append(what)
    return tops, fine


def matches(table: Table, column: str, values: Sequence[str]) -> ColumnElement[bool]:
    """Rows of `table` whose coded `column` is any of `values` at either level: the
    stored value or its raw text, or — for a term of the vocabulary — its code, its
    name or an alias, a 大类 taking its 细类 with it."""
    coded = next((c for c in CODED if c.table == table.name and c.column == column), None)
    vals = [str(v) for v in values]
    if coded is None:
        return table.c[column].in_(vals)
    keys = select(_VOCAB_KEYS.c.code).where(
        _VOCAB_KEYS.c.vocab == coded.vocab, _VOCAB_KEYS.c.key.in_([key(v) for v in vals])
    )
    children = select(vocab_terms.c.code).where(
        vocab_terms.c.vocab == coded.vocab, vocab_terms.c.parent.in_(keys)
    )
    codes = keys.union(children)
    code_column = table.c[coded.code_column] if coded.code_column else cast(table.c[column], Text)
    conds = [
        cast(table.c[column], Text).in_(vals),
        table.c[coded.raw].in_(vals),
        code_column.in_(select(codes.subquery().c.code)),
    ]
    if coded.also:
        conds.append(table.c[coded.also].in_(vals))
    return or_(*conds)


#: columns of the changed incidents `reclassify` returns
MOVED = ("batch_id", "h3", "occurred_at", "old", "new")
#: the counts' hook an import calls with its connection and the changed incidents
Recount = Callable[[Connection, pd.DataFrame], int]

_VOCAB_KEYS = sa_table("vocab_keys", sa_column("vocab"), sa_column("key"), sa_column("code"))


def list_terms(engine: Engine, vocab: str | None = None) -> pd.DataFrame:
    """`vocab, code, name, parent, aliases, source` of every term (or of one vocabulary)."""
    if vocab is not None and vocab not in VOCABS:
        raise InputError(
            f"unknown vocabulary {vocab!r}; use one of {', '.join(VOCABS)}", field="vocab"
        )
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT vocab, code, name, parent, aliases, source FROM vocab_terms "
                "WHERE CAST(:v AS text) IS NULL OR vocab = :v "
                "ORDER BY vocab, coalesce(parent, code), parent IS NOT NULL, code"
            ),
            {"v": vocab},
        ).all()
    frame = pd.DataFrame(
        rows, columns=["vocab", "code", "name", "parent", "aliases", "source"], dtype=object
    )
    return frame.where(frame.notna(), None)


def import_terms(
    engine: Engine, terms: pd.DataFrame, recount: Recount, file: str | None = None
) -> dict[str, Any]:
    """Add or update `terms` (geo.vocab.terms.read_terms), reclassify stored rows and
    move the counts of the reclassified incidents with `recount`
    (geo.counts.refresh.move_reclassified: the counts resolve categories through this
    package, so it cannot import them and is handed the hook).

    A term's aliases are added to those it has. Parents must exist (in the file or the
    database) and be top-level terms; no spelling may come to mean two terms. One
    transaction: InputError and nothing changed when a check fails; pages never see
    reclassified incidents with counts of before.
    """
    with engine.begin() as conn:
        known = list_terms_conn(conn)
        merged = _merge(known, terms)
        problems = clashes(merged)
        if problems:
            raise InputError(problems[0], file=file)
        tops = {(r.vocab, r.code) for r in merged.itertuples() if pd.isna(r.parent)}
        for r in terms.itertuples():
            if not pd.isna(r.parent) and (r.vocab, r.parent) not in tops:
                raise InputError(
                    f"parent {r.parent!r} of {r.code!r} is not a top-level {r.vocab} term",
                    file=file,
                    field="parent",
                )
        ordered = terms.assign(_child=terms["parent"].notna()).sort_values("_child", kind="stable")
        added = updated = 0
        for r in ordered.itertuples():
            new = conn.execute(
                text("""
                INSERT INTO vocab_terms (vocab, code, name, parent, aliases, source)
                VALUES (:vocab, :code, :name, :parent, CAST(:aliases AS text[]), 'import')
                ON CONFLICT (vocab, code) DO UPDATE SET name = EXCLUDED.name,
                    parent = EXCLUDED.parent, imported_at = now(),
                    aliases = ARRAY(SELECT DISTINCT unnest(vocab_terms.aliases || EXCLUDED.aliases))
                RETURNING (xmax = 0)
            """),
                {
                    "vocab": r.vocab,
                    "code": r.code,
                    "name": r.name,
                    "parent": r.parent,
                    "aliases": list(r.aliases),
                },
            ).scalar_one()
            added, updated = added + bool(new), updated + (not new)
        spellings = sorted(
            {key(s) for r in terms.itertuples() for s in (r.code, r.name, *r.aliases)}
        )
        changed, moved = reclassify(conn, sorted(set(terms["vocab"])), spellings)
        batches = sorted({int(b) for b in moved["batch_id"]})
        counts = recount(conn, moved)
        audit.record(
            conn,
            "vocab.import",
            {
                "file": file,
                "added": added,
                "updated": updated,
                "reclassified": changed,
                "count_rows": counts,
            },
        )
    return {
        "file": file,
        "added": added,
        "updated": updated,
        "reclassified": changed,
        "incident_batches": batches,
        "count_rows": counts,
    }


def list_terms_conn(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(text("SELECT vocab, code, name, parent, aliases FROM vocab_terms")).all()
    return pd.DataFrame(rows, columns=["vocab", "code", "name", "parent", "aliases"])


def _merge(known: pd.DataFrame, terms: pd.DataFrame) -> pd.DataFrame:
    """The terms as they will be after the import (aliases added to the known ones)."""
    frame = pd.concat([known, terms[known.columns]], ignore_index=True)
    rows = []
    for (vocab, code), group in frame.groupby(["vocab", "code"], sort=False):
        last = group.iloc[-1]
        names = [a for aliases in group["aliases"] for a in aliases]
        rows.append(
            {
                "vocab": vocab,
                "code": code,
                "name": last["name"],
                "parent": last["parent"],
                "aliases": list(dict.fromkeys(names)),
            }
        )
    return pd.DataFrame(rows, columns=known.columns)


def _value(c: Coded, alias: str) -> str:
    return f"{alias}.top_name" if c.stores == "top_name" else f"CAST({alias}.code AS {c.cast})"


def reclassify(
    conn: Connection, vocabs: Sequence[str], spellings: Sequence[str]
) -> tuple[dict[str, int], pd.DataFrame]:
    """Re-resolve the stored rows whose raw text is one of `spellings` (lookup keys)
    against the vocabularies now; returns rows changed per table.column and the changed
    incidents (MOVED columns: batch, res-10 cell, time in µs UTC, old and new 大类), whose
    counts must follow."""
    changed: dict[str, int] = {}
    moved = pd.DataFrame({c: pd.Series(dtype=object) for c in MOVED})
    for c in CODED:
        if c.vocab not in vocabs:
            continue
        raw = [f"lower(btrim(t.{c.raw}))"] + ([f"lower(btrim(t.{c.also}))"] if c.also else [])
        joins = "".join(
            f" LEFT JOIN vocab_keys k{i} ON k{i}.vocab = :vocab AND k{i}.key = {r}"
            for i, r in enumerate(raw)
        )
        # the `also` column found wins (警情细类 before 警情类别)
        found = [f"k{i}" for i in reversed(range(len(raw)))]
        value = "coalesce(" + ", ".join(_value(c, k) for k in found)
        value += ", NULL)" if c.cast != "text" else f", '{UNCLASSIFIED}')"
        sets = {c.column: value}
        if c.code_column:
            sets[c.code_column] = "coalesce(" + ", ".join(f"{k}.code" for k in found) + ")"
        new = ", ".join(sets.values())
        old = ", ".join(f"t.{col}" for col in sets)
        match = " OR ".join(f"{r} = ANY(:keys)" for r in raw)
        returning = (
            (
                "t.batch_id, coalesce(t.h3, 0), "
                "(extract(epoch FROM t.occurred_at) * 1000000)::int8, "
                f"n.old_value, t.{c.column}"
            )
            if c.table == "incidents"
            else "NULL"
        )
        rows = conn.execute(
            text(f"""
            WITH n AS (
                SELECT t.id AS row_id, t.{c.column} AS old_value,
                       {", ".join(f"{v} AS {k}" for k, v in sets.items())}
                FROM {c.table} t {joins}
                WHERE ({match}) AND ROW({old}) IS DISTINCT FROM ROW({new}))
            UPDATE {c.table} t SET {", ".join(f"{k} = n.{k}" for k in sets)}
            FROM n WHERE t.id = n.row_id
            RETURNING {returning}
        """),
            {"vocab": c.vocab, "keys": list(spellings)},
        ).all()
        changed[f"{c.table}.{c.column}"] = len(rows)
        if c.table == "incidents" and rows:
            moved = pd.DataFrame([tuple(r) for r in rows], columns=list(MOVED))
    return changed, moved
