"""Vocabularies (code lists) as data: incident categories in two levels (大类 → 细类),
hazard categories, facility kinds, key-site kinds and risk levels.

Defaults ship as CSV under `data/vocab/` and are seeded into `vocab_terms` by migration
0004; `civicgrid vocab import FILE` adds terms and aliases. A loaded value is looked up
by its code, name or an alias (trimmed, case-blind): found, it is stored as its code and
top level; not found, it is stored as UNCLASSIFIED with its raw text kept, and an
import that adds it reclassifies the stored rows (geo.vocab.store.reclassify) and moves
their incident counts (geo.counts.refresh.move_reclassified).
"""

from geo.vocab.terms import CODED, UNCLASSIFIED, VOCABS, Coded, key

__all__ = ["CODED", "UNCLASSIFIED", "VOCABS", "Coded", "key"]
