"""`civicgrid grids list | activate | retire | check | diff | propose | file`.

The grid adjustment workflow: versions (draft → active → filed → retired), topology and
workload checks, the diff of two versions, a proposed redraw as a new draft, and the
filing package for the city's grid agency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, report

grids_app = typer.Typer(
    help="网格版本与调整 / grid versions, checks, diffs, proposals, filing", no_args_is_help=True
)
app.add_typer(grids_app, name="grids")

JSON = typer.Option(False, "--json", help=JSON_OPTION_HELP)


def _engine():
    from geo.db.engine import get_engine

    return get_engine()


def _version_row(v) -> dict[str, Any]:
    return {
        k: v.as_dict()[k]
        for k in (
            "name",
            "status",
            "parent",
            "grids",
            "created_at",
            "activated_at",
            "filed_at",
            "retired_at",
            "note",
        )
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(map(str, value))
    if isinstance(value, float):
        return f"{value:,.1f}"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _show_table(rows: list[dict[str, Any]], title: str) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in rows[0] if rows else []:
        table.add_column(str(column), overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row.values()))
    console.print(table)


@grids_app.command("list")
def list_cmd(as_json: bool = JSON) -> None:
    """网格版本列表 / list grid versions with status and grid counts."""
    from geo.grids import versions

    rows = [_version_row(v) for v in versions.list_versions(_engine())]
    brief = ("name", "status", "parent", "grids", "activated_at", "filed_at")
    report(
        {"versions": rows},
        as_json,
        lambda o: _show_table(
            [{k: r[k] for k in brief} for r in o["versions"]], "网格版本 / grid versions"
        ),
    )


@grids_app.command("activate")
def activate_cmd(
    version: str = typer.Argument(..., help="版本名 / version name"), as_json: bool = JSON
) -> None:
    """启用版本（原启用版本退役）/ put a version in force; the one in force before is retired."""
    from geo.grids import versions

    report(_version_row(versions.activate(_engine(), version)), as_json)


@grids_app.command("retire")
def retire_cmd(
    version: str = typer.Argument(..., help="版本名 / version name"), as_json: bool = JSON
) -> None:
    """退役版本 / retire a version (a draft is abandoned)."""
    from geo.grids import versions

    report(_version_row(versions.retire(_engine(), version)), as_json)


def _band_source(source: dict[str, Any]) -> str:
    """Where a workload band came from, in words."""
    if source["source"] == "version":
        return f"版本 / version {source['version']} ({source['status']}), the one it replaces"
    return {
        "given": "--workload-band",
        "configured": "CIVICGRID_WORKLOAD_BAND",
        "own": "本版本 / this version's own grids, mean ± 1.5 sd",
    }[source["source"]]


@grids_app.command("check")
def check_cmd(
    version: str = typer.Argument(..., help="版本名 / version name"),
    tolerance: float = typer.Option(
        1.0, "--tolerance", min=0.0, help="忽略的碎片面积 m² / sliver tolerance in m²"
    ),
    whole_towns: bool = typer.Option(
        False,
        "--whole-towns",
        help="有网格的街镇内所有社区都应覆盖 / every community of a gridded town must be covered",
    ),
    band: tuple[float, float] | None = typer.Option(
        None,
        "--workload-band",
        show_default=False,
        help="工作量区间 LOW HIGH（小时/月；默认：现行版本的区间）/ workload band in "
        "hours a month (default: the configured band, else the version in force's)",
    ),
    as_json: bool = JSON,
) -> None:
    """拓扑与工作量检查 / gaps, overlaps, invalid shapes, duplicate codes, crossings, workload bands."""
    from geo.grids.workflow import check_version

    given = None if band is None or band[0] is None else band
    result = check_version(_engine(), version, tolerance, whole_towns, given)

    def human(o: dict[str, Any]) -> None:
        console.print(
            f"[bold]网格检查 / grid check[/bold] {o['version']} ({o['status']}), "
            f"{o['grids']} grids, result {o['result_id']}"
        )
        console.print(f"  problems: {o['problems'] or 'none'} ({len(o['items'])} in all)")
        console.print(f"  households: {o['households_flag']}  band {o['households_band']}")
        console.print(
            f"  workload: {o['workload_flag']}  band "
            f"{[round(x) for x in o['workload_band']]} "
            f"({_band_source(o['workload_band_source'])})"
        )
        rows = [
            {k: r[k] for k in ("id", "problem", "unit_code", "area_m2")} for r in o["items"][:40]
        ]
        if rows:
            _show_table(rows, f"问题 / problems (first {len(rows)} of {len(o['items'])})")

    report(result, as_json, human)


@grids_app.command("diff")
def diff_cmd(
    old: str = typer.Argument(..., help="原版本 / old version"),
    new: str = typer.Argument(..., help="新版本 / new version"),
    out: Path = typer.Option(None, "--out", help="变更清单 CSV / write the changes as CSV"),
    as_json: bool = JSON,
) -> None:
    """版本对比 / what changed: unchanged, reshaped, split, merged, new, removed."""
    from geo.grids.workflow import diff_versions

    changes, summary = diff_versions(_engine(), old, new)
    table = changes.drop(columns="geometry").copy()
    for column in ("old_codes", "new_codes"):
        table[column] = table[column].map(";".join)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, index=False, encoding="utf-8-sig")
        summary["csv"] = str(out)
    rows = changes.drop(columns="geometry").astype(object)
    summary["items"] = rows.where(rows.notna(), None).to_dict("records")

    def human(o: dict[str, Any]) -> None:
        console.print(f"[bold]{old} → {new}[/bold]: {o['changes']} (result {o['result_id']})")
        shown = table[table["change"] != "unchanged"].head(40)
        console.print(shown.to_string(index=False) if len(shown) else "no changes")

    report(summary, as_json, human)


@grids_app.command("propose")
def propose_cmd(
    source: str = typer.Option(..., "--from", help="基础版本 / version to start from"),
    name: str = typer.Option(..., "--name", help="新草稿名 / name of the new draft"),
    seed: int = typer.Option(0, "--seed", help="随机种子 / seed of the region growth"),
    boundary: str = typer.Option(
        None,
        "--boundary",
        help="不可跨越的部门辖区 / department whose units no "
        "redrawn grid may cross, e.g. police 公安",
    ),
    as_json: bool = JSON,
) -> None:
    """生成调整方案（草稿）/ redraw out-of-band communities into a new draft version."""
    from geo.grids.workflow import propose_version

    proposal, version = propose_version(_engine(), source, name, seed=seed, boundary=boundary)
    result = {
        "version": version.name,
        "status": version.status,
        "source": source,
        "boundary": version.params.get("boundary"),
        **proposal.summary(),
    }

    def human(o: dict[str, Any]) -> None:
        console.print(
            f"[bold]草稿 / draft {o['version']}[/bold] from {source}: {o['grids']} grids; "
            f"communities {o['communities']}"
        )
        for item in o["unsatisfied"]:
            console.print(
                f"  [yellow]未满足 / unmet[/yellow] {item['community_code']} "
                f"{';'.join(item['grid_codes'])}: {item['reason']}"
            )

    report(result, as_json, human)


def _acceptances(values: list[str]) -> dict[str, str]:
    """`--accept ID=REASON` options as {id: reason}; a bad one is a bad argument."""
    accepted: dict[str, str] = {}
    for value in values:
        problem, sep, reason = value.partition("=")
        if not sep or not problem.strip() or not reason.strip():
            raise typer.BadParameter(
                f"{value!r}: expected ID=REASON, e.g. 'gap:320508001002=河道，无需网格'",
                param_hint="--accept",
            )
        accepted[problem.strip()] = reason.strip()
    return accepted


@grids_app.command("file")
def file_cmd(
    version: str = typer.Argument(..., help="版本名 / version name"),
    out: Path = typer.Option(..., "--out", help="输出目录 / folder for the package"),
    accept: list[str] = typer.Option(
        [],
        "--accept",
        metavar="ID=REASON",
        help="接受一项拓扑问题并说明理由（编号见 grids check / 拒绝信息）/ accept one "
        "topology problem, named as in the refusal (e.g. overlap:A+B), with a reason",
    ),
    accept_all: str = typer.Option(
        None,
        "--accept-all",
        metavar="REASON",
        help="以同一理由接受全部拓扑问题 / accept every topology problem, with one reason",
    ),
    override_consultation: str = typer.Option(
        None,
        "--override-consultation",
        help="未全部答复仍报备的理由（留痕）/ why filing goes ahead before every consulted unit answered",
    ),
    as_json: bool = JSON,
) -> None:
    """生成备案材料并标记已备案 / write the filing package and mark the version filed.

    有未处理的拓扑问题（缝隙、重叠、越界、重复编码、无效几何）时拒绝备案，除非逐项说明理由接受；
    征求意见未全部答复时拒绝，除非说明理由（留痕）。
    Refused while topology problems are open, unless each is accepted with a reason, and
    while a consulted unit has not answered, unless an override reason is given.
    """
    from geo.grids.consultation import include_record, require_answers
    from geo.grids.workflow import file_version

    if accept_all is not None and not accept_all.strip():
        raise typer.BadParameter("needs a reason", param_hint="--accept-all")
    consulted = require_answers(_engine(), version, override_consultation)  # refuses before writing
    filed = file_version(
        _engine(), version, out, accept=_acceptances(accept), accept_all=accept_all
    )
    report({**filed, "consultation": include_record(_engine(), version, out, consulted)}, as_json)


@grids_app.command("align")
def align_cmd(
    version: str = typer.Argument(..., help="版本名 / version name"),
    department: str = typer.Option(
        ...,
        "--department",
        help="部门 / department: police 公安, urban_management 城管, "
        "emergency 应急管理, municipal 市政",
    ),
    min_share: float = typer.Option(
        0.02, "--min-share", min=0.0, max=1.0, help="碎片比例 / sliver share of a grid's area"
    ),
    min_area: float = typer.Option(
        100.0, "--min-area", min=0.0, help="碎片面积 m² / sliver area in m²"
    ),
    as_json: bool = JSON,
) -> None:
    """网格与部门辖区对齐 / which departmental units each grid overlaps, split grids, a score."""
    from geo.grids.alignment import align_version

    result = align_version(
        _engine(), version, department, min_share=min_share, min_area_m2=min_area
    )

    def human(o: dict[str, Any]) -> None:
        console.print(
            f"[bold]网格对齐 / alignment[/bold] {o['version']} × {o['department_label']} "
            f"({o['units']} units): score {o['score']}, split grids {o['split_grids']} "
            f"of {o['grids']} (result {o['result_id']})"
        )
        rows = [
            {
                "grid": i["grid_code"],
                "units": [f"{u['code']} {u['share']:.0%}" for u in i["units"] if u["counted"]],
                "main share": f"{i['main_share']:.1%}",
            }
            for i in o["items"]
            if i["split"]
        ][:40]
        if rows:
            _show_table(rows, "跨辖区网格 / grids split across units")

    report(result, as_json, human)


@grids_app.command("consult")
def consult_cmd(
    draft: str = typer.Argument(..., help="草稿版本 / draft version"),
    against: str = typer.Option(
        None, "--against", help="对照版本（默认现行）/ version to compare with (default: in force)"
    ),
    out: Path = typer.Option(None, "--out", help="征求意见表目录 / folder for the sheets"),
    unit: str = typer.Option(None, "--record", help="登记意见的单位代码 / unit answering"),
    opinion: str = typer.Option(
        None, "--opinion", help="agree 同意 | agree-with-changes 修改后同意 | object 不同意"
    ),
    note: str = typer.Option(None, "--note", help="意见说明及处理 / what was said, how handled"),
    date: str = typer.Option(None, "--date", help="答复日期 / date answered (YYYY-MM-DD)"),
    export: Path = typer.Option(None, "--export", help="导出征求意见记录 CSV / write the record"),
    fmt: str = typer.Option(
        "all", "--format", help="征求意见表格式 / sheet format: xlsx | pdf | all"
    ),
    as_json: bool = JSON,
) -> None:
    """征求意见 / list the units a draft affects and write their sheets (XLSX and a PDF with a
    map per unit); record their opinions."""
    import datetime as dt

    from geo.errors import InputError
    from geo.grids import consultation
    from geo.grids.consult import check_answers

    engine = _engine()
    if unit is not None:
        if opinion is None:
            raise typer.BadParameter("--record needs --opinion", param_hint="--opinion")
        try:
            day = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise InputError(f"--date {date!r} is not YYYY-MM-DD", field="date") from exc
        result: dict[str, Any] = consultation.record_opinion(
            engine, draft, unit, opinion, note, day
        )
    elif opinion is not None:
        raise typer.BadParameter("--opinion needs --record UNIT", param_hint="--record")
    elif export is None:
        if fmt not in ("xlsx", "pdf", "all"):
            raise typer.BadParameter("xlsx, pdf or all", param_hint="--format")
        formats = consultation.FORMATS if fmt == "all" else (fmt,)
        result = consultation.open_consultation(
            engine, draft, out or Path("consultation") / draft, against, formats
        )
    else:
        result = {"version": draft}
    record = consultation.record_of(engine, draft)
    if export is not None:
        result["export"] = str(consultation.export_record(record, export))
    status = check_answers(record, override_reason="(status only)") if len(record) else None
    result["answered"] = None if status is None else status["answered"]
    result["missing"] = [] if status is None else status["missing"]
    result["record"] = record.astype(object).where(record.notna(), None).to_dict("records")

    def human(o: dict[str, Any]) -> None:
        console.print(
            f"[bold]征求意见 / consultation[/bold] {draft}: {len(o['record'])} units, "
            f"answered {o['answered']}, waiting for {o['missing'] or 'nobody'}"
        )
        for sheet in [*o.get("sheets", []), *o.get("pdfs", [])][:40]:
            console.print(f"  {sheet}")

    report(result, as_json, human)
