"""Personal data: what the finder keeps instead of phone numbers, and what it removes from free text.

A pseudonym is a keyed hash (HMAC-SHA256) of an identifier, so the same phone number always maps to the same
pseudonym without the number being recoverable from the database, logs or a backup without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re

# Kept apart from other uses of the secret key: a pseudonym must not double as, say, a session signature.
_PURPOSE = b"finder.pseudonym.v1"
# Every repetition is bounded (as the standards bound addresses and numbers), so a long message without spaces
# costs linear time, not quadratic backtracking.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
# Seven or more digits, allowing the spaces, dots, dashes and brackets people write numbers with.
_PHONE = re.compile(r"\+?\(?\d[\d\s().\-/]{5,30}\d")


def pseudonym(identifier: str, secret_key: str) -> str:
    """A stable, non-reversible stand-in for an identifier such as a phone number (32 hex characters)."""
    key = hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, identifier.strip().encode(), hashlib.sha256).hexdigest()[:32]


def scrub(text: str) -> str:
    """Free text with email addresses and phone numbers replaced by placeholders."""
    text = _EMAIL.sub("[email]", text)
    return _PHONE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text)
