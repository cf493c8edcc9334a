"""The token store a configuration describes: which kind (:func:`store_kind`), and the store.

The stores sit below the configuration and never import it: what they read of one is
:class:`StoreSettings`, which every :class:`~jwtguard.GuardConfig` is.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Literal, Protocol

from ..errors import ConfigProblem, ConfigurationError
from ..issuers import Issuers
from .base import TokenStore, is_store
from .memory import MemoryStore

StoreKind = Literal["memory", "redis", "custom"]


class StoreSettings(Protocol):
    """The settings a store and its revocations are built from (a ``GuardConfig`` has them)."""

    @property
    def store(self) -> str | TokenStore | None: ...
    @property
    def redis_url(self) -> str | None: ...
    @property
    def store_timeout(self) -> float: ...
    @property
    def store_max_entries(self) -> int: ...
    @property
    def store_prefix(self) -> str: ...
    @property
    def revocation(self) -> bool: ...
    @property
    def revocation_ttl(self) -> float: ...
    @property
    def leeway(self) -> float: ...
    @property
    def max_lifetime(self) -> float | None: ...
    @property
    def issuers(self) -> tuple[str, ...]: ...


class RevocationSettings(StoreSettings, Protocol):
    """The settings revocations are built from: a store's, and the trusted issuers (names and
    templates), under one of which a revocation is made (a ``GuardConfig`` has them)."""

    @property
    def accepted_issuers(self) -> Issuers: ...


def store_kind(config: StoreSettings) -> StoreKind:
    """Which store ``config`` describes: ``STORE``, or Redis when only ``REDIS_URL`` is set."""
    store = config.store
    if store is None:
        return "redis" if config.redis_url else "memory"
    if store in ("memory", "redis"):
        return "memory" if store == "memory" else "redis"
    return "memory" if isinstance(store, MemoryStore) else "custom"


def build_store(config: StoreSettings) -> TokenStore:
    """The store ``config`` describes, ready to use (a Redis store connects on first use)."""
    kind = store_kind(config)
    if kind == "memory" and not isinstance(config.store, MemoryStore):
        return MemoryStore(max_entries=config.store_max_entries)
    if kind == "redis":
        from .redis import RedisStore  # noqa: PLC0415 - redis is an optional dependency

        assert config.redis_url is not None  # noqa: S101 - the config checker demands it
        return RedisStore(config.redis_url, timeout=config.store_timeout)
    store = config.store
    if isinstance(store, str):
        store = load_factory(store)(config)
        if not is_store(store):
            wrong = f"STORE {config.store!r} returned {type(store).__name__}, not a token store"
            raise ConfigurationError([ConfigProblem("STORE", "store_invalid", wrong)])
    return store  # type: ignore[return-value]  # is_store() was checked with the config


def load_factory(path: str) -> Callable[[StoreSettings], Any]:
    """Import ``package.module.name`` (or ``package.module:name``): a callable taking the config.

    Raises ``ImportError`` or ``AttributeError`` when it cannot be found, ``TypeError`` when it
    is not callable.
    """
    module_name, _, name = path.rpartition(":") if ":" in path else path.rpartition(".")
    factory = getattr(importlib.import_module(module_name), name)
    if not callable(factory):
        raise TypeError(f"{path} is not callable")
    return factory  # type: ignore[no-any-return]
