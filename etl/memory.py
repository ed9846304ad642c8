"""Arrow's memory during a load: the system allocator, which keeps freed blocks for reuse.

pyarrow's default pool (mimalloc) hands freed pages back to the kernel within
milliseconds. A load allocates and frees hundreds of megabytes of column buffers, chunk
after chunk, so every new buffer was faulted in and zeroed by the kernel again: on the
1,000,000-incident benchmark that was 2.0–2.7 CPU-s of kernel time out of 5.6–6.8 CPU-s
for the whole client; with glibc's malloc it is 0.9–1.1 s. A pool chosen explicitly
(ARROW_DEFAULT_MEMORY_POOL) is left alone.
"""

from __future__ import annotations

import os

import pyarrow as pa


def reuse_freed_memory() -> None:
    """Make the system allocator arrow's default pool for this process (idempotent)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())
