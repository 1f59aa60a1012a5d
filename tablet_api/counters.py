"""The rate limits' counters of the tablet API: server.shared_storage (Redis, or memory in the
demo and the tests), counted with the fixed-window strategy by `http.hit`.

Not Flask-Limiter's extension: every limit of this API is counted in the pipeline once we know
who calls, and the extension's own hooks (a check of no limits before each call, its headers
after, a teardown) cost about a tenth of a signed-in call's CPU for nothing."""

from __future__ import annotations

import time

from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from backoffice.settings import Settings
from backoffice.surface import shared_storage

# How often (in counts) the memory counters drop the windows that have ended.
SWEEP_EVERY = 10_000


class Counters:
    def __init__(self, settings: Settings) -> None:
        options = shared_storage(settings)
        uri = options["storage_uri"]
        self.storage: Storage = (
            WorkerMemory(**options["storage_options"])
            if uri.startswith("memory://")
            else storage_from_string(uri, **options["storage_options"])
        )
        self.limiter = FixedWindowRateLimiter(self.storage)


class WorkerMemory(MemoryStorage):
    """limits' memory storage (one worker's own counters, for the demo and the tests) without
    its expiry timer: it starts a thread whenever the last one has ended, that is every few
    calls of a busy worker, a tenth of a signed-in call's CPU. A window that has ended is
    dropped when its key is counted again (as the storage does anyway), and all of them every
    SWEEP_EVERY counts."""

    STORAGE_SCHEME = None  # not registered: `memory://` stays limits' own

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.counted = 0

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self.get(key)  # a window that has ended starts again
        self.counted += 1
        if self.counted % SWEEP_EVERY == 0:
            self._sweep()
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
        return self.storage.get(key, 0)

    def _sweep(self) -> None:
        now = time.time()
        for key, ends_at in list(self.expirations.items()):
            if ends_at <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)
