"""Inspection coverage: rental housing and hazard sources inspected within the last N days.

An item counts as inspected when its `last_inspected_at` date lies in
[as_of − days, as_of]; never inspected (no date) is overdue. Shares are given for the
whole city, per grid and per town; the overdue list puts hazard sources of the highest
risk level first, then the longest overdue (never inspected on top).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.zones import codes_of

SHARE_COLUMNS = ["layer", "level", "code", "total", "inspected", "share"]


def _day(as_of: dt.date | dt.datetime | pd.Timestamp | None) -> pd.Timestamp:
    ts = pd.Timestamp.now(tz="UTC") if as_of is None else pd.Timestamp(as_of)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.normalize()


def days_since(
    last_inspected: pd.Series, as_of: dt.date | dt.datetime | pd.Timestamp | None
) -> pd.Series:
    """Whole days from each inspection date to `as_of` (NaN where never inspected)."""
    when = pd.to_datetime(last_inspected, errors="coerce")
    if getattr(when.dt, "tz", None) is not None:
        when = when.dt.tz_convert("UTC").dt.tz_localize(None)
    return (_day(as_of) - when.dt.normalize()).dt.days.astype("float")


def inspected(
    last_inspected: pd.Series, days: int, as_of: dt.date | dt.datetime | pd.Timestamp | None = None
) -> np.ndarray:
    """True where the last inspection lies within the `days` days up to `as_of` (inclusive)."""
    since = days_since(last_inspected, as_of)
    return ((since >= 0) & (since <= days)).to_numpy()


def locate(
    items: gpd.GeoDataFrame, grids: gpd.GeoDataFrame | None, towns: gpd.GeoDataFrame | None
) -> pd.DataFrame:
    """Grid code and town code of each item: the town polygon holding it, else its grid's town."""
    out = pd.DataFrame(index=items.index)
    geoms = items.geometry
    has_grids = grids is not None and len(grids)
    out["grid_code"] = codes_of(geoms, grids, "grid_code") if has_grids else None
    if towns is not None and len(towns):
        out["town_code"] = codes_of(geoms, towns, "code")
    elif has_grids and "town_code" in grids:
        out["town_code"] = codes_of(geoms, grids, "town_code")
    else:
        out["town_code"] = None
    return out


def inspection_shares(
    items: Mapping[str, gpd.GeoDataFrame],
    days: int,
    as_of: dt.date | dt.datetime | pd.Timestamp | None = None,
    grids: gpd.GeoDataFrame | None = None,
    towns: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Inspected share per layer (e.g. rentals, hazards) for the city, each grid and town.

    items: points with `last_inspected_at`; grids: polygons with `grid_code` (and
    `town_code`); towns: town polygons with `code`. Returns SHARE_COLUMNS rows with level
    in city/grid/town; items outside every grid or town only count for the city.
    """
    rows = []
    for layer, frame in items.items():
        mask = inspected(frame["last_inspected_at"], days, as_of)
        where = locate(frame, grids, towns)
        rows.append(
            pd.DataFrame(
                [
                    {
                        "layer": layer,
                        "level": "city",
                        "code": None,
                        "total": len(mask),
                        "inspected": int(mask.sum()),
                    }
                ]
            )
        )
        for level, column in (("grid", "grid_code"), ("town", "town_code")):
            codes = where[column]
            known = codes.notna().to_numpy()
            if not known.any():
                continue
            grouped = (
                pd.DataFrame({"code": codes[known].to_numpy(), "ok": mask[known]})
                .groupby("code", sort=True)["ok"]
                .agg(["size", "sum"])
            )
            rows.append(
                pd.DataFrame(
                    {
                        "layer": layer,
                        "level": level,
                        "code": grouped.index,
                        "total": grouped["size"].to_numpy(),
                        "inspected": grouped["sum"].to_numpy().astype(int),
                    }
                )
            )
    if not rows:
        return pd.DataFrame(columns=SHARE_COLUMNS)
    table = pd.concat(rows, ignore_index=True)
    table["share"] = table["inspected"] / table["total"].where(table["total"] > 0)
    return table[SHARE_COLUMNS]


def overdue(
    items: Mapping[str, gpd.GeoDataFrame],
    days: int,
    as_of: dt.date | dt.datetime | pd.Timestamp | None = None,
    grids: gpd.GeoDataFrame | None = None,
    towns: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Items not inspected within `days` days of `as_of`, most urgent first.

    Columns: layer, the item's own columns (except geometry), grid_code, town_code,
    days_since (NaN = never), days_overdue (days beyond the allowed interval; NaN = never),
    never_inspected, lon/lat of the point when it is in WGS-84.
    """
    frames = []
    for layer, frame in items.items():
        since = days_since(frame["last_inspected_at"], as_of)
        late = ~inspected(frame["last_inspected_at"], days, as_of) & ~(since < 0).to_numpy()
        if not late.any():
            continue
        picked = frame[late]
        table = pd.DataFrame(picked.drop(columns=picked.geometry.name))
        table.insert(0, "layer", layer)
        table = table.join(locate(picked, grids, towns))
        table["days_since"] = since[late].to_numpy()
        table["days_overdue"] = table["days_since"] - days
        table["never_inspected"] = table["days_since"].isna()
        if picked.crs is None or picked.crs.to_epsg() == 4326:
            table["lon"], table["lat"] = picked.geometry.x.to_numpy(), picked.geometry.y.to_numpy()
        frames.append(table)
    if not frames:
        return pd.DataFrame(
            columns=[
                "layer",
                "grid_code",
                "town_code",
                "days_since",
                "days_overdue",
                "never_inspected",
            ]
        )
    out = pd.concat(frames, ignore_index=True)
    if "risk_level" in out:  # hazards only: keep it an integer next to rentals' blanks
        out["risk_level"] = out["risk_level"].astype("Int64")
    risk = out["risk_level"] if "risk_level" in out else pd.Series(0, index=out.index)
    order = pd.DataFrame(
        {
            "risk": risk.fillna(0),
            "never": out["never_inspected"],
            "late": out["days_overdue"].fillna(np.inf),
        }
    )
    ranked = order.sort_values(["risk", "never", "late"], ascending=False, kind="stable").index
    return out.loc[ranked].reset_index(drop=True)
