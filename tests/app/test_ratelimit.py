import threading
import time
import uuid

import pytest

from finder.ratelimit import RateLimits, SweptMemoryStorage


@pytest.mark.parametrize("url", [None, "redis://127.0.0.1:6379/0"])
def test_a_key_is_refused_once_over_its_limit_and_others_are_not(url):
    limits = RateLimits(url)
    key = f"test:{uuid.uuid4().hex}"
    assert [limits.allow(key, "3/minute") for _ in range(4)] == [True, True, True, False]
    assert limits.remaining(key, "3/minute") == 0
    assert limits.allow(f"{key}-other", "3/minute")


def test_memory_counting_starts_no_thread_per_hit_and_still_forgets_expired_hits(monkeypatch):
    limits = RateLimits(None)
    storage = limits.storage
    assert isinstance(storage, SweptMemoryStorage)
    storage.timer.join()  # the library's one timer, started with the storage
    # Threads started by the hits themselves (other tests' threads may end meanwhile, so not a count).
    before = set(threading.enumerate())
    assert all(limits.allow(f"test:{n}", "1/second") for n in range(200))
    assert set(threading.enumerate()) - before == set(), "no timer thread per hit"
    assert len(storage.events) == 200

    # Once the window is over and a sweep is due, the next hit forgets the expired ones, on its own thread.
    time.sleep(1.1)
    monkeypatch.setattr(storage, "_next_sweep", 0.0)
    assert limits.allow("test:after", "1/second")
    assert len(storage.events) == 1 and "test:after" in next(iter(storage.events))
    assert not limits.allow("test:after", "1/second"), "counting is unchanged"
