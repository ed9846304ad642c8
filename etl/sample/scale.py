"""The two sizes of the sample city: `small` for tests, `city` for the demo."""

from __future__ import annotations

from dataclasses import dataclass

from etl.sample.divisions import CORE_DISTRICTS, GUSU


@dataclass(frozen=True)
class Scale:
    """How much of the city to draw and how many records of each layer to write."""

    name: str
    #: districts drawn (towns, communities); None = the whole city
    districts: tuple[str, ...] | None
    #: districts whose communities get grids
    grid_districts: tuple[str, ...]
    #: stop adding gridded communities (nearest the core first) at this many grids; None = all
    grid_target: int | None
    #: incidents that load; the file has a few faulty rows on top (etl.sample.point_files)
    incidents: int
    rentals: int
    hazards: int
    shelters: int
    cameras: int
    key_sites: int
    #: share of communities with a mediation room
    mediation_share: float


SCALES = {
    "small": Scale("small", (GUSU,), (GUSU,), 150, 20_000, 600, 200, 20, 600, 150, 0.6),
    "city": Scale(
        "city", None, CORE_DISTRICTS, None, 1_000_000, 30_000, 3_000, 300, 20_000, 3_000, 0.6
    ),
}
