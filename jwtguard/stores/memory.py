"""``MemoryStore``: the default token store, in this process's memory."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Sequence

from .base import StoreError


class MemoryStore:
    """A :class:`TokenStore` in this process's memory: bounded, expiring, thread-safe.

    Every worker process has its own, so replay protection and revocation only hold within one
    process: fine for one process (or tests), not for ``gunicorn -w 4`` (the first check in each
    process logs a warning saying so). When ``max_entries``
    unexpired entries are held, adding another raises :class:`StoreError` rather than forgetting
    a ``jti`` that must stay remembered (``STORE_FAILURE`` then decides).
    """

    #: Each process has its own entries (a store may say so; command-line tools check it).
    process_local = True

    def __init__(
        self, *, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, str]] = {}  # key -> (expires_at, value)
        self._expiry: list[tuple[float, str]] = []  # heap; may hold superseded pairs

    def add(self, key: str, value: str, ttl: float) -> bool:
        with self._lock:
            now = self._clock()
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                return False
            self._store(key, value, now + ttl, now)
            return True

    def put(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            now = self._clock()
            self._store(key, value, now + ttl, now)

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        with self._lock:
            now = self._clock()
            values: list[str | None] = []
            for key in keys:
                entry = self._entries.get(key)
                values.append(entry[1] if entry is not None and entry[0] > now else None)
            return values

    def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires (``None`` when absent): for tests and operators."""
        with self._lock:
            entry = self._entries.get(key)
            remaining = None if entry is None else entry[0] - self._clock()
            return remaining if remaining is not None and remaining > 0 else None

    def __len__(self) -> int:
        """How many entries are held (expired ones included until they are purged)."""
        return len(self._entries)

    def _store(self, key: str, value: str, expires_at: float, now: float) -> None:
        self._purge(now)
        if key not in self._entries and len(self._entries) >= self.max_entries:
            raise StoreError(
                f"the memory store holds {self.max_entries} unexpired entries "
                "(STORE_MAX_ENTRIES); use a shared store such as Redis, or raise the limit"
            )
        self._entries[key] = (expires_at, value)
        heapq.heappush(self._expiry, (expires_at, key))
        if len(self._expiry) > 2 * len(self._entries) + 64:  # superseded pairs pile up
            self._expiry = [(at, k) for k, (at, _v) in self._entries.items()]
            heapq.heapify(self._expiry)

    def _purge(self, now: float) -> None:
        expiry, entries = self._expiry, self._entries
        while expiry and expiry[0][0] <= now:
            expires_at, key = heapq.heappop(expiry)
            entry = entries.get(key)
            if entry is not None and entry[0] == expires_at:
                del entries[key]
