"""Reading base-map archives: a small MBTiles written by GDAL from the project's own
district boundaries (data/suzhou-districts) and its PMTiles twin give the same tiles as
the SQLite rows hold; decoded features sit where the source shapes are; anything that
is not a vector archive is refused in one line; the store keeps, lists, replaces and
removes copies; the CLI does so with --json and exit status 1 on bad input."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.basemap import features, store
from geo.basemap.archive import open_archive
from geo.basemap.style import layer_class, layers
from geo.config import data_dir
from geo.errors import InputError

_spec = importlib.util.spec_from_file_location(
    "basemap_archives", Path(__file__).with_name("archives.py")
)
archives = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(archives)

GUSU = "320508"  # 姑苏区, the old town: small enough for a few tiles


@pytest.fixture(scope="module")
def source() -> dict[str, gpd.GeoDataFrame]:
    """Water = the district's area, roads = its outline: the project's own shapes."""
    district = gpd.read_file(data_dir() / "suzhou-districts" / f"{GUSU}.geojson").to_crs(
        "EPSG:4326"
    )
    outline = district.copy().set_geometry(district.boundary)
    return {"water": district[["geometry"]], "roads": outline[["geometry"]]}


@pytest.fixture(scope="module")
def mbtiles(source, tmp_path_factory) -> Path:
    return archives.build_mbtiles(source, tmp_path_factory.mktemp("bm") / "gusu.mbtiles", 8, 12)


@pytest.fixture(scope="module")
def pmtiles(mbtiles) -> Path:
    return archives.to_pmtiles(mbtiles, mbtiles.with_suffix(".pmtiles"))


def test_both_formats_give_the_sqlite_rows_tiles(mbtiles, pmtiles, source):
    tiles = archives.some_tiles(mbtiles, 12)
    assert len(tiles) >= 4
    for path, fmt in ((mbtiles, "mbtiles"), (pmtiles, "pmtiles")):
        archive = open_archive(path)
        try:
            info = archive.info
            assert (info.format, info.minzoom, info.maxzoom) == (fmt, 8, 12)
            assert sorted(info.layers) == ["roads", "water"]
            w, s, e, n = source["water"].total_bounds
            assert info.bounds == pytest.approx((w, s, e, n), abs=1e-6)
            for z, x, y in tiles:
                assert archive.tile(z, x, y) == archives.raw_tile(mbtiles, z, x, y)
            assert archive.tile(12, 0, 0) is None  # far from Suzhou: no such tile
            assert archive.tile(12, 1 << 12, 0) is None  # not a tile at all
        finally:
            archive.close()


def test_decoded_features_lie_on_the_source_shapes(mbtiles, source):
    z = 12
    archive = open_archive(mbtiles)
    found = [features.decode(archive.tile(*t), *t) for t in archives.some_tiles(mbtiles, z)]
    archive.close()
    frame = gpd.GeoDataFrame(gpd.pd.concat(found, ignore_index=True), crs="EPSG:4326")
    assert set(frame["layer"]) == {"water", "roads"}
    assert set(frame["class"]) == {"water", "road"}
    # within a tile's precision (4096 units over ~9.8 km at z12, ~2.4 m) plus GDAL's
    # simplification, every drawn road vertex is on the district outline
    outline = source["roads"].to_crs("EPSG:4549").union_all()
    roads = frame[frame["layer"] == "roads"].to_crs("EPSG:4549")
    pts = shapely.points(shapely.get_coordinates(roads.geometry.to_numpy()))
    assert shapely.distance(pts, outline).max() < 10
    # the water drawn in the tiles covers the district (tiles are clipped with a buffer)
    water = frame[frame["layer"] == "water"].to_crs("EPSG:4549").union_all()
    district = source["water"].to_crs("EPSG:4549").union_all()
    assert district.difference(water).area / district.area < 0.001


def test_tiles_covering_and_zoom_for():
    bounds = (120.55, 31.25, 120.75, 31.40)
    assert features.tiles_covering(bounds, 8) == [(8, 213, 104)]
    assert len(features.tiles_covering(bounds, 12)) == 3 * 3
    assert features.zoom_for(bounds, 8, 14, max_tiles=9) == 12


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda p: p.write_text('{"type": "FeatureCollection"}'),
            "not a vector-tile archive (PMTiles or MBTiles expected)",
        ),
        (lambda p: p.write_bytes(b"PMTiles\x03" + b"\x00" * 20), "not a readable PMTiles archive"),
        (
            lambda p: p.write_bytes(b"PMTiles\x02" + b"\x00" * 200),
            "PMTiles before version 3 is not read",
        ),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200), "not an MBTiles archive"),
        (lambda p: p.mkdir(), "a folder, not an archive file"),
        (lambda p: None, "no such file"),
    ],
)
def test_bad_input_is_one_line(tmp_path, make, message):
    path = tmp_path / "city.mbtiles"
    make(path)
    with pytest.raises(InputError) as err:
        open_archive(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_raster_and_empty_archives_are_refused(mbtiles, tmp_path):
    raster = tmp_path / "raster.mbtiles"
    raster.write_bytes(mbtiles.read_bytes())
    with sqlite3.connect(raster) as db:
        db.execute("UPDATE metadata SET value = 'png' WHERE name = 'format'")
    with pytest.raises(InputError, match=r"not vector tiles: this archive holds png tiles"):
        open_archive(raster)
    raster_pm = archives.to_pmtiles(raster, tmp_path / "raster.pmtiles")
    with pytest.raises(InputError, match=r"not vector tiles: this archive holds png tiles"):
        open_archive(raster_pm)
    empty = tmp_path / "empty.mbtiles"
    empty.write_bytes(mbtiles.read_bytes())
    with sqlite3.connect(empty) as db:
        db.execute("DELETE FROM tiles")
    with pytest.raises(InputError, match="the archive holds no tiles"):
        open_archive(empty)


def test_layers_found_in_tiles_when_metadata_names_none(mbtiles, tmp_path):
    bare = tmp_path / "bare.mbtiles"
    bare.write_bytes(mbtiles.read_bytes())
    with sqlite3.connect(bare) as db:
        db.execute("DELETE FROM metadata WHERE name = 'json'")
    archive = open_archive(bare)
    assert sorted(archive.info.layers) == ["roads", "water"]
    archive.close()


def test_style_classes_and_order():
    assert [layer_class(n) for n in ("water_area", "Roads", "building", "水系", "boundary")] == [
        "water",
        "road",
        "building",
        "water",
        "other",
    ]
    drawn = layers("basemap-city", ["roads", "boundary", "building", "water"])
    assert [d["id"] for d in drawn] == [
        "basemap-city-boundary-fill",
        "basemap-city-boundary-line",
        "basemap-city-water-fill",
        "basemap-city-water-line",
        "basemap-city-building-fill",
        "basemap-city-building-line",
        "basemap-city-roads-fill",
        "basemap-city-roads-line",
    ]
    assert {d["type"] for d in drawn} == {"fill", "line"}  # no symbols: no glyph or icon requests


def test_store_keeps_lists_replaces_and_removes(mbtiles, pmtiles, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVICGRID_HOME", str(tmp_path))
    assert store.entries("db1") == []
    first = store.add("db1", mbtiles)
    assert first.name == "gusu" and first.format == "mbtiles"
    assert Path(first.file).read_bytes() == mbtiles.read_bytes()
    with pytest.raises(InputError, match="registered already"):
        store.add("db1", pmtiles)
    second = store.add("db1", pmtiles, name="gusu-pm")
    assert [e.name for e in store.entries("db1")] == ["gusu", "gusu-pm"]
    assert store.entries("db2") == []  # base maps are kept per database
    replaced = store.add("db1", pmtiles, name="gusu", replace=True)
    assert replaced.format == "pmtiles" and not Path(first.file).exists()
    assert [e.name for e in store.entries("db1")] == ["gusu-pm", "gusu"]
    store.remove("db1", "gusu-pm")
    assert not Path(second.file).exists() and [e.name for e in store.entries("db1")] == ["gusu"]
    with pytest.raises(InputError, match=r"no base map named 'x' \(registered: gusu\)"):
        store.remove("db1", "x")
    with pytest.raises(InputError, match="not a usable base map name"):
        store.add("db1", mbtiles, name="城市")


def test_cli_add_list_remove(mbtiles, tmp_path, clean_db, cli):
    """On the test database (its name keys the folder); add and remove are audited."""
    from sqlalchemy import text

    try:
        added = cli("basemap", "add", str(mbtiles), "--name", "gusu", "--json")
        assert added.returncode == 0, added.stderr
        obj = json.loads(added.stdout)
        assert (obj["status"], obj["name"], obj["format"], obj["minzoom"], obj["maxzoom"]) == (
            "added",
            "gusu",
            "mbtiles",
            8,
            12,
        )
        listed = json.loads(cli("basemap", "list", "--json").stdout)
        assert [e["name"] for e in listed["basemaps"]] == ["gusu"]
        bad = cli("basemap", "add", str(tmp_path / "nope.pmtiles"))
        assert (bad.returncode, bad.stderr) == (
            1,
            f"civicgrid: {tmp_path / 'nope.pmtiles'}: no such file\n",
        )
        gone = cli("basemap", "remove", "gusu", "--json")
        assert json.loads(gone.stdout)["status"] == "removed"
        assert json.loads(cli("basemap", "list", "--json").stdout) == {"basemaps": []}
        with clean_db.connect() as c:
            logged = c.execute(
                text(
                    "SELECT action, detail->>'name', detail->>'sha256' FROM audit_log "
                    "WHERE action LIKE 'basemap.%' ORDER BY id"
                )
            ).all()
        assert logged == [
            ("basemap.add", "gusu", obj["sha256"]),
            ("basemap.remove", "gusu", obj["sha256"]),
        ]
    finally:
        cli("basemap", "remove", "gusu")
