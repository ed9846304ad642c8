"""etl.memory: a load makes the system allocator arrow's pool, unless one was chosen."""

from __future__ import annotations

import pyarrow as pa
import pytest

from etl import memory


@pytest.fixture
def pool():
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    yield
    pa.set_memory_pool(before)


def test_the_system_allocator_becomes_the_default_pool(pool, monkeypatch):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    memory.reuse_freed_memory()
    assert pa.default_memory_pool().backend_name == "system"
    assert pa.array(["x"] * 10).cast(pa.large_string()).to_pylist() == ["x"] * 10


def test_a_pool_chosen_in_the_environment_is_kept(pool, monkeypatch):
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    memory.reuse_freed_memory()
    assert pa.default_memory_pool().backend_name == "mimalloc"
