"""Early warning for police analysts (信息预警、动态研判): what changed this period, and near-repeat risk.

- `geo.warning.surge` — each cell's count against what its own history makes plausible
  (a negative-binomial predictive, empirical-Bayes shrinkage across cells, BH-FDR);
- `geo.warning.alerts` — new and intensified Gi* hot spots and surges, ranked;
- `geo.warning.knox` — the Knox near-repeat test over distance × time bands;
- `geo.warning.periods` — the week or month analysed and its history window;
- `geo.warning.store` / `geo.warning.run` — PostGIS reads and the reports the CLI and pages show.
"""

from geo.warning.alerts import detect
from geo.warning.knox import NearRepeat, near_repeat
from geo.warning.surge import surge

__all__ = ["NearRepeat", "detect", "near_repeat", "surge"]
