"""`civicgrid grids consult`: sheets per affected unit (reopened with openpyxl), opinions
recorded and audited, the record exported, and the check filing calls."""

from __future__ import annotations

import csv
import json
import unicodedata

import openpyxl
import pytest
from sqlalchemy import text

from geo.errors import InputError
from geo.grids.consultation import require_answers
from tests.geo.grids.build import (
    C1,
    C2,
    box,
    frame,
    grid_row,
    insert_two_communities,
    insert_version,
)
from tests.geo.grids.build import (
    TOWN as T,
)


@pytest.fixture
def city(clean_db):
    insert_two_communities(clean_db)
    insert_version(
        clean_db,
        "2025",
        frame(
            [
                grid_row(C1 + "001", C1, 600, box(0, 0, 1000, 1000), "甲社区第一网格"),
                grid_row(C2 + "001", C2, 400, box(1000, 0, 2000, 1000), "乙社区第一网格"),
            ]
        ),
        activate=True,
    )
    insert_version(
        clean_db,
        "2026-draft",
        frame(
            [
                grid_row(C1 + "002", C1, 300, box(0, 0, 500, 1000), "甲社区第二网格"),
                grid_row(C1 + "003", C1, 300, box(500, 0, 1000, 1000), "甲社区第三网格"),
                grid_row(C2 + "001", C2, 400, box(1000, 0, 2000, 1000), "乙社区第一网格"),
            ]
        ),
    )
    return clean_db


def run_json(cli, *args):
    done = cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_consult_sheets_opinions_record_and_the_filing_check(cli, city, tmp_path):
    opened = run_json(cli, "grids", "consult", "2026-draft", "--out", str(tmp_path / "sheets"))
    assert opened["against"] == "2025"
    assert [u["unit_code"] for u in opened["units"]] == [T, C1]  # 乙社区 unchanged: not asked
    assert opened["missing"] == [T, C1] and len(opened["sheets"]) == 2
    sheet = next(s for s in opened["sheets"] if C1 in s)
    ws = openpyxl.load_workbook(sheet).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "网格调整征求意见表" in cells and "甲社区" in cells and "调整后网格" in cells
    assert {C1 + "001", C1 + "002", C1 + "003"} <= set(cells) and C2 + "001" not in cells
    assert "None" not in map(str, cells)

    with pytest.raises(InputError, match="not answered"):
        require_answers(city, "2026-draft")
    bad = cli("grids", "consult", "2026-draft", "--record", C2, "--opinion", "agree", "--json")
    assert bad.returncode == 1 and "not consulted" in bad.stderr and bad.stderr.count("\n") == 1
    no_note = cli("grids", "consult", "2026-draft", "--record", C1, "--opinion", "object", "--json")
    assert no_note.returncode == 1 and "--note" in no_note.stderr
    wrong = cli("grids", "consult", "2026-draft", "--record", C1, "--opinion", "maybe", "--json")
    assert wrong.returncode == 1

    run_json(
        cli,
        "grids",
        "consult",
        "2026-draft",
        "--record",
        C1,
        "--opinion",
        "agree-with-changes",
        "--note",
        "第三网格并入老街巷",
        "--date",
        "2026-01-05",
    )
    partial = require_answers(city, "2026-draft", "区政府专题会议决定提前报备")
    assert partial["missing"] == [T] and partial["override"] == "区政府专题会议决定提前报备"
    last = run_json(
        cli,
        "grids",
        "consult",
        "2026-draft",
        "--record",
        T,
        "--opinion",
        "agree",
        "--date",
        "2026-01-06",
        "--export",
        str(tmp_path / "record.csv"),
    )
    assert last["missing"] == [] and last["answered"] == 2
    assert require_answers(city, "2026-draft") == {
        "consulted": True,
        "units": 2,
        "answered": 2,
        "objections": [],
        "missing": [],
        "override": None,
    }
    assert require_answers(city, "2025") == {"consulted": False}

    with open(tmp_path / "record.csv", encoding="utf-8-sig") as fh:
        rows = {r["单位代码"]: r for r in csv.DictReader(fh)}
    assert rows[C1]["意见"] == "修改后同意" and rows[C1]["答复日期"] == "2026-01-05"
    assert rows[C1]["说明及处理"] == "第三网格并入老街巷" and rows[T]["说明及处理"] == ""
    with city.connect() as c:
        actions = c.execute(
            text(
                "SELECT action, detail->>'unit' FROM audit_log WHERE action LIKE "
                "'grids.consult%' ORDER BY id"
            )
        ).all()
    assert [a for a, _ in actions][-4:] == [
        "grids.consult",
        "grids.consult.record",
        "grids.consult.override",
        "grids.consult.record",
    ]
    # asking again keeps the answers already in
    again = run_json(cli, "grids", "consult", "2026-draft", "--out", str(tmp_path / "sheets"))
    assert again["missing"] == []


@pytest.mark.slow
def test_grids_file_refuses_until_every_unit_answered_or_an_override_reason(cli, city, tmp_path):
    run_json(cli, "grids", "consult", "2026-draft", "--out", str(tmp_path / "sheets"))
    run_json(cli, "grids", "consult", "2026-draft", "--record", C1, "--opinion", "agree")
    run_json(cli, "grids", "activate", "2026-draft")
    refused = cli("grids", "file", "2026-draft", "--out", str(tmp_path / "pkg"), "--json")
    assert refused.returncode == 1 and "have not answered: " + T in refused.stderr
    assert not (tmp_path / "pkg").exists()
    filed = run_json(
        cli,
        "grids",
        "file",
        "2026-draft",
        "--out",
        str(tmp_path / "pkg"),
        "--override-consultation",
        "街道书面意见在途，区政府同意先行报备",
    )
    assert filed["status"] == "filed"
    assert filed["consultation"]["missing"] == [T]
    assert filed["consultation"]["override"] == "街道书面意见在途，区政府同意先行报备"
    with open(tmp_path / "pkg" / filed["consultation"]["file"], encoding="utf-8-sig") as fh:
        rows = {r["单位代码"]: r["意见"] for r in csv.DictReader(fh)}
    assert rows == {T: "", C1: "同意"}
    with city.connect() as c:
        reason = c.execute(
            text(
                "SELECT detail->>'reason' FROM audit_log "
                "WHERE action = 'grids.consult.override' ORDER BY id DESC LIMIT 1"
            )
        ).scalar()
    assert reason == "街道书面意见在途，区政府同意先行报备"


def test_pdf_sheets_carry_the_map_the_figures_and_the_fields_to_sign(cli, city, tmp_path):
    """One A4 PDF per affected unit; its text (pypdf) names the unit, its grids before and
    after and their households as the database holds them."""
    from pypdf import PdfReader

    opened = run_json(
        cli, "grids", "consult", "2026-draft", "--format", "pdf", "--out", str(tmp_path / "pdf")
    )
    assert opened["sheets"] == [] and len(opened["pdfs"]) == 2
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == [
        f"{C1}_甲社区_征求意见表.pdf",
        f"{T}_双塔街道_征求意见表.pdf",
    ]
    with city.connect() as c:
        counts = dict(
            c.execute(
                text(
                    "SELECT v.name, count(*) || '/' || sum(g.households) FROM grids g JOIN grid_versions v "
                    "ON v.id = g.version_id WHERE g.community_code = :c GROUP BY v.name"
                ),
                {"c": C1},
            ).all()
        )
    assert counts == {"2025": "1/600", "2026-draft": "2/600"}
    for path, name, code, before, after in (  # units in code order: the town first
        (
            opened["pdfs"][0],
            "双塔街道",
            T,
            [C1 + "001", C2 + "001"],
            [C1 + "002", C1 + "003", C2 + "001"],
        ),
        (opened["pdfs"][1], "甲社区", C1, [C1 + "001"], [C1 + "002", C1 + "003"]),
    ):
        assert code in path
        reader = PdfReader(path)
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert abs(float(box.width) / float(box.height) - 794 / 1123) < 0.01  # A4 portrait
        raw = "".join(reader.pages[0].extract_text().split())
        # the CJK font draws some ideographs and their radical twins with one glyph (网
        # U+7F51, ⽹ U+2F79), and a reader may name either: Kangxi radicals NFKC-normalised,
        # the two twins NFKC leaves (⻅ → 见) or makes traditional (⼾ → 戶 → 户) by hand
        words = "".join(
            unicodedata.normalize("NFKC", c) if 0x2E80 <= ord(c) <= 0x2FDF else c for c in raw
        ).translate(str.maketrans({"⻅": "见", "戶": "户"}))
        assert "网格调整征求意见表" in words, words
        assert f"被征求意见单位：{name}（代码{code}" in words
        assert "调整方案（草稿）：2026-draft" in words and "现行版本：2025" in words
        assert f"网格数：调整前{len(before)}个，调整后{len(after)}个" in words
        households = 600 if code == C1 else 1000
        assert f"户数合计：调整前{households}户，调整后{households}户" in words
        assert "调整类型：拆分" in words
        for grid in before + after:
            assert grid in words
        assert "负责人签字（盖章）" in words and "□同意" in words and "None" not in words
        # the map: the after grids' codes are drawn on it as well as listed
        assert words.count(C1 + "002") == 2
