"""The grid editor in headless Chromium on the constructed city: a draft started on the
page, its units drawn from the app's unit tiles in the band of their grid (the first
figure carries none), a merge, a split by painting units with clicks, a move of a box
selection, an undo and a redo by keyboard, a move of a lasso selection, and a stale save
from a second browser refused; afterwards `civicgrid grids diff` shows the merged, split
and reshaped grids, the draft keeps every household, and each edit is in the audit log
with its revision."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from sqlalchemy import text

from dashboards import grids_editor
from dashboards.i18n import t
from geo.grids import drafts, edit, store
from tests.conftest import run_cli

pytestmark = pytest.mark.browser

DRAFT = "2027-edit"
SLOW = 180_000
# unit id -> band of the draft's unit tiles the editor map has drawn (null until drawn)
RENDERED_UNITS = """
() => {
  const gd = document.querySelector('#ge-map .js-plotly-plot');
  const m = gd._fullLayout.map._subplot.map;
  if (!m.loaded() || !m.areTilesLoaded()) return null;
  const out = {};
  for (const f of m.queryRenderedFeatures()) {
    if (f.sourceLayer === 'units') out[f.properties.unit_id] = f.properties.band;
  }
  return Object.keys(out).length ? Object.entries(out) : null;
}
"""

# during the next edit: the layers removed from the map, and the frames MapLibre drew
# while a GeoJSON source was being updated (ms since that update began)
WATCH_EDIT = """() => {
  const map = document.querySelector('#ge-map .js-plotly-plot')._fullLayout.map._subplot.map;
  const remove = map.removeLayer.bind(map);
  const updating = () => Object.keys(map.style.tileManagers || map.style.sourceCaches).some((id) => {
    const src = map.getSource(id);
    return src && src.type === 'geojson' && (src._isUpdatingWorker || !map.isSourceLoaded(id));
  });
  window.__edit = {removed: 0, early: []};
  let began = null;
  map.removeLayer = (id) => { window.__edit.removed += 1; return remove(id); };
  map.on('dataloading', () => { if (began === null) began = performance.now(); });
  map.on('render', () => {
    if (began === null) return;
    if (updating()) window.__edit.early.push(performance.now() - began);
    else began = null;
  });
}"""
#: grid_editor.js HOLD_MS: the longest a frame is put off while a source is updated
HOLD_MS = 250
# the colour MapLibre draws at (lon, lat) in its next frame, read from the map's canvas
PIXEL = """([id, lon, lat]) => new Promise((resolve) => {
  const m = document.querySelector('#' + id + ' .js-plotly-plot')._fullLayout.map._subplot.map;
  const canvas = m.getCanvas();
  const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
  const at = m.project([lon, lat]), ratio = canvas.width / canvas.clientWidth;
  m.once('render', () => {
    const px = new Uint8Array(4);
    gl.readPixels(Math.round(at.x * ratio), Math.round(canvas.height - at.y * ratio), 1, 1,
                  gl.RGBA, gl.UNSIGNED_BYTE, px);
    resolve(Array.from(px));
  });
  m.triggerRepaint();
})"""


def choose(page, dropdown: str, code: str) -> None:
    """Pick the option of grid `code` in a Dash dropdown."""
    page.locator(f"#{dropdown}").click()
    page.locator("[role=option], .Select-option").filter(has_text=f"{code} ").first.click()
    page.keyboard.press("Escape")


def saved(page, revision: int) -> None:
    page.wait_for_function(
        "(r) => (document.querySelector('#ge-msg') || {}).textContent?.includes('修订 ' + r + '）')",
        arg=revision,
        timeout=SLOW,
    )


def click_unit(page, probe, lon: float, lat: float, n: int, artifacts) -> None:
    """Click the unit at (lon, lat) and wait until `n` units are selected; a click the
    map dropped while busy (seen under heavy load) is made once more, with a screenshot."""
    wait = "(n) => document.querySelector('#ge-selcount')?.textContent.includes('已选 ' + n + ' ')"
    for attempt in range(2):
        x, y = probe.screen_xy("ge-map", lon, lat)
        page.mouse.click(x, y)
        try:
            page.wait_for_function(wait, arg=n, timeout=20_000 if attempt == 0 else SLOW)
            page.wait_for_timeout(800)  # the next click is not a double click
            return
        except Exception:  # noqa: BLE001 - retried once below
            if attempt:
                raise
            page.screenshot(path=str(artifacts / f"grid-editor-click-{n}.png"))


def drag(page, probe, tool: str, points: list[tuple[float, float]]) -> None:
    """Drag with the map's `tool` (modebar: "select" draws a box, "lasso" a lasso) through
    `points` (lon, lat), and wait until units are selected."""
    page.locator(f"#ge-map .modebar-btn[data-val='{tool}']").first.click()
    (x, y), *rest = [probe.screen_xy("ge-map", lon, lat) for lon, lat in points]
    page.mouse.move(x, y)
    page.mouse.down()
    for x, y in rest:
        page.mouse.move(x, y, steps=5)
    page.mouse.up()
    page.wait_for_function(
        "() => /已选 [1-9]/.test(document.querySelector('#ge-selcount')?.textContent)", timeout=SLOW
    )


def centres(draft, units) -> list[tuple[float, float]]:
    pts = draft.units.geometry.iloc[list(units)].representative_point()
    return list(zip(pts.x, pts.y, strict=True))


def units_in(draft, code: str, west: float = 0.0, east: float = 1.0) -> np.ndarray:
    """Units of grid `code` whose centre lies in the west→east fraction of the grid."""
    idx = draft.units_of(code)
    x = draft.units.geometry.iloc[idx].representative_point().x.to_numpy()
    lo, hi = x.min(), x.max()
    keep = (x >= lo + west * (hi - lo)) & (x <= lo + east * (hi - lo))
    return idx[keep]


def test_edit_a_draft_in_the_browser(page, server, engine, browser, probe, artifacts):
    page.goto(server + "/grids")
    page.wait_for_selector("#grid-editor", timeout=SLOW)
    page.fill("#ge-name", DRAFT)
    page.fill("#ge-note", "网格编辑器测试")
    page.click("#ge-start")
    page.wait_for_function(
        "() => document.querySelector('#ge-msg')?.textContent.includes('已新建草稿')", timeout=SLOW
    )
    probe.wait("ge-map", traces=False, timeout=SLOW)
    draft = drafts.open_draft(engine, DRAFT)
    # the first map carries no unit (the edited units' trace holds only the empty
    # grids_editor.HOLDER): they come as tiles, each drawn in its grid's band
    assert page.evaluate(
        "() => document.querySelector('#ge-map .js-plotly-plot').data[0].locations"
    ) == [grids_editor.HOLDER["id"]]
    page.wait_for_function(RENDERED_UNITS, timeout=SLOW)
    rendered = dict(page.evaluate(RENDERED_UNITS))
    bands = edit.balance(draft).set_index("grid_code")["band"]
    expected = {
        u: "unknown" if draft.grid_of(u) is None else bands[draft.grid_of(u)]
        for u in range(len(draft.units))
    }
    assert len(rendered) > len(draft.units) // 2
    assert {int(u): b for u, b in rendered.items()} == {int(u): expected[int(u)] for u in rendered}

    # 1. merge G00 and G01
    choose(page, "ge-merge", "G00")
    choose(page, "ge-merge", "G01")
    page.evaluate(WATCH_EDIT)
    page.click("#ge-merge-btn")
    saved(page, 1)
    page.wait_for_function(RENDERED_UNITS, timeout=SLOW)
    watched = page.evaluate("() => window.__edit")
    # the edit patched the traces' data: none of their layers was removed and added again
    # (the selection trace, emptied, keeps grids_editor.HOLDER) ...
    assert watched["removed"] == 0
    # ... and no frame was drawn before the new tiles were in (unless they took HOLD_MS)
    assert all(ms >= HOLD_MS for ms in watched["early"]), watched["early"]
    assert page.locator("#ge-balance .ag-row", has_text="G00").count() == 1
    merged = drafts.open_draft(engine, DRAFT).units_of("G00").tolist()
    shown = page.evaluate(
        "() => document.querySelector('#ge-map .js-plotly-plot').data[0].locations"
    )
    assert shown[0] == grids_editor.HOLDER["id"]
    assert sorted(int(u) for u in shown[1:]) == sorted(merged)
    # and the map on screen shows it: a merged unit's centre has its grid's band colour
    after = drafts.open_draft(engine, DRAFT)
    band = edit.balance(after, ["G00"])["band"].iloc[0]
    whole = [
        u for u in merged if after.units["area_m2"].iloc[u] >= 0.99 * after.units["area_m2"].max()
    ]
    (lon, lat), *_ = centres(after, whole[len(whole) // 2 :])
    got = page.evaluate(PIXEL, ["ge-map", lon, lat])
    want = grids_editor._flat(grids_editor.COLORS[grids_editor.Z[band]])
    want = [int(want[i : i + 2], 16) for i in (1, 3, 5)]
    assert all(abs(g - w) <= 3 for g, w in zip(got[:3], want, strict=True)), (got, want)

    # 2. split G33 by painting three of its western units, clicked on the map
    west = units_in(draft, "G33", 0.0, 0.4)
    area = draft.units["area_m2"].to_numpy()[west]
    whole = west[area >= 0.99 * area.max()]  # whole hexagons, far apart north to south
    ys = draft.units.geometry.iloc[whole].representative_point().y.to_numpy()
    order = whole[np.argsort(ys)]
    painted = order[[0, len(order) // 2, -1]]
    assert len(painted) == 3
    page.locator("#ge-map").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    for n, (lon, lat) in enumerate(centres(draft, painted), start=1):
        click_unit(page, probe, lon, lat, n, artifacts)
    page.fill("#ge-newname", "新拆网格")
    page.click("#ge-split")
    saved(page, 2)

    # 3. move a box of G40's eastern units into G50
    strip = units_in(draft, "G40", 0.8, 1.0)
    pts = np.array(centres(draft, strip))
    (w, s_), (e, n) = pts.min(axis=0) - 1e-4, pts.max(axis=0) + 1e-4
    drag(page, probe, "select", [(w, n), ((w + e) / 2, (s_ + n) / 2), (e, s_)])
    choose(page, "ge-target", "G50")
    page.click("#ge-move")
    saved(page, 3)
    moved = drafts.open_draft(engine, DRAFT)
    boxed = [u for u in moved.units_of("G50") if draft.grid_of(u) == "G40"]
    assert boxed and set(boxed) <= set(strip.tolist())
    page.screenshot(path=str(artifacts / "grid-editor.png"), full_page=True)

    # 4. undo the move with Ctrl+Z, make it again with Ctrl+Y
    page.locator("h2").first.click()
    page.keyboard.press("Control+z")
    saved(page, 4)
    assert not [
        u for u in drafts.open_draft(engine, DRAFT).units_of("G50") if draft.grid_of(u) == "G40"
    ]
    page.keyboard.press("Control+y")
    saved(page, 5)

    # 5. move a lasso of G42's eastern units into G52: a diamond over their box, so the
    # units in the box's corners stay (a box would take them)
    strip = units_in(draft, "G42", 0.7, 1.0)
    area = draft.units["area_m2"].to_numpy()
    strip = strip[area[strip] >= 0.99 * area.max()]  # whole hexagons: one point inside each
    ys = np.array(centres(draft, strip))[:, 1]
    lo, hi = np.quantile(ys, [0.3, 0.7])
    strip = strip[(ys >= lo) & (ys <= hi)]  # its middle rows: the diamond fits the map
    pts = np.array(centres(draft, strip))
    (w, s_), (e, n) = pts.min(axis=0) - 1e-4, pts.max(axis=0) + 1e-4
    mid_x, mid_y = (w + e) / 2, (s_ + n) / 2
    diamond = shapely.Polygon([(mid_x, n), (e, mid_y), (mid_x, s_), (w, mid_y)])
    # close enough that each unit is drawn several pixels wide
    page.evaluate(
        "([lon, lat]) => window.Plotly.relayout(document.querySelector('#ge-map .js-plotly-plot'),"
        " {'map.center': {lon, lat}, 'map.zoom': 14.5})",
        [mid_x, mid_y],
    )
    page.wait_for_timeout(500)
    page.wait_for_function(RENDERED_UNITS, timeout=SLOW)
    drag(page, probe, "lasso", list(diamond.exterior.coords))
    choose(page, "ge-target", "G52")
    page.click("#ge-move")
    saved(page, 6)
    lassoed = {
        u for u in drafts.open_draft(engine, DRAFT).units_of("G52") if draft.grid_of(u) == "G42"
    }
    inside = {
        u
        for u, p in zip(strip, pts, strict=True)
        if diamond.buffer(-3e-4).contains(shapely.Point(p))
    }
    outside = {
        u
        for u, p in zip(strip, pts, strict=True)
        if not diamond.buffer(3e-4).contains(shapely.Point(p))
    }
    assert inside and outside  # the diamond leaves the box's corners out
    assert inside <= lassoed and not lassoed & outside

    # 6. a second planner on the same draft, drawn at revision 6
    other = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        p2 = other.new_page()
        p2.goto(server + "/grids")
        p2.wait_for_selector("#ge-map .js-plotly-plot", timeout=SLOW)
        p2.wait_for_function(
            "() => document.querySelector('#ge-map .js-plotly-plot')?.data?.length > 1",
            timeout=SLOW,
        )
        choose(page, "ge-rename-code", "G75")
        page.fill("#ge-rename-name", "湖东网格")
        page.click("#ge-rename")
        saved(page, 7)
        choose(p2, "ge-merge", "G74")
        choose(p2, "ge-merge", "G75")
        p2.click("#ge-merge-btn")
        p2.wait_for_function(
            "() => document.querySelector('#ge-msg')?.textContent.includes('保存被拒绝')",
            timeout=SLOW,
        )
        assert "revision 7" in p2.text_content("#ge-msg")
        kept = drafts.open_draft(engine, DRAFT)
        assert (
            kept.revision == 7 and "G74" in kept.grids and kept.grids["G75"]["name"] == "湖东网格"
        )
    finally:
        other.close()

    out = json.loads(run_cli("grids", "diff", "2026-active", DRAFT, "--json", check=True).stdout)
    pairs = {(i["change"], tuple(i["old_codes"]), tuple(i["new_codes"])) for i in out["items"]}
    new = (set(kept.grids) - set(draft.grids)).pop()
    assert new.startswith("320508") and kept.grids[new]["name"] == "新拆网格"
    assert ("merged", ("G00", "G01"), ("G00",)) in pairs
    assert ("split", ("G33",), tuple(sorted(["G33", new]))) in pairs
    assert ("reshaped", ("G40",), ("G40",)) in pairs and ("reshaped", ("G50",), ("G50",)) in pairs
    before = store.read_grids(engine, "2026-active")["households"].astype(int).sum()
    after = store.read_grids(engine, DRAFT)["households"].astype(int).sum()
    assert after == before == int(kept.units["households"].sum())
    with engine.connect() as c:
        audited = c.execute(
            text(
                "SELECT (detail->>'revision')::int, detail->>'op' FROM audit_log "
                "WHERE action = 'grids.edit' AND detail->>'version' = :v AND id > "
                # the audit log is never emptied: only rows after this draft was started
                "(SELECT max(id) FROM audit_log WHERE action = 'grids.draft' "
                "AND detail->>'version' = :v) ORDER BY id"
            ),
            {"v": DRAFT},
        ).all()
    assert [tuple(r) for r in audited] == [
        (1, "merge"),
        (2, "split"),
        (3, "move"),
        (4, "undo:move"),
        (5, "redo:move"),
        (6, "move"),
        (7, "rename"),
    ]


def hover_at(page, probe, lon: float, lat: float, starts: str) -> str:
    """The tooltip's text once the pointer rests on (lon, lat) and it shows `starts`."""
    page.mouse.move(5, 5)
    x, y = probe.screen_xy("ge-map", lon, lat)
    page.mouse.move(x, y, steps=3)
    page.wait_for_function(
        "(s) => { const t = document.querySelector('#ge-hover');"
        " return t && !t.hidden && t.textContent.startsWith(s); }",
        arg=starts,
        timeout=SLOW,
    )
    return page.text_content("#ge-hover")


def test_a_unit_drawn_from_tiles_has_hover_text_in_the_pages_language(page, server, engine, probe):
    """Pointing at a unit of the tiles shows its code, grid, households, population and
    hours, in Chinese, and in English after the switch."""
    draft = drafts.start(engine, "2027-hover")
    page.goto(server + "/grids")
    page.wait_for_selector("#grid-editor", timeout=SLOW)
    probe.wait("ge-map", traces=False, timeout=SLOW)
    page.locator("#ge-map").scroll_into_view_if_needed()
    page.wait_for_function(RENDERED_UNITS, timeout=SLOW)
    drawn = {int(u) for u, _ in page.evaluate(RENDERED_UNITS)}
    area = draft.units["area_m2"].to_numpy()
    unit = next(
        int(u)
        for u in np.argsort(-area)  # a whole hexagon of a grid, drawn
        if int(u) in drawn and draft.grid_of(int(u)) is not None
    )
    code = draft.grid_of(unit)
    ((lon, lat),) = centres(draft, [unit])
    hours = float(draft.units["workload"].iat[unit])

    def expected(lang: str) -> set[str]:
        return {
            t(
                "ge.hover",
                lang,
                unit=f"#{unit}",
                grid=code,
                name=draft.grids[code]["name"],
                households=int(draft.units["households"].iat[unit]),
                population=int(draft.units["population"].iat[unit]),
                hours=h,
            ).replace("<br>", "")
            for h in (f"{hours:.1f}", f"{math.floor(hours * 10 + 0.5) / 10:.1f}")
        }

    assert hover_at(page, probe, lon, lat, f"单元 #{unit} ") in expected("zh")
    page.click("#btn-lang")
    # the page is drawn again in English: wait for the new editor, then its map
    page.wait_for_function(
        "(s) => document.querySelector('#grid-editor')?.textContent.includes(s)",
        arg=t("ge.title", "en"),
        timeout=SLOW,
    )
    probe.wait("ge-map", traces=False, timeout=SLOW)
    page.locator("#ge-map").scroll_into_view_if_needed()
    page.wait_for_function(RENDERED_UNITS, timeout=SLOW)
    assert hover_at(page, probe, lon, lat, f"Unit #{unit} ") in expected("en")


def test_only_planners_and_admins_get_the_editor(engine, city):
    from flask_login import login_user

    from dashboards import auth, grids_editor
    from dashboards.app import create_app

    app = create_app(engine, login=True)
    for role, may in (("leader", False), ("analyst", False), ("planner", True), ("admin", True)):
        with app.server.test_request_context("/grids"):
            login_user(auth.SessionUser(1, f"user-{role}", role, 0))
            assert auth.visitor_may_edit_grids() is may
            assert (grids_editor.panel("zh") is not None) is may


def test_a_draft_started_on_the_page_keeps_a_departments_units_as_its_boundary(
    page, server, engine
):
    """With police areas loaded, the start form offers their department; the draft started
    with it stores the boundary its edits are checked against (geo.grids.edit)."""
    with engine.begin() as c:
        c.execute(text("DELETE FROM jurisdictions"))
        c.execute(
            text("""INSERT INTO jurisdictions (department, code, name, geom)
                          SELECT 'police', 'P' || id, '派出所 ' || id, ST_Multi(geom)
                          FROM grids WHERE version_id = (SELECT min(version_id) FROM grids)""")
        )
    page.goto(server + "/grids")
    page.wait_for_selector("#grid-editor", timeout=SLOW)
    # open the list on the drawn page: its options are placed where the box is when it
    # opens, and the map and table drawn after the form move the box down the page
    page.wait_for_load_state("networkidle")
    page.locator("#ge-boundary").click()
    page.get_by_role("option", name="police", exact=True).click()
    page.fill("#ge-name", "2027-police")
    page.click("#ge-start")
    page.wait_for_function(
        "() => document.querySelector('#ge-msg')?.textContent.includes('已新建草稿')", timeout=SLOW
    )
    params = (
        engine.connect()
        .execute(text("SELECT params FROM grid_versions WHERE name = '2027-police'"))
        .scalar_one()
    )
    assert params["editor"]["boundary"] == "police"


def test_a_unit_that_rounds_to_nothing_is_sent_as_an_empty_shape():
    """plotly.js cannot draw a null geometry (the whole map stops redrawing): a unit
    narrower than the ~1 m the page's coordinates keep goes as an empty shape."""
    from dashboards import grids_editor
    from geo.grids import blocks
    from tests.geo.grids.test_edit import ITEMS, city

    grids, communities = city()
    units = blocks.build_units(grids, communities, ITEMS, res=10)
    x, y = units.geometry.iloc[0].representative_point().coords[0]
    units.loc[0, "geometry"] = shapely.box(x, y, x + 1e-7, y + 1e-7)
    draft = edit.Draft.start(units, grids, households_band=(0, 1), workload_band=(0, 1))
    speck, unit = grids_editor._features(draft, [0, 1])
    assert speck == {
        "type": "Feature",
        "id": "0",
        "properties": {},
        "geometry": grids_editor.EMPTY_SHAPE,
    }
    assert unit["id"] == "1" and unit["geometry"]["coordinates"]
