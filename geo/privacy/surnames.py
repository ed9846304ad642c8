"""Common Chinese surnames: the person-name heuristic and the sample city's names share them.

`SINGLE` holds the hundred most frequent one-character surnames (together about 85 % of
the population by the 2020 census); `COMPOUND` the two-character ones still met.
"""

from __future__ import annotations

SINGLE = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "慕容",
    "令狐",
    "皇甫",
    "尉迟",
    "公孙",
    "长孙",
    "宇文",
    "夏侯",
    "司徒",
    "端木",
    "南宫",
    "独孤",
    "西门",
)
