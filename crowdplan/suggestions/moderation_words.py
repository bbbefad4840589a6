"""Find blocked words in suggestion text, Chinese-aware and robust to simple obfuscation.

A hit holds a suggestion for review; it is a signal for a moderator, not a verdict.

Chinese has no spaces between words, so a word with any non-ASCII character (狗官, 傻B) matches
as a substring of the "squeezed" text: NFKC (full-width to half-width, compatibility ideographs to
unified ones), case-folded, and reduced to letters and digits. That drops spaces, punctuation,
symbols and emoji, zero-width characters (U+200B..U+200D, U+FEFF are format characters) and
combining overlays, so "狗*官", "狗 官", "狗-官" and 狗, U+200B, 官 all read as 狗官. The price is
that punctuation between two real words can join them ("别去，死磕" contains 去死), and that a
word is found inside harmless compounds (垃圾 in 垃圾分类), so the list should hold specific words.

A pure-ASCII word (ass, SB) matches only as a whole word, so "ass" is not found in "class". A
word boundary is anything but a letter or digit of a space-separated script, so CJK characters
count as boundaries: "你是SB吧" contains SB. ASCII words are looked for in two views of the text:
as written (case-folded, whitespace collapsed), and with punctuation between letters removed and
spelled-out letters joined ("a-s-s", "a.s.s", "a s s" read as ass).

Matching walks a trie from each position, so overlapping and nested words are all reported
(黑心 inside 黑心开发商, 狗官 and 官僚 in 狗官僚), which one regex alternation would miss. The
cost is the text length times the longest word, fine for suggestion-sized text.

Out of scope: traditional/simplified variants (骗子/騙子; list both forms if needed, since a
character mapping needs a conversion table), homophones and pinyin (la ji), look-alike
substitutions (sh1t, 艹), Latin letters inserted between Chinese characters (狗a官), and
inflected English forms (idiots for idiot; list them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

# Punctuation or symbols between two ASCII letters/digits: "a-s-s", "as.s", "a*ss".
_FILLER_IN_WORD = re.compile(r"(?<=[a-z0-9])(?:[^\w\s]|_)+(?=[a-z0-9])")
# Single ASCII letters/digits separated by anything but letters: "a s s", "s, b".
_SPELLED_OUT = re.compile(r"(?<![a-z0-9])[a-z0-9](?:(?:[^\w]|_)+[a-z0-9](?![a-z0-9]))+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _fold(text: str) -> str:
    """NFKC, case-folded, without format characters (zero-width) and combining marks."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if unicodedata.category(c)[0] not in "CM" or c.isspace())


def _squeeze(text: str) -> str:
    """Only the letters and digits of the folded text: the view Chinese words are matched in."""
    return "".join(c for c in _fold(text) if unicodedata.category(c)[0] in "LN")


def _ascii_views(text: str) -> tuple[str, str]:
    """The folded text as written, and with in-word punctuation dropped and letters joined."""
    plain = " ".join(_fold(text).split())
    joined = _FILLER_IN_WORD.sub("", plain)
    joined = _SPELLED_OUT.sub(lambda m: _NOT_ALNUM.sub("", m.group()), joined)
    return plain, joined


def _in_word(char: str) -> bool:
    """Whether `char` continues a word of a space-separated script (so is no word boundary)."""
    # Below U+2E80 (CJK radicals) are Latin, Greek, Cyrillic and the like; CJK is a boundary.
    return char.isalnum() and ord(char) < 0x2E80


class _Node:
    """A trie node: the next characters, and the word that ends here if any."""

    __slots__ = ("children", "index")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.index: int | None = None

    def insert(self, key: str, index: int) -> bool:
        """Add `key` for word number `index`; False if an earlier word has the same key."""
        node = self
        for char in key:
            node = node.children.setdefault(char, _Node())
        if node.index is not None:
            return False
        node.index = index
        return True

    def scan(self, text: str, whole_words: bool) -> Iterator[int]:
        """Indexes of the words found in `text`, overlapping and nested ones included."""
        size = len(text)
        for start in range(size):
            if whole_words and start and _in_word(text[start - 1]):
                continue
            node: _Node | None = self
            for pos in range(start, size):
                node = node.children.get(text[pos])
                if node is None:
                    break
                if node.index is None:
                    continue
                if not whole_words or pos + 1 == size or not _in_word(text[pos + 1]):
                    yield node.index


class BlockedWords:
    """A list of blocked words or phrases, ready to search texts."""

    def __init__(self, words: Iterable[str]) -> None:
        self._words: list[str] = []
        self._chinese = _Node()
        self._ascii = _Node()
        for word in words:
            if _fold(word).isascii():
                trie, keys = self._ascii, {k for k in _ascii_views(word) if _NOT_ALNUM.sub("", k)}
            else:
                trie, keys = self._chinese, {_squeeze(word)} - {""}
            # Words with nothing left to match ("***") or equal to an earlier one are dropped.
            added = [trie.insert(key, len(self._words)) for key in sorted(keys)]
            if any(added):
                self._words.append(word)

    def __len__(self) -> int:
        """How many usable words the list holds."""
        return len(self._words)

    def find(self, text: str) -> list[str]:
        """The blocked words in `text`, each once, as given and in the order given."""
        found: set[int] = set()
        if self._chinese.children:
            found.update(self._chinese.scan(_squeeze(text), whole_words=False))
        if self._ascii.children:
            for view in _ascii_views(text):
                found.update(self._ascii.scan(view, whole_words=True))
        return [self._words[i] for i in sorted(found)]
