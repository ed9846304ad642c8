"""Settings read from the environment, with the defaults a demo city needs.

Everything a user may want to change without editing code lives here, so the CLI,
the ETL and the dashboard agree on one value.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path


def project_home() -> Path:
    """Folder holding `.civicgrid/` (local cluster, demo data).

    $CIVICGRID_HOME when set; else the checkout this package runs from (so a command run
    from a subfolder such as notebooks/ finds the same cluster); else the cwd.
    """
    if os.environ.get("CIVICGRID_HOME"):
        return Path(os.environ["CIVICGRID_HOME"]).resolve()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").exists():
        return checkout
    return Path.cwd().resolve()


def data_dir() -> Path:
    """The reference data that ships (`data/` of the checkout, which the package links as
    `geo/data` so an installed wheel carries a copy)."""
    return Path(__file__).resolve().parent / "data"


def vocab_dir() -> Path:
    """The default vocabularies (code lists) as CSV files: `data/vocab/`."""
    return data_dir() / "vocab"


def state_dir() -> Path:
    """The project-local state folder `.civicgrid/`."""
    return project_home() / ".civicgrid"


def default_port(home: Path | None = None) -> int:
    """A port derived from the project folder, so two clones do not collide."""
    if "CIVICGRID_PG_PORT" in os.environ:
        return int(os.environ["CIVICGRID_PG_PORT"])
    digest = hashlib.sha256(str(home or project_home()).encode()).digest()
    return 20000 + int.from_bytes(digest[:2], "big") % 10000


@dataclass(frozen=True)
class Settings:
    """Tunable parameters of the platform."""

    #: finest H3 resolution stored on each incident
    h3_res: int = 10
    #: resolutions aggregated by `civicgrid aggregate`
    agg_resolutions: tuple[int, ...] = (7, 8, 9, 10)
    #: the city's metric CRS: CGCS2000 3-degree Gauss-Kruger, central meridian 120°E
    metric_crs: str = "EPSG:4549"
    #: keep personal columns in clear (off by default, as the regulation asks)
    keep_personal_data: bool = field(
        default_factory=lambda: os.environ.get("CIVICGRID_KEEP_PERSONAL_DATA", "") == "1"
    )
    #: service radius in metres per facility kind (straight-line distance)
    service_radius_m: dict[str, float] = field(
        default_factory=lambda: {
            "police_station": 1500.0,
            "shelter": 1000.0,
            "mediation_room": 800.0,
            "camera": 150.0,
        }
    )
    #: households per urban grid considered in band
    households_band: tuple[int, int] = (300, 500)
    #: largest GeoJSON a load accepts, in bytes (GDAL parses it whole, in memory)
    max_geojson_bytes: int = field(
        default_factory=lambda: int(
            float(os.environ.get("CIVICGRID_MAX_GEOJSON_MB", "512")) * (1 << 20)
        )
    )
    #: workload band (hours a month, geo.grids.workload) every version is checked against,
    #: e.g. CIVICGRID_WORKLOAD_BAND="20,45"; unset: the band of the version in force
    workload_band: tuple[float, float] | None = field(
        default_factory=lambda: _band(os.environ.get("CIVICGRID_WORKLOAD_BAND", ""))
    )
    #: largest file (or zip content) a load or upload accepts, in bytes
    max_input_bytes: int = field(
        default_factory=lambda: int(
            float(os.environ.get("CIVICGRID_MAX_INPUT_MB", "2048")) * (1 << 20)
        )
    )


def _band(value: str) -> tuple[float, float] | None:
    """ "LOW,HIGH" as two floats; None when empty."""
    if not value.strip():
        return None
    low, high = (float(x) for x in value.split(","))
    return low, high


def settings() -> Settings:
    """The settings in force (fresh each call so tests can change the environment)."""
    return Settings()
