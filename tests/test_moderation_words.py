"""Blocked-word matching: Chinese substrings, obfuscation, ASCII whole words (pure, no app)."""

import pytest

from crowdplan.suggestions.moderation_words import BlockedWords

WORDS = [
    "狗官",
    "官僚",
    "黑心",
    "黑心开发商",
    "去死",
    "骗子",
    "傻B",
    "ass",
    "SB",
    "idiot",
    "go to hell",
]
BLOCKED = BlockedWords(WORDS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Chinese words as substrings, in running text without spaces.
        ("你们这些狗官只会拍脑袋做规划", ["狗官"]),
        ("开发商都是骗子！", ["骗子"]),
        ("狗官去死", ["狗官", "去死"]),
        ("狗官狗官狗官", ["狗官"]),
        # Overlapping and nested words are all reported, in the order the list gives them.
        ("这种狗官僚作风", ["狗官", "官僚"]),
        ("黑心开发商又来了", ["黑心", "黑心开发商"]),
        # Obfuscation between the characters.
        ("狗*官", ["狗官"]),
        ("狗 官", ["狗官"]),
        ("狗-官", ["狗官"]),
        ("狗.官", ["狗官"]),
        ("狗　官", ["狗官"]),  # ideographic space
        ("狗，官", ["狗官"]),
        ("狗\u200b官", ["狗官"]),
        ("狗\u200c官", ["狗官"]),
        ("狗\u200d官", ["狗官"]),
        ("狗\ufeff官", ["狗官"]),
        ("狗😡官", ["狗官"]),
        ("狗\u0336官", ["狗官"]),  # combining strike-through overlay
        ("狗 * - _ 官", ["狗官"]),
        ("去\n死", ["去死"]),
        ("骗——子", ["骗子"]),
        # Mixed words match as substrings after NFKC and case-folding.
        ("你个傻b", ["傻B"]),
        ("你个傻 Ｂ", ["傻B"]),
        # ASCII words: whole words, case-insensitive, CJK neighbours count as boundaries.
        ("This plan is ASS", ["ass"]),
        ("你这个ass", ["ass"]),
        ("你是SB吧", ["SB"]),
        ("ｓｂ规划", ["SB"]),
        ("what an idiot.", ["idiot"]),
        ("Go  to\tHELL!", ["go to hell"]),
        # ASCII obfuscation.
        ("a-s-s", ["ass"]),
        ("a.s.s", ["ass"]),
        ("as*s", ["ass"]),
        ("A S S", ["ass"]),
        ("a\u200bss", ["ass"]),
        ("ａｓｓ", ["ass"]),
        ("你是s.b吧", ["SB"]),
        ("你是 S B 吧", ["SB"]),
        ("i.d.i.o.t", ["idiot"]),
        # Several at once.
        ("狗官是SB，idiot", ["狗官", "SB", "idiot"]),
    ],
)
def test_finds(text, expected):
    assert BLOCKED.find(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "建议在WQ-01地块增加2300个泊位",
        "希望增加公交线路和自行车道",
        "class",
        "classic design",
        "first-class",
        "assess the impact",
        "passage",
        "embassy",
        "bass",
        "grass-roots participation",
        "mass transit",
        "USB接口",
        "SBS电视台",
        "sbc",
        "idiotic",  # inflected forms are not the word
        "狗",
        "官员",
        "黑色开发商",
        "去年死了一棵树",
        "骗",
        "傻白甜",
        "go to the hall",
    ],
)
def test_avoids_false_positives(text):
    assert BLOCKED.find(text) == []


def test_returns_words_as_given():
    blocked = BlockedWords(["ＳＢ", "sb", "狗 官", "狗官"])
    assert blocked.find("sb 狗官") == ["ＳＢ", "狗 官"]
    assert len(blocked) == 2


def test_ignores_words_with_nothing_to_match():
    blocked = BlockedWords(["", "  ", "***", "——", "ass"])
    assert len(blocked) == 1
    assert blocked.find("*** —— ") == []
    assert blocked.find("ass") == ["ass"]


def test_empty_list_finds_nothing():
    assert BlockedWords([]).find("狗官 ass") == []


def test_accepts_any_iterable():
    blocked = BlockedWords(word for word in ("狗官", "ass"))
    assert blocked.find("狗官ass") == ["狗官", "ass"]


@pytest.mark.parametrize(
    ("words", "text", "expected"),
    [
        # A word given obfuscated still matches plain text, and the other way round.
        (["狗-官"], "狗官", ["狗-官"]),
        (["a-s-s"], "ass", ["a-s-s"]),
        # An ASCII phrase at the start and end of the text.
        (["go to hell"], "go to hell", ["go to hell"]),
        # Case-folding beyond ASCII lower-casing.
        (["STRASSE"], "straße", ["STRASSE"]),
    ],
)
def test_normalises_words_like_text(words, text, expected):
    assert BlockedWords(words).find(text) == expected


def test_many_words():
    words = [f"词{i}号" for i in range(5000)] + ["狗官"]
    blocked = BlockedWords(words)
    assert blocked.find("词42号和词4999号，还有狗*官") == ["词42号", "词4999号", "狗官"]
