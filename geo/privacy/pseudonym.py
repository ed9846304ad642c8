"""Keyed pseudonyms: HMAC-SHA256 of each value under the project's secret key.

Without the key a pseudonym cannot be recomputed from a guessed value, so enumerating
the few billion mobile or ID numbers no longer reverses it (a plain or publicly salted
hash can be reversed that way in minutes). The same value under the same key always
gives the same pseudonym, so the records of one person still link up across loads.
"""

from __future__ import annotations

import pandas as pd
import polars as pl
import polars_hash  # noqa: F401  (registers the `chash` expression namespace)
import pyarrow as pa
import pyarrow.compute as pc

#: what every pseudonym begins with
PREFIX = "hmac:"
#: prefixes of pseudonyms written by earlier versions (public salt), still recognised
LEGACY_PREFIXES = ("sha256:",)


def pseudonymise_array(text: pa.Array, key: str) -> pa.Array:
    """'hmac:<hex HMAC-SHA256(key, value)>' per value, nulls kept.

    Each distinct value is digested once (names and numbers repeat across rows): arrow's
    dictionary encoding finds them, polars-hash computes the HMACs in Rust without
    holding the GIL, and a take puts them back in row order.
    """
    encoded = text.dictionary_encode()
    distinct = pl.DataFrame({"v": pl.from_arrow(encoded.dictionary)})
    digests = distinct.select(pl.col("v").chash.hmac_sha256(key=key))["v"].to_arrow()
    digests = pc.binary_join_element_wise(PREFIX, digests.cast(pa.string()), "")
    return digests.take(encoded.indices)


def is_pseudonym(text: pa.Array) -> pa.Array:
    """True where a value is a pseudonym (of this version or an earlier one)."""
    hits = [pc.starts_with(text, p) for p in (PREFIX, *LEGACY_PREFIXES)]
    out = hits[0]
    for more in hits[1:]:
        out = pc.or_(out, more)
    return out


def pseudonymise(values: pd.Series, key: str) -> pd.Series:
    """`values` replaced by the keyed pseudonyms of their trimmed text; missing and blank
    values stay missing (a pseudonym of nothing would link every blank together)."""
    arr = pa.array(values.astype("string").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.utf8_trim_whitespace(arr.cast(pa.string()))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return pd.Series(pd.array(pseudonymise_array(arr, key), dtype="string"), index=values.index)
