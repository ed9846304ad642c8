"""civicgrid's domain package: database, CRS, H3, hotspots, coverage, grids, export, CLI."""

__version__ = "0.1.0"
