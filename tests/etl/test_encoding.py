"""etl.encoding: .cpg names, strict UTF-8 first, GBK detected, BOM recognised."""

from __future__ import annotations

import pytest

from etl import encoding as enc
from geo.errors import InputError

TEXT = "代码,名称\n320508,姑苏区\n"


def test_detect_utf8_gbk_and_bom():
    assert enc.detect(TEXT.encode("utf-8")) == "utf-8"
    assert enc.detect(TEXT.encode("gbk")) == "gb18030"
    assert enc.detect(enc.BOM + TEXT.encode("utf-8")) == "utf-8-sig"
    assert enc.reported("gb18030") == "gbk"


def test_detect_tolerates_a_character_cut_at_the_end_of_the_sample():
    data = TEXT.encode("utf-8")
    cut = data[: data.index("姑".encode()) + 1]  # first byte of a 3-byte character
    assert enc.detect(cut) == "utf-8"


def test_binary_junk_is_neither():
    with pytest.raises(InputError, match="neither UTF-8 nor GBK"):
        enc.detect(bytes([0x81, 0x20, 0xFF, 0xFF, 0x80]))


@pytest.mark.parametrize(
    ("name", "codec"),
    [("GBK", "gbk"), ("cp936", "gbk"), ("UTF-8", "utf-8"), ("936", "gbk"), ("utf8", "utf-8")],
)
def test_normalise(name, codec):
    assert enc.normalise(name) == codec


def test_unknown_encoding_is_an_input_error():
    with pytest.raises(InputError, match="unknown encoding"):
        enc.normalise("klingon")


def test_read_cpg(tmp_path):
    (tmp_path / "a.cpg").write_text("GBK\n")
    assert enc.read_cpg(tmp_path / "a.shp") == "gbk"
    assert enc.read_cpg(tmp_path / "b.shp") is None
