"""Incident hot spots on H3 cells: Gi* with FDR, emerging (space-time) hot spots, scale choice."""

from geo.hotspots.emerging import emerging
from geo.hotspots.gi_star import gi_star
from geo.hotspots.scale import choose_k

__all__ = ["choose_k", "emerging", "gi_star"]
