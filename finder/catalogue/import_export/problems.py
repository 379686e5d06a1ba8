"""What goes wrong in an import, said so that a person can find and fix it: file, record and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    record: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.record:
            where.append(f"record {self.record}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{': '.join(where)}: {self.message}"


class ImportFailed(Exception):
    """The import was refused; nothing was written. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Problems:
    """Collects problems while a file is checked, so that one run reports them all."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[Problem] = []

    def add(self, record: str | None, field: str | None, message: str) -> None:
        self.found.append(Problem(self.file, record, field, message))

    def raise_if_any(self) -> None:
        if self.found:
            raise ImportFailed(self.found)
