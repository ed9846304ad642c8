"""Every label exists in both languages, and every label key the pages use is defined."""

from __future__ import annotations

import re
from pathlib import Path

from dashboards.i18n import LABELS, emerging_label, t

PAGES = Path(__file__).resolve().parents[2] / "dashboards"


def test_every_label_has_chinese_and_english():
    for key, (zh, en) in LABELS.items():
        assert zh.strip() and en.strip(), key
        if key == "lang.switch":  # the switch names the other language
            assert (zh, en) == ("English", "中文")
            continue
        assert re.search(r"[\u4e00-\u9fff]", zh), f"{key}: no Chinese in {zh!r}"
        assert not re.search(r"[\u4e00-\u9fff]", en), f"{key}: Chinese in English {en!r}"


def test_keys_used_by_the_pages_exist():
    used = set()
    for path in PAGES.glob("*.py"):
        used |= set(
            re.findall(
                r"""\bt\(\s*["']([a-z_]+\.[a-z_.0-9-]+)["']""", path.read_text(encoding="utf-8")
            )
        )
    assert used, "no label lookups found"
    assert sorted(k for k in used if k not in LABELS) == []


def test_emerging_labels_in_both_languages():
    assert emerging_label("intensifying_hot_spot") == "加强热点"
    assert emerging_label("new_cold_spot", "en") == "New cold spot"
    assert emerging_label("no_pattern", "en") == "No pattern"
    assert t("band.in", "en", lo=300, hi=500) == "In band (300–500)"
