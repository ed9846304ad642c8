"""Read models for the dashboard: small functions that read PostGIS and return frames.

Pages call these (never SQL in a callback). Each module holds one concern.
"""
