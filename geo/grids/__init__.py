"""Grids (网格): topology check, version diff, versions, proposals and filing."""

from geo.grids.check import check
from geo.grids.diff import diff

__all__ = ["check", "diff"]
