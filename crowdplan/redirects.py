"""The one check for every `next` parameter: a path on this site, or the default.

Browsers are generous readers of a Location header: they drop tabs and newlines anywhere,
read a backslash as a slash, and take `//host`, `/\\host` or `https:host` as another site.
So a target is accepted only when it is plain printable ASCII that starts with one slash and
names no scheme or host, and stays so after percent-decoding (a later redirect or proxy may
decode it once more). Everything else falls back to the default; nothing raises.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import request

_MAX_LENGTH = 2000
_DECODE_ROUNDS = 3
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}  # DEL and C1 controls are Cc


def _same_origin(value: str) -> bool:
    """No way off this origin: one leading slash, no backslash, no control character (C0 or
    DEL: browsers drop tabs and newlines, which can join `/` and `/` into `//`), and no scheme
    or host as a URL parser reads it."""
    if not value.startswith("/") or value[1:2] in ("/", "\\") or "\\" in value:
        return False
    # Unicode controls, format characters (a right-to-left override) and line separators too.
    if any(ch < " " or unicodedata.category(ch) in _INVISIBLE for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def is_safe_target(target: object) -> bool:
    """True when `target` is a same-origin path, also after up to three percent-decodings.

    As sent, the target must be printable ASCII (no spaces, no non-ASCII look-alikes such as a
    fullwidth solidus or an ideographic full stop). Decoded, it may hold any text (a search for
    "停车 位"), but must still be a same-origin path.
    """
    if not isinstance(target, str) or not target or len(target) > _MAX_LENGTH:
        return False
    if not all("!" <= ch <= "~" for ch in target):
        return False
    value = target
    for _round in range(_DECODE_ROUNDS):
        if not _same_origin(value):
            return False
        try:
            decoded = unquote(value, errors="strict")
        except UnicodeDecodeError:
            return False
        if decoded == value:
            return True
        value = decoded
    return False  # still encoded after three rounds: nobody writes a path like that


def safe_next(default: str, name: str = "next") -> str:
    """The request's `next` parameter if it is a safe target (see is_safe_target), else
    `default`. Every view that redirects to a `next` goes through here."""
    target = request.values.get(name, "")
    return target if is_safe_target(target) else default
