"""Checks on a service before it goes to citizens: phone numbers in E.164, another agency already publishing a
service of the same name, plain-language hints, and what is still untranslated. The editor pages show these; the
write path applies the phone rule to every save.

Messages are lazy translations: each page shows them in its reader's language when it renders them, while the
API and the command line read them in the default one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import phonenumbers
from flask_babel import LazyString
from flask_babel import lazy_gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.agency.errors import InvalidInput
from finder.catalogue.models import ChannelKind, Office, Service, ServiceStatus

# Names this alike (rapidfuzz token_set_ratio, 0-100) are probably the same service: "Renew a passport" and
# "Passport renewal" score about 90 after stemming-free comparison of their words.
SIMILAR_NAME_SCORE = 88
LONG_SENTENCE_WORDS = 25
# Words that stand between citizens and what they need, with the plain word to use (after GOV.UK's style guide).
JARGON = {
    "utilise": "use",
    "utilize": "use",
    "commence": "start",
    "in accordance with": "under",
    "pursuant to": "under",
    "prior to": "before",
    "facilitate": "help",
    "endeavour": "try",
    "aforementioned": "this",
    "notwithstanding": "despite",
    "in order to": "to",
    "approximately": "about",
    "remuneration": "pay",
    "sufficient": "enough",
    "terminate": "end",
    "expedite": "speed up",
    "ascertain": "find out",
    "forthwith": "now",
    "hereby": "(leave it out)",
    "thereof": "of it",
}
_JARGON = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(JARGON, key=len, reverse=True)) + r")\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Finding:
    pointer: str  # the field, as a JSON pointer into the native record ("/channels/0/value", "/summary")
    message: str | LazyString
    kind: str  # "warning" (worth stopping for) or "hint" (worth a look)


def e164(value: str) -> str | None:
    """The number in E.164 (+442079460430), or None when it is not a phone number in international form."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    # "Possible" (the right length for its country) rather than "valid": fictional numbers such as the demo's
    # +44 7700 900xxx are reserved, so phonenumbers calls them invalid, yet they are well formed.
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_message(value: str) -> LazyString:
    """What is wrong with a number that `e164` refused."""
    return _("%(value)s is not a phone number in international form, such as +44 20 7946 0430", value=repr(value))


def normalise_phones(service: Service) -> None:
    """Store the service's phone and SMS numbers in E.164, so that every channel can dial them; raise
    InvalidInput naming each number that is not one (records.py has already refused those sent to the API)."""
    errors: dict[str, Any] = {}
    for index, channel in enumerate(service.channels):
        if channel.kind in (ChannelKind.PHONE, ChannelKind.SMS):
            number = e164(channel.value)
            if number is None:
                errors[f"/channels/{index}/value"] = phone_message(channel.value)
            elif channel.value != number:
                channel.value = number
    if errors:
        raise InvalidInput(errors)


def similar_services(session: Session, service: Service, *, limit: int = 5) -> list[Service]:
    """Published services of other agencies whose names are much like this one's: probably the same service."""
    others = session.execute(
        select(Service.id, Service.name).where(
            Service.status == ServiceStatus.PUBLISHED, Service.agency_id != service.agency_id, Service.id != service.id
        )
    ).all()
    names = {row.id: row.name.casefold() for row in others}
    matches = process.extract(
        service.name.casefold(), names, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR_NAME_SCORE, limit=limit
    )
    return [session.get(Service, key) for _, _, key in matches]


def plain_language_hints(pointer: str, text: str | None) -> list[Finding]:
    """Long sentences and jargon in one field's text."""
    findings: list[Finding] = []
    for sentence in _SENTENCE.split(text or ""):
        words = len(sentence.split())
        if words > LONG_SENTENCE_WORDS:
            findings.append(
                Finding(
                    pointer,
                    _(
                        "a sentence of %(words)s words: try to keep under %(limit)s",
                        words=words,
                        limit=LONG_SENTENCE_WORDS,
                    ),
                    "hint",
                )
            )
    for word in dict.fromkeys(m.group(1).lower() for m in _JARGON.finditer(text or "")):
        findings.append(Finding(pointer, _("'%(word)s': say '%(plain)s'", word=word, plain=JARGON[word]), "hint"))
    return findings


# The repeated sub-records whose text is translated too, as the native format names them.
SUB_RECORDS = {Service: ("documents", "costs", "channels", "offices"), Office: ("hours",)}


def untranslated(record: Service | Office, languages: tuple[str, ...], default_language: str) -> dict[str, list[str]]:
    """For each other language, the fields (JSON pointers: "/summary", "/documents/0/name", "/hours/1/description")
    that have text in the default language but none in that one: a service's or office's own, and its
    sub-records' (a service's documents, costs, channels and office links; an office's opening hours)."""
    rows = [("", record)] + [
        (f"/{kind}/{index}", row)
        for kind in SUB_RECORDS[type(record)]
        for index, row in enumerate(getattr(record, kind))
    ]
    filled = [
        (f"{prefix}/{field}", row, field)
        for prefix, row in rows
        for field in row.TRANSLATABLE
        if getattr(row, field) not in (None, "", [])
    ]
    missing = {
        language: [where for where, row, field in filled if row.translated(field, language) in (None, "", [])]
        for language in languages
        if language != default_language
    }
    return {language: fields for language, fields in missing.items() if fields}


def check_service(session: Session, service: Service) -> list[Finding]:
    """What the editor should look at before submitting: a warning for each likely duplicate in another agency,
    hints on plain language in the default language's text (the service's and its costs', channels' and office
    links' details)."""
    findings = [
        Finding(
            "/name",
            _(
                "%(agency)s already publishes '%(name)s': is it the same service?",
                agency=other.agency.name,
                name=other.name,
            ),
            "warning",
        )
        for other in similar_services(session, service)
    ]
    for field in ("name", "summary", "description", "eligibility", "how_to_apply"):
        findings.extend(plain_language_hints(f"/{field}", getattr(service, field)))
    for kind in ("costs", "channels", "offices"):
        for index, row in enumerate(getattr(service, kind)):
            findings.extend(plain_language_hints(f"/{kind}/{index}/description", row.description))
    return findings
