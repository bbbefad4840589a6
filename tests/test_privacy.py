"""Masking of phone numbers, resident IDs and e-mail addresses in public text (pure, no app)."""

import re

import pytest

from crowdplan.suggestions.privacy import contains_personal_data, mask_personal_data

PHONES = [
    ("我的电话是13800138000，请联系", "我的电话是138****8000，请联系"),
    ("电话：138 0013 8000", "电话：138****8000"),
    ("电话138-0013-8000谢谢", "电话138****8000谢谢"),
    ("手机 138 0013-8000", "手机 138****8000"),
    ("+86 13800138000", "+86 138****8000"),
    ("+8613912345678", "+86 139****5678"),
    ("8615912345678", "86 159****5678"),
    ("86-139-1234-5678", "86-139****5678"),
    ("+86 186 1234 5678", "+86 186****5678"),
    ("(+86)15912345678", "(+86)159****5678"),
    ("0086 18612345678", "0086 186****5678"),
    ("手机１３８００１３８０００，微信同号", "手机138****8000，微信同号"),
    ("tel.17712345678", "tel.177****5678"),
    ("call19912345678now", "call199****5678now"),
    ("张先生13800138000，李女士13912345678。", "张先生138****8000，李女士139****5678。"),
    ("13800138000 13912345678", "138****8000 139****5678"),
    ("13800138000/13912345678", "138****8000/139****5678"),
    ("有事打13800138000。", "有事打138****8000。"),
    ("（联系人：王工，16612345678）", "（联系人：王工，166****5678）"),
]

IDS = [
    ("身份证号420102199003071234", "身份证号420102********1234"),
    ("身份证：42010219900307123X。", "身份证：420102********123X。"),
    ("身份证42010219900307123x", "身份证420102********123x"),
    (
        "本人张三，身份证110105200001011234，住址江汉区",
        "本人张三，身份证110105********1234，住址江汉区",
    ),
    ("４２０１０２１９９００３０７１２３Ｘ", "420102********123X"),
    ("420102 19900307 123X", "420102********123X"),
    ("证件号420102-19851231-0012", "证件号420102********0012"),
    ("旧身份证420102900307123", "旧身份证420102******123"),
    ("热线027-12345678", "热线027-****5678"),
    ("电话：8765 4321", "电话：****4321"),
    (
        "两人：420102199003071234、42010519881130002X",
        "两人：420102********1234、420105********002X",
    ),
]

EMAILS = [
    ("联系我zhang.san@qq.com谢谢", "联系我z***@qq.com谢谢"),
    ("邮箱：li.si+plan@mail.whu.edu.cn。", "邮箱：l***@mail.whu.edu.cn。"),
    ("Wang_Wu-1990@163.com", "W***@163.com"),
    ("请发至a@b.cn", "请发至a***@b.cn"),
    ("123456789@qq.com", "1***@qq.com"),
    ("13800138000@163.com", "1***@163.com"),
    ("zhang＠qq．com", "z***@qq.com"),
    ("Email: Zhao.Liu@Planning.Wuhan.gov.cn, thanks", "Email: Z***@Planning.Wuhan.gov.cn, thanks"),
    ("mailto:chen@example.com", "mailto:c***@example.com"),
    ("见附件...zhou@example.org", "见附件...z***@example.org"),
    ("a@x.com、b@y.com", "a***@x.com、b***@y.com"),
]

MIXED = [
    (
        "我是居民李四，电话138-0013-8000，邮箱lisi@163.com，身份证42010219900307123X。",
        "我是居民李四，电话138****8000，邮箱l***@163.com，身份证420102********123X。",
    ),
    ("zhang@qq.com13800138000", "z***@qq.com138****8000"),
    (
        "WQ-01地块建议增加2300个泊位，联系13800138000",
        "WQ-01地块建议增加2300个泊位，联系138****8000",
    ),
]

UNCHANGED = [
    "会议时间20261129，地点WQ-01地块",
    "2026-11-29 14:30 在区规划局召开听证会",
    "规划2300个泊位，用地3000平方米，容积率2.5",
    "房价每平方米13800元，总投资1.38亿元",
    "银行卡6222113800138000",  # 16 digits, with a phone-shaped run inside
    "订单号138001380001234",  # 15 digits
    "编号13800138000123456789",
    "4201021990030712345",  # 19 digits, an ID-shaped run inside
    "420102199013071234",  # month 13
    "420102199002321234",  # day 32
    "420102189003071234",  # born in the 1800s
    "坐标114.32, 30.59",
    "坐标114.13912345678, 30.5931234567",  # decimal fractions, not phones
    "12345678901",  # not 1[3-9]
    "拨打10086或12345市民热线",
    "热线12345678",  # eight digits without a phone word before them: could be a date
    "138 0013 800",  # one digit short
    "@武汉市自然资源和规划局 请回复",
    "user@localhost",
    "价格3@5元",
    "138****8000",
    "420102********123X",
    "z***@qq.com",
    "",
]

MASKED = PHONES + IDS + EMAILS + MIXED


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_masks(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_leaves_ordinary_text_alone(text):
    assert mask_personal_data(text) == text
    assert not contains_personal_data(text)


@pytest.mark.parametrize("text", [t for t, _ in MASKED] + UNCHANGED)
def test_masking_is_idempotent(text):
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once
    assert not contains_personal_data(once)


@pytest.mark.parametrize(("text", "_expected"), MASKED)
def test_contains_agrees_with_mask(text, _expected):
    assert contains_personal_data(text)


RAW_VALUES = [
    "13800138000",
    "138 0013 8000",
    "138-0013-8000",
    "+8613912345678",
    "420102199003071234",
    "42010219900307123X",
    "zhang.san@qq.com",
    "li.si+plan@mail.whu.edu.cn",
    "13800138000@163.com",
]
TEMPLATES = [
    "{}",
    "联系{}谢谢",
    "我的是{}。",
    "（{}）",
    "A{}B",
    "{}，{}",
    "第一个：{}\n第二个：{}",
]


@pytest.mark.parametrize("raw", RAW_VALUES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_no_original_value_survives(raw, template):
    masked = mask_personal_data(template.format(raw, raw))
    assert raw not in masked
    digits = re.sub(r"[^0-9Xx]", "", raw.split("@")[0])
    if len(digits) >= 11:
        assert digits not in re.sub(r"[^0-9Xx]", "", masked)
    if "@" in raw:
        local = raw.split("@")[0]
        assert local not in masked
    assert "*" in masked


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("13800138000", ("138", "8000")),
        ("42010219900307123X", ("420102", "123X")),
        ("zhang@qq.com", ("z", "@qq.com")),
    ],
)
def test_keeps_only_the_documented_parts(text, kept):
    masked = mask_personal_data(text)
    head, tail = kept
    assert masked.startswith(head)
    assert masked.endswith(tail)
    assert len(masked.replace("*", "")) == len(head + tail)
