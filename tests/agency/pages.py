"""Helpers for driving the agency pages through Flask's test client with CSRF on: the token is read from the
page, as a browser would send it."""

from __future__ import annotations

import re

from .conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client, url: str = "/agency/login") -> str:
    """The CSRF token of a form on the page (the session's token: any form's does)."""
    page = client.get(url).get_data(as_text=True)
    found = CSRF.search(page)
    assert found, f"no CSRF token on {url}"
    return found.group(1) or found.group(2)


def post(client, url: str, data: dict | None = None, *, token_from: str | None = None, **options):
    """POST a form with the CSRF token of the page it is on (`token_from`, by default the URL itself)."""
    token = csrf_token(client, token_from or "/agency/login")
    return client.post(url, data={"csrf_token": token, **(data or {})}, **options)


def sign_in(client, email: str, password: str = PASSWORD) -> None:
    response = post(client, "/agency/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
