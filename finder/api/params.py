"""Parsing and checking query-string parameters, collecting every error before answering."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from finder.api.problems import bad_parameters

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class QueryParams:
    def __init__(self, args: Mapping[str, str]) -> None:
        self.args = args
        self.errors: list[dict[str, str]] = []

    def _error(self, name: str, detail: str) -> None:
        self.errors.append({"parameter": name, "detail": detail})

    def integer(self, name: str, default: int, minimum: int, maximum: int | None = None) -> int:
        text = self.args.get(name)
        if text is None or text == "":
            return default
        if not re.fullmatch(r"\d{1,9}", text.strip()):
            self._error(name, f"must be a whole number, not {text[:50]!r}")
            return default
        value = int(text)
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            self._error(name, f"must be {bound}, not {value}")
            return default
        return value

    def text(self, name: str, max_length: int = 200) -> str | None:
        value = self.args.get(name)
        if value is None or value == "":
            return None
        if len(value) > max_length:
            self._error(name, f"must be at most {max_length} characters")
            return None
        return value

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.text(name, 50)
        if value is not None and value not in choices:
            self._error(name, f"must be one of {', '.join(choices)}, not {value!r}")
            return None
        return value

    def language(self, name: str = "lang") -> str | None:
        value = self.text(name, 35)
        if value is not None and not LANGUAGE_TAG.match(value):
            self._error(name, f"must be a language tag such as 'en' or 'fr', not {value[:35]!r}")
            return None
        return value

    def datetime(self, name: str) -> dt.datetime | None:
        value = self.text(name, 40)
        if value is None:
            return None
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self._error(name, f"must be an ISO 8601 date or date-time, not {value!r}")
            return None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return parsed

    def check(self) -> None:
        if self.errors:
            raise bad_parameters(self.errors)
