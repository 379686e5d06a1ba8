"""The agency world (agencies, people, tokens) for the write API's tests."""

from tests.agency.conftest import fast_password_hashing, world  # noqa: F401  (fixtures)
