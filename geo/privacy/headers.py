"""Personal columns found by their header: normalisation and the maintained term lists.

A header is normalised before it is matched, so that the spellings real files use meet
one list: Unicode NFKC (full-width letters and digits, the ideographic space of
`姓　名`), traditional → simplified for the characters these headers use (`電話` →
`电话`), lower case, and no spaces or punctuation. It is personal when it holds one of
the Chinese terms, equals (or ends with) a pinyin abbreviation of the kind DBF files
carry (SFZH 身份证号, SJHM 手机号码, XM 姓名, LXDH 联系电话, …), or has an English
word for a person, a phone, an ID document, a contact or a person's address.
"""

from __future__ import annotations

import re
import unicodedata

#: traditional characters of personal headers and their simplified forms
_TRADITIONAL = str.maketrans(
    "電話號碼證聯絡繫係戶機資訊郵護駕駛執業稱東屬親監負責報關單傳員舉紹緊與現區際籍簽類別約貫",
    "电话号码证联络系系户机资讯邮护驾驶执业称东属亲监负责报关单传员举绍紧与现区际籍签类别约贯",
)

#: Chinese terms (simplified, normalised): a header holding one names a personal column
CHINESE_TERMS = (
    # names and the people a record names
    "姓名",
    "人名",
    "名字",
    "户主",
    "租客",
    "承租人",
    "出租人",
    "房东",
    "房主",
    "业主",
    "法定代表人",
    "法人代表",
    "负责人",
    "责任人",
    "联系人",
    "联络人",
    "监护人",
    "报警人",
    "报案人",
    "举报人",
    "求助人",
    "投诉人",
    "当事人",
    "嫌疑人",
    "受害人",
    "被害人",
    "申请人",
    "经办人",
    "介绍人",
    "紧急联系",
    # phones and contacts
    "电话",
    "手机",
    "联系方式",
    "主叫",
    "被叫",
    "来电号码",
    "呼入号码",
    "传真",
    "微信",
    "qq号",
    "邮箱",
    "电子邮件",
    "电邮",
    # ID documents
    "身份证",
    "身份号码",
    "公民身份",
    "证件",
    "护照",
    "驾驶证",
    "驾照",
    "军官证",
    "通行证",
    "社保卡",
    "社会保障号",
    # a person's address and birth
    "住址",
    "户籍地",
    "现居住",
    "居住地",
    "暂住地",
    "住所",
    "出生日期",
    "出生年月",
    "生日",
)

#: pinyin initials used as DBF field names: a header equal to one is personal
PINYIN_EXACT = frozenset(
    {
        "xm",
        "sfzh",
        "sfzhm",
        "sfz",
        "sjhm",
        "sjh",
        "lxdh",
        "lxfs",
        "lxr",
        "dh",
        "dhhm",
        "zjhm",
        "zjh",
        "hzhm",
        "czr",
        "czrxm",
        "fdxm",
        "fzxm",
        "yzxm",
        "hzxm",
        "frdb",
        "fddbr",
        "fzr",
        "zrr",
        "bjr",
        "bjrxm",
        "bjrdh",
        "zz",
        "jtzz",
        "hjdz",
        "xzz",
        "jzdz",
        "csrq",
        "dzyx",
        "qq",
    }
)
#: pinyin endings that name a person's name or number in a longer field name (BJRXM 报警人姓名)
PINYIN_ENDINGS = ("xm", "sfzh", "sfzhm", "sjhm", "lxdh", "zjhm", "dhhm")

#: English words (and joined word pairs) of personal headers
ENGLISH_TERMS = frozenset(
    {
        "phone",
        "phoneno",
        "mobile",
        "mobilephone",
        "cellphone",
        "tel",
        "telephone",
        "fax",
        "email",
        "mail",
        "wechat",
        "qq",
        "passport",
        "passportno",
        "ssn",
        "surname",
        "firstname",
        "lastname",
        "fullname",
        "givenname",
        "personname",
        "ownername",
        "tenantname",
        "contactname",
        "person",
        "reporter",
        "caller",
        "landlord",
        "tenant",
        "contact",
        "idcard",
        "idno",
        "idnumber",
        "identity",
        "dob",
        "birthday",
        "birthdate",
        "homeaddress",
        "residence",
        "guardian",
        "legalrepresentative",
        "householder",
    }
)

_SPACE_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD = re.compile(r"[a-z0-9]+")
_ASCII_WORDS = re.compile(r"^[a-z]+\d?$")


def normalise(header: object) -> str:
    """The header folded for matching: NFKC, simplified, lower case, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", str(header)).translate(_TRADITIONAL)
    return _SPACE_PUNCT.sub("", text).lower()


def _english_words(header: str) -> set[str]:
    text = unicodedata.normalize("NFKC", _CAMEL.sub(" ", str(header))).lower()
    words = _WORD.findall(text)
    return {*words, *(a + b for a, b in zip(words, words[1:], strict=False))}


def is_personal_header(header: object) -> bool:
    """True for a header that names a person, a phone, an ID document, a contact or a
    person's address — in Chinese (simplified or traditional), pinyin initials or English."""
    folded = normalise(header)
    if not folded:
        return False
    if any(term in folded for term in CHINESE_TERMS):
        return True
    if folded in PINYIN_EXACT or (
        _ASCII_WORDS.match(folded) and len(folded) <= 8 and folded.endswith(PINYIN_ENDINGS)
    ):
        return True
    return bool(_english_words(str(header)) & ENGLISH_TERMS)


#: headers of identifiers (keys, division and grid codes, H3 cells): their digits are no phone
IDENTIFIER_TERMS = ("编码", "代码", "编号", "区划")
IDENTIFIER_WORDS = frozenset({"key", "code", "id", "cell", "h3", "uuid", "batch"})


def is_identifier_header(header: object) -> bool:
    """True for a header naming a key or code (网格编码, grid_code, h3): such a column is
    not judged by its content nor masked — a 15-digit grid code reads like an old ID number."""
    folded = normalise(header)
    if any(term in folded for term in IDENTIFIER_TERMS):
        return True
    return bool(_english_words(str(header)) & IDENTIFIER_WORDS)
