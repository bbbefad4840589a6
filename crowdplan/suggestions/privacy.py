"""Mask personal data in public text (PIPL): phone numbers, resident IDs, e-mails, QQ/WeChat ids.

Suggestions, names, place labels and replies are free text, and people type their phone number,
ID number or e-mail into them, often in a form that dodges a plain pattern: full-width or
Arabic-Indic digits, a space or a zero-width character between digits, an em dash, "zhang at qq
dot com". What the public sees goes through `mask_personal_data`; staff keep the original.

Matching runs on a folded copy of the text: NFKC, format characters (zero-width, bidi controls)
and combining marks dropped, every Unicode digit (and a run of seven or more Chinese numerals)
read as its ASCII value, and a right-to-left override span read in the order it is displayed.
Every folded character remembers the original character it came from, so a match is replaced in
the original text and everything else is kept exactly, except bidi controls, which public output
never carries (they can make a masked or harmless text display as something else).

Numbers are found as runs of digit segments joined by short runs of separators (spaces, dashes,
underscores, dots, slashes, brackets). A match always covers whole segments, so a number that
continues into more digits (a bank card, an order number) is never cut into a "phone", and a
decimal fraction (a coordinate) is never one either. Ambiguous shapes need a keyword before them:
a landline without its area code (8 digits look like a date, 20261201), QQ numbers and WeChat
ids. Not covered: e-mail addresses with non-ASCII local parts or domains (EAI, 中文域名).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Characters that fold to themselves and need no look: printable ASCII and CJK ideographs
# (Chinese numerals, also ideographs, are handled by _CN_RUN). Everything else is folded one by
# one; in Chinese text that is mostly punctuation.
_PLAIN = re.compile(
    r"[\t\n\r\x20-\x7e\u4e00-\u9fff\u3001\u3002\u300a\u300b\u2014\u201c\u201d\u2018\u2019\uff0c\uff1a\uff1b\uff01\uff1f]+"
)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_BIDI_RE = re.compile("[" + "".join(sorted(_BIDI)) + "]")
_RLO, _POP = "\u202e", frozenset("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\n")
_CN_DIGITS = {"零": "0", "〇": "0", "幺": "1", "一": "1", "二": "2", "两": "2", "三": "3"}
_CN_DIGITS |= {"四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_CLASS = "[" + "".join(_CN_DIGITS) + "]"
# Separators as they are after folding: NFKC already made NBSP, thin and ideographic spaces
# plain spaces, and full-width dashes, slashes and brackets ASCII.
_SEP = (
    r"[ \t_./\\()\[\]{}\-\u2010-\u2015\u2212\u2043\u2044\u2215"
    r"\u00b7\u2022\u2027\u2219\u30fb\u3002【】〔〕]"
)
_CN_RUN = re.compile(rf"{_CN_CLASS}(?:{_SEP}{{0,3}}{_CN_CLASS}){{6,}}")
_SEGMENT = re.compile(r"[0-9]+(?:[Xx×](?![0-9]))?")
_GAP = re.compile(rf"{_SEP}{{1,4}}")
_MIN_DIGITS, _MAX_DIGITS = 5, 18  # a QQ number, an ID


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One original character as it reads for matching (may be empty, or several characters)."""
    out = []
    for c in unicodedata.normalize("NFKC", char):
        category = unicodedata.category(c)
        if category == "Cf" or category in ("Mn", "Me") or unicodedata.combining(c):
            continue
        value = unicodedata.decimal(c, None)
        if value is None and category == "No":
            value = unicodedata.digit(c, None)
        out.append(str(value) if value is not None else c)
    return "".join(out)


def fold(text: str, *, display: bool = True) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of its original character.

    `display`: an RLO span is read right to left, as it is shown; else in stored order.
    """
    chars: list[str] = []
    origins: list[int] = []
    runs = [(m.start(), m.end()) for m in _CN_RUN.finditer(text)]
    pos, run, reversed_from = 0, 0, None  # reversed_from: (len(chars), len(origins)) at an RLO
    while pos < len(text):
        while run < len(runs) and runs[run][1] <= pos:
            run += 1
        in_numerals = run < len(runs) and runs[run][0] <= pos
        plain = None if reversed_from or in_numerals else _PLAIN.match(text, pos)
        if plain:
            stop = min(plain.end(), runs[run][0]) if run < len(runs) else plain.end()
            chars.append(text[pos:stop])
            origins.extend(range(pos, stop))
            pos = stop
            continue
        char = text[pos]
        if reversed_from and (char in _POP or char == _RLO):
            _reverse(chars, origins, *reversed_from)
            reversed_from = None
        if char == _RLO and display:
            reversed_from = (len(chars), len(origins))
        folded = _CN_DIGITS[char] if in_numerals and char in _CN_DIGITS else _fold_char(char)
        chars.extend(folded)
        origins.extend([pos] * len(folded))
        pos += 1
    if reversed_from:
        _reverse(chars, origins, *reversed_from)
    return "".join(chars), origins


def _reverse(chars: list[str], origins: list[int], at_char: int, at_origin: int) -> None:
    """Read the span after an RLO the way it is displayed: right to left."""
    # Inside the span every folded character was appended on its own, so both tails line up.
    chars[at_char:] = reversed(chars[at_char:])
    origins[at_origin:] = reversed(origins[at_origin:])


@dataclass(frozen=True)
class _Hit:
    start: int  # in the folded text
    end: int
    mask: str


# --- e-mail addresses -------------------------------------------------------------------------

# Top-level domains an address written with odd dots ("qq。com", "qq dot com") must end in.
_TLDS = frozenset(
    re.findall(
        r"\w+",
        "com cn net org edu gov mil int info biz io co me cc tv top xyz vip site online tech"
        " shop club hk tw mo uk us jp kr de fr ru au ca sg",
    )
)
_LOCAL = r"(?<![A-Za-z0-9_%+-])[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
_AT = r"(?:\s*[@﹫]\s*|\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+|\s*艾特\s*)"
_EMAIL = re.compile(rf"(?P<local>{_LOCAL})(?P<at>{_AT})(?=[A-Za-z0-9])", re.IGNORECASE)
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_GLUED = re.compile(r"([A-Za-z]{2,63})[0-9]")
_PLAIN_DOT = re.compile(r"\.(?=[A-Za-z0-9])")
_ODD_DOT = re.compile(r"\s*(?:[.。]|[(\[{<]\s*dot\s*[)\]}>]|(?<=\s)dot(?=\s)|点)\s*", re.IGNORECASE)


def _emails(folded: str) -> list[_Hit]:
    hits = []
    for match in _EMAIL.finditer(folded):
        domain, end = _domain(folded, match.end(), spaced=match["at"].strip() != "@")
        if domain is None or (match["at"].strip().lower() == "at" and domain.startswith("www.")):
            continue  # "visit us at www.example.cn" is a web address, not a mailbox
        hits.append(_Hit(match.start(), end, f"{match['local'][0]}***@{domain}"))
    return hits


def _domain(folded: str, pos: int, *, spaced: bool) -> tuple[str | None, int]:
    """The longest domain from `pos` ending in a top-level label, and where it ends."""
    labels, best, odd = [], (None, pos), spaced
    while label := _LABEL.match(folded, pos):
        labels.append(label.group())
        pos = label.end()
        last = labels[-1]
        glued = _GLUED.match(last)
        if glued and len(labels) > 1:
            # "zhang@qq.com13800138000": the address ends where its top-level label's letters do.
            if not odd or glued[1].lower() in _TLDS:
                best = (".".join([*labels[:-1], glued[1]]), label.start() + len(glued[1]))
            break
        tld = last.isalpha() and len(last) >= 2
        if len(labels) > 1 and tld and (not odd or last.lower() in _TLDS):
            best = (".".join(labels), pos)
        dot = _PLAIN_DOT.match(folded, pos)
        if dot is None:
            dot = _ODD_DOT.match(folded, pos)
            if dot is None:
                break
            odd = True
        pos = dot.end()
    return best


# --- numbers ----------------------------------------------------------------------------------

# The first two digits of a resident ID: a province (GB/T 2260), 71 Taiwan, 81-83 HK, Macau.
_PROVINCES = frozenset(
    str(code)
    for first, last in (
        (11, 15),
        (21, 23),
        (31, 37),
        (41, 46),
        (50, 54),
        (61, 65),
        (71, 71),
        (81, 83),
    )
    for code in range(first, last + 1)
)
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))([1-9][0-9]{6,7})")
_LOCAL_LINE = re.compile(r"[2-9][0-9]{6,7}")
_QQ = re.compile(r"[1-9][0-9]{4,10}")
_PHONE_WORDS = re.compile(
    r"(?:电话|座机|固话|联系|致电|拨打|来电|热线|号码|手机|tel|phone|call)[^0-9]{0,6}$",
    re.IGNORECASE,
)
_QQ_WORDS = re.compile(r"(?:(?<![A-Za-z])qq|扣扣|企鹅)[^0-9A-Za-z]{0,6}$", re.IGNORECASE)
_WECHAT = re.compile(
    r"(?:微信|威信|薇信|wechat|weixin|(?<![A-Za-z])(?:wx|vx|v信))\s*(?:号|id)?\s*[:：]?\s*"
    r"(?P<id>[A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Segment:
    start: int
    end: int  # after the last digit (before a check letter)
    digits: str
    check: bool  # ends in an X, the check digit of an ID


def _segments(folded: str) -> list[list[_Segment]]:
    """Digit segments, grouped where only a short run of separators lies between them."""
    groups: list[list[_Segment]] = []
    for match in _SEGMENT.finditer(folded):
        text = match.group()
        check = not text[-1].isdigit()
        seg = _Segment(match.start(), match.end() - check, text[:-1] if check else text, check)
        prev = groups[-1][-1] if groups else None
        gap = _GAP.fullmatch(folded, prev.end + prev.check, seg.start) if prev else None
        if prev is not None and gap and not prev.check:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    return groups


def _valid_date(yymmdd: str) -> bool:
    month, day = int(yymmdd[-4:-2]), int(yymmdd[-2:])
    return 1 <= month <= 12 and 1 <= day <= 31


def _id_mask(digits: str) -> str | None:
    if digits[:2] not in _PROVINCES or digits[0] == "0":
        return None
    if len(digits) == 18 and digits[:17].isdigit() and digits[6:8] in ("19", "20"):
        digits = digits if digits[-1] != "×" else digits[:-1] + "X"
        return f"{digits[:6]}********{digits[-4:]}" if _valid_date(digits[6:14]) else None
    if len(digits) == 15 and digits.isdigit() and _valid_date(digits[6:12]):
        return f"{digits[:6]}******{digits[-3:]}"
    return None


def _phone_mask(digits: str, *, plus: bool, keyword: bool) -> tuple[int, str] | None:
    """(digits to keep unmasked in front, mask of the rest) for a phone number, or None."""
    for prefix in ("0086", "86", ""):
        if not digits.startswith(prefix):
            continue
        rest = digits[len(prefix) :]
        if _MOBILE.fullmatch(rest):
            return len(prefix), f"{rest[:3]}****{rest[-4:]}"
        if prefix and not (plus or prefix == "0086"):
            continue  # a bare "86" glued to a landline-shaped number is too likely a code
        line = _LANDLINE.fullmatch(rest if not prefix else "0" + rest)
        if line:
            area = line[1][1:] if prefix else line[1]
            return len(prefix), f"{area}-{'*' * (len(line[2]) - 4)}{line[2][-4:]}"
        if not prefix and keyword and _LOCAL_LINE.fullmatch(rest):
            return 0, f"{'*' * (len(rest) - 4)}{rest[-4:]}"
    return None


def _numbers(folded: str) -> list[_Hit]:
    hits = []
    for group in _segments(folded):
        if sum(len(seg.digits) for seg in group) < _MIN_DIGITS:
            continue  # most groups: 2300, 2026, 01
        a = 0
        while a < len(group):
            hit, a = _longest(folded, group, a)
            if hit:
                hits.append(hit)
    return hits


def _longest(folded: str, group: list[_Segment], a: int) -> tuple[_Hit | None, int]:
    """The longest match starting with segment `a`, and the segment to go on from."""
    before = folded[max(0, group[a].start - 12) : group[a].start]
    plus = before.rstrip(" (").endswith("+")
    keyword = bool(_PHONE_WORDS.search(before))
    qq = bool(_QQ_WORDS.search(before))
    # A number is not cut out of a decimal fraction: "114.13912345678" is a coordinate.
    if a > 0 and folded[group[a - 1].end : group[a].start] == ".":
        return None, a + 1
    digits, ends = "", []
    for seg in group[a:]:
        digits += seg.digits
        ends.append(seg)
        if len(digits) > _MAX_DIGITS:
            break
    for b in range(len(ends) - 1, -1, -1):  # the longest first
        last = ends[b]
        nxt = group[a + b + 1] if a + b + 1 < len(group) else None
        if nxt is not None and folded[last.end : nxt.start] == ".":
            continue
        number = "".join(s.digits for s in ends[: b + 1])
        start, end = group[a].start, last.end
        mask = _id_mask(number + folded[last.end]) if last.check else None
        if mask:
            end += 1
        else:
            mask = _id_mask(number)
        if mask is None:
            phone = _phone_mask(number, plus=plus, keyword=keyword)
            if phone:
                kept, mask = phone
                start = _digit_position(folded, group[a:], kept)
                if kept and start == group[a].start + kept:
                    mask = " " + mask  # "8613912345678": set the country code off
        if mask is None and qq and b == 0 and _QQ.fullmatch(number):
            mask = f"{number[0]}****{number[-2:]}"
        if mask:
            return _Hit(start, end, mask), a + b + 1
    return None, a + 1


def _digit_position(folded: str, segments: list[_Segment], index: int) -> int:
    """Where the `index`-th digit of a run of segments is in the folded text."""
    for seg in segments:
        if index < len(seg.digits):
            return seg.start + index
        index -= len(seg.digits)
    return segments[-1].end


def _wechat(folded: str) -> list[_Hit]:
    return [
        _Hit(m.start("id"), m.end("id"), f"{m['id'][0]}***")
        for m in _WECHAT.finditer(folded)
        if not m["id"].isdigit()
    ]


# --- the mask ---------------------------------------------------------------------------------


def _hits(folded: str) -> list[_Hit]:
    """Non-overlapping matches, e-mails first (an address may hold a phone number)."""
    chosen: list[_Hit] = []
    for hit in _emails(folded) + _wechat(folded) + _numbers(folded):
        if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


def mask_personal_data(text: str | None) -> str | None:
    """`text` with personal data masked and bidi controls removed; None stays None."""
    if not text:
        return text
    parts: list[str] = []
    end = 0
    for start, stop, mask in _spans(text):
        if start >= end:
            parts += (text[end:start], mask)
            end = stop
    parts.append(text[end:])
    return _BIDI_RE.sub("", "".join(parts))


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, mask) in the original text, by start."""
    # With an override the text reads one way on screen and another once the controls are
    # stripped (as public output is): both readings are matched.
    spans = []
    for display in (True, False) if _RLO in text else (True,):
        folded, origins = fold(text, display=display)
        for hit in _hits(folded):
            # An RLO span is folded in display order, so a match's origins can run backwards.
            span = origins[hit.start : hit.end]
            spans.append((min(span), max(span) + 1, hit.mask))
    return sorted(spans)


def contains_personal_data(text: str) -> bool:
    """Whether `mask_personal_data` would mask anything in `text`."""
    return bool(text) and bool(_spans(text))
