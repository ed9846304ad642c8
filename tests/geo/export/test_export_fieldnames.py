"""dBASE field names: 10 bytes in the target encoding, unique, fitting names untouched."""

from __future__ import annotations

import pytest

from geo.export.fieldnames import shorten


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_long_chinese_names_sharing_a_prefix_do_not_collide(encoding):
    names = ["网格员所在社区名称", "网格员所在社区代码", "网格员所在社区人口"]
    short = shorten(names, encoding)
    assert len(set(short.values())) == 3
    assert all(len(s.encode(encoding)) <= 10 for s in short.values())
    assert all(s[:2] == "网格" for s in short.values())  # still readable


def test_bytes_not_characters_decide():
    # 4 Chinese characters: 8 bytes in GBK (fits), 12 in UTF-8 (cut to 3 characters)
    assert shorten(["网格名称"], "gbk") == {"网格名称": "网格名称"}
    assert shorten(["网格名称"], "utf-8") == {"网格名称": "网格名"}
    # 5 characters: exactly 10 GBK bytes
    assert shorten(["网格员姓名"], "gbk")["网格员姓名"] == "网格员姓名"


def test_fitting_names_keep_their_spelling_even_when_listed_after_a_long_one():
    short = shorten(["address_full_text", "address_fu", "ID", "id"], "utf-8")
    assert short["address_fu"] == "address_fu"
    assert short["address_full_text"] != "address_fu"
    assert short["ID"] == "ID" and short["id"].lower() != "id"  # dBASE names ignore case
    assert len({s.lower() for s in short.values()}) == 4


def test_characters_gbk_cannot_hold_are_replaced():
    short = shorten(["名😀"], "gbk")
    assert short["名😀"] == "名_"
    short["名😀"].encode("gbk")
