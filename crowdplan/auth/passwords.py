"""Password policy: a minimum length and no password from a list of common ones."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

# ASVS 2.1.1: at least 12 characters; 2.1.2: at least 64 allowed (we allow 200).
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case (see data/README.md)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in the user's language, or None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("The password may have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    if password.strip().lower() in common_passwords():
        return _("This password is too common. Please choose another one.")
    return None
