"""Written forms of personal data (each with the value that must never be readable) and
look-alikes that must stay as they are. Shared by the unit test and the channel test."""

from __future__ import annotations

import re
import unicodedata

ZW, NBSP, RLO, PDF = "\u200b", "\u00a0", "\u202e", "\u202c"


def _digits(base: str, zero: int) -> str:
    """`base` with ASCII digits written in the script whose zero is code point `zero`."""
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in base)


def _between(d: str, sep: str) -> str:
    return sep.join(d)


def _groups(d: str, sizes, sep: str) -> str:
    out, pos = [], 0
    for size in sizes:
        out.append(d[pos : pos + size])
        pos += size
    return sep.join(out)


_CN = dict(zip("0123456789", "零一二三四五六七八九", strict=True))

# Each mobile number is used once, so a leak names its form.
_M = iter(f"1{3 + n % 7}{(n * 7919) % 10**9:09d}" for n in range(1, 200))
_FIRST_MOBILE = next(_M)  # 14 + …; keep the iterator's values distinct from any look-alike


def _mobile_forms():
    forms = [
        lambda d: d,
        lambda d: _groups(d, (3, 4, 4), " "),
        lambda d: _groups(d, (3, 4, 4), "-"),
        lambda d: _between(d, " "),  # a space between every digit
        lambda d: _between(d, ZW),  # zero-width space between digits
        lambda d: _groups(d, (3, 4, 4), "\u2060"),  # word joiner
        lambda d: _groups(d, (3, 4, 4), "\ufeff"),  # BOM
        lambda d: _groups(d, (3, 4, 4), "\u00ad"),  # soft hyphen
        lambda d: _groups(d, (3, 4, 4), NBSP),
        lambda d: _groups(d, (3, 4, 4), "\u3000"),  # ideographic space
        lambda d: _groups(d, (3, 4, 4), "\u2014"),  # em dash
        lambda d: _groups(d, (3, 4, 4), "\u2013"),  # en dash
        lambda d: _groups(d, (3, 4, 4), "\u2212"),  # minus sign
        lambda d: _groups(d, (3, 4, 4), "_"),
        lambda d: _groups(d, (3, 4, 4), "."),
        lambda d: _groups(d, (3, 4, 4), "/"),
        lambda d: f"({d[:3]}){d[3:7]}-{d[7:]}",
        lambda d: _groups(d, (3, 4, 4), " - "),
        lambda d: _digits(d, 0xFF10),  # full-width
        lambda d: _digits(d, 0x0660),  # Arabic-Indic
        lambda d: _digits(d, 0x06F0),  # Eastern Arabic-Indic
        lambda d: _digits(d, 0x0966),  # Devanagari
        lambda d: _digits(d, 0x1D7CE),  # mathematical bold
        lambda d: _digits(d, 0x1D7D8),  # mathematical double-struck
        lambda d: _groups(_digits(d, 0xFF10), (3, 4, 4), "\u3000"),
        lambda d: RLO + d[::-1] + PDF,  # shown right to left: reads as the number
        lambda d: d[:3] + RLO + d[3:],  # an override in the middle
        lambda d: "".join(c + "\u0332" for c in d),  # combining low line under each digit
        lambda d: "+86 " + d,
        lambda d: "+86" + d,
        lambda d: "(+86)" + _groups(d, (3, 4, 4), " "),
        lambda d: "0086-" + d,
        lambda d: "86" + d,
        lambda d: "".join(_CN[c] for c in d),  # Chinese numerals
        lambda d: _groups(d, (3, 4, 4), "\t"),
        lambda d: _groups(d, (3, 4, 4), "\u30fb"),  # katakana middle dot
        lambda d: _groups(d, (3, 4, 4), "\u00b7"),
        lambda d: _groups(_digits(d, 0x0660), (3, 4, 4), ZW),
    ]
    return [(f(d), d) for f, d in zip(forms, _M, strict=False)]


def _id_forms():
    ids = ["42010219900307123X", "420102198512310012", "110105200001011234", "32010619781224003x"]
    ids += ["440305199911116358", "510104200212300419", "42010219880229001X"]
    forms = [
        (ids[0], ids[0]),
        (ids[1], ids[1]),
        (_groups(ids[2], (4, 4, 4, 4, 2), " "), ids[2]),  # in groups of four
        (_groups(ids[3], (6, 8, 4), " "), ids[3]),
        (_groups(ids[4], (6, 8, 4), "-"), ids[4]),
        (_digits(ids[5], 0xFF10), ids[5]),
        (_between(ids[6], ZW), ids[6]),
        ("420102900307123", "420102900307123"),  # old 15-digit ID
    ]
    return forms


LANDLINES = [
    ("027-87654321", "87654321"),
    ("(027)86543210", "86543210"),
    ("0716-8123456", "8123456"),
    ("010 6512 3456", "65123456"),
    ("+86 27 8565 4321", "85654321"),
    ("座机：8876 5432", "88765432"),
    ("０２７－８２２２３３３３", "82223333"),
    ("电话 027\u200b-\u200b84445555", "84445555"),
]

EMAILS = [
    ("zhangsan.k1@qq.com", "zhangsan.k1"),
    ("lisi_k2＠163.com", "lisi_k2"),
    ("wangwu.k3@qq．com", "wangwu.k3"),
    ("zhaoliu.k4@qq。com", "zhaoliu.k4"),
    ("sunqi.k5 @ 163 . com", "sunqi.k5"),
    ("zhouba.k6 at qq dot com", "zhouba.k6"),
    ("wujiu.k7(at)mail.whu.edu.cn", "wujiu.k7"),
    ("zhengshi.k8[at]qq[dot]com", "zhengshi.k8"),
    ("chen\u200byi.k9@qq.com", "chenyi.k9"),
    ("LIN.ER.K10@QQ.COM", "lin.er.k10"),
    ("huang.k11 ＠ qq 。 com", "huang.k11"),
    ("ma.k12@qq. com", "ma.k12"),
    ("13912340000.k13@163.com", "13912340000.k13"),
    ("luo.k14\u202e@qq.com", "luo.k14"),
]

IDS_ONLINE = [
    ("QQ：1234567891", "1234567891"),
    ("qq号 87654321", "87654321"),
    ("微信：wxid_k15abc", "wxid_k15abc"),
    ("加微信号 zhang_k16_2026", "zhang_k16_2026"),
]

FORMS = _mobile_forms() + _id_forms() + LANDLINES + EMAILS + IDS_ONLINE

LOOK_ALIKES = [
    "2026-12-01",
    "2026年12月1日",
    "2026/12/01",
    "会议时间20261129",
    "14:30-16:00",
    "12:30—13:30",
    "WQ-01地块",
    "规划编号HB-2026-0042",
    "区划代码421202",
    "421202、421221",
    "总投资2300万元",
    "投资1.38亿元",
    "房价每平方米13800元",
    "新增车位1380个",
    "坐标114.32,30.59",
    "坐标114.13912345678, 30.5931234567",
    "2026—2030年",
    "规划期限2021-2035年",
    "编号1380013800",  # ten digits: not a phone
    "订单号138001380001234",  # fifteen digits with no valid birth date
    "拨打12345市民热线",
    "10086",
    "容积率2.5",
    "限高100米",
    "第3.2.1条",
    "GB 50180-2018",
    "鄂(2026)0012345号",
    "1:500地形图",
    "版本v1.3.8",
    "2026年第138号文",
    "门牌138号",
    "邮编436100",
    "192.168.1.1",
    "@咸宁市自然资源和规划局",
    "visit us at www.example.gov.cn",
    "12345678901",
]

_SEPARATORS = re.compile(r"[\s_./\\()\[\]{}\-\u2010-\u2015\u2212\u00b7\u30fb\u3002]+")


def fold_for_search(text: str) -> str:
    """Output as a reader could decode it: NFKC, no format or combining characters, ASCII
    digits, lower case, separators removed (independent of the code under test)."""
    out = []
    for c in unicodedata.normalize("NFKC", text):
        if unicodedata.category(c) in ("Cf", "Mn", "Me"):
            continue
        value = unicodedata.decimal(c, None)
        out.append(str(value) if value is not None else c)
    return _SEPARATORS.sub("", "".join(out)).lower()


def _secret_key(secret: str) -> str:
    return fold_for_search(secret)


def leaks(output: str) -> list[str]:
    """The secrets readable in `output` (reversed too, for the override forms)."""
    folded = fold_for_search(output)
    found = []
    for _form, secret in FORMS:
        key = _secret_key(secret)
        cn = "".join(_CN.get(c, c) for c in key)
        # Read backwards too (an override shows text right to left), for the long numbers only:
        # a short one reversed is too likely another number (12345678 in 12345678901).
        backwards = len(key) >= 11 and key[::-1] in folded
        if key in folded or backwards or (cn != key and cn in output):
            found.append(secret)
    return found


def missing_look_alikes(output: str) -> list[str]:
    return [text for text in LOOK_ALIKES if text not in output]
