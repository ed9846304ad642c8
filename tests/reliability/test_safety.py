"""etl.safety on its own: member names, limits, streamed extraction."""

from __future__ import annotations

import zipfile

import pytest

from etl.safety import check_input_size, check_zip, extract, unsafe_name
from geo.errors import InputError


@pytest.mark.parametrize(
    "name, bad",
    [
        ("a/b/x.shp", False),
        ("x..y.shp", False),
        ("数据/网格.shp", False),
        ("../x.shp", True),
        ("a/../../x.shp", True),
        ("..\\..\\x.shp", True),
        ("/etc/x.shp", True),
        ("\\\\server\\share\\x.shp", True),
        ("C:\\x.shp", True),
        ("c:x.shp", True),
        ("x\0.shp", True),
    ],
)
def test_unsafe_names(name, bad):
    assert (unsafe_name(name) is not None) == bad


def zip_with(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return zipfile.ZipFile(path)


def test_limits(tmp_path):
    ok = zip_with(tmp_path / "ok.zip", {"x.shp": b"a" * 1000, "x.dbf": bytes(range(256)) * 8})
    check_zip(ok, limit=10_000)
    with pytest.raises(InputError, match="input limit"):
        check_zip(ok, limit=2_000)  # 3,048 bytes uncompressed
    bomb = zip_with(tmp_path / "bomb.zip", {"x.dbf": bytes(2 << 20)})
    with pytest.raises(InputError, match="bomb"):
        check_zip(bomb, limit=1 << 30)
    small = tmp_path / "small.csv"
    small.write_bytes(b"x" * 100)
    check_input_size(small, limit=100)
    with pytest.raises(InputError, match="too large"):
        check_input_size(small, limit=99)


def test_extract_lands_in_the_folder_under_its_base_name(tmp_path):
    z = zip_with(tmp_path / "a.zip", {"deep/er/x.shp": b"payload"})
    out = tmp_path / "out"
    out.mkdir()
    target = extract(z, "deep/er/x.shp", out)
    assert target == out / "x.shp" and target.read_bytes() == b"payload"
    with pytest.raises(InputError, match="beyond"):
        extract(z, "deep/er/x.shp", out, limit=3)  # the byte budget stops the stream
