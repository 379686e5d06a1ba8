"""Production hardening tests share the agency world (for the write API's limits)."""

from tests.agency.conftest import fast_password_hashing, world  # noqa: F401  (fixtures)
