"""`civicgrid alerts` (what is new or surging this week or month) and `civicgrid near-repeat`
(the Knox test) — early warning for police analysts (信息预警、动态研判)."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, report
from geo.db.engine import get_engine


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date YYYY-MM-DD, got {value!r}", param_hint=name
        ) from None


def _categories(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for item in values or [] for v in item.split(",") if v.strip())


#: alert kinds as the table names them (the header says "类型 kind"; JSON keeps the codes)
KIND_NAMES = {"new_hot_spot": "新增热点", "intensified": "热点加剧", "surge": "异常激增"}


def _alerts_human(out: dict) -> None:
    console.print(
        f"[bold]预警 alerts · {out['period']} {out['from']} – {out['to']}[/bold]: "
        f"{out['incidents']} 起警情 incidents, {len(out['alerts'])} 条预警 alerts "
        f"(与此前 {out['history_periods']} 期比较 against the {out['history_periods']} periods "
        f"from {out['history_from']}; {out['method']})"
    )
    table = Table(
        "单元 cell",
        "类型 kind",
        "警情 count",
        "预期 expected",
        "p",
        "区 district",
        "街道 town",
        "社区 community",
        "网格 grid",
        "附近重点场所 key sites",
    )
    table.columns[0].no_wrap = True
    for a in out["alerts"]:
        sites = "、".join(s["name"] for s in a["key_sites"][:3])
        table.add_row(
            a["cell"],
            KIND_NAMES[a["kind"]],
            str(a["count"]),
            f"{a['expected']:.1f}",
            f"{a['p']:.2g}",
            a["district"] or "",
            a["town"] or "",
            a["community"] or "",
            a["grid"] or "",
            sites,
        )
    console.print(table)


@app.command("alerts")
def alerts(
    period: str = typer.Option("week", "--period", help="week or month"),
    date: str = typer.Option(
        None, "--date", help="a day in the period to analyse (default: the latest complete one)"
    ),
    category: list[str] = typer.Option(
        None, "--category", help="incident category, either level (repeat or comma-separate)"
    ),
    res: int = typer.Option(8, "--res", min=5, max=10, help="H3 resolution of the cells"),
    k: int = typer.Option(1, "--k", min=1, max=5, help="k-ring of the Gi* neighbourhood"),
    min_count: int = typer.Option(
        3, "--min-count", min=1, max=1000, help="fewest incidents for an alert"
    ),
    district: str = typer.Option(None, "--district", help="admin unit code limiting the area"),
    top: int = typer.Option(None, "--top", min=1, max=10_000, help="list only the first N alerts"),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """预警 / cells new or surging this week or month against their own history, most unusual first."""
    from geo.warning.periods import PERIODS
    from geo.warning.run import AlertParams, run_alerts

    if period not in PERIODS:
        raise typer.BadParameter(f"must be one of {', '.join(PERIODS)}", param_hint="--period")
    params = AlertParams(
        period=period,
        day=_date(date, "--date"),
        categories=_categories(category),
        res=res,
        k=k,
        min_count=min_count,
        district=district,
        top=top,
    )
    report(run_alerts(get_engine(), params), as_json, _alerts_human)


def _near_repeat_human(out: dict) -> None:
    console.print(
        f"[bold]近重复 near-repeat · {out['from']} – {out['to']}[/bold]: "
        f"{out['incidents']} 起警情 incidents, 随机置换 {out['permutations']} 次 permutations"
    )
    d, t = out["distance_edges_m"], out["time_edges_days"]
    table = Table(
        "相距米数 \\ 间隔天数 metres \\ days",
        *[f"{t[j]:g}–{t[j + 1]:g}" for j in range(len(t) - 1)],
    )
    for i in range(len(d) - 1):
        cells = [
            f"{r:.2f}{'*' if p <= 0.05 else ''}" if r is not None else "–"
            for r, p in zip(out["ratio"][i], out["p"][i], strict=True)
        ]
        table.add_row(f"{d[i]:g}–{d[i + 1]:g} m", *cells)
    console.print(table)
    console.print("实际/期望案件对数 observed / expected pairs; * p ≤ 0.05")
    console.print(out["reading"]["zh"])
    console.print(out["reading"]["en"])


@app.command("near-repeat")
def near_repeat(
    category: list[str] = typer.Option(
        None, "--category", help="incident category, either level (e.g. 盗窃)"
    ),
    date_from: str = typer.Option(
        None, "--from", help="first day, YYYY-MM-DD (default: a year before --to)"
    ),
    date_to: str = typer.Option(
        None, "--to", help="last day, YYYY-MM-DD (default: the last day with data)"
    ),
    distance: float = typer.Option(
        200.0, "--distance", min=10, max=5000, help="width of a distance band, metres"
    ),
    distance_bands: int = typer.Option(
        5, "--distance-bands", min=1, max=20, help="number of distance bands"
    ),
    days: float = typer.Option(7.0, "--days", min=1, max=365, help="width of a time band, days"),
    time_bands: int = typer.Option(4, "--time-bands", min=1, max=20, help="number of time bands"),
    permutations: int = typer.Option(
        99, "--permutations", min=19, max=9999, help="Monte Carlo shuffles"
    ),
    seed: int = typer.Option(0, "--seed", help="random seed of the shuffles"),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """近重复 / Knox test of near-repeat incidents over distance × time bands."""
    from geo.config import settings
    from geo.warning.run import NearRepeatParams, run_near_repeat

    start, end = _date(date_from, "--from"), _date(date_to, "--to")
    if start and end and start > end:
        raise typer.BadParameter("--from is after --to", param_hint="--from/--to")
    params = NearRepeatParams(
        start=start,
        end=end,
        categories=_categories(category),
        distance_m=distance,
        distance_bands=distance_bands,
        days=days,
        time_bands=time_bands,
        permutations=permutations,
        seed=seed,
        metric_crs=settings().metric_crs,
    )
    report(run_near_repeat(get_engine(), params), as_json, _near_repeat_human)
