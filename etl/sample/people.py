"""Synthetic personal data, well-formed but fake: names, mobile numbers, ID card numbers.

ID numbers carry a real Suzhou district prefix, a real birth date and a valid ISO 7064
check digit, so validators accept them; they are drawn at random (sequence 900–999) and
stand for nobody. Use them for demos and tests only.
"""

from __future__ import annotations

import numpy as np

from geo.privacy.surnames import SINGLE
from geo.privacy.values import id_check_digit

SURNAMES = list(SINGLE)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉玲建国文斌宇浩凯健俊帆雪琳晨欣怡佳子涵梓轩浩然雨萱一诺"
)
MOBILE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        157,
        158,
        159,
        177,
        180,
        181,
        186,
        187,
        188,
        189,
        199,
    ]
)


def names(n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` Chinese personal names (surname + one or two given characters)."""
    s = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    g2 = np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")
    return np.char.add(np.char.add(s, g1), g2).astype(object)


def mobiles(n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` 11-digit mainland mobile numbers as int64."""
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)]
    return prefix.astype(np.int64) * 100_000_000 + rng.integers(0, 100_000_000, n)


def id_numbers(n: int, region: str, rng: np.random.Generator) -> list[str]:
    """`n` resident ID numbers from `region` (6-digit code) born 1950–2000, valid check digit."""
    days = rng.integers(0, 18_262, n)  # 1950-01-01 + days < 2000-01-01
    births = (np.datetime64("1950-01-01") + days).astype(str)
    seq = rng.integers(900, 1000, n)
    out = []
    for birth, s in zip(births, seq, strict=True):
        first17 = f"{region}{birth.replace('-', '')}{s:03d}"
        out.append(first17 + id_check_digit(first17))
    return out
