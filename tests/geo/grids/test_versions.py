"""Version lifecycle in PostGIS: one version in force, drafts never touch it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from geo.errors import InputError
from geo.grids import store, versions
from geo.grids.workflow import propose_version
from tests.geo.grids.build import box, frame, insert_square_community, insert_version

C = "320508001001"


def g(code, hh, geom):
    return {
        "grid_code": C + code,
        "name": f"测试网格{code}",
        "community_code": C,
        "town_code": C[:9],
        "district_code": C[:6],
        "kind": "城镇",
        "households": hh,
        "population": hh * 3,
        "geometry": geom,
    }


@pytest.fixture
def db(clean_db):
    insert_square_community(clean_db, C)
    # 1,200 households in two grids: both out of band, a proposal redraws them
    insert_version(
        clean_db,
        "2024",
        frame([g("001", 1000, box(0, 0, 500, 1000)), g("002", 200, box(500, 0, 1000, 1000))]),
    )
    insert_version(
        clean_db,
        "2025",
        frame([g("001", 600, box(0, 0, 600, 1000)), g("002", 600, box(600, 0, 1000, 1000))]),
    )
    return clean_db


def test_activation_retires_the_version_in_force(db):
    assert versions.in_force(db) is None
    assert versions.activate(db, "2024").status == "active"
    active = versions.activate(db, "2025")
    assert active.status == "active" and active.activated_at is not None
    old = versions.get(db, "2024")
    assert old.status == "retired" and old.retired_at is not None
    assert [v.name for v in versions.list_versions(db) if v.status == "active"] == ["2025"]
    with pytest.raises(InputError, match="retired"):
        versions.activate(db, "2024")


def test_database_refuses_two_active_versions(db):
    versions.activate(db, "2024")
    with pytest.raises(IntegrityError), db.begin() as c:
        c.execute(text("UPDATE grid_versions SET status = 'active' WHERE name = '2025'"))


def test_database_refuses_a_second_version_in_force_next_to_a_filed_one(db):
    versions.activate(db, "2024")
    with db.begin() as c:
        versions.mark_filed(c, "2024", {})
    for status in ("active", "filed"):
        with pytest.raises(IntegrityError, match="uq_grid_versions_in_force"), db.begin() as c:
            c.execute(text(f"UPDATE grid_versions SET status = '{status}' WHERE name = '2025'"))
    assert [(v.name, v.status) for v in versions.list_versions(db)] == [
        ("2024", "filed"),
        ("2025", "draft"),
    ]


def _filings(db) -> int:
    with db.connect() as c:  # the audit log is append-only: it outlives clean_db
        return c.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'grids.file'")
        ).scalar_one()


def test_a_version_is_filed_once(db):
    versions.activate(db, "2024")
    before = _filings(db)
    with db.begin() as c:
        filed_at = versions.mark_filed(c, "2024", {}).filed_at
    with (
        pytest.raises(InputError, match="'2024' was already filed at .*filed once"),
        db.begin() as c,
    ):
        versions.mark_filed(c, "2024", {})
    assert versions.get(db, "2024").filed_at == filed_at
    assert _filings(db) == before + 1


def test_activating_after_a_filing_retires_the_filed_version(db):
    versions.activate(db, "2024")
    with db.begin() as c:
        versions.mark_filed(c, "2024", {})
    assert versions.activate(db, "2025").status == "active"
    assert versions.get(db, "2024").status == "retired"
    assert versions.in_force(db).name == "2025"


def test_a_draft_never_changes_the_version_in_force(db):
    versions.activate(db, "2025")
    before = store.read_grids(db, "2025")
    proposal, draft = propose_version(db, "2025", "2026-draft")
    assert draft.status == "draft" and draft.parent == "2025"
    assert draft.grids == len(proposal.grids) == 3  # 1,200 households → 3 grids of 400
    assert versions.in_force(db).name == "2025"
    after = store.read_grids(db, "2025")
    assert after[["grid_code", "households"]].equals(before[["grid_code", "households"]])
    assert after.geometry.geom_equals_exact(before.geometry, 1e-12).all()


def test_lifecycle_errors_are_clear(db):
    with pytest.raises(InputError, match="no grid version 'nope'.*2024, 2025"):
        versions.get(db, "nope")
    with db.begin() as c, pytest.raises(InputError, match="already exists"):
        versions.create(c, "2024")
    with db.begin() as c:
        versions.create(c, "empty")
    with pytest.raises(InputError, match="no grids"):
        versions.activate(db, "empty")
    assert versions.retire(db, "empty").status == "retired"
    versions.activate(db, "2025")
    assert versions.previous(db, "2025") is None


def test_previous_is_the_version_replaced(db):
    versions.activate(db, "2024")
    versions.activate(db, "2025")
    assert versions.previous(db, "2025").name == "2024"
