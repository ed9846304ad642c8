"""Nothing in the dashboard's code, styles or scripts points outside the app."""

from __future__ import annotations

import re
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
URL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


#: third-party builds (the plotly.js bundle and its build folder): their licence headers
#: and docs strings name web sites; that they fetch nothing is checked in the browser
#: (the page fixture fails a test on any non-local request)
VENDOR = DASHBOARDS / "vendor"


def test_no_external_url_in_sources_styles_or_scripts():
    files = [
        p
        for p in DASHBOARDS.rglob("*")
        if p.suffix in {".py", ".css", ".js", ".html", ".json"} and VENDOR not in p.parents
    ]
    assert any(p.suffix == ".css" for p in files) and any(p.suffix == ".js" for p in files)
    found = {
        str(p.relative_to(DASHBOARDS)): URL.findall(p.read_text(encoding="utf-8")) for p in files
    }
    assert {k: v for k, v in found.items() if v} == {}


def test_css_names_only_local_fonts():
    css = (DASHBOARDS / "assets" / "civicgrid.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css
    assert "Noto Sans CJK SC" in css
