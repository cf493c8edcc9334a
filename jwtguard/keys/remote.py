"""``RemoteJWKS``: an identity provider's keys, fetched by URL and kept fresh.

- Cached for the server's ``Cache-Control: max-age``, clamped to ``[min_ttl, max_ttl]``
  (``default_ttl`` when the server says nothing; never under :data:`SHORTEST_TTL`), and fetched
  again once expired.
- Rotation without a blind window: a token naming a ``kid`` the set lacks makes jwtguard fetch
  the set again at once (the provider may have rotated its keys), at most once per ``cooldown``
  (30 s by default), so a flood of random ``kid``s costs the provider one request per cooldown.
  Only these refetches count: a routine fetch (start-up, pre-warm, expiry, background refresh)
  neither waits for the cooldown nor uses it up, so a rotation right after one is seen at once.
- Right answers in an outage: an unknown ``kid`` is refused ``unknown_key`` (401) only when the
  latest fetch succeeded, i.e. a fresh set says the key is not there. When it failed, nobody can
  tell whether the key exists: 503 ``key_source_unavailable`` with ``Retry-After``. The detail
  says which (the set's age; refetch suppressed by the cooldown; refetch failed).
- A failed fetch is retried after a short backoff, ``backoff_start`` (1 s) doubling up to the
  cooldown, whatever asks for it; ``Retry-After`` says when. One failure at start-up therefore
  costs a second of 503 once the provider is back, not a whole cooldown.
- Single flight: concurrent callers that need a fetch wait for the one in progress, in threads
  and in asyncio code (which waits in a worker thread, never on the event loop), for at most
  ``wait_timeout`` from its start (``HTTP_TIMEOUT`` and a moment to load the keys, as built
  from a configuration), since the fetch itself ends by then.
- Selected by ``kid`` only: a token without ``kid`` is refused (``unknown_key``) before anything
  is fetched or tried, and the set is loaded as the public document it is
  (:func:`~jwtguard.keys.loaders.load_jwks` with ``fetched=True``: no HMAC secrets, no keys without
  ``kid``; keys sharing a ``kid`` and an algorithm beyond ``MAX_KEYS_WITHOUT_KID`` ignored and
  logged), so the work a forged token causes does not grow with the set.
- Stale-if-error: when a refresh fails, the last good keys keep serving the ``kid``s they hold
  for ``stale_ttl`` more seconds (logged); without any good keys a request gets 503.
- Optional background refresh shortly before expiry (and after a failure, once the backoff is
  over), restarted in a forked child (gunicorn ``--preload``: :mod:`jwtguard.keys.forks`);
  optional pre-warming.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import AuthError, KeySourceUnavailable, UnknownKey
from . import forks
from .http import Fetched, FetchError
from .keyset import KeyNotTried, KeySet, TrustedKey
from .loaders import load_jwks

logger = logging.getLogger("jwtguard")

Fetcher = Callable[[], Fetched]
"""Fetches the current JWK Set document (raising :class:`~jwtguard.keys.http.FetchError`)."""

SHORTEST_TTL = 1.0
"""Fetched keys are trusted at least this long, whatever the settings and the server say: an
expired set is fetched again, so a zero lifetime would make every request a fetch."""

BACKGROUND_PAUSE = 1.0
"""The least time between two background refreshes."""


@dataclass(frozen=True)
class CachePolicy:
    """How long fetched keys are trusted and how often the provider may be asked.

    ``cooldown``: the least time between two refetches an unknown ``kid`` causes, and the
    longest wait after a failed fetch; ``backoff_start``: the wait after the first failure in a
    row, doubled after each further one.
    """

    default_ttl: float = 600.0
    min_ttl: float = 60.0
    max_ttl: float = 86400.0
    cooldown: float = 30.0
    stale_ttl: float = 21600.0
    refresh_ahead: bool = False
    backoff_start: float = 1.0

    def ttl(self, max_age: float | None) -> float:
        wanted = self.default_ttl if max_age is None else max_age
        return max(min(max(wanted, self.min_ttl), self.max_ttl), SHORTEST_TTL)

    def backoff(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed fetch in a row."""
        return min(self.cooldown, self.backoff_start * 2.0 ** min(failures - 1, 30))


@dataclass(frozen=True)
class _Snapshot:
    """The installed keys and their lifetime; replaced whole, never mutated."""

    key_set: KeySet | None = None
    fetched_at: float = 0.0
    expires_at: float = 0.0
    sequence: int = 0  # which fetch produced it; a later fetch always has a larger number


@dataclass(frozen=True)
class _Need:
    """A fetch is needed before deciding; ``for_kid``: an unknown ``kid`` asks for it."""

    for_kid: bool


_ROUTINE = _Need(for_kid=False)
_FOR_KID = _Need(for_kid=True)

URL_KEYS_NEED_KID = (
    "the token has no kid; keys fetched from a URL are selected by kid only (identity "
    "providers always set it)"
)


class NotInFetchedKeys(UnknownKey):
    """``unknown_key`` from fetched keys: the latest fetch succeeded and its set lacks the
    ``kid``. ``freshness`` says when that set was fetched, and why it was not fetched again."""

    def __init__(self, detail: str, freshness: str) -> None:
        super().__init__(detail=f"{detail}; {freshness}")
        self.freshness = freshness


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
        self._last_error: str | None = None  # why the latest finished fetch failed
        self._failures = 0  # failed fetches in a row
        self._retry_at = -math.inf  # after a failure: no fetch starts before this moment
        self._kid_refetch_at = -math.inf  # when the latest refetch for an unknown kid started
        self._refresher: threading.Thread | None = None
        self._wake = threading.Event()  # a fetch ended: the background refresh reschedules
        self._closed = threading.Event()
        forks.restart_in_child(self)

    # --- the KeySource protocol --------------------------------------------------------------

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        begun = self._sequence
        for fetched in (0, 1):
            seen = self._completed
            keys = self._decide(kid, algorithm, begun, fetched)
            if not isinstance(keys, _Need):
                return keys
            self.refresh(unless_since=seen, for_kid=keys.for_kid)
        return self._decided(kid, algorithm, begun)

    async def acandidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        """As :meth:`candidates`; a needed fetch runs in a worker thread, not on the loop."""
        begun = self._sequence
        for fetched in (0, 1):
            seen = self._completed
            keys = self._decide(kid, algorithm, begun, fetched)
            if not isinstance(keys, _Need):
                return keys
            await asyncio.to_thread(self.refresh, unless_since=seen, for_kid=keys.for_kid)
        return self._decided(kid, algorithm, begun)

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
        self._wake.set()

    # --- deciding ----------------------------------------------------------------------------

    def _decide(
        self, kid: str | None, algorithm: str, begun: int, fetched: int
    ) -> Sequence[TrustedKey] | _Need:
        """The candidate keys, or the fetch to make first.

        ``begun``: how many fetches had started when the request first looked; ``fetched``: how
        many fetches it has made or waited for since. The first look may fetch (an empty or
        expired set, or a ``kid`` the set lacks); after one fetch, only a ``kid`` the set still
        lacks is fetched for, if the set came from a fetch begun before the request looked (a
        routine one already in flight); after two, nothing more.
        """
        if kid is None:  # refused before any fetch: a kid-less token never costs a request
            raise KeyNotTried(detail=URL_KEYS_NEED_KID)
        now = self._clock()
        snapshot = self._snapshot
        # A fetch in flight is always worth waiting for; after a failure, a new one waits out
        # the backoff.
        in_flight = self._flight is not None
        backed_off = now >= self._retry_at
        may_fetch = fetched == 0 and (in_flight or backed_off)
        if snapshot.key_set is None or now >= snapshot.expires_at + self.policy.stale_ttl:
            if may_fetch:
                return _ROUTINE
            raise self._unavailable(now, snapshot)
        if now >= snapshot.expires_at and may_fetch:
            return _ROUTINE
        try:
            return snapshot.key_set.candidates(kid, algorithm)
        except UnknownKey as error:
            # Perhaps the provider rotated its keys: look once more (once per cooldown).
            cooled = now >= self._kid_refetch_due()
            if may_fetch and (in_flight or cooled):
                return _FOR_KID
            older = fetched == 1 and snapshot.sequence <= begun
            if older and backed_off and cooled:
                return _FOR_KID
            raise self._unknown(error, now, snapshot, refreshed=fetched > 0) from None

    def _decided(self, kid: str | None, algorithm: str, begun: int) -> Sequence[TrustedKey]:
        keys = self._decide(kid, algorithm, begun, 2)
        assert not isinstance(keys, _Need)  # noqa: S101 - never after two fetches
        return keys

    def _kid_refetch_due(self) -> float:
        return self._kid_refetch_at + self.policy.cooldown

    def _unknown(
        self, error: UnknownKey, now: float, snapshot: _Snapshot, *, refreshed: bool
    ) -> AuthError:
        """Why a ``kid`` the set lacks is refused: 401 when the latest fetch succeeded (a fresh
        set says no), else 503 (whether the provider has the key cannot be known now)."""
        count = len(snapshot.key_set.keys) if snapshot.key_set is not None else 0
        held = (
            f"the {count} key(s) of {self.name} fetched {now - snapshot.fetched_at:.0f} s ago "
            "do not have it"
        )
        cooldown_left = self._kid_refetch_due() - now
        suppressed = (
            f"a refetch is suppressed by JWKS_REFETCH_COOLDOWN for {_seconds(cooldown_left)} s more"
        )
        failure = self._last_error
        if failure is None:
            return NotInFetchedKeys(error.detail, held if refreshed else f"{held}; {suppressed}")
        if refreshed:
            why = f"the refetch failed ({failure})"
        elif cooldown_left > 0:
            why = f"{suppressed}, and the last fetch failed ({failure})"
        else:
            retry = _seconds(self._retry_at - now)
            why = f"the last fetch failed ({failure}); the next fetch waits {retry} s more"
        return KeySourceUnavailable(
            detail=f"{error.detail}, and whether {self.name} has it cannot be known now: {why}; "
            f"{held}",
            retry_after=_seconds(max(self._kid_refetch_due(), self._retry_at) - now),
        )

    def _unavailable(self, now: float, snapshot: _Snapshot) -> KeySourceUnavailable:
        reason = self._last_error or (
            "the fetch in flight has not finished" if self._flight else "not fetched yet"
        )
        if snapshot.key_set is not None:
            reason += (
                f"; the keys fetched {now - snapshot.fetched_at:.0f} s ago are older than "
                "JWKS_STALE_TTL allows"
            )
        return KeySourceUnavailable(
            detail=f"no usable keys from {self.name}: {reason}",
            retry_after=_seconds(self._retry_at - now),
        )

    # --- fetching ----------------------------------------------------------------------------

    def refresh(self, *, unless_since: int | None = None, for_kid: bool = False) -> None:
        """Fetch the key set now, or wait for the fetch already in flight. Never raises.

        ``unless_since``: the count of finished fetches the caller saw when it decided to fetch;
        if one has finished since, its result stands and nothing more is fetched (callers queued
        behind a flight must not each start a new one). ``for_kid``: an unknown ``kid`` asks for
        it (such refetches are the ones the cooldown spaces out).
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
                if for_kid:
                    self._kid_refetch_at = self._last_attempt
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
            self._wake.set()
            self._schedule_refresh()

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
        self._failures = 0
        self._retry_at = -math.inf
        logger.info(
            "jwtguard: fetched %d key(s) from %s in %.0f ms, kids %s, trusted for %.0f s",
            len(key_set.keys),
            self.name,
            fetched.elapsed * 1000,
            list(key_set.kids),
            ttl,
        )

    def _install(self, snapshot: _Snapshot) -> bool:
        """Install ``snapshot`` unless a newer fetch's keys are already installed."""
        with self._lock:
            if snapshot.sequence <= self._snapshot.sequence:
                return False
            self._snapshot = snapshot
            return True

    def _failed(self, reason: str) -> None:
        self._failures += 1
        wait = self.policy.backoff(self._failures)
        self._retry_at = self._clock() + wait
        self._last_error = reason
        if self._snapshot.key_set is None:
            logger.error(
                "jwtguard: cannot fetch keys from %s: %s (next attempt in %.0f s)",
                self.name,
                reason,
                wait,
            )
        else:
            logger.warning(
                "jwtguard: refreshing keys from %s failed (%s); still serving the keys fetched "
                "%.0f s ago (next attempt in %.0f s)",
                self.name,
                reason,
                self._clock() - self._snapshot.fetched_at,
                wait,
            )

    # --- background refresh ------------------------------------------------------------------

    def _schedule_refresh(self) -> None:
        if not self.policy.refresh_ahead or self._refresher is not None or self._closed.is_set():
            return
        self._refresher = threading.Thread(
            target=self._refresh_loop, name=f"jwtguard-refresh {self.name}", daemon=True
        )
        self._refresher.start()

    def _refresh_due(self) -> float:
        """When the background refresh fetches next: after a failure, once the backoff is over;
        else shortly before the keys expire."""
        if self._last_error is not None:
            return self._retry_at
        snapshot = self._snapshot
        lifetime = snapshot.expires_at - snapshot.fetched_at
        return snapshot.expires_at - min(0.2 * lifetime, 60.0)

    def _refresh_loop(self) -> None:
        closed, wake = self._closed, self._wake
        while not closed.is_set():
            wake.clear()
            delay = max(self._refresh_due() - self._clock(), BACKGROUND_PAUSE)
            if wake.wait(delay):
                continue  # a fetch ended (or close()): the schedule changed
            if self._clock() >= self._refresh_due():
                self.refresh()

    # --- fork(): gunicorn --preload ----------------------------------------------------------

    def reset_after_fork(self) -> None:
        """In a forked child: fresh locks and events, no flight, no (dead) refresh thread."""
        self._lock = threading.Lock()
        self._flight = None
        self._wake = threading.Event()
        closed = self._closed.is_set()
        self._closed = threading.Event()
        if closed:
            self._closed.set()
        self._refresher = None

    def restart_after_fork(self) -> None:
        """In a forked child: the background refresh the parent ran, running again."""
        if self._completed:
            self._schedule_refresh()


def _seconds(wait: float) -> int:
    """A wait as whole seconds for ``Retry-After``: rounded up, at least 1."""
    return 1 if wait <= 1 else math.ceil(round(wait, 3))
