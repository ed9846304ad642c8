"""ETL: read government files, normalise CRS and encoding, validate, load into PostGIS."""
