"""geo.privacy.mask: phones, ID numbers, passports and e-mails masked inside free text."""

from __future__ import annotations

import pandas as pd

from geo.privacy.mask import mask_text


def test_masks_each_kind_and_counts_them():
    notes = pd.Series(
        [
            "报警人13812345678称，另一号码13912345679,13712345670与0512-65221234",
            "身份证11010519491231002X，旧证110105491231002，护照E12345678，邮箱zhang.san@qq.com",
            "门牌12号，面积1234567.5平方米以外无号码",
            None,
            "",
        ],
        index=[10, 11, 12, 13, 14],
    )
    out = mask_text(notes)
    assert out.values.tolist()[:2] == [
        "报警人[电话]称，另一号码[电话],[电话]与[电话]",
        "身份证[证件号]，旧证[证件号]，护照[证件号]，邮箱[邮箱]",
    ]
    assert out.counts == {"phone": 4, "id_number": 2, "passport": 1, "email": 1}
    assert out.total == 8
    assert out.values.index.tolist() == [10, 11, 12, 13, 14]
    assert out.values.isna().tolist() == [False, False, False, True, False]


def test_numbers_inside_longer_digit_runs_are_not_phones():
    text = pd.Series(["订单号 2025013812345678901 已结", "坐标 120.6213812345678"])
    out = mask_text(text)
    assert out.counts == {}
    assert out.values.tolist() == text.tolist()


def test_tokens_already_in_the_text_are_not_counted():
    out = mask_text(pd.Series(["原文含[电话]字样，新号13812345678"]))
    assert out.counts == {"phone": 1}
