"""Token stores: where replay protection and revocation keep what they must remember.

A store is a small key-value service with expiring entries (:class:`TokenStore`). jwtguard keeps
three kinds of entries in it, each under a key made by :func:`store_key` (a prefix, the kind, and
SHA-256 digests of the issuer and the identifier, so keys have a fixed length and no identifier is
ever parsed as part of a key):

- ``used``: a ``jti`` seen by replay protection, until the token's ``exp`` plus the leeway;
- ``revoked-jti``: a revoked ``jti``, until its token can no longer be accepted;
- ``revoked-sub``: a subject's cutoff (tokens issued before it are refused), until a token issued
  before it can no longer be accepted.

Every entry belongs to one issuer (the token's ``iss``), so tenants of a multi-issuer API never
share a ``jti`` or a ``sub``. A revocation may also hold under every issuer, when the operator
asks for it; its key is the one every entry had before keys were scoped by issuer, so a
revocation written by an older jwtguard still holds (under every issuer, as it did then).

Stores here: :class:`MemoryStore` (the default: one process only), the Redis store in
:mod:`jwtguard.redis_store` (shared by every worker and machine), and the Django adapter's store on
Django's cache framework. Any store failure is a :class:`StoreError`; what a request gets then is
the ``STORE_FAILURE`` policy's decision (:mod:`jwtguard.store_checks`).
"""

from __future__ import annotations

import hashlib
import heapq
import importlib
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from .errors import ConfigurationError

if TYPE_CHECKING:
    from .config import GuardConfig

EntryKind = Literal["used", "revoked-jti", "revoked-sub"]
StoreKind = Literal["memory", "redis", "custom"]
STORE_METHODS = ("add", "put", "get_many")


class StoreError(Exception):
    """The store could not answer (unreachable, timed out, full). The message is for the
    operator's log and never holds a password."""


@runtime_checkable
class TokenStore(Protocol):
    """What replay protection and revocation need from a store.

    ``ttl`` is in seconds (> 0); an entry must not outlive it by more than the store's
    granularity (a second for Django's cache, a millisecond for Redis). Every method raises
    :class:`StoreError` when the store cannot answer.
    """

    def add(self, key: str, value: str, ttl: float) -> bool:
        """Store ``key`` unless it is present, atomically; whether this call stored it."""
        ...

    def put(self, key: str, value: str, ttl: float) -> None:
        """Store ``key``, replacing any value it had."""
        ...

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        """The values of ``keys``, in order (``None`` for absent or expired ones)."""
        ...


def is_process_local(store: object) -> bool:
    """Whether ``store`` keeps its entries in one process only (so another process, such as a
    command that revokes or another worker, cannot reach those of a running API). The one place
    that decides: the revoke commands refuse such a store, the checks warn about it."""
    return getattr(store, "process_local", False) is True


def store_key(prefix: str, kind: EntryKind, identifier: str, *, issuer: str | None) -> str:
    """The store key for ``identifier`` (a ``jti`` or a ``sub``) as an entry of ``kind``.

    ``issuer`` is the ``iss`` of the tokens the entry is about (``""`` for tokens without one);
    ``None`` makes the key of a revocation that holds under every issuer, which is also the
    key of every entry written before keys were scoped by issuer. The two forms never collide:
    a scoped key has one more ``:``-separated digest.
    """
    if issuer is None:
        return f"{prefix}{kind}:{_digest(identifier)}"
    return f"{prefix}{kind}:{_digest(issuer)}:{_digest(identifier)}"


def describe_issuer(issuer: str | None) -> str:
    """Whose tokens an entry of :func:`store_key`'s ``issuer`` is about, for messages."""
    if issuer is None:
        return "from every issuer"
    if not issuer:
        return "without iss"
    shown = issuer if len(issuer) <= 64 else issuer[:64] + "…"
    return f"from iss {shown!r}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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


def store_kind(config: GuardConfig) -> StoreKind:
    """Which store ``config`` describes: ``STORE``, or Redis when only ``REDIS_URL`` is set."""
    store = config.store
    if store is None:
        return "redis" if config.redis_url else "memory"
    if store in ("memory", "redis"):
        return "memory" if store == "memory" else "redis"
    return "memory" if isinstance(store, MemoryStore) else "custom"


def build_store(config: GuardConfig) -> TokenStore:
    """The store ``config`` describes, ready to use (a Redis store connects on first use)."""
    kind = store_kind(config)
    if kind == "memory" and not isinstance(config.store, MemoryStore):
        return MemoryStore(max_entries=config.store_max_entries)
    if kind == "redis":
        from .redis_store import RedisStore  # noqa: PLC0415 - redis is an optional dependency

        assert config.redis_url is not None  # noqa: S101 - the config checker demands it
        return RedisStore(config.redis_url, timeout=config.store_timeout)
    store = config.store
    if isinstance(store, str):
        store = load_factory(store)(config)
        if not is_store(store):
            raise ConfigurationError(
                [f"STORE {config.store!r} returned {type(store).__name__}, not a token store"]
            )
    return store  # type: ignore[return-value]  # is_store() was checked with the config


def is_store(value: object) -> bool:
    """Whether ``value`` has the :class:`TokenStore` methods."""
    return all(callable(getattr(value, name, None)) for name in STORE_METHODS)


def load_factory(path: str) -> Callable[[GuardConfig], Any]:
    """Import ``package.module.name`` (or ``package.module:name``): a callable taking the config.

    Raises ``ImportError`` or ``AttributeError`` when it cannot be found, ``TypeError`` when it
    is not callable.
    """
    module_name, _, name = path.rpartition(":") if ":" in path else path.rpartition(".")
    factory = getattr(importlib.import_module(module_name), name)
    if not callable(factory):
        raise TypeError(f"{path} is not callable")
    return factory  # type: ignore[no-any-return]
