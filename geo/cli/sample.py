"""`civicgrid sample --out DIR [--seed N] [--scale small|city]`: write the demo city's files."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from geo.cli import app
from geo.cli.output import JSON_OPTION_HELP, console, report
from geo.errors import CivicgridError


class ScaleName(StrEnum):
    small = "small"
    city = "city"
    province = "province"


def _human(summary: dict[str, Any]) -> None:
    table = Table(title=f"样例城市 / sample city → {summary['out']}")
    for col in ("文件 file", "类型 kind", "坐标系 CRS", "编码 encoding", "行数 rows"):
        table.add_column(col, overflow="fold")
    for f in summary["files"]:
        table.add_row(f["path"], f["kind"], f["crs"], f["encoding"], f"{f['rows']:,}")
    console.print(table)
    console.print(
        f"scale [bold]{summary['scale']}[/bold], seed [bold]{summary['seed']}[/bold], "
        f"故意错误行 / bad rows: [bold]{summary['bad_rows']}[/bold] (manifest.json, README.md), "
        f"{summary['seconds']:.1f} s"
    )


@app.command("sample")
def sample(
    out: Path = typer.Option(..., "--out", file_okay=False, help="输出目录 / folder for the files"),
    seed: int = typer.Option(
        42, "--seed", min=0, help="随机种子 / random seed (same seed → same bytes)"
    ),
    scale: ScaleName = typer.Option(
        ScaleName.small, "--scale", help="small (姑苏区, tests) | city (全市, demo)"
    ),
    fmt: str = typer.Option(
        "files",
        "--format",
        help="files (the city's files) | parquet (partitioned incident archive)",
    ),
    rows: int = typer.Option(
        None, "--rows", min=1, help="incidents in a parquet archive (default 50,000,000)"
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """生成样例城市数据 / write the sample city as the files users really receive."""
    if fmt not in ("files", "parquet") or (fmt == "parquet") != (scale == ScaleName.province):
        raise typer.BadParameter(
            "use --format parquet with --scale province (only)", param_hint="--format"
        )
    if fmt == "parquet":
        from etl.archive.cli import sample_archive

        return sample_archive(out, seed, rows, as_json)
    from etl.sample import generate

    started = time.perf_counter()
    try:
        manifest = generate(out, seed=seed, scale=scale.value)
    except OSError as exc:
        raise CivicgridError(
            f"{out}: cannot write the sample files ({exc.strerror or exc})"
        ) from exc
    summary = {
        "out": str(out.resolve()),
        "scale": scale.value,
        "seed": seed,
        "files": [
            {k: f[k] for k in ("path", "kind", "format", "crs", "encoding", "rows")}
            for f in manifest["files"]
        ],
        "bad_rows": len(manifest["bad_rows"]),
        "seconds": round(time.perf_counter() - started, 2),
    }
    report(summary, as_json, _human)
