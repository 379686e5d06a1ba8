"""Rate limits shared by every channel (feedback forms, SMS senders), on the `limits` library.

Counters live in Redis when FINDER_REDIS_URL is set, so several app servers count together; otherwise in the
process's memory, which is right for the embedded single-server mode. While Redis is unreachable each process
counts in its own memory (looser by the number of processes, never unlimited) and says so in the log.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
# How often the memory storage forgets expired hits. Only memory is at stake: a hit older than its window never
# counts, swept or not.
SWEEP_SECONDS = 10.0


class SweptMemoryStorage(MemoryStorage):
    """limits' memory storage, forgetting expired hits and quiet senders in one sweep every SWEEP_SECONDS, on the
    caller's thread.

    The library's own starts a timer thread after every hit that walks every key 10 ms later: a thread per hit,
    and a walk that grows with the number of senders counted in the window (2 ms of CPU a hit with 1,000 senders,
    8 ms with 15,000)."""

    def __init__(self) -> None:
        super().__init__()
        self._sweep_lock = threading.Lock()
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:  # the library's private hook, called on every hit
        now = time.monotonic()
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()
            # The library empties a sender's list of hits but keeps the key: a sender gone quiet is dropped here.
            for key in [key for key, hits in self.events.items() if not hits]:
                with self.locks[key]:
                    if not self.events.get(key):
                        self.events.pop(key, None)
        finally:
            self._sweep_lock.release()


class RateLimits:
    """Moving-window limits keyed by a pseudonymous identifier, e.g. `allow("sms:" + sender, "20/10 minutes")`."""

    def __init__(self, redis_url: str | None) -> None:
        self.storage = storage_from_string(redis_url) if redis_url else SweptMemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._memory = MovingWindowRateLimiter(SweptMemoryStorage())
        self._redis_down = False

    def allow(self, key: str, limit: str) -> bool:
        """Count one hit for `key`; False once it is over `limit` (a string such as "5/minute")."""
        return self._call("hit", parse(limit), key)

    def remaining(self, key: str, limit: str) -> int:
        """How many more hits `key` may make now."""
        return self._call("get_window_stats", parse(limit), key).remaining

    def _call(self, method: str, *args):
        try:
            result = getattr(self.limiter, method)(*args)
        except RedisError as error:
            if not self._redis_down:
                log.warning("Redis unreachable (%s): counting rate limits in this process's memory", error)
                self._redis_down = True
            return getattr(self._memory, method)(*args)
        if self._redis_down:
            log.warning("Redis reachable again: rate limits are shared again")
            self._redis_down = False
        return result

    def reset(self) -> None:
        self.storage.reset()


def init_app(app, settings) -> None:
    app.extensions["finder.rate_limits"] = RateLimits(settings.redis_url)


def rate_limits() -> RateLimits:
    """The current application's rate limits."""
    return current_app.extensions["finder.rate_limits"]
