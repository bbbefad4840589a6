"""Mask personal data in public text (PIPL): mainland mobile numbers, resident IDs, e-mails.

Suggestions and display names are free text, and people type their phone number, ID number or
e-mail into them. What the public sees goes through `mask_personal_data`; staff keep the original.

Matching runs on a copy of the text with full-width forms folded to ASCII, because Chinese input
methods often produce "１３８…" or "＠". The folding maps one character to one character, so a
match's position in the copy is its position in the original. Masks are written in ASCII.

Deliberately not masked (too ambiguous, or not personal):
- old 15-digit resident IDs: no check digit and only a two-digit year, so they look like any
  15-digit order, tracking or account number; first-generation ID cards stopped being valid on
  1 January 2013, so they are rare in new text;
- landlines (027-12345678): the numbers people quote are mostly offices and hotlines, which must
  stay readable, and the shape collides with dates and codes;
- numbers inside longer digit runs (bank cards, order numbers) and in decimal fractions
  (coordinates): a phone or ID never continues into more digits;
- numbers written with Chinese numerals (一三八…) or other separators (dots, slashes, brackets
  around the area part): rare, and hard to tell from ordinary numbers;
- e-mail addresses with non-ASCII local parts or domains (EAI, 中文域名): rare in practice.
"""

from __future__ import annotations

import re

# Full-width ASCII forms U+FF01..U+FF5E map one-to-one onto U+0021..U+007E; the ideographic
# space onto a plain space.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# Explicit ASCII classes throughout: Python's \d and \w also match other scripts' digits and
# CJK characters, so "联系我zhang@qq.com" would otherwise swallow "联系我" into the address.
_PERSONAL = re.compile(
    r"""
    (?P<email>
        # Start at the beginning of a run of address characters (also keeps the scan linear).
        (?<![A-Za-z0-9_%+-])
        (?P<local>[A-Za-z0-9_%+-][A-Za-z0-9._%+-]{0,63})
        @
        (?P<domain>(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63})
    )
    |
    (?P<id>
        # Not inside a longer digit run and not a decimal fraction.
        (?<![0-9])(?<![0-9]\.)
        (?P<id_number>
            [1-9][0-9]{5}[ -]?                              # area code
            (?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[ -]?  # birth date
            [0-9]{3}[0-9Xx]                                 # sequence number, check digit
        )
        (?![0-9])(?!\.[0-9])
    )
    |
    (?P<phone>
        (?<![0-9])(?<![0-9]\.)
        (?P<country>\(?(?:\+|00)?86\)?[ -]?)?
        (?P<mobile>1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4})
        (?![0-9])(?!\.[0-9])
    )
    """,
    re.VERBOSE,
)
_SEPARATORS = re.compile(r"[ -]")


def _mask(match: re.Match[str]) -> str:
    """The masked form of one match (of the folded text)."""
    if match["email"]:
        return f"{match['local'][0]}***@{match['domain']}"
    if match["id"]:
        digits = _SEPARATORS.sub("", match["id_number"])
        return f"{digits[:6]}********{digits[-4:]}"
    digits = _SEPARATORS.sub("", match["mobile"])
    # The country code is not personal; it is kept, set off by a space so "86" is not read as
    # the start of the number.
    country = f"{match['country'].rstrip(' -')} " if match["country"] else ""
    return f"{country}{digits[:3]}****{digits[-4:]}"


def mask_personal_data(text: str) -> str:
    """`text` with mobile numbers, 18-digit resident IDs and e-mail addresses masked."""
    folded = text.translate(_FOLD)
    parts: list[str] = []
    end = 0
    for match in _PERSONAL.finditer(folded):
        parts += (text[end : match.start()], _mask(match))
        end = match.end()
    parts.append(text[end:])
    return "".join(parts)


def contains_personal_data(text: str) -> bool:
    """Whether `mask_personal_data` would change anything in `text`."""
    return _PERSONAL.search(text.translate(_FOLD)) is not None
