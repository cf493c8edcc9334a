"""``RemoteJWKS``: an identity provider's keys, fetched by URL and kept fresh.

- Cached for the server's ``Cache-Control: max-age``, clamped to ``[min_ttl, max_ttl]``
  (``default_ttl`` when the server says nothing).
- A fetch is attempted at most once per ``cooldown`` (30 s by default), whatever triggers it: a
  cold cache, an expired one, or a token naming an unknown ``kid``. A flood of random ``kid``s
  therefore costs the identity provider one request per cooldown window.
- Single flight: concurrent callers that need a fetch wait for the one in progress, in threads
  and in asyncio code (which waits in a worker thread, never on the event loop), for at most
  ``wait_timeout`` from its start (``HTTP_TIMEOUT`` and a moment to load the keys, as built
  from a configuration), since the fetch itself ends by then.
- Selected by ``kid`` only: a token without ``kid`` is refused (``unknown_key``) before anything
  is fetched or tried, and the set is loaded as the public document it is
  (:func:`~jwtguard.keys.loaders.load_jwks` with ``fetched=True``: no HMAC secrets, no keys without
  ``kid``; keys sharing a ``kid`` and an algorithm beyond ``MAX_KEYS_WITHOUT_KID`` ignored and
  logged), so the work a forged token causes does not grow with the set.
- Stale-if-error: when a refresh fails, the last good keys keep serving for ``stale_ttl`` more
  seconds (logged); without any good keys a request gets 503 ``key_source_unavailable``.
- Optional background refresh shortly before expiry, and optional pre-warming.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import KeySourceUnavailable, UnknownKey
from .http import Fetched, FetchError
from .keyset import KeyNotTried, KeySet, TrustedKey
from .loaders import load_jwks

logger = logging.getLogger("jwtguard")

Fetcher = Callable[[], Fetched]
"""Fetches the current JWK Set document (raising :class:`~jwtguard.keys.http.FetchError`)."""


@dataclass(frozen=True)
class CachePolicy:
    """How long fetched keys are trusted and how often the provider may be asked."""

    default_ttl: float = 600.0
    min_ttl: float = 60.0
    max_ttl: float = 86400.0
    cooldown: float = 30.0
    stale_ttl: float = 21600.0
    refresh_ahead: bool = False

    def ttl(self, max_age: float | None) -> float:
        wanted = self.default_ttl if max_age is None else max_age
        return min(max(wanted, self.min_ttl), self.max_ttl)


@dataclass(frozen=True)
class _Snapshot:
    """The installed keys and their lifetime; replaced whole, never mutated."""

    key_set: KeySet | None = None
    fetched_at: float = 0.0
    expires_at: float = 0.0
    sequence: int = 0  # which fetch produced it; a later fetch always has a larger number


URL_KEYS_NEED_KID = (
    "the token has no kid; keys fetched from a URL are selected by kid only (identity "
    "providers always set it)"
)


class _Flight:
    def __init__(self, wait: float) -> None:
        self.done = threading.Event()
        self.ends = time.monotonic() + wait  # when waiters stop waiting for it


class RemoteJWKS:
    """A :class:`~jwtguard.keys.KeySource` over a JWKS URL (or any fetcher of a JWK Set).

    ``wait_timeout``: how long, counted from a fetch's start, requests wait for it; it should
    exceed the fetcher's own time limit a little. ``max_without_kid`` (``MAX_KEYS_WITHOUT_KID``):
    how many keys sharing a ``kid`` and an algorithm are kept (the first ones; the others are
    ignored and logged).
    """

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        algorithms: Sequence[str],
        policy: CachePolicy | None = None,
        name: str = "JWKS",
        clock: Callable[[], float] = time.monotonic,
        wait_timeout: float = 30.0,
        max_without_kid: int = 1,
    ) -> None:
        self._fetcher = fetcher
        self._algorithms = tuple(algorithms)
        self._max_without_kid = max_without_kid
        self.policy = policy or CachePolicy()
        self.name = name
        self._clock = clock
        self._wait_timeout = wait_timeout
        self._snapshot = _Snapshot()
        self._lock = threading.Lock()
        self._flight: _Flight | None = None
        self._sequence = 0  # fetches started
        self._completed = 0  # fetches finished, successfully or not
        self._last_attempt: float | None = None
        self._last_error: str | None = None
        self._refresher: threading.Thread | None = None
        self._closed = threading.Event()

    # --- the KeySource protocol --------------------------------------------------------------

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        seen = self._completed
        keys = self._decide(kid, algorithm, refreshed=False)
        if keys is None:
            self.refresh(unless_since=seen)
            keys = self._decide(kid, algorithm, refreshed=True)
            assert keys is not None  # noqa: S101 - _decide never defers twice
        return keys

    async def acandidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        """As :meth:`candidates`; a needed fetch runs in a worker thread, not on the loop."""
        seen = self._completed
        keys = self._decide(kid, algorithm, refreshed=False)
        if keys is None:
            await asyncio.to_thread(self.refresh, unless_since=seen)
            keys = self._decide(kid, algorithm, refreshed=True)
            assert keys is not None  # noqa: S101 - _decide never defers twice
        return keys

    # --- operator-facing ---------------------------------------------------------------------

    @property
    def key_set(self) -> KeySet | None:
        """The keys currently trusted (``None`` before the first successful fetch)."""
        return self._snapshot.key_set

    @property
    def last_error(self) -> str | None:
        """Why the latest fetch failed, if it did."""
        return self._last_error

    def warm(self) -> bool:
        """Fetch now (at start-up), so that no request pays for it; never raises."""
        self.refresh()
        return self._snapshot.key_set is not None

    def close(self) -> None:
        """Stop the background refresh, if any."""
        self._closed.set()

    # --- deciding ----------------------------------------------------------------------------

    def _decide(
        self, kid: str | None, algorithm: str, *, refreshed: bool
    ) -> Sequence[TrustedKey] | None:
        """The candidate keys, or ``None`` when a fetch should be attempted first."""
        if kid is None:  # refused before any fetch: a kid-less token never costs a request
            raise KeyNotTried(detail=URL_KEYS_NEED_KID)
        now = self._clock()
        snapshot = self._snapshot
        # A fetch in flight is always worth waiting for; starting one obeys the cooldown.
        may_fetch = not refreshed and (self._flight is not None or self._may_attempt(now))
        if snapshot.key_set is None or now >= snapshot.expires_at + self.policy.stale_ttl:
            if may_fetch:
                return None
            raise self._unavailable(now)
        if now >= snapshot.expires_at and may_fetch:
            return None
        try:
            return snapshot.key_set.candidates(kid, algorithm)
        except UnknownKey:
            if kid is not None and may_fetch:
                return None  # perhaps the provider rotated its keys: look once more
            raise

    def _may_attempt(self, now: float) -> bool:
        last = self._last_attempt
        return last is None or now - last >= self.policy.cooldown

    def _unavailable(self, now: float) -> KeySourceUnavailable:
        last = self._last_attempt
        wait = self.policy.cooldown - (now - last) if last is not None else self.policy.cooldown
        return KeySourceUnavailable(
            detail=f"no usable keys from {self.name}: {self._last_error or 'not fetched yet'}",
            retry_after=max(1, round(wait)),
        )

    # --- fetching ----------------------------------------------------------------------------

    def refresh(self, *, unless_since: int | None = None) -> None:
        """Fetch the key set now, or wait for the fetch already in flight. Never raises.

        ``unless_since``: the count of finished fetches the caller saw when it decided to fetch;
        if one has finished since, its result stands and nothing more is fetched (callers queued
        behind a flight must not each start a new one).
        """
        with self._lock:
            flight = self._flight
            if flight is None and unless_since is not None and self._completed > unless_since:
                return
            leader = flight is None
            if flight is None:
                flight = self._flight = _Flight(self._wait_timeout)
                self._sequence += 1
                sequence = self._sequence
                self._last_attempt = self._clock()
        if not leader:
            flight.done.wait(max(0.0, flight.ends - time.monotonic()))
            return
        try:
            self._fetch(sequence)
        finally:
            with self._lock:
                self._flight = None
                self._completed += 1
            flight.done.set()

    def _fetch(self, sequence: int) -> None:
        try:
            fetched = self._fetcher()
        except FetchError as error:
            self._failed(str(error))
            return
        except Exception as error:  # a custom fetcher's bug must not turn into a 500
            logger.exception("jwtguard: the key fetcher of %s failed", self.name)
            self._failed(f"the fetcher raised {type(error).__name__}")
            return
        loaded = load_jwks(fetched.document, self._algorithms, origin=self.name, fetched=True)
        key_set = KeySet(loaded.keys, max_without_kid=self._max_without_kid)
        for reason in (*loaded.problems, *loaded.skipped, *key_set.left_out):
            logger.warning("jwtguard: ignoring a key from %s: %s", self.name, reason)
        if not key_set.keys:
            self._failed("the key set holds no usable signing key")
            return
        now = self._clock()
        ttl = self.policy.ttl(fetched.max_age)
        self._install(_Snapshot(key_set, now, now + ttl, sequence))
        self._last_error = None
        logger.info(
            "jwtguard: fetched %d key(s) from %s in %.0f ms, kids %s, trusted for %.0f s",
            len(key_set.keys),
            self.name,
            fetched.elapsed * 1000,
            list(key_set.kids),
            ttl,
        )
        self._schedule_refresh()

    def _install(self, snapshot: _Snapshot) -> bool:
        """Install ``snapshot`` unless a newer fetch's keys are already installed."""
        with self._lock:
            if snapshot.sequence <= self._snapshot.sequence:
                return False
            self._snapshot = snapshot
            return True

    def _failed(self, reason: str) -> None:
        self._last_error = reason
        if self._snapshot.key_set is None:
            logger.error("jwtguard: cannot fetch keys from %s: %s", self.name, reason)
        else:
            logger.warning(
                "jwtguard: refreshing keys from %s failed (%s); still serving the keys fetched "
                "%.0f s ago",
                self.name,
                reason,
                self._clock() - self._snapshot.fetched_at,
            )

    # --- background refresh ------------------------------------------------------------------

    def _schedule_refresh(self) -> None:
        if not self.policy.refresh_ahead or self._refresher is not None:
            return
        self._refresher = threading.Thread(
            target=self._refresh_loop, name=f"jwtguard-refresh {self.name}", daemon=True
        )
        self._refresher.start()

    def _refresh_loop(self) -> None:
        while not self._closed.is_set():
            snapshot = self._snapshot
            lifetime = snapshot.expires_at - snapshot.fetched_at
            due = snapshot.expires_at - min(0.2 * lifetime, 60.0)
            delay = max(due - self._clock(), self.policy.cooldown if self._last_error else 1.0)
            if self._closed.wait(delay):
                return
            if self._may_attempt(self._clock()):
                self.refresh()
