"""Reading translated content with fallback to the catalogue's default language."""

from __future__ import annotations

from typing import Any, NamedTuple

from finder.catalogue.models import Translatable


class Localised(NamedTuple):
    """A field's value and the language it is actually in; `language` differs from the one asked on fallback."""

    value: Any
    language: str


def candidates(language: str) -> list[str]:
    """'pt-BR' -> ['pt-BR', 'pt']: the exact tag first, then its primary language."""
    primary = language.split("-", 1)[0]
    return [language] if primary == language else [language, primary]


def localised(row: Translatable, field: str, language: str, default_language: str) -> Localised:
    """The field in `language`, else in the default language (the row's own column)."""
    for candidate in candidates(language):
        if candidate == default_language:
            break
        value = row.translated(field, candidate)
        if value not in (None, "", []):
            return Localised(value, candidate)
    return Localised(getattr(row, field), default_language)
