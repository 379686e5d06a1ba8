"""Passwords: argon2id hashes (argon2-cffi) and a strength check (length, and zxcvbn's estimate of guessability)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import get_locale
from flask_babel import lazy_gettext as _
from zxcvbn import zxcvbn

from finder.agency.errors import InvalidInput

MIN_LENGTH = 12
# zxcvbn's score runs 0 to 4; 3 means "safely unguessable" (about 10^8 guesses or more), which rules out
# common passwords, keyboard walks, dates and words with simple substitutions.
MIN_SCORE = 3
_hasher = PasswordHasher()
# Verified against when the email is unknown, so that a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password: only for timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; with no hash, spends the same time and answers False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_strength(password: str, *, email: str = "", field: str = "/password") -> None:
    """Raise InvalidInput unless the password is long enough and not easy to guess."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput({field: _("must be at least %(count)s characters long", count=MIN_LENGTH)})
    if len(password) > 1024:
        raise InvalidInput({field: _("must be at most %(count)s characters long", count=1024)})
    # zxcvbn's cost grows with length; the first 100 characters are what decides guessability anyway.
    result = zxcvbn(password[:100], user_inputs=[email, *email.split("@")] if email else [])
    if result["score"] < MIN_SCORE:
        # zxcvbn's own advice is English only: readers of other languages get the general reason.
        locale = get_locale()
        advice = result["feedback"].get("warning") if locale is None or locale.language == "en" else None
        reason = advice.rstrip(".").lower() if advice else _("it is too easy to guess")
        raise InvalidInput({field: _("choose a less common password: %(reason)s", reason=reason)})
