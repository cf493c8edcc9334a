"""A token store on Django's cache framework: ``"STORE": "django-cache"`` in ``JWTGUARD``.

``"django-cache"`` uses the ``default`` cache, ``"django-cache:<alias>"`` another one of
``CACHES``. Replay protection relies on ``cache.add`` being atomic, which it is on the Redis
(``django.core.cache.backends.redis.RedisCache``) and Memcached backends, the ones to use with
several worker processes. ``LocMemCache`` works within one process only (``manage.py check``
warns, ``jwtguard.W005``); ``DummyCache`` stores nothing and is refused. Timeouts are whole
seconds, rounded up, so an entry may outlive its token by under a second, never die before it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, BaseCache, caches

from jwtguard import ConfigProblem, StoreError

CACHE_STORE = "django-cache"
_LOCAL_BACKENDS = ("django.core.cache.backends.locmem.LocMemCache",)
_USELESS_BACKENDS = ("django.core.cache.backends.dummy.DummyCache",)

T = TypeVar("T")


class DjangoCacheStore:
    """A :class:`~jwtguard.TokenStore` on the Django cache ``alias``."""

    def __init__(self, alias: str = DEFAULT_CACHE_ALIAS) -> None:
        self.alias = alias
        self.name = f"the Django cache {alias!r}"

    @property
    def process_local(self) -> bool:
        """Whether each process has its own entries (``LocMemCache``)."""
        return _backend(self.alias) in _LOCAL_BACKENDS

    def add(self, key: str, value: str, ttl: float) -> bool:
        return bool(self._call("add", lambda cache: cache.add(key, value, _seconds(ttl))))

    def put(self, key: str, value: str, ttl: float) -> None:
        self._call("set", lambda cache: cache.set(key, value, _seconds(ttl)))

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        if not keys:
            return []
        found = self._call("get_many", lambda cache: cache.get_many(keys))
        return [None if found.get(key) is None else str(found[key]) for key in keys]

    def _call(self, operation: str, call: Callable[[BaseCache], T]) -> T:
        try:
            return call(caches[self.alias])
        except Exception as error:  # every backend fails in its own way
            raise StoreError(
                f"{operation} on {self.name} failed: {type(error).__name__}: {error}"
            ) from None

    def __repr__(self) -> str:
        return f"DjangoCacheStore({self.alias!r})"


def django_store(value: Any, problems: list[ConfigProblem]) -> Any:
    """The ``STORE`` setting with ``"django-cache[:alias]"`` made a :class:`DjangoCacheStore`;
    other values are the core's to check. Problems are appended to ``problems``."""
    if not isinstance(value, str) or value.partition(":")[0] != CACHE_STORE:
        return value
    alias = value.partition(":")[2] or DEFAULT_CACHE_ALIAS
    configured = getattr(settings, "CACHES", {})
    if alias not in configured:
        wrong = f"CACHES has no {alias!r} cache"
    elif _backend(alias) in _USELESS_BACKENDS:
        wrong = f"the {alias!r} cache is a DummyCache: it keeps nothing"
    else:
        return DjangoCacheStore(alias)
    problems.append(ConfigProblem("STORE", "store_invalid", f"STORE {value!r}: {wrong}"))
    return None


def _backend(alias: str) -> str:
    return str(getattr(settings, "CACHES", {}).get(alias, {}).get("BACKEND", ""))


def _seconds(ttl: float) -> int:
    """Whole seconds, rounded up: Django truncates, and 0 would mean "do not store"."""
    return max(1, math.ceil(ttl))
