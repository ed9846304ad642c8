"""geo.palettes: every class the analyses produce has its colour, hot and cold apart."""

from __future__ import annotations

from geo.grids.diff import CHANGES
from geo.hotspots.emerging import CATEGORIES, PATTERNS
from geo.palettes import (
    CHANGE_COLORS,
    EMERGING_COLD,
    EMERGING_HOT,
    GI_COLORS,
    NO_PATTERN_COLOR,
    emerging_color,
)


def test_every_emerging_category_has_its_own_colour():
    colours = {c: emerging_color(c) for c in CATEGORIES}
    assert colours["no_pattern"] == NO_PATTERN_COLOR
    patterned = [c for c in CATEGORIES if c != "no_pattern"]
    assert len({colours[c] for c in patterned}) == len(patterned) == 2 * len(PATTERNS)
    assert NO_PATTERN_COLOR not in {colours[c] for c in patterned}
    assert emerging_color("intensifying_hot_spot") == EMERGING_HOT["intensifying"]
    assert emerging_color("New Cold Spot") == EMERGING_COLD["new"]  # labels as well as codes
    assert emerging_color("") == emerging_color(None) == NO_PATTERN_COLOR


def test_gi_bins_and_change_kinds_are_all_coloured():
    assert sorted(GI_COLORS) == list(range(-3, 4))
    assert set(CHANGE_COLORS) == set(CHANGES)
    assert len(set(CHANGE_COLORS.values())) == len(CHANGES)
