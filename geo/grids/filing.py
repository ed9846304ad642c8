"""The filing package (备案材料) of a grid version, for the city's grid agency.

Everything an auditor needs without civicgrid, in one folder:

- `shp_utf8/` and `shp_gbk/`: the grids as a Shapefile (CGCS2000 .prj, .cpg naming the
  encoding), written by geo.export.write;
- `changes.csv` (UTF-8 with BOM, opens in Excel) and `changes.xlsx`: one row per change
  against the version replaced (geo.grids.diff);
- `summary.html`: one self-contained page — counts per change kind and per town, the
  topology check, a before/after map as an inline PNG, the field list;
- `manifest.json`: the files with their SHA-256.

A version is filed clean: every topology problem (gap, overlap, invalid geometry,
duplicate code, grid crossing its parent unit) is fixed, or accepted by name with a
reason (`open_problems`); the accepted ones are listed with their reasons on the
summary page and in the manifest.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import localtime
from geo.config import Settings
from geo.errors import InputError
from geo.export import write
from geo.export.manifest import file_entries
from geo.grids.check import check
from geo.grids.diff import CHANGES, diff
from geo.palettes import CHANGE_COLORS as CHANGE_COLOURS

CHANGE_LABELS = {
    "unchanged": "未变更",
    "reshaped": "边界调整",
    "split": "拆分",
    "merged": "合并",
    "new": "新增",
    "removed": "撤销",
}
#: Shapefile fields (≤ 10 ASCII bytes) and what they hold
FIELDS = {
    "GRID_CODE": ("grid_code", "网格编码 / grid code"),
    "NAME": ("name", "网格名称 / grid name"),
    "COMM_CODE": ("community_code", "社区代码 / community code"),
    "TOWN_CODE": ("town_code", "街镇代码 / town code"),
    "DIST_CODE": ("district_code", "区县代码 / district code"),
    "KIND": ("kind", "网格类型 / grid kind"),
    "HOUSEHOLD": ("households", "户数 / households"),
    "POPULATION": ("population", "人口 / population"),
    "AREA_M2": ("area_m2", "面积（平方米，CGCS2000 高斯-克吕格 3 度带）/ area m²"),
}
CHANGE_HEADERS = {
    "change_label": "变更类型",
    "change": "change",
    "town_code": "街镇代码",
    "town_name": "街镇名称",
    "old_codes": "原网格编码",
    "new_codes": "新网格编码",
    "area_before_m2": "调整前面积(m²)",
    "area_after_m2": "调整后面积(m²)",
    "households_before": "调整前户数",
    "households_after": "调整后户数",
    "population_before": "调整前人口",
    "population_after": "调整后人口",
    "workload_before": "调整前工作量(小时/月)",
    "workload_after": "调整后工作量(小时/月)",
}


@dataclass
class Package:
    """What was written and the figures shown on the summary page."""

    folder: Path
    files: list[Path]
    changes: pd.DataFrame
    counts: dict[str, int]
    problems: dict[str, int]
    accepted: dict[str, str]


def problem_ids(problems: pd.DataFrame) -> list[str]:
    """A name for each row of check(): `KIND:GRID[+GRID…]`, or `KIND:UNIT` for a gap;
    `#2`, `#3`… when one name holds several rows (two gaps in one community).

    Names, not row numbers, so that an acceptance given on the command line still
    points at the same problem when the check is run again.
    """
    ids = []
    for kind, codes, unit in zip(
        problems["problem"], problems["grid_codes"], problems["unit_code"], strict=True
    ):
        subject = "+".join(map(str, codes)) if len(codes) else ("" if _blank(unit) else str(unit))
        ids.append(f"{kind}:{subject}")
    seen: dict[str, int] = {}
    out = []
    for i in ids:
        seen[i] = seen.get(i, 0) + 1
        out.append(i if seen[i] == 1 else f"{i}#{seen[i]}")
    return out


def open_problems(
    problems: pd.DataFrame, accept: dict[str, str], accept_all: str | None = None
) -> tuple[list[str], dict[str, str]]:
    """(the problems still open, {problem id: reason} of those accepted).

    `accept` names problems with a reason each; `accept_all` is one reason for every
    problem found. A name that is not a problem of this check raises InputError, and
    so does a blank reason: an acceptance must say why.
    """
    ids = problem_ids(problems)
    unknown = sorted(set(accept) - set(ids))
    if unknown:
        raise InputError(
            f"--accept names no problem of this version: {', '.join(unknown)} "
            f"(problems: {', '.join(ids) or 'none'})",
            field="accept",
        )
    reasons = {**({i: accept_all for i in ids} if accept_all is not None else {}), **accept}
    blank = sorted(i for i, why in reasons.items() if not str(why).strip())
    if blank:
        raise InputError(f"an accepted problem needs a reason: {', '.join(blank)}", field="accept")
    accepted = {i: str(reasons[i]).strip() for i in ids if i in reasons}
    return [i for i in ids if i not in accepted], accepted


def build(
    grids: gpd.GeoDataFrame,
    before: gpd.GeoDataFrame | None,
    boundary: gpd.GeoDataFrame,
    out: Path,
    *,
    version: str,
    previous: str | None,
    problems: gpd.GeoDataFrame | None = None,
    accepted: dict[str, str] | None = None,
) -> Package:
    """Write the package for `grids` (replacing `before`, may be None) into `out`.

    `problems`: check(grids, boundary) when the caller ran it already; `accepted`:
    {problem id: reason} of the problems filed knowingly (shown with their reasons).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = _shapefile_table(grids)
    stem = f"grids_{_safe(version)}"
    files = [
        *write(table, out / "shp_utf8" / stem, "shp", encoding="utf-8", crs="EPSG:4490"),
        *write(table, out / "shp_gbk" / stem, "shp", encoding="gbk", crs="EPSG:4490"),
    ]
    empty = grids.iloc[:0]
    changes = diff(before if before is not None else empty, grids)
    towns = _names(boundary)
    sheet = _change_sheet(changes, towns)
    csv_path, xlsx_path = out / "changes.csv", out / "changes.xlsx"
    sheet.to_csv(csv_path, index=False, encoding="utf-8-sig")
    sheet.to_excel(xlsx_path, index=False, sheet_name="网格变更")
    problems = check(grids, boundary) if problems is None else problems
    accepted = accepted or {}
    counts = {c: int((changes["change"] == c).sum()) for c in CHANGES}
    page = out / "summary.html"
    page.write_text(
        _summary(
            grids,
            before,
            changes,
            sheet,
            problems,
            counts,
            accepted,
            version=version,
            previous=previous,
        ),
        encoding="utf-8",
    )
    files += [csv_path, xlsx_path, page]
    manifest = out / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "version": version,
                "previous": previous,
                "grids": int(len(grids)),
                "changes": counts,
                "accepted_problems": accepted,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "files": [
                    {**e, "name": str(p.relative_to(out))}
                    for e, p in zip(file_entries(files), files, strict=True)
                ],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    problem_counts = problems["problem"].value_counts().to_dict()
    return Package(
        out,
        [*files, manifest],
        sheet,
        counts,
        {str(k): int(v) for k, v in problem_counts.items()},
        accepted,
    )


def _blank(value) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and pd.isna(value))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _shapefile_table(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    area = grids.to_crs(Settings.metric_crs).area.round(1).to_numpy()
    data = {
        field: (area if source == "area_m2" else grids[source].to_numpy())
        for field, (source, _) in FIELDS.items()
        if source == "area_m2" or source in grids
    }
    return gpd.GeoDataFrame(data, geometry=grids.geometry.to_numpy(), crs=grids.crs)


def _names(boundary: gpd.GeoDataFrame) -> dict[str, str]:
    if "name" not in boundary:
        return {}
    return dict(zip(boundary["code"].astype(str), boundary["name"].astype(str), strict=True))


def _change_sheet(changes: gpd.GeoDataFrame, towns: dict[str, str]) -> pd.DataFrame:
    sheet = pd.DataFrame(changes.drop(columns="geometry"))
    sheet.insert(0, "change_label", sheet["change"].map(CHANGE_LABELS))
    sheet["town_name"] = sheet["town_code"].map(towns)
    for column in ("old_codes", "new_codes"):
        sheet[column] = sheet[column].map(";".join)
    for column in sheet.columns:
        if column.endswith("_m2"):
            sheet[column] = sheet[column].round(1)
    keep = [c for c in CHANGE_HEADERS if c in sheet]
    return sheet[keep].rename(columns=CHANGE_HEADERS)


def cjk_font() -> str | None:
    """Path of a font with Chinese glyphs (fontconfig), preferring Noto Sans CJK Regular."""
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "file", "style"], capture_output=True, text=True, check=False
        ).stdout.splitlines()
    except FileNotFoundError:
        return None
    fonts = [line.split(":")[0] for line in listed if line.strip()]
    preferred = [f for f in fonts if "Sans" in f and "Regular" in f]
    return (preferred or fonts or [None])[0]


def _map_png(
    grids: gpd.GeoDataFrame, before: gpd.GeoDataFrame | None, changes: gpd.GeoDataFrame
) -> str:
    """Before/after map as a base64 PNG: changed grids coloured by change kind."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt
    from matplotlib.patches import Patch

    font = cjk_font()
    props = font_manager.FontProperties(fname=font) if font else None
    label = (lambda c: CHANGE_LABELS[c]) if font else (lambda c: c)
    metric = Settings.metric_crs
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.5), dpi=110)
    panels = (
        (before, changes[changes["change"] != "new"], "调整前" if font else "before"),
        (grids, changes[changes["change"] != "removed"], "调整后" if font else "after"),
    )
    for ax, (layer, changed, title) in zip(axes, panels, strict=True):
        ax.set_axis_off()
        ax.set_title(title, fontproperties=props)
        if layer is None or not len(layer):
            continue
        shown = changed.to_crs(metric)
        for kind, part in shown.groupby("change"):
            part.plot(ax=ax, color=CHANGE_COLOURS[kind], linewidth=0)
        layer.to_crs(metric).boundary.plot(ax=ax, color="#333333", linewidth=0.3)
    handles = [Patch(color=CHANGE_COLOURS[c], label=label(c)) for c in CHANGES]
    fig.legend(handles=handles, loc="lower center", ncol=len(CHANGES), prop=props, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(frame: pd.DataFrame) -> str:
    """An HTML table; missing values (None as well as NaN) blank."""
    shown = frame.astype(object).map(lambda v: "" if _blank(v) else v)
    return shown.to_html(index=False, border=0, na_rep="", escape=True, classes="t")


def _problem_rows(problems: pd.DataFrame, accepted: dict[str, str]) -> pd.DataFrame:
    """The check's problems as shown on the summary page, with their acceptance."""
    ids = problem_ids(problems)
    return pd.DataFrame(
        {
            "编号 / id": ids,
            "问题 / problem": problems["problem"].to_numpy(),
            "网格 / grids": problems["grid_codes"].map(lambda c: ";".join(map(str, c))).to_numpy(),
            "单位 / unit": problems["unit_code"].to_numpy(),
            "面积 / area m²": problems["area_m2"].round(1).to_numpy(),
            "说明 / detail": problems["detail"].to_numpy(),
            "接受理由 / accepted because": [accepted.get(i) for i in ids],
        }
    )


def _summary(
    grids, before, changes, sheet, problems, counts, accepted, *, version, previous
) -> str:
    per_town = (
        sheet.groupby(["街镇代码", "街镇名称"], dropna=False)["变更类型"]
        .value_counts()
        .unstack(fill_value=0)
    )
    per_town = per_town[[CHANGE_LABELS[c] for c in CHANGES if CHANGE_LABELS[c] in per_town]]
    per_town.columns.name = None
    per_town = per_town.reset_index()
    kinds = pd.DataFrame(
        [{"变更类型": CHANGE_LABELS[c], "change": c, "数量 / count": n} for c, n in counts.items()]
    )
    problem_rows = _problem_rows(problems, accepted) if len(problems) else None
    fields = pd.DataFrame(
        [{"字段 / field": f, "含义 / meaning": m} for f, (_, m) in FIELDS.items()]
    )
    hh = pd.to_numeric(grids.get("households"), errors="coerce")
    esc = html.escape
    created = dt.datetime.now(localtime.TZ)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>网格调整备案材料 {esc(version)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 24px; color: #222; }}
h1 {{ font-size: 20px; margin: 0 0 4px; }} h2 {{ font-size: 15px; margin: 18px 0 6px; }}
.meta {{ color: #555; font-size: 13px; }} img {{ max-width: 100%; }}
table.t {{ border-collapse: collapse; font-size: 12px; }}
table.t th, table.t td {{ border: 1px solid #ccc; padding: 2px 8px; text-align: left; }}
.cols {{ display: flex; gap: 32px; flex-wrap: wrap; }}
</style></head><body>
<h1>网格调整备案材料 / Grid adjustment filing — {esc(version)}</h1>
<p class="meta">调整前版本 / replaces: {esc(previous or "（无 / none）")} ·
网格数 / grids: {len(before) if before is not None else 0} → {len(grids)} ·
户数 / households: {int(hh.sum()) if hh is not None else "—"} ·
生成时间 / generated: {created:%Y-%m-%d %H:%M} (UTC+8) ·
坐标系 / CRS: CGCS2000 (EPSG:4490)</p>
<img alt="调整前后对比图 / before and after" src="data:image/png;base64,{_map_png(grids, before, changes)}">
<div class="cols">
<div><h2>按变更类型 / by change kind</h2>{_table(kinds)}</div>
<div><h2>按街镇 / by town</h2>{_table(per_town)}</div>
<div><h2>拓扑检查 / topology check</h2>
<p>{len(accepted)} 项经说明理由后接受 / accepted with a reason: {len(accepted)} of {len(problems)}</p>
{_table(problem_rows) if problem_rows is not None else "<p>无缝隙、重叠、无效几何、重复编码或越界 / no gaps, overlaps, invalid geometries, duplicate codes or crossings</p>"}</div>
</div>
<h2>文件 / files</h2>
<p>shp_utf8/ 与 shp_gbk/：网格 Shapefile（CGCS2000，UTF-8 与 GBK 两种编码）；
changes.csv、changes.xlsx：变更清单；manifest.json：文件清单及 SHA-256。</p>
{_table(fields)}
</body></html>
"""
