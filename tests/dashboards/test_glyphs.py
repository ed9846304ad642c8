"""Map label glyphs served by the app: valid glyph PBFs (read with protobuf's own
decoder from the glyphs.proto schema), drawn from the installed CJK font."""

from __future__ import annotations

import numpy as np
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from dashboards import glyphs


def _glyphs_class():
    """The `glyphs` message of the Mapbox/MapLibre glyphs.proto, built at run time."""
    f = descriptor_pb2.FileDescriptorProto(
        name="glyphs_test.proto", package="llmr.glyphs", syntax="proto2"
    )
    T = descriptor_pb2.FieldDescriptorProto
    opt, req, rep = T.LABEL_OPTIONAL, T.LABEL_REQUIRED, T.LABEL_REPEATED
    g = f.message_type.add(name="glyph")
    for name, num, typ, label in [
        ("id", 1, T.TYPE_UINT32, req),
        ("bitmap", 2, T.TYPE_BYTES, opt),
        ("width", 3, T.TYPE_UINT32, req),
        ("height", 4, T.TYPE_UINT32, req),
        ("left", 5, T.TYPE_SINT32, req),
        ("top", 6, T.TYPE_SINT32, req),
        ("advance", 7, T.TYPE_UINT32, req),
    ]:
        g.field.add(name=name, number=num, type=typ, label=label)
    s = f.message_type.add(name="fontstack")
    s.field.add(name="name", number=1, type=T.TYPE_STRING, label=req)
    s.field.add(name="range", number=2, type=T.TYPE_STRING, label=req)
    s.field.add(
        name="glyphs", number=3, type=T.TYPE_MESSAGE, label=rep, type_name=".llmr.glyphs.glyph"
    )
    top = f.message_type.add(name="glyphs")
    top.field.add(
        name="stacks", number=1, type=T.TYPE_MESSAGE, label=rep, type_name=".llmr.glyphs.fontstack"
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("llmr.glyphs.glyphs"))


Glyphs = _glyphs_class()


@pytest.fixture(scope="module")
def client():
    from flask import Flask

    server = Flask(__name__)
    glyphs.register(server)
    return server.test_client()


def _decode(data: bytes):
    msg = Glyphs()
    msg.ParseFromString(data)
    assert msg.IsInitialized()
    return msg


def test_latin_range_has_digits_and_letters_as_sdf(client):
    resp = client.get("/glyphs/Noto Sans CJK SC Regular/0-255.pbf")
    assert resp.status_code == 200 and resp.mimetype == glyphs.PBF_TYPE
    msg = _decode(resp.data)
    (stack,) = msg.stacks
    assert stack.name == "Noto Sans CJK SC Regular" and stack.range == "0-255"
    by_id = {g.id: g for g in stack.glyphs}
    assert set(map(ord, "0123456789ABCabc -")) <= set(by_id)
    assert not any(i < 32 for i in by_id)
    for ch in "8Ml":
        g = by_id[ord(ch)]
        w, h = g.width + 2 * glyphs.BUFFER, g.height + 2 * glyphs.BUFFER
        assert len(g.bitmap) == w * h and 0 < g.width <= g.advance + 2
        img = np.frombuffer(g.bitmap, dtype=np.uint8).reshape(h, w)
        # the border lies outside the glyph (< edge 192), the stroke of 'l' inside it
        assert img[0].max() < 192 and img[-1].max() < 192
    ell = by_id[ord("l")]
    img = np.frombuffer(ell.bitmap, dtype=np.uint8).reshape(ell.height + 6, ell.width + 6)
    assert img[img.shape[0] // 2].max() >= 192
    # taller letters reach higher above the line's top than an x-height letter
    assert by_id[ord("M")].top > by_id[ord("x")].top
    assert by_id[ord(" ")].advance > 0 and not by_id[ord(" ")].bitmap


def test_cjk_range_from_the_installed_font(client):
    start = ord("区") // 256 * 256
    msg = _decode(client.get(f"/glyphs/any/{start}-{start + 255}.pbf").data)
    ids = {g.id for g in msg.stacks[0].glyphs}
    assert ord("区") in ids and len(ids) > 200
    assert glyphs.font_file()[0].endswith((".ttc", ".otf", ".ttf"))


@pytest.mark.parametrize(
    "path", ["/glyphs/x/1-256.pbf", "/glyphs/x/0-511.pbf", "/glyphs/x/1114112-1114367.pbf"]
)
def test_refuses_other_ranges(client, path):
    assert client.get(path).status_code == 404
