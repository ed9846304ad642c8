"""geo.grids.drafts on PostGIS: a draft copied from the version in force, edits saved in
one transaction with a revision, a stale save refused with nothing lost, undo/redo
rebuilt from the log, every edit audited; `civicgrid grids check/diff` on the draft."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from sqlalchemy import text

from geo.grids import blocks, drafts, edit, store, versions
from geo.grids import units as unit_geometry
from geo.grids.geometry import polygonal, to_metric
from geo.grids.units import adjacency as units_adjacency
from geo.grids.workflow import read_inputs
from tests.conftest import run_cli
from tests.geo.grids.build import insert_units, insert_version
from tests.geo.grids.test_edit import A, B, city, units_at


@pytest.fixture
def draft(clean_db):
    grids, communities = city()
    communities["level"] = "community"
    insert_units(clean_db, communities)
    insert_version(clean_db, "2026", grids, activate=True)
    return drafts.start(clean_db, "2027-edit", note="东社区调整", user="planner-li", res=10)


def households(engine, version):
    return store.read_grids(engine, version)["households"].astype(int)


def test_a_draft_starts_as_an_exact_copy_of_the_version_in_force(clean_db, draft):
    v = versions.get(clean_db, "2027-edit")
    assert v.status == "draft" and v.parent == "2026" and v.note == "东社区调整"
    assert draft.revision == 0 and len(draft.grids) == 6
    diff = json.loads(run_cli("grids", "diff", "2026", "2027-edit", "--json", check=True).stdout)
    assert diff["changes"] == {"unchanged": 6}
    with clean_db.connect() as c:
        n = c.execute(
            text("SELECT count(*) FROM grid_units WHERE version_id = :v"), {"v": v.id}
        ).scalar()
        who = c.execute(
            # the audit log is never emptied between tests: the latest start
            text("SELECT username FROM audit_log WHERE action = 'grids.draft' ORDER BY id DESC")
        ).scalar()
    assert n == len(draft.units) and who == "planner-li"
    # a copy of any version, by name
    other = drafts.start(clean_db, "copy", source="2027-edit", res=10)
    assert versions.get(clean_db, "copy").parent == "2027-edit" and len(other.grids) == 6


def test_the_stored_units_are_the_units_cut(clean_db, draft):
    """The COPY of a new draft's units and their read-back lose nothing: every column and
    every corner as geo.grids.blocks cut them (as one-part MultiPolygons)."""
    inputs = read_inputs(clean_db)
    cut = blocks.build_units(
        store.read_grids(clean_db, "2026"),
        store.read_units(clean_db, ("community",)),
        inputs.items,
        inputs.layers,
        res=10,
        as_of=inputs.as_of,
    )
    stored = draft.units
    assert cut["grid_code"].isna().sum() > 0  # NULLs travel too
    for column in (
        "unit_id",
        "cell",
        "community_code",
        "town_code",
        "district_code",
        "grid_code",
        "households",
        "population",
        "workload",
        "area_m2",
    ):
        mine = stored[column].astype(object).where(stored[column].notna(), None).tolist()
        theirs = cut[column].astype(object).where(cut[column].notna(), None).tolist()
        assert mine == theirs, column
    assert shapely.equals_exact(
        stored.geometry.to_numpy(), polygonal(cut.geometry.to_numpy()), tolerance=0
    ).all()


def test_the_units_adjacency_is_stored_and_read_back_not_computed_again(
    clean_db, draft, monkeypatch
):
    """A draft stores which units share an edge when it starts; opening it again reads
    that instead of computing it from the units (seconds for a city), and gets the
    adjacency computed from the stored units."""
    with clean_db.connect() as c:
        v = versions.get(c, "2027-edit")
        pairs = c.execute(
            text(
                "SELECT unit_id, neighbour_id FROM grid_unit_neighbours WHERE version_id = :v "
                "ORDER BY 1, 2"
            ),
            {"v": v.id},
        ).all()
    computed = units_adjacency(to_metric(draft.units))
    expected = sorted((a, b) for a, near in enumerate(computed) for b in near if a < b)
    assert [tuple(p) for p in pairs] == expected and len(expected) > len(draft.units)

    def computing(*_):
        raise AssertionError("the adjacency was computed again")

    monkeypatch.setattr(unit_geometry, "adjacency", computing)
    drafts._cache.clear()
    opened = drafts.open_draft(clean_db, "2027-edit")
    assert opened.neighbours == computed


def test_edits_are_saved_audited_and_diffed(clean_db, draft):
    g1, g2, g3, g4 = (f"{A}{i:03d}" for i in range(1, 5))
    total = int(households(clean_db, "2026").sum())
    d = drafts.save(clean_db, "2027-edit", "merge", 0, codes=[g3, g4], user="planner-li")
    d = drafts.save(
        clean_db,
        "2027-edit",
        "split",
        d.revision,
        unit_ids=units_at(d, 500, 750),
        user="planner-wang",
    )
    new = (set(d.grids) - set(draft.grids)).pop()
    d = drafts.save(
        clean_db,
        "2027-edit",
        "move",
        d.revision,
        unit_ids=units_at(d, 400, 500),
        to=f"{B}001",
        user="planner-li",
    )
    assert d.revision == 3
    assert int(households(clean_db, "2027-edit").sum()) == total
    stored = store.read_grids(clean_db, "2027-edit").set_index("grid_code")
    assert g4 not in stored.index and new in stored.index
    assert stored.loc[new, "households"] == edit.balance(d, [new])["households"].iloc[0]

    out = run_cli("grids", "diff", "2026", "2027-edit", "--json", check=True)
    items = json.loads(out.stdout)["items"]
    by_kind = {}
    for item in items:
        by_kind.setdefault(item["change"], []).append((item["old_codes"], item["new_codes"]))
    assert ([g3, g4], [g3]) in by_kind["merged"]
    assert ([g2], sorted([g2, new])) in by_kind["split"]
    assert ([g1], [g1]) in by_kind["reshaped"] and ([f"{B}001"], [f"{B}001"]) in by_kind["reshaped"]
    check = json.loads(run_cli("grids", "check", "2027-edit", "--json", check=True).stdout)
    # the moved strip leaves B's grid crossing its community; no overlap, and the one gap
    # is the land the source already left without a grid
    gaps = [i for i in check["items"] if i["problem"] == "gap"]
    assert "overlap" not in check["problems"] and len(gaps) == 1
    assert abs(gaps[0]["area_m2"] - 300 * 1000) < 10
    assert check["problems"].get("crosses_parent", 0) >= 1

    with clean_db.connect() as c:
        rows = c.execute(
            text(
                "SELECT username, detail FROM audit_log WHERE action = 'grids.edit' AND id > "
                "(SELECT max(id) FROM audit_log WHERE action = 'grids.draft') ORDER BY id"
            )
        ).all()
    assert [(r.username, r.detail["op"], r.detail["revision"]) for r in rows] == [
        ("planner-li", "merge", 1),
        ("planner-wang", "split", 2),
        ("planner-li", "move", 3),
    ]
    assert list(drafts.log(clean_db, "2027-edit")["op"]) == ["merge", "split", "move"]


def test_a_stale_save_is_refused_and_nothing_is_lost(clean_db, draft):
    g1, g2 = f"{A}001", f"{A}002"
    first = drafts.save(clean_db, "2027-edit", "rename", 0, code=g1, name="甲网格", user="li")
    with pytest.raises(drafts.StaleDraft, match="revision 1, your edit was based on 0"):
        drafts.save(clean_db, "2027-edit", "merge", 0, codes=[g1, g2], user="wang")
    now = drafts.open_draft(clean_db, "2027-edit")
    assert now.revision == 1 and now.grids[g1]["name"] == "甲网格" and g2 in now.grids
    assert set(store.read_grids(clean_db, "2027-edit")["grid_code"]) == set(first.grids)
    # wang redoes his edit on the fresh state
    again = drafts.save(clean_db, "2027-edit", "merge", now.revision, codes=[g1, g2], user="wang")
    assert g2 not in again.grids and again.revision == 2


def test_undo_redo_are_saved_and_rebuilt_from_the_log(clean_db, draft):
    g3, g4 = f"{A}003", f"{A}004"
    d = drafts.save(clean_db, "2027-edit", "merge", 0, codes=[g3, g4])
    d = drafts.save(clean_db, "2027-edit", "undo", d.revision)
    assert g4 in d.grids and set(store.read_grids(clean_db, "2027-edit")["grid_code"]) >= {g3, g4}
    drafts._cache.clear()  # as another server process would see it
    fresh = drafts.open_draft(clean_db, "2027-edit")
    assert fresh.revision == 2 and not fresh.done and len(fresh.undone) == 1
    assert (fresh.assign == draft.assign).all()
    d = drafts.save(clean_db, "2027-edit", "redo", fresh.revision)
    assert g4 not in d.grids and int(households(clean_db, "2027-edit").sum()) == int(
        np.sum(draft.units["households"])
    )


def test_a_process_keeping_an_older_revision_catches_up_from_the_log(clean_db, draft, monkeypatch):
    """Another server process saved edits (a merge, a move, an undo, a redo, a rename):
    the draft this process kept is brought up to date from the log, equal to reading the
    whole draft again, without reading it again."""
    g1, g2, g3 = f"{A}001", f"{A}002", f"{A}003"
    drafts._cache.clear()
    kept = drafts.open_draft(clean_db, "2027-edit")
    [key] = drafts._cache
    assert kept.revision == 0
    d = drafts.save(clean_db, "2027-edit", "merge", 0, codes=[g1, g2])
    unit = int(d.units_of(g3)[0])
    d = drafts.save(clean_db, "2027-edit", "move", d.revision, unit_ids=[unit], to=g1)
    d = drafts.save(clean_db, "2027-edit", "undo", d.revision)
    d = drafts.save(clean_db, "2027-edit", "redo", d.revision)
    d = drafts.save(clean_db, "2027-edit", "rename", d.revision, code=g1, name="甲网格")
    drafts._cache[key] = kept  # as the other process still holds it

    def read_again(*_):
        raise AssertionError("the whole draft was read again")

    monkeypatch.setattr(drafts, "_read", read_again)
    caught = drafts.open_draft(clean_db, "2027-edit")
    monkeypatch.undo()
    drafts._cache.clear()
    fresh = drafts.open_draft(clean_db, "2027-edit")
    assert caught.revision == fresh.revision == 5
    assert (caught.assign == fresh.assign).all() and caught.assign[unit] == g1
    assert (
        caught.grids == fresh.grids
        and caught.grids[g1]["name"] == "甲网格"
        and g2 not in caught.grids
    )
    assert [c.op for c in caught.done] == [c.op for c in fresh.done] == ["merge", "move", "rename"]
    assert caught.done == fresh.done and caught.undone == fresh.undone == ()
    assert {c: list(m) for c, m in caught.members.items()} == {
        c: list(m) for c, m in fresh.members.items()
    }
    # the next save, based on the caught-up revision, is accepted: the rename undone
    after = drafts.save(clean_db, "2027-edit", "undo", caught.revision)
    assert after.revision == 6 and after.grids[g1]["name"] == draft.grids[g1]["name"]


def test_only_a_draft_is_edited(clean_db, draft):
    versions.activate(clean_db, "2027-edit")
    with pytest.raises(drafts.InputError, match="only a draft can be edited"):
        drafts.save(clean_db, "2027-edit", "rename", 0, code=f"{A}001", name="x")


def test_a_draft_keeping_police_areas_refuses_a_move_across_them(clean_db, draft):
    """Police areas P1 (x < 1000 m) and P2 loaded as jurisdictions; a draft started with
    them as its boundary refuses the move across, saves nothing, and moves inside one
    area as before; propose refuses a department with no units loaded."""
    import shapely

    from geo.errors import InputError
    from geo.grids.workflow import propose_version
    from tests.geo.grids.build import box, frame

    police = frame(
        [
            {"code": "P1", "geometry": box(-100, -100, 1000, 1100)},
            {"code": "P2", "geometry": box(1000, -100, 4100, 1100)},
        ]
    )
    with clean_db.begin() as c:
        for r in police.itertuples():
            c.execute(
                text(
                    "INSERT INTO jurisdictions (department, code, name, geom) VALUES "
                    "('police', :c, :c, ST_Multi(ST_GeomFromWKB(:g, 4326)))"
                ),
                {"c": r.code, "g": shapely.to_wkb(r.geometry)},
            )
    kept = drafts.start(clean_db, "2027-police", boundary="派出所", res=10)
    assert versions.get(clean_db, "2027-police").params["editor"]["boundary"] == "police"
    g3 = f"{A}003"
    with pytest.raises(InputError, match=f"grid {g3} would cross .* P1 / P2"):
        drafts.save(clean_db, "2027-police", "move", 0, unit_ids=units_at(kept, 900, 1000), to=g3)
    assert drafts.open_draft(clean_db, "2027-police").revision == 0
    d = drafts.save(
        clean_db, "2027-police", "move", 0, unit_ids=units_at(kept, 400, 500), to=f"{A}002"
    )
    assert d.revision == 1
    with pytest.raises(InputError, match="no units of department '城管' are loaded"):
        propose_version(clean_db, "2026", "2027-proposed", boundary="城管")
    proposal, version = propose_version(clean_db, "2026", "2027-proposed", boundary="公安")
    assert version.params["boundary"] == "police"
