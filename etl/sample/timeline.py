"""When things happen: days over 2024–2025 and hours of the day, per trend and category.

Weekly rhythm (Friday/Saturday busier), a mild summer peak, and per category an hourly
profile: night-time peaks (22:00–02:00) for public-order cases, disputes and noise, rush
hours for traffic accidents, daytime for the rest.
"""

from __future__ import annotations

import numpy as np

START = np.datetime64("2024-01-01")
END = np.datetime64("2026-01-01")  # exclusive
DAYS = int((END - START).astype(int))
#: first day of the second half of 2025, when emerging hotspots appear
EMERGE_DAY = int((np.datetime64("2025-07-01") - START).astype(int))
#: fading hotspots die away between these days
FADE_FROM = int((np.datetime64("2025-01-01") - START).astype(int))
FADE_TO = int((np.datetime64("2025-04-01") - START).astype(int))

WEEKLY = np.array(
    [0.93, 0.93, 0.95, 0.98, 1.10, 1.16, 1.02]
)  # Monday first; 2024-01-01 is a Monday

_NIGHT = np.array(
    [9, 7, 5, 3, 2, 1, 1, 1.5, 2, 2.5, 3, 3, 3, 3, 3, 3, 3.5, 4, 4.5, 5, 6, 7, 9, 10.0]
)
_RUSH = np.array(
    [1, 0.6, 0.4, 0.3, 0.4, 1, 3, 9, 10, 6, 3, 3, 3.5, 3, 3, 3.5, 5, 10, 10, 6, 3.5, 2.5, 2, 1.5]
)
_DAY = np.array(
    [1.5, 1, 0.7, 0.5, 0.5, 0.8, 1.5, 3, 5, 6, 6.5, 6.5, 6, 6, 6, 6, 6, 6, 5.5, 5, 4.5, 3.5, 2.5, 2]
)
_NOISE = np.array(
    [10, 7, 3, 1.5, 1, 0.5, 0.5, 0.8, 1, 1, 1, 1, 1.5, 1, 1, 1, 1, 1, 1.5, 2.5, 4, 6, 10, 11.0]
)
#: hourly profile per category, in the order of incidents.CATEGORIES
HOURLY = np.array([0.5 * _DAY + 0.5 * _NIGHT, _NIGHT, _RUSH, _DAY, _NIGHT, _DAY, _NOISE, _DAY])


def day_weights(trend: str) -> np.ndarray:
    """Relative weight of each day 0…DAYS-1 for a hotspot (or background) with `trend`."""
    day = np.arange(DAYS)
    w = WEEKLY[day % 7] * (1 + 0.12 * np.sin(2 * np.pi * (day - 110) / 365.25))
    if trend == "emerging":
        w = np.where(day >= EMERGE_DAY, w * (0.5 + (day - EMERGE_DAY) / (DAYS - EMERGE_DAY)), 0.0)
    elif trend == "fading":
        fade = np.clip((FADE_TO - day) / (FADE_TO - FADE_FROM), 0.0, 1.0)
        w = w * fade
    return w / w.sum()


def seconds(
    category: np.ndarray, trend: np.ndarray, rng: np.random.Generator, trends: tuple[str, ...]
) -> np.ndarray:
    """Seconds since 2024-01-01 00:00 local time for each event (vectorised per group)."""
    n = len(category)
    day = np.empty(n, dtype=np.int64)
    for i, name in enumerate(trends):
        sel = np.flatnonzero(trend == i)
        day[sel] = rng.choice(DAYS, size=len(sel), p=day_weights(name))
    hour = np.empty(n, dtype=np.int64)
    for c in range(HOURLY.shape[0]):
        sel = np.flatnonzero(category == c)
        hour[sel] = rng.choice(24, size=len(sel), p=HOURLY[c] / HOURLY[c].sum())
    return day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n)
