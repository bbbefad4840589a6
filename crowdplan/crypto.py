"""Personal data at rest: contact details encrypted with Fernet, found through blind indexes.

Keys come from CROWDPLAN_DATA_KEYS (comma-separated Fernet keys, newest first). New values are
encrypted with the newest key; every listed key can still decrypt, so a new key can be put in
front and `flask --app crowdplan rotate-data-key` re-encrypts the rows before the old key is
dropped. Fernet tokens are randomised, so equality lookups (sign-in by e-mail or phone,
uniqueness) go through a keyed blind index: HMAC-SHA256 of the normalised value under a key
derived from a data key. Lookups try the index of every listed key, so sign-in keeps working
between adding a key and running the rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import ColumnElement
from sqlalchemy.types import Text, TypeDecorator

_INDEX_CONTEXT = b"crowdplan blind index v1"


def parse_keys(raw: str | None) -> tuple[str, ...]:
    """The keys of a CROWDPLAN_DATA_KEYS value; raises ValueError for a malformed key."""
    keys = tuple(k.strip() for k in (raw or "").split(",") if k.strip())
    for key in keys:
        Fernet(key)  # raises ValueError: a typo must stop the start, not corrupt data later
    return keys


def data_keys() -> tuple[str, ...]:
    """The configured keys, newest first."""
    keys = parse_keys(current_app.config.get("CROWDPLAN_DATA_KEYS"))
    if not keys:
        raise RuntimeError("CROWDPLAN_DATA_KEYS is not set: contact details cannot be stored.")
    return keys


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


@lru_cache(maxsize=8)
def _index_keys(keys: tuple[str, ...]) -> tuple[bytes, ...]:
    # A separate key per data key: the index never reveals the encryption key.
    return tuple(
        hmac.new(base64.urlsafe_b64decode(k), _INDEX_CONTEXT, hashlib.sha256).digest() for k in keys
    )


def normalise_contact(value: str) -> str:
    """Trim and lower-case e-mail addresses; phone numbers lose spaces and dashes."""
    value = value.strip()
    return value.lower() if "@" in value else value.replace(" ", "").replace("-", "")


def encrypt(value: str) -> str:
    """A Fernet token (ASCII) for `value`, under the newest key."""
    return _fernet(data_keys()).encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The plaintext of a token made under any configured key."""
    try:
        return _fernet(data_keys()).decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise RuntimeError(
            "A stored contact detail cannot be decrypted with CROWDPLAN_DATA_KEYS "
            "(was a key removed before rotate-data-key ran?)"
        ) from None


def rotate(token: str) -> str:
    """The same plaintext re-encrypted under the newest key."""
    return _fernet(data_keys()).rotate(token.encode("ascii")).decode("ascii")


def _index(key: bytes, value: str) -> str:
    return hmac.new(key, normalise_contact(value).encode(), hashlib.sha256).hexdigest()


def blind_index(value: str | None) -> str | None:
    """The blind index of a normalised value under the newest key (what is stored)."""
    if not value:
        return None
    return _index(_index_keys(data_keys())[0], value)


def blind_indexes(value: str) -> list[str]:
    """The blind index of `value` under every configured key (what a lookup matches)."""
    return [_index(key, value) for key in _index_keys(data_keys())]


def matches(index_column, value: str) -> ColumnElement[bool]:
    """A WHERE clause: the row's stored index is that of `value` under some configured key."""
    return index_column.in_(blind_indexes(value))


class EncryptedText(TypeDecorator):
    """A string column stored as a Fernet token; plaintext in Python, ciphertext in the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect):
        return None if value is None else decrypt(value)
