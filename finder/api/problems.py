"""RFC 9457 problem details: every API error says what went wrong and where."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


class ApiProblem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []
        self.headers = headers or {}


def problem_response(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    response.headers.update(headers or {})
    return response


def bad_parameters(errors: list[dict[str, str]]) -> ApiProblem:
    detail = "; ".join(f"{e['parameter']}: {e['detail']}" for e in errors)
    return ApiProblem(400, "Bad request parameters", detail, errors)
