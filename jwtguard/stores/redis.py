"""``RedisStore``: the token store every worker process and machine can share.

Needs the ``redis`` extra (``pip install "jwtguard-api[redis]"``), imported only when a Redis
store is built, never with the core. One connection pool per process (redis-py's pools notice a
fork and start afresh in each gunicorn worker), a timeout on connecting and on every reply, and
at most one immediate retry after a broken connection (after Redis restarted, the first command
on an old pooled connection fails; its retry reconnects), never a slow backoff loop that would
hold a request. Replay protection is ``SET key NX PX ttl``: atomic, whatever the number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..urls import redact_url
from .base import StoreError

if TYPE_CHECKING:
    import redis


class RedisStore:
    """A :class:`~jwtguard.stores.base.TokenStore` on Redis (or anything speaking its protocol).

    ``url`` is a redis-py URL (``redis://[:password@]host:6379/0``, ``rediss://`` for TLS,
    ``unix:///path/redis.sock``); ``timeout`` bounds connecting and each reply, in seconds.
    ``client`` replaces the connection built from ``url`` (an existing ``redis.Redis``).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 1.0,
        max_connections: int = 64,
        client: redis.Redis | None = None,
    ) -> None:
        import redis  # noqa: PLC0415 - an optional dependency, imported only when used
        from redis.backoff import NoBackoff  # noqa: PLC0415
        from redis.retry import Retry  # noqa: PLC0415

        self.name = redact_url(url)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.client = client or redis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
            health_check_interval=30,
            max_connections=max_connections,
            decode_responses=True,
            client_name="jwtguard",
        )

    def add(self, key: str, value: str, ttl: float) -> bool:
        return self._call("SET NX", self.client.set, key, value, nx=True, px=_ms(ttl)) is True

    def put(self, key: str, value: str, ttl: float) -> None:
        self._call("SET", self.client.set, key, value, px=_ms(ttl))

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        if not keys:
            return []
        values = self._call("MGET", self.client.mget, list(keys))
        return [None if value is None else str(value) for value in values]

    def close(self) -> None:
        """Close the pooled connections (a later command opens new ones)."""
        self.client.close()

    def _call(self, command: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except self._errors as error:
            raise StoreError(
                f"Redis {command} at {self.name} failed: {type(error).__name__}: {error}"
            ) from None

    def __repr__(self) -> str:
        return f"RedisStore({self.name!r})"


def _ms(ttl: float) -> int:
    """``ttl`` in whole milliseconds, rounded up (an entry may outlive it by < 1 ms, never
    expire before it), at least 1."""
    return max(1, math.ceil(ttl * 1000))
