"""Steps 6 and 7 of the pipeline (design §4): revocation, then replay, on a token store.

They run after the signature and the claims are proven, so nothing unproven ever reaches the
store, and in this order because the replay check consumes the ``jti``.

Entries are scoped by the token's ``iss`` (:func:`~jwtguard.stores.base.store_key`), so one
tenant's token never burns or revokes another tenant's identical ``jti`` or ``sub``.

- Revocation: one read (one store round trip) of up to four entries: the token's ``jti`` and its
  ``sub``'s cutoff, each under the token's issuer and under every issuer. A token whose ``sub``
  has a cutoff is refused if it was issued (``iat``) before it, and also when it has no ``iat``
  to prove otherwise (fail closed).
- Replay: an atomic "add unless present" of the issuer's ``jti``, kept until the token's ``exp``
  plus the leeway, when the token can no longer be accepted anyway, and no longer.

A store that keeps its entries in one process (:func:`~jwtguard.stores.base.is_process_local`) holds
only within one worker: the first check on one logs a warning, once per process.

When the store fails, ``STORE_FAILURE = "closed"`` (the default) answers 503
``store_unavailable`` with ``Retry-After``; ``"open"`` accepts the token unchecked and logs a
warning (at most one per ``LOG_INTERVAL`` seconds, with the count of the others).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..claims import iso_time
from ..errors import AuthError, ClaimInvalid, StoreUnavailable, TokenReplayed, TokenRevoked
from ..pipeline import Facts, Skip, Step
from .base import StoreError, TokenStore, describe_issuer, is_process_local, store_key
from .memory import MemoryStore

logger = logging.getLogger("jwtguard")

RETRY_AFTER = 5
"""Seconds a client is asked to wait after a 503 ``store_unavailable``."""
LOG_INTERVAL = 10.0


class StoreChecks:
    """Revocation and replay checks of one configuration on one store."""

    def __init__(
        self,
        store: TokenStore,
        *,
        revocation: bool,
        replay: bool,
        leeway: float,
        prefix: str,
        fail_open: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.revocation = revocation
        self.replay = replay
        self.leeway = leeway
        self.prefix = prefix
        self.fail_open = fail_open
        self.name = getattr(store, "name", type(store).__name__)
        # A memory store answers at once; any other may wait on the network.
        self.blocking = not isinstance(store, MemoryStore)
        self.process_local = is_process_local(store)
        self._log = RateLimitedLog(LOG_INTERVAL, clock)

    def steps(self) -> tuple[Step[Facts], Step[Facts]]:
        """Revocation, then replay (which consumes the ``jti``); the first enabled one warns,
        once per process, that a process-local store holds within one worker only."""
        warn = self.process_local
        revocation = self._step(
            "revocation", self.revocation, self._check_revoked, self._check_revoked, warn=warn
        )
        warn = warn and not self.revocation
        replay = self._step(
            "replay", self.replay, self._check_replay, self._check_unused, warn=warn
        )
        return revocation, replay

    def _step(
        self, name: str, enabled: bool, write: _StoreCheck, read: _StoreCheck, *, warn: bool
    ) -> Step[Facts]:
        def check(state: Facts) -> Skip | None:
            if warn and PROCESS_LOCAL_WARNING.first():
                self._warn_process_local()
            return self._guarded(name, write, state.claims, state.now)

        def peek(state: Facts) -> Skip | None:
            return self._guarded(name, read, state.claims, state.now)

        return _store_step(name, check, peek=peek, blocking=self.blocking, enabled=enabled)

    # --- the checks --------------------------------------------------------------------------

    def _check_revoked(self, claims: Mapping[str, Any], now: float) -> None:
        jti, sub, iss = _string(claims.get("jti")), _string(claims.get("sub")), token_issuer(claims)
        scopes = (iss, None)  # the token's own issuer, then every issuer
        keys = []
        if jti:
            keys += [store_key(self.prefix, "revoked-jti", jti, issuer=s) for s in scopes]
        if sub is not None:
            keys += [store_key(self.prefix, "revoked-sub", sub, issuer=s) for s in scopes]
        if not keys:
            return
        values = iter(self.store.get_many(keys))  # one round trip, whatever the store
        if jti:
            for scope, value in zip(scopes, (next(values), next(values)), strict=True):
                if value is not None:
                    raise TokenRevoked(
                        detail=f"jti {_shorten(jti)!r} {describe_issuer(scope)} is revoked"
                    )
        if sub is None:
            return
        cutoffs = [
            (parse_cutoff(value), scope)
            for scope, value in zip(scopes, (next(values), next(values)), strict=True)
            if value is not None
        ]
        if not cutoffs:
            return
        before, scope = max(cutoffs, key=lambda cutoff: cutoff[0])
        iat = claims.get("iat")
        revoked = (
            f"tokens of sub {_shorten(sub)!r} {describe_issuer(scope)} issued before "
            f"{iso_time(before)} are revoked"
        )
        if iat is None:
            raise TokenRevoked(detail=f"{revoked}, and this token has no iat to show otherwise")
        if iat < before:
            raise TokenRevoked(detail=f"{revoked}; this one was issued at {iso_time(iat)}")

    def _check_replay(self, claims: Mapping[str, Any], now: float) -> None:
        # The claim rules made jti and exp required, and exp + leeway > now.
        jti, exp, iss = _replay_jti(claims), claims["exp"], token_issuer(claims)
        until = exp + self.leeway
        if not self.store.add(store_key(self.prefix, "used", jti, issuer=iss), "1", until - now):
            raise TokenReplayed(
                detail=f"jti {_shorten(jti)!r} {describe_issuer(iss)} was already used (it is "
                f"remembered until {iso_time(until)}, when the token can no longer be accepted)"
            )

    def _check_unused(self, claims: Mapping[str, Any], now: float) -> None:
        jti, iss = _replay_jti(claims), token_issuer(claims)
        [used] = self.store.get_many([store_key(self.prefix, "used", jti, issuer=iss)])
        if used is not None:
            raise TokenReplayed(
                detail=f"jti {_shorten(jti)!r} {describe_issuer(iss)} was already used"
            )

    def _warn_process_local(self) -> None:
        used_for = (("replay protection", self.replay), ("revocation", self.revocation))
        checks = " and ".join(name for name, enabled in used_for if enabled)
        logger.warning(
            "jwtguard: the token store for %s (%s) keeps its entries in this process only "
            "(pid %d): each worker process keeps its own used jtis and revocations, so a token "
            "can be replayed once per worker and a revocation reaches one worker. Use a store "
            'shared by every worker: REDIS_URL, or in Django STORE = "django-cache" on a shared '
            "cache (Redis, Memcached)",
            checks,
            self.name,
            os.getpid(),
        )

    # --- store failures ----------------------------------------------------------------------

    def _guarded(
        self, step: str, check: _StoreCheck, claims: Mapping[str, Any], now: float
    ) -> Skip | None:
        """``check``, with a store failure answered as ``STORE_FAILURE`` says: a 503, or a
        :class:`Skip` (the token passes unchecked)."""
        try:
            check(claims, now)
        except AuthError:
            raise
        except StoreError as error:
            return self._failed(step, str(error))
        except Exception as error:  # a custom store's bug must not become a 500 or an accept
            logger.exception("jwtguard: the token store %s failed in the %s check", self.name, step)
            return self._failed(step, f"the store raised {type(error).__name__}")
        return None

    def _failed(self, step: str, reason: str) -> Skip:
        unreachable = f"the {step} check could not reach the token store: {reason}"
        if self.fail_open:
            self._log.emit(
                logging.WARNING,
                "jwtguard: the %s check could not reach the token store (%s); the token is "
                "accepted unchecked because STORE_FAILURE is 'open'",
                step,
                reason,
            )
            return Skip(f"{unreachable}; STORE_FAILURE is 'open', so it passes unchecked")
        self._log.emit(
            logging.ERROR,
            "jwtguard: the %s check could not reach the token store (%s); answering 503",
            step,
            reason,
        )
        raise StoreUnavailable(detail=unreachable, retry_after=RETRY_AFTER)


_StoreCheck = Callable[[Mapping[str, Any], float], None]
_SETTINGS = {"revocation": "REVOCATION", "replay": "REPLAY_PROTECTION"}
_READS = {"revocation": ("jti", "sub"), "replay": ("jti",)}


def store_steps(checks: StoreChecks | None) -> tuple[Step[Facts], Step[Facts]]:
    """The revocation and replay steps of a configuration (left out without a store)."""
    if checks is not None:
        return checks.steps()
    return (
        _store_step("revocation", lambda _state: None),
        _store_step("replay", lambda _state: None),
    )


def _store_step(
    name: str,
    check: Callable[[Facts], Skip | None],
    *,
    peek: Callable[[Facts], Skip | None] | None = None,
    blocking: bool = False,
    enabled: bool = False,
) -> Step[Facts]:
    return Step(
        name,
        _READS[name],
        check,
        _revocation_passed if name == "revocation" else _replay_passed,
        after=("payload",),
        off=None if enabled else f"{_SETTINGS[name]} is off",
        peek=peek,
        blocking=blocking,
        proven="the store is only asked about a token that passed every check",
    )


def _revocation_passed(state: Facts) -> str:
    whose = describe_issuer(token_issuer(state.claims))
    return f"no revocation of its jti or sub {whose} or from every issuer"


def _replay_passed(state: Facts) -> str:
    return f"jti {describe_issuer(token_issuer(state.claims))} not used yet (not recorded)"


def token_issuer(claims: Mapping[str, Any]) -> str:
    """The issuer a token's store entries belong to: its ``iss``, ``""`` without one."""
    iss = claims.get("iss")
    return iss if isinstance(iss, str) else ""


class OncePerProcess:
    """Says yes the first time it is asked in each process (a forked worker gets its own).

    Without a lock, which a fork could copy while held: ``dict.setdefault`` is atomic, so of
    threads asking at once exactly one wins.
    """

    def __init__(self) -> None:
        self._pid: int | None = None
        self._winners: dict[int, object] = {}

    def first(self) -> bool:
        pid = os.getpid()
        if self._pid == pid:  # the usual answer
            return False
        ticket = object()
        won = self._winners.setdefault(pid, ticket) is ticket
        self._pid = pid
        return won


PROCESS_LOCAL_WARNING = OncePerProcess()
"""Whether this process has yet to warn that its store is process-local."""


def parse_cutoff(value: str) -> float:
    """A subject cutoff as stored (seconds since the epoch); :class:`StoreError` if garbled."""
    try:
        return float(value)
    except ValueError:
        raise StoreError(f"a subject cutoff in the store is not a number: {value[:32]!r}") from None


class RateLimitedLog:
    """Logs the first message, then at most one per ``interval`` with the count of the rest."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._last: float | None = None
        self._suppressed = 0

    def emit(self, level: int, message: str, *args: object) -> None:
        with self._lock:
            now = self._clock()
            if self._last is not None and now - self._last < self.interval:
                self._suppressed += 1
                return
            suppressed, self._suppressed, self._last = self._suppressed, 0, now
        if suppressed:
            message += " (and %d more times since the last such message)"
            args = (*args, suppressed)
        logger.log(level, message, *args)


def _replay_jti(claims: Mapping[str, Any]) -> str:
    """The ``jti`` the replay check keys on; an empty one cannot tell tokens apart."""
    jti: str = claims["jti"]
    if not jti:
        raise ClaimInvalid(
            "The access token's jti claim is invalid",
            detail="jti is empty; replay protection needs a unique jti per token",
        )
    return jti


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _shorten(value: str | None, limit: int = 64) -> str | None:
    return value if value is None or len(value) <= limit else value[:limit] + "…"
