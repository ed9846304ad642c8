"""The category filter in headless Chromium: 大类 then their 细类, in Chinese or English;
a 细类 chosen on the hotspots page draws, cell by cell, its incidents as SQL counts them."""

from __future__ import annotations

import datetime as dt

import h3
import pandas as pd
import pytest
from sqlalchemy import text

from dashboards.categories import INDENT, category_options
from tests.database import empty

pytestmark = pytest.mark.browser

CELL_VALUES = """
(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  return gd.calcdata.flatMap(cd => cd.filter(p => p.loc !== undefined).map(p => [p.loc, p.z]));
}
"""
LOCAL_DAY = "(occurred_at AT TIME ZONE INTERVAL '+08:00')::date"


@pytest.fixture(scope="module")
def city(engine, city_mod):
    """The constructed city with its incidents classified as a load would store them
    (盗窃 and 诈骗 under 刑事 with their 细类 codes), and counted."""
    from geo.counts.refresh import refresh_counts

    empty(engine)
    built = city_mod.build(engine)
    with engine.begin() as conn:
        conn.execute(
            text("""
            UPDATE incidents i SET category_raw = i.category, category = k.top_name,
                                   category_code = k.code
            FROM vocab_keys k WHERE k.vocab = 'incident_category' AND k.key = lower(i.category)""")
        )
    refresh_counts(engine, full=True)
    return built


def _theft_counts(engine, res: int) -> dict[str, float]:
    """盗窃 incidents (细类 code 1001) per res-`res` cell over the page's default 90 days."""
    with engine.connect() as c:
        last = c.execute(text(f"SELECT max({LOCAL_DAY}) FROM incidents")).scalar()
        rows = (
            c.execute(
                text(
                    f"SELECT h3 FROM incidents WHERE category_code = '1001' AND {LOCAL_DAY} "
                    "BETWEEN :a AND :b"
                ),
                {"a": last - dt.timedelta(days=89), "b": last},
            )
            .scalars()
            .all()
        )
    out: dict[str, float] = {}
    for stored in rows:
        cell = h3.cell_to_parent(h3.int_to_str(int(stored)), res)
        out[cell] = out.get(cell, 0.0) + 1.0
    return out


def test_options_list_each_top_level_then_its_fine_ones(city, engine):
    zh = category_options(engine, "zh")
    labels = [o["label"] for o in zh]
    at = labels.index("刑事")
    assert labels[at + 1 : at + 3] == [f"{INDENT}· 盗窃", f"{INDENT}· 诈骗"]
    assert labels.index("治安") > labels.index(f"{INDENT}· 其他刑事")
    en = {o["value"]: o["label"] for o in category_options(engine, "en")}
    assert (en["刑事"], en["盗窃"], en["其他刑事"]) == (
        "criminal · 刑事",
        f"{INDENT}· theft · 盗窃",
        f"{INDENT}· 其他刑事",
    )
    assert "扒窃" in next(o["search"] for o in zh if o["value"] == "盗窃")  # found by an alias


def test_choosing_a_fine_category_shows_its_counts(page, server, probe, engine, artifacts):
    page.goto(server + "/hotspots")
    probe.wait("hs-map")
    page.get_by_label("警情数").check()
    everything = probe.wait_changed("hs-map", probe.locations("hs-map"))
    page.click("#hs-cats")
    page.get_by_role("dialog").get_by_text("· 盗窃", exact=True).click()
    probe.wait_changed("hs-map", everything)
    shown = {c: z for c, z in page.evaluate(CELL_VALUES, "hs-map") if z > 0}
    [res] = {h3.get_resolution(c) for c in shown}
    want = _theft_counts(engine, res)
    assert len(want) > 20 and shown == want
    page.screenshot(path=str(artifacts / "hotspots-fine-category.png"), full_page=True)


def test_the_english_switch_names_the_terms_in_english(page, server, probe):
    page.goto(server + "/hotspots")
    probe.wait("hs-map")
    page.click("#btn-lang")
    page.wait_for_selector("h2:text-is('Incident hotspot analysis')")
    page.click("#hs-cats")
    dialog = page.get_by_role("dialog")
    assert dialog.get_by_text("criminal · 刑事", exact=True).is_visible()
    assert dialog.get_by_text("· theft · 盗窃", exact=True).is_visible()
    dialog.get_by_placeholder("Search").fill("扒窃")  # an alias finds its term
    page.wait_for_function(
        "() => [...document.querySelectorAll('[role=dialog] [role=option]')].length === 1"
    )
    assert dialog.get_by_role("option").inner_text().strip() == "· theft · 盗窃"


def test_a_term_imported_while_the_server_runs_is_offered_at_once(
    page, server, probe, engine, cli, tmp_path
):
    page.goto(server + "/hotspots")  # the server has read and kept the options
    probe.wait("hs-map")
    assert "巡查发现" not in {o["value"] for o in category_options(engine, "zh")}
    path = tmp_path / "terms.csv"
    pd.DataFrame(
        {"code": ["2098"], "name": ["巡查发现"], "parent": ["20"], "aliases": [""]}
    ).to_csv(path, index=False)
    done = cli("vocab", "import", str(path))
    assert done.returncode == 0, done.stderr
    labels = [o["label"] for o in category_options(engine, "zh")]
    assert f"{INDENT}· 巡查发现" in labels[labels.index("治安") :]
    page.goto(server + "/hotspots")
    probe.wait("hs-map")
    page.click("#hs-cats")
    assert page.get_by_role("dialog").get_by_text("· 巡查发现", exact=True).is_visible()
