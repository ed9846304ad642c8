"""How a grid is named: one rule for the grids a district draws and those civicgrid proposes.

A grid code is its community's 12-digit code followed by a 3-digit serial; its name is
the community's name without the committee suffix, then 第<serial>网格 ("grid no. n"):
grid 320508001001003 of 定慧寺巷社区居委会 is 定慧寺巷第3网格.
"""

from __future__ import annotations

#: committee suffixes dropped from a community's name (longest first)
COMMITTEE_SUFFIXES = ("社区居委会", "居民委员会", "村民委员会", "村委会", "居委会")
SERIAL_DIGITS = 3


def short_name(community_name: str) -> str:
    """The community's name without its committee suffix."""
    for suffix in COMMITTEE_SUFFIXES:
        if community_name.endswith(suffix):
            return community_name[: -len(suffix)]
    return community_name


def grid_code(community_code: str, serial: int) -> str:
    """The code of grid number `serial` (1–999) of a community."""
    return f"{community_code}{serial:0{SERIAL_DIGITS}d}"


def grid_name(community_name: str, code: str) -> str:
    """The name of the grid `code` (its serial is the code's last 3 digits)."""
    return f"{short_name(community_name)}第{int(code[-SERIAL_DIGITS:])}网格"
