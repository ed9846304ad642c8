"""The one incident-category filter of the pages: each 大类 followed by its 细类.

Options come from the vocabulary in PostGIS (so an imported term shows at once), plus
stored top levels the vocabulary does not hold (未分类). A value is the term's name,
which every analysis resolves at either level by `geo.vocab.store.matches` (a 大类 takes
its 细类 along). Labels are Chinese first; in English a term shows its English alias
(the first written in Latin letters) with the Chinese name, as the vocabulary has no
separate English name. Typing finds a term by name, code or any alias.
"""

from __future__ import annotations

import re

from dash import dcc
from sqlalchemy import Engine

from geo.views.counts import categories as stored_tops
from geo.views.stamp import kept
from geo.vocab.store import list_terms

VOCAB = "incident_category"
#: an alias usable as an English label
_LATIN = re.compile(r"^[A-Za-z][A-Za-z \-']*$")
#: indent of a 细类 under its 大类 (ideographic space)
INDENT = "\u3000"


def _label(name: str, aliases: list[str], lang: str) -> str:
    english = next((a for a in aliases if _LATIN.match(a)), None)
    return f"{english} · {name}" if lang == "en" and english else name


def category_options(engine: Engine, lang: str) -> list[dict]:
    """Dropdown options: every 大类 then its 细类 (indented), then stored top levels
    outside the vocabulary; value = the term's name. Kept until the data change (a
    vocabulary import or a load changes the stamp): the hotspots page offers two such
    filters, and reading them was a third of the time its first view takes."""
    return [dict(o) for o in _options(engine, lang)]


@kept(4)
def _options(engine: Engine, lang: str) -> list[dict]:
    terms = list_terms(engine, VOCAB)
    options = []
    for t in terms.itertuples():
        aliases = list(t.aliases)
        label = _label(t.name, aliases, lang)
        options.append(
            {
                "label": label if t.parent is None else f"{INDENT}· {label}",
                "value": t.name,
                "search": " ".join([t.name, t.code, *aliases]),
            }
        )
    known = {o["value"] for o in options}
    options += [
        {
            "label": "unclassified · 未分类" if lang == "en" and v == "未分类" else v,
            "value": v,
            "search": v,
        }
        for v in stored_tops(engine)
        if v not in known
    ]
    return options


def category_values(engine: Engine) -> set[str]:
    """The values the filter offers (a callback refuses any other)."""
    return {o["value"] for o in category_options(engine, "zh")}


def category_filter(
    el_id: str, engine: Engine, lang: str, multi: bool = True, placeholder: str = "—"
) -> dcc.Dropdown:
    """The category dropdown with id `el_id`."""
    return dcc.Dropdown(
        id=el_id, options=category_options(engine, lang), multi=multi, placeholder=placeholder
    )
