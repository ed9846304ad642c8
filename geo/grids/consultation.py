"""Consultation on PostGIS: the units asked about a draft, their sheets (XLSX and an A4
PDF with a map, Chinese),
their opinions (audited), and the record a filing includes.

`open_consultation` writes one sheet per affected unit and remembers who was asked;
`record_opinion` stores an answer; `record_of` / `export_record` give the record; and
`require_answers(engine, version, override_reason)` is what `grids file` calls before it
files (it raises when a consulted unit has not answered and no override reason is given;
an override is audited).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, select, text
from sqlalchemy.dialects.postgresql import insert

from geo import audit
from geo.db.tables import consultations
from geo.errors import InputError
from geo.grids import store, versions
from geo.grids.consult import LEVELS, OPINIONS, affected_units, check_answers
from geo.grids.diff import diff
from geo.grids.geometry import to_metric

RECORD_COLUMNS = [
    "unit_code",
    "level",
    "unit_name",
    "against",
    "asked_at",
    "opinion",
    "note",
    "answered_on",
    "recorded_by",
    "sheet",
]


def _safe(name: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", name).strip("_")


class GridRows:
    """The table row of each grid of a version (code, name, households, population, area
    in 10⁴ m²), made once for the version: every sheet takes its own grids' rows."""

    def __init__(self, grids: gpd.GeoDataFrame) -> None:
        self.grids = grids
        area = to_metric(grids).area.to_numpy() if len(grids) else []
        self.rows = [
            [
                r.grid_code,
                r.name or "",
                None if pd.isna(r.households) else int(r.households),
                None if pd.isna(r.population) else int(r.population),
                round(float(a) / 1e4, 2),
            ]
            for r, a in zip(grids.itertuples(), area, strict=True)
        ]
        self.at: dict[str, list[int]] = {}
        for i, code in enumerate(grids["grid_code"]):
            self.at.setdefault(code, []).append(i)

    def positions(self, codes: list[str]) -> list[int]:
        """Positions of the grids with these codes, in the version's order."""
        return sorted({i for c in set(codes) for i in self.at.get(c, ())})

    def of(self, codes: list[str]) -> list[list[Any]]:
        return [self.rows[i] for i in self.positions(codes)]

    def shapes(self, codes: list[str]) -> gpd.GeoDataFrame:
        return self.grids.iloc[self.positions(codes)]


def write_sheet(
    path: Path, unit: dict[str, Any], draft: str, against: str, before: GridRows, after: GridRows
) -> Path:
    """One consultation sheet (征求意见表) for `unit`: its grids before and after, the
    figures, and the blanks the unit fills in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "征求意见表"
    bold = Font(bold=True)
    ws.append(["网格调整征求意见表"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["被征求意见单位", unit["unit_name"] or "", "代码", unit["unit_code"]])
    ws.append(
        ["层级", LEVELS.get(unit["level"], unit["level"]), "调整类型", "、".join(unit["changes"])]
    )
    ws.append(["调整方案（草稿）", draft, "现行版本", against])
    ws.append([])
    ws.append(["指标", "调整前", "调整后"])
    ws.append(["网格数", len(unit["grids_before"]), len(unit["grids_after"])])
    ws.append(["户数合计", unit["households_before"], unit["households_after"]])
    for title, grids, codes in (
        ("调整前网格", before, unit["grids_before"]),
        ("调整后网格", after, unit["grids_after"]),
    ):
        ws.append([])
        ws.append([title])
        ws.cell(ws.max_row, 1).font = bold
        ws.append(["网格编码", "网格名称", "户数", "人口", "面积（万平方米）"])
        for row in grids.of(codes):
            ws.append(row)
    ws.append([])
    ws.append(["意见（请选择）", "同意 / 修改后同意 / 不同意"])
    ws.append(["具体意见及修改建议", ""])
    ws.append(["负责人签字（盖章）", "", "日期", ""])
    for column, width in zip("ABCDE", (22, 28, 12, 12, 18), strict=True):
        ws.column_dimensions[column].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


#: the sheet formats `open_consultation` writes
FORMATS = ("xlsx", "pdf")


def pdf_sheet(
    unit: dict[str, Any], draft: str, against: str, before: GridRows, after: GridRows, units
):
    """The unit's sheet as an A4 page: its grids before/after on a map, the figures, the
    change list and the fields to sign (geo.grids.consult_pdf; printed by `consult_pdf.write`)."""
    from geo.config import settings
    from geo.grids import consult_pdf

    boundary = units[units["code"] == unit["unit_code"]] if "code" in units else None
    return consult_pdf.figure(
        unit,
        draft,
        against,
        before.shapes(unit["grids_before"]),
        after.shapes(unit["grids_after"]),
        boundary,
        before.of(unit["grids_before"]),
        after.of(unit["grids_after"]),
        settings().metric_crs,
    )


def open_consultation(
    engine: Engine,
    draft: str,
    out: Path,
    against: str | None = None,
    formats: tuple[str, ...] = FORMATS,
) -> dict[str, Any]:
    """List the towns and communities the draft changes (its diff against `against`,
    default the version in force), write one sheet per unit into `out` in each of
    `formats` (XLSX, PDF), and remember them as consulted (opinions already recorded
    are kept)."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise InputError(
            f"sheet format must be {' or '.join(FORMATS)}, not {', '.join(unknown)}", field="format"
        )
    v = versions.get(engine, draft)
    base = versions.get(engine, against) if against else versions.in_force(engine)
    if base is None:
        raise InputError(
            "no grid version is in force to compare the draft with; name one with --against",
            field="against",
        )
    if base.name == v.name:
        raise InputError(f"{draft} is the version in force: consult on a draft", field="draft")
    before, after = store.read_grids(engine, base.name), store.read_grids(engine, v.name)
    units = store.read_units(engine, ("town", "community"))
    affected = affected_units(diff(before, after), before, after, units)
    before, after = GridRows(before), GridRows(after)
    out = Path(out)
    sheets, pdfs, pages = [], [], []
    rows = []
    for unit in affected.to_dict("records"):
        stem = out / f"{unit['unit_code']}_{_safe(unit['unit_name'] or '')}_征求意见表"
        if "xlsx" in formats:
            sheets.append(
                str(write_sheet(stem.with_suffix(".xlsx"), unit, v.name, base.name, before, after))
            )
        if "pdf" in formats:
            pdfs.append(str(stem.with_suffix(".pdf")))
            pages.append(pdf_sheet(unit, v.name, base.name, before, after, units))
        rows.append(
            {
                "version_id": v.id,
                "against": base.name,
                "unit_code": unit["unit_code"],
                "level": unit["level"],
                "unit_name": unit["unit_name"],
                "sheet": (sheets or pdfs)[-1],
            }
        )
    if pages:
        from geo.grids import consult_pdf

        consult_pdf.write([Path(p) for p in pdfs], pages)
    with engine.begin() as c:
        if rows:
            stmt = insert(consultations).values(rows)
            c.execute(
                stmt.on_conflict_do_update(
                    constraint="uq_consultations_version_unit",
                    set_={k: stmt.excluded[k] for k in ("against", "level", "unit_name", "sheet")},
                )
            )
        audit.record(
            c,
            "grids.consult",
            {"version": v.name, "against": base.name, "units": [r["unit_code"] for r in rows]},
        )
    return {
        "version": v.name,
        "against": base.name,
        "units": affected.to_dict("records"),
        "sheets": sheets,
        "pdfs": pdfs,
        "out": str(out),
    }


def record_opinion(
    engine: Engine,
    draft: str,
    unit: str,
    opinion: str,
    note: str | None,
    date: dt.date | None,
    user: str | None = None,
) -> dict[str, Any]:
    """Store the answer of a consulted unit (audited as 'grids.consult.record'), recorded
    by `user` (the signed-in user of the Grids page; default the OS user, as the CLI)."""
    if opinion not in OPINIONS:
        raise InputError(f"opinion must be one of {', '.join(OPINIONS)}", field="opinion")
    if opinion != "agree" and not (note or "").strip():
        raise InputError(
            "an objection or a change asked for needs --note saying what", field="note"
        )
    v = versions.get(engine, draft)
    answered_on = date or dt.date.today()
    user = user or audit.current_user()
    with engine.begin() as c:
        done = c.execute(
            consultations.update()
            .where(consultations.c.version_id == v.id, consultations.c.unit_code == unit)
            .values(
                opinion=opinion,
                note=note,
                answered_on=answered_on,
                recorded_by=user,
                recorded_at=dt.datetime.now(dt.UTC),
            )
        )
        if done.rowcount == 0:
            asked = (
                c.execute(
                    select(consultations.c.unit_code).where(consultations.c.version_id == v.id)
                )
                .scalars()
                .all()
            )
            raise InputError(
                f"unit {unit} was not consulted on {draft} (consulted: "
                f"{', '.join(asked) or 'none; run grids consult first'})",
                field="unit",
            )
        audit.record(
            c,
            "grids.consult.record",
            {
                "version": v.name,
                "unit": unit,
                "opinion": opinion,
                "note": note,
                "date": answered_on.isoformat(),
            },
            username=user,
        )
    return {
        "version": v.name,
        "unit": unit,
        "opinion": opinion,
        "opinion_label": OPINIONS[opinion],
        "note": note,
        "date": answered_on.isoformat(),
    }


def record_of(engine: Engine, version: str) -> pd.DataFrame:
    """The consultation record of `version`: one row per unit asked (RECORD_COLUMNS)."""
    v = versions.get(engine, version)
    with engine.connect() as c:
        rows = (
            c.execute(
                text(
                    f"SELECT {', '.join(RECORD_COLUMNS)} FROM consultations WHERE version_id = :v "
                    "ORDER BY unit_code"
                ),
                {"v": v.id},
            )
            .mappings()
            .all()
        )
    return pd.DataFrame([dict(r) for r in rows], columns=RECORD_COLUMNS)


def export_record(record: pd.DataFrame, path: Path) -> Path:
    """The record as the CSV a filing package includes (Chinese headers, UTF-8 with BOM;
    blanks, never 'None')."""
    table = pd.DataFrame(
        {
            "单位代码": record["unit_code"],
            "单位名称": record["unit_name"],
            "层级": record["level"].map(LEVELS),
            "对照版本": record["against"],
            "征求时间": record["asked_at"].map(
                lambda t: "" if pd.isna(t) else pd.Timestamp(t).strftime("%Y-%m-%d")
            ),
            "意见": record["opinion"].map(OPINIONS),
            "说明及处理": record["note"],
            "答复日期": record["answered_on"].map(lambda d: "" if pd.isna(d) else str(d)),
            "登记人": record["recorded_by"],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, encoding="utf-8-sig", na_rep="")
    return path


def require_answers(
    engine: Engine, version: str, override_reason: str | None = None
) -> dict[str, Any]:
    """For `grids file`: the consultation summary of `version`, raising InputError when a
    consulted unit has not answered and no override reason is given. A version nobody was
    consulted on comes back as {'consulted': False}. An override is audited."""
    record = record_of(engine, version)
    if record.empty:
        return {"consulted": False}
    result = check_answers(record, override_reason)
    if result["override"]:
        audit.record(
            engine,
            "grids.consult.override",
            {"version": version, "reason": result["override"], "missing": result["missing"]},
        )
    return {"consulted": True, **result}


def include_record(
    engine: Engine, version: str, folder: Path, consulted: dict[str, Any]
) -> dict[str, Any]:
    """Put the consultation record of `version` into a filing package folder
    (征求意见记录.csv) and return the summary to print with it (with the file's name)."""
    if not consulted.get("consulted"):
        return consulted
    path = export_record(record_of(engine, version), Path(folder) / "征求意见记录.csv")
    return {**consulted, "file": path.name}
