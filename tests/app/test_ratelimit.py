import uuid

import pytest

from finder.ratelimit import RateLimits


@pytest.mark.parametrize("url", [None, "redis://127.0.0.1:6379/0"])
def test_a_key_is_refused_once_over_its_limit_and_others_are_not(url):
    limits = RateLimits(url)
    key = f"test:{uuid.uuid4().hex}"
    assert [limits.allow(key, "3/minute") for _ in range(4)] == [True, True, True, False]
    assert limits.remaining(key, "3/minute") == 0
    assert limits.allow(f"{key}-other", "3/minute")
